/**
 * Remove small cells: every cell with fewer than `minSize` pixels (all its pieces together)
 * becomes background, as Cellpose's `remove_small_masks` (`npix < min_size`).
 */
import { ParamError } from '../formats/errors';
import type { Labels } from '../raster/types';
import { capturePatch, type Edit } from './edit';
import { allCells } from './select';

/** One edit per removed cell (rect = its bbox), disjoint changes; `[]` when none is that small. */
export function removeSmallCells(labels: Labels, minSize: number): Edit[] {
	if (!Number.isFinite(minSize) || minSize < 0) throw new ParamError(undefined, `the minimum cell size must be a number of pixels of at least 0, not ${minSize}`);
	const out: Edit[] = [];
	for (const c of allCells(labels)) {
		if (c.area >= minSize) continue;
		const before = capturePatch(labels, c.bbox);
		const after = before.slice();
		for (let k = 0; k < after.length; k++) if (after[k] === c.id) after[k] = 0;
		out.push({ rect: c.bbox, before, after, created: [] });
	}
	return out;
}
