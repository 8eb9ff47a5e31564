/**
 * Adding a new cell from a drawn or predicted mask (lasso, box prompt), as Mycol's
 * `integrate_new_mask` does: the cell gets a fresh id (max + 1), under "background-only" it is
 * written only onto background (existing cells win), and only its largest 4-connected piece is
 * kept (`scipy.ndimage.label`, default structure); an empty result adds nothing. Under "replace"
 * the mask overwrites other cells too; a cell that this cuts in pieces follows the cut rule in
 * `patch.ts`, and the new cell is still reduced to its largest piece.
 */
import type { Labels } from '../raster/types';
import { capturePatch, emptyEdit, type Edit } from './edit';
import { keepLargestComponent } from './components';
import { checkIdsLeft, finishWithCutRule, resolveNextId, type WriteMode } from './patch';
import { clipRect, isEmptyRect, rectsEqual, type Rect } from './rect';

export interface NewCellOptions {
	/** Default 'background-only', Mycol's behaviour. */
	mode?: WriteMode;
	/** The id for the new cell; must exceed every id in the image. Default: max + 1 (a full scan). */
	nextId?: number;
}

/**
 * The edit that adds `mask` (1 = inside, over `rect`, which must lie inside the image) as a new
 * cell. `created` lists the new id (from 0) and any pieces cut off other cells; an empty edit
 * with no `created` entry means nothing survived.
 */
export function placeNewCell(labels: Labels, mask: Uint8Array, rect: Rect, opts: NewCellOptions = {}): Edit {
	const mode = opts.mode ?? 'background-only';
	if (isEmptyRect(rect)) return emptyEdit();
	if (!rectsEqual(clipRect(rect, labels.width, labels.height), rect)) {
		throw new RangeError(`placeNewCell: rect (${rect.x0}, ${rect.y0})–(${rect.x1}, ${rect.y1}) lies outside the image`);
	}
	const w = rect.x1 - rect.x0;
	const h = rect.y1 - rect.y0;
	if (mask.length !== w * h) throw new RangeError(`placeNewCell: ${mask.length} mask values for a ${w} × ${h} rect`);
	const work = capturePatch(labels, rect);
	const m = new Uint8Array(w * h);
	for (let k = 0; k < m.length; k++) m[k] = mask[k] && (mode === 'replace' || work[k] === 0) ? 1 : 0;
	if (keepLargestComponent(m, w, h, 4) === 0) return emptyEdit();
	const id = resolveNextId(labels, opts.nextId);
	checkIdsLeft(id, 1);
	for (let k = 0; k < m.length; k++) if (m[k]) work[k] = id;
	return finishWithCutRule(labels, rect, work, () => id + 1, [{ id, from: 0 }]);
}
