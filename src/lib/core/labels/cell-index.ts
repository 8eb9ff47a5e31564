/**
 * Where each cell may lie, so that selecting, merging or deleting a cell on a 4096² image scans
 * that cell's box instead of all 16 million pixels. Per id a rect that holds every pixel of the
 * id (it may be larger than the id's bounding box; it is never smaller). One full scan builds it
 * on first use; `noteWrite` keeps it true for every write the label edits make (`writePatch` in
 * edit.ts is the only place edits and undo/redo write pixels): an id a patch writes grows by the
 * patch's rect, and an id a patch removes keeps its old rect, which still holds what is left.
 *
 * The index belongs to the label array (`labels.data`), not to the Labels object, which reactive
 * stores may wrap in proxies. A label image replaced by a new array gets a new index. Images
 * whose ids go past MAX_INDEXED_ID keep no index (callers then scan the whole image).
 */
import type { Labels } from '../raster/types';
import { EMPTY_RECT, isEmptyRect, unionRect, type Rect } from './rect';

/** Ids beyond this keep no index: its arrays grow with the largest id. */
const MAX_INDEXED_ID = 1 << 22;

interface CellIndex {
	/** x0, y0, x1, y1 per id (x1 ≤ x0: no pixels seen). */
	box: Int32Array;
}

const indexes = new WeakMap<Uint32Array, CellIndex | null>();

function build(labels: Labels): CellIndex | null {
	const { width: W, height: H, data } = labels;
	let max = 0;
	for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
	if (max > MAX_INDEXED_ID) return null;
	const box = new Int32Array(4 * (max + 1));
	for (let k = 0; k < box.length; k += 4) {
		box[k] = box[k + 1] = 0x7fffffff;
		box[k + 2] = box[k + 3] = -1;
	}
	// Run by run along each row: one comparison per pixel, the box updated once per run.
	for (let y = 0; y < H; y++) {
		const rowEnd = (y + 1) * W;
		let i = y * W;
		while (i < rowEnd) {
			const v = data[i];
			const start = i;
			while (++i < rowEnd && data[i] === v);
			if (v === 0) continue;
			const b = 4 * v;
			const x0 = start - y * W;
			const x1 = i - y * W;
			if (x0 < box[b]) box[b] = x0;
			if (y < box[b + 1]) box[b + 1] = y;
			if (x1 > box[b + 2]) box[b + 2] = x1;
			box[b + 3] = y + 1;
		}
	}
	return { box };
}

function indexOf(labels: Labels): CellIndex | null {
	let idx = indexes.get(labels.data);
	if (idx === undefined) {
		idx = build(labels);
		indexes.set(labels.data, idx);
	}
	return idx;
}

/**
 * A rect holding every pixel of `id` (EMPTY_RECT when the id has none), or null when the image
 * keeps no index (scan the whole image then).
 */
export function cellRect(labels: Labels, id: number): Rect | null {
	const idx = indexOf(labels);
	if (!idx) return null;
	const b = 4 * id;
	if (id <= 0 || b >= idx.box.length || idx.box[b + 2] <= idx.box[b]) return EMPTY_RECT;
	return { x0: idx.box[b], y0: idx.box[b + 1], x1: idx.box[b + 2], y1: idx.box[b + 3] };
}

/** A rect holding every pixel of all `ids`, or null without an index. */
export function cellsRect(labels: Labels, ids: readonly number[]): Rect | null {
	let r: Rect = EMPTY_RECT;
	for (const id of ids) {
		const c = cellRect(labels, id);
		if (!c) return null;
		if (!isEmptyRect(c)) r = unionRect(r, c);
	}
	return r;
}

/**
 * Record that `patch` was written into `rect` of `labels` where it differs from `unless` (called
 * by the edit writer after it writes). Does nothing for an image that has no index yet.
 */
export function noteWrite(labels: Labels, rect: Rect, patch: Uint32Array, unless: Uint32Array): void {
	const idx = indexes.get(labels.data);
	if (!idx) return;
	let last = 0;
	for (let k = 0; k < patch.length; k++) {
		const v = patch[k];
		if (v === 0 || v === last || v === unless[k]) continue;
		last = v;
		if (v > MAX_INDEXED_ID) {
			indexes.set(labels.data, null);
			return;
		}
		const b = 4 * v;
		if (b >= idx.box.length) {
			const grown = new Int32Array(Math.max(b + 4, 2 * idx.box.length));
			grown.set(idx.box);
			for (let k2 = idx.box.length; k2 < grown.length; k2 += 4) {
				grown[k2] = grown[k2 + 1] = 0x7fffffff;
				grown[k2 + 2] = grown[k2 + 3] = -1;
			}
			idx.box = grown;
		}
		const box = idx.box;
		if (rect.x0 < box[b]) box[b] = rect.x0;
		if (rect.y0 < box[b + 1]) box[b + 1] = rect.y0;
		if (rect.x1 > box[b + 2]) box[b + 2] = rect.x1;
		if (rect.y1 > box[b + 3]) box[b + 3] = rect.y1;
	}
}
