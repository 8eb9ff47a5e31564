/**
 * Click to select: the id under a pixel, and a cell's area and bounding box. The class of a cell
 * lives in the session's class map, not in the label image, so the caller adds it.
 */
import { labelBoxes, maxLabelOf } from '../cellpose/labels-util';
import type { Labels } from '../raster/types';
import { clipRect, fullRect, type Rect } from './rect';
import { cellRect, cellsRect } from './cell-index';

export interface CellInfo {
	id: number;
	/** Pixel count. */
	area: number;
	/** Bounding box of all its pixels (exclusive max). */
	bbox: Rect;
}

/**
 * The id at image position (x, y) in continuous coordinates (pixel ⌊x⌋, ⌊y⌋), or 0 outside the
 * image.
 */
export function idAt(labels: Labels, x: number, y: number): number {
	const px = Math.floor(x);
	const py = Math.floor(y);
	if (!(px >= 0 && py >= 0 && px < labels.width && py < labels.height)) return 0;
	return labels.data[py * labels.width + px];
}

/**
 * Area and bounding box of cell `id`, or null when it has no pixels. Only `within` is scanned
 * (default: the whole image, about 20 ms at 4096²); pass a rect known to hold the whole cell
 * (e.g. its bbox from an earlier selection, grown by the edits since) to make it cheap.
 */
export function cellInfo(labels: Labels, id: number, within?: Rect): CellInfo | null {
	if (id === 0) return null;
	const r = clipRect(within ?? cellRect(labels, id) ?? fullRect(labels.width, labels.height), labels.width, labels.height);
	const W = labels.width;
	const d = labels.data;
	let area = 0;
	let x0 = Infinity;
	let y0 = -1;
	let x1 = -Infinity;
	let y1 = -1;
	for (let y = r.y0; y < r.y1; y++) {
		let i = y * W + r.x0;
		let rowHit = false;
		for (let x = r.x0; x < r.x1; x++, i++) {
			if (d[i] !== id) continue;
			area++;
			rowHit = true;
			if (x < x0) x0 = x;
			if (x >= x1) x1 = x + 1;
		}
		if (rowHit) {
			if (y0 < 0) y0 = y;
			y1 = y + 1;
		}
	}
	return area === 0 ? null : { id, area, bbox: { x0, y0, x1, y1 } };
}

/** The cell under (x, y) with its area and bbox (see `cellInfo`), or null on background. */
export function selectAt(labels: Labels, x: number, y: number, within?: Rect): CellInfo | null {
	return cellInfo(labels, idAt(labels, x, y), within);
}

/**
 * Bounding boxes of several cells in one scan of `within` (default the whole image): a rect per
 * id, empty (`x1 ≤ x0`) for ids with no pixels there.
 */
export function cellBoxes(labels: Labels, ids: readonly number[], within?: Rect): Map<number, CellInfo> {
	const r = clipRect(within ?? cellsRect(labels, ids) ?? fullRect(labels.width, labels.height), labels.width, labels.height);
	const W = labels.width;
	const d = labels.data;
	const idx = new Map<number, number>();
	ids.forEach((id) => {
		if (id !== 0 && !idx.has(id)) idx.set(id, idx.size);
	});
	const n = idx.size;
	const keys = Uint32Array.from(idx.keys());
	const box = new Float64Array(4 * n).fill(NaN);
	const area = new Float64Array(n);
	let lo = Infinity;
	let hi = -1;
	for (const k of keys) {
		lo = Math.min(lo, k);
		hi = Math.max(hi, k);
	}
	for (let y = r.y0; y < r.y1; y++) {
		let i = y * W + r.x0;
		for (let x = r.x0; x < r.x1; x++, i++) {
			const v = d[i];
			if (v < lo || v > hi) continue;
			let k = 0;
			while (k < n && keys[k] !== v) k++;
			if (k === n) continue;
			area[k]++;
			const b = 4 * k;
			if (!(box[b] <= x)) box[b] = x;
			if (!(box[b + 2] > x)) box[b + 2] = x + 1;
			if (!(box[b + 1] <= y)) box[b + 1] = y;
			box[b + 3] = y + 1;
		}
	}
	const out = new Map<number, CellInfo>();
	for (let k = 0; k < n; k++) {
		const b = 4 * k;
		const bbox = area[k] > 0 ? { x0: box[b], y0: box[b + 1], x1: box[b + 2], y1: box[b + 3] } : { x0: 0, y0: 0, x1: 0, y1: 0 };
		out.set(keys[k], { id: keys[k], area: area[k], bbox });
	}
	return out;
}

/** Above this largest id, `allCells` maps ids through a hash map instead of arrays indexed by id. */
const DENSE_ID_LIMIT = 1 << 22;

/**
 * Area and bounding box of every cell, in one scan of the whole image, in ascending id order
 * (the bboxes `scipy.ndimage.find_objects` gives, with an exclusive max).
 */
export function allCells(labels: Labels): CellInfo[] {
	const { width: W, height: H, data: d } = labels;
	const max = maxLabelOf(d);
	const out: CellInfo[] = [];
	if (max <= DENSE_ID_LIMIT) {
		const { box, count } = labelBoxes(d, H, W);
		for (let id = 1; id <= max; id++) {
			if (count[id] === 0) continue;
			const b = 4 * id;
			out.push({ id, area: count[id], bbox: { x0: box[b + 2], y0: box[b], x1: box[b + 3] + 1, y1: box[b + 1] + 1 } });
		}
		return out;
	}
	const cells = new Map<number, { area: number; x0: number; y0: number; x1: number; y1: number }>();
	for (let y = 0, i = 0; y < H; y++) {
		for (let x = 0; x < W; x++, i++) {
			const v = d[i];
			if (v === 0) continue;
			const c = cells.get(v);
			if (!c) {
				cells.set(v, { area: 1, x0: x, y0: y, x1: x + 1, y1: y + 1 });
				continue;
			}
			c.area++;
			if (x < c.x0) c.x0 = x;
			if (x >= c.x1) c.x1 = x + 1;
			c.y1 = y + 1;
		}
	}
	for (const id of [...cells.keys()].sort((a, b) => a - b)) {
		const c = cells.get(id)!;
		out.push({ id, area: c.area, bbox: { x0: c.x0, y0: c.y0, x1: c.x1, y1: c.y1 } });
	}
	return out;
}
