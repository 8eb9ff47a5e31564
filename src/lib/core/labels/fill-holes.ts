/**
 * Fill holes: background that a cell fully encloses becomes that cell.
 *
 * A hole of cell k is a 4-connected component of background pixels all of whose 4-neighbours are
 * background of the same component or k (so it touches neither the image border nor another
 * cell). This differs from Cellpose's `fill_holes_and_remove_small_masks`, which runs
 * `scipy.ndimage.binary_fill_holes` on each mask and so also swallows any cell lying inside a
 * ring-shaped one; here other cells are never overwritten. Only the cell's bounding box is
 * scanned: a hole cannot reach outside it.
 */
import type { Labels } from '../raster/types';
import { capturePatch, emptyEdit, type Edit } from './edit';
import { labelMask } from './components';
import type { RegionOptions } from './merge';
import { finishEdit } from './patch';
import { allCells, cellInfo } from './select';
import type { Rect } from './rect';

/** Fill the holes of cell `id`, whose pixels all lie in `bbox` (a tight box is fastest). */
function fillHolesIn(labels: Labels, id: number, bbox: Rect): Edit {
	const w = bbox.x1 - bbox.x0;
	const h = bbox.y1 - bbox.y0;
	if (w < 3 || h < 3) return emptyEdit();
	const work = capturePatch(labels, bbox);
	const bg = new Uint8Array(w * h);
	for (let k = 0; k < bg.length; k++) bg[k] = work[k] === 0 ? 1 : 0;
	const c = labelMask(bg, w, h, 4);
	if (c.count === 0) return emptyEdit();
	const open = new Uint8Array(c.count + 1);
	for (let y = 0, k = 0; y < h; y++) {
		for (let x = 0; x < w; x++, k++) {
			const cc = c.comp[k];
			if (cc === 0 || open[cc]) continue;
			if (x === 0 || y === 0 || x === w - 1 || y === h - 1) {
				open[cc] = 1;
				continue;
			}
			const u = work[k - w];
			const dn = work[k + w];
			const l = work[k - 1];
			const r = work[k + 1];
			if ((u !== 0 && u !== id) || (dn !== 0 && dn !== id) || (l !== 0 && l !== id) || (r !== 0 && r !== id)) open[cc] = 1;
		}
	}
	let any = false;
	for (let k = 0; k < work.length; k++) {
		const cc = c.comp[k];
		if (cc !== 0 && !open[cc]) {
			work[k] = id;
			any = true;
		}
	}
	return any ? finishEdit(labels, bbox, work, [], []) : emptyEdit();
}

/** Fill the holes of one cell (see the file comment). */
export function fillCellHoles(labels: Labels, id: number, opts: RegionOptions = {}): Edit {
	const info = cellInfo(labels, id, opts.within);
	return info ? fillHolesIn(labels, id, info.bbox) : emptyEdit();
}

/**
 * Fill the holes of every cell: one edit per cell that had any, with disjoint changes (apply them
 * in any order, undo them as one step).
 */
export function fillAllHoles(labels: Labels): Edit[] {
	const out: Edit[] = [];
	for (const c of allCells(labels)) {
		const e = fillHolesIn(labels, c.id, c.bbox);
		if (e.before.length > 0) out.push(e);
	}
	return out;
}
