/**
 * Delete cells: their pixels become background. Unlike Mycol's "Remove mask", the other ids are
 * not shifted down to stay contiguous (ids need not be contiguous here; `renumber` makes them so),
 * so a deletion is a small edit and class assignments keep their ids.
 */
import { ParamError } from '../formats/errors';
import type { Labels } from '../raster/types';
import { capturePatch, emptyEdit, type Edit } from './edit';
import type { RegionOptions } from './merge';
import { cellBoxes } from './select';
import { EMPTY_RECT, isEmptyRect, unionRect, type Rect } from './rect';

/** Delete every pixel of the given ids. */
export function deleteCells(labels: Labels, ids: readonly number[], opts: RegionOptions = {}): Edit {
	for (const id of ids) {
		if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) throw new ParamError(undefined, `cannot delete cell id ${id}: cell ids are whole numbers from 1 to ${0xffffffff}`);
	}
	const boxes = cellBoxes(labels, ids, opts.within);
	let rect: Rect = EMPTY_RECT;
	for (const info of boxes.values()) rect = unionRect(rect, info.bbox);
	if (isEmptyRect(rect)) return emptyEdit();
	const before = capturePatch(labels, rect);
	const after = before.slice();
	for (let k = 0; k < after.length; k++) if (after[k] !== 0 && boxes.has(after[k])) after[k] = 0;
	return { rect, before, after, created: [] };
}

/** Delete one cell. */
export function deleteCell(labels: Labels, id: number, opts: RegionOptions = {}): Edit {
	return deleteCells(labels, [id], opts);
}
