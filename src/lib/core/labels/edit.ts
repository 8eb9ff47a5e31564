/**
 * The record of one label edit, which is what undo/redo stores: the dirty rectangle and the label
 * values inside it before and after. Nothing outside the rectangle is kept, so a brush dab on a
 * 4096 × 4096 image costs a few hundred bytes, not 64 MiB.
 *
 * Every editing operation in this folder is pure: it reads the label image, leaves it unchanged
 * and returns an `Edit`; `applyEdit` then writes it. `apply` and `revert` write only the pixels
 * where `before` and `after` differ, so edits whose changed pixels are disjoint (the per-cell edits
 * of `removeSmallCells` or `fillAllHoles`) may be applied in any order, while edits that overlap must
 * be applied in the order they were made and reverted in reverse (as an undo stack does).
 */
import type { Labels } from '../raster/types';
import { EMPTY_RECT, isEmptyRect, rectArea, rectContainsRect, fullRect, unionRect, type Rect } from './rect';
import { noteWrite } from './cell-index';

/** An id an edit brought into being: a new cell (`from` 0) or a piece cut off cell `from`. */
export interface CreatedId {
	id: number;
	from: number;
}

export interface Edit {
	/** The dirty rectangle: every pixel the edit changes lies in it. */
	readonly rect: Rect;
	/** Label values in `rect` before the edit, row-major, `rectArea(rect)` long. */
	readonly before: Uint32Array;
	/** Label values in `rect` after the edit. */
	readonly after: Uint32Array;
	/**
	 * Ids the edit created, in ascending order. A piece cut off a cell inherits that cell's class,
	 * which is why the origin is recorded.
	 */
	readonly created: readonly CreatedId[];
}

/** An edit that changes nothing. */
export function emptyEdit(): Edit {
	return { rect: EMPTY_RECT, before: new Uint32Array(0), after: new Uint32Array(0), created: [] };
}

export function isEmptyEdit(e: Edit): boolean {
	return isEmptyRect(e.rect);
}

function checkRect(labels: Labels, r: Rect, what: string): void {
	if (!isEmptyRect(r) && !rectContainsRect(fullRect(labels.width, labels.height), r)) {
		throw new RangeError(
			`${what}: rect (${r.x0}, ${r.y0})–(${r.x1}, ${r.y1}) lies outside the ${labels.width} × ${labels.height} label image`
		);
	}
}

/** A copy of the label values in `rect`, row-major. */
export function capturePatch(labels: Labels, rect: Rect): Uint32Array {
	checkRect(labels, rect, 'capturePatch');
	const w = rect.x1 - rect.x0;
	const h = rect.y1 - rect.y0;
	if (w <= 0 || h <= 0) return new Uint32Array(0);
	const out = new Uint32Array(w * h);
	const W = labels.width;
	for (let y = 0; y < h; y++) {
		const s = (rect.y0 + y) * W + rect.x0;
		out.set(labels.data.subarray(s, s + w), y * w);
	}
	return out;
}

/** Write `patch` into `rect`, only where it differs from `unless` (when given). */
function writePatch(labels: Labels, rect: Rect, patch: Uint32Array, unless: Uint32Array): void {
	const w = rect.x1 - rect.x0;
	const h = rect.y1 - rect.y0;
	const W = labels.width;
	const d = labels.data;
	for (let y = 0, k = 0; y < h; y++) {
		let i = (rect.y0 + y) * W + rect.x0;
		for (let x = 0; x < w; x++, k++, i++) if (patch[k] !== unless[k]) d[i] = patch[k];
	}
	noteWrite(labels, rect, patch, unless);
}

function checkEdit(labels: Labels, e: Edit, what: string): void {
	checkRect(labels, e.rect, what);
	const n = isEmptyRect(e.rect) ? 0 : rectArea(e.rect);
	if (e.before.length !== n || e.after.length !== n) {
		throw new RangeError(`${what}: the patches hold ${e.before.length} and ${e.after.length} values for a rect of ${n} pixels`);
	}
}

/**
 * An edit whose `before` is read from `labels` (the image as it is now) and whose `after` is the
 * given patch of the same rect.
 */
export function makeEdit(labels: Labels, rect: Rect, after: Uint32Array, created: readonly CreatedId[] = []): Edit {
	if (isEmptyRect(rect)) return { ...emptyEdit(), created };
	const before = capturePatch(labels, rect);
	if (after.length !== before.length) throw new RangeError(`makeEdit: ${after.length} values for a rect of ${before.length} pixels`);
	return { rect, before, after, created };
}

/** Do the edit (redo). */
export function applyEdit(labels: Labels, e: Edit): void {
	checkEdit(labels, e, 'applyEdit');
	if (!isEmptyRect(e.rect)) writePatch(labels, e.rect, e.after, e.before);
}

/** Undo the edit: the rect gets back exactly its `before` values. */
export function revertEdit(labels: Labels, e: Edit): void {
	checkEdit(labels, e, 'revertEdit');
	if (!isEmptyRect(e.rect)) writePatch(labels, e.rect, e.before, e.after);
}

/** Apply several edits made one after another, in order. */
export function applyEdits(labels: Labels, edits: readonly Edit[]): void {
	for (const e of edits) applyEdit(labels, e);
}

/** Undo several edits made one after another: in reverse order. */
export function revertEdits(labels: Labels, edits: readonly Edit[]): void {
	for (let k = edits.length - 1; k >= 0; k--) revertEdit(labels, edits[k]);
}

/** Memory an edit holds (the two patches), in bytes. */
export function editBytes(e: Edit): number {
	return e.before.byteLength + e.after.byteLength;
}

/** How many pixels the edit changes. */
export function changedPixelCount(e: Edit): number {
	let n = 0;
	for (let k = 0; k < e.before.length; k++) if (e.before[k] !== e.after[k]) n++;
	return n;
}

/**
 * One edit equal to `first` followed by `second`, e.g. the segments of one brush stroke merged
 * into a single undo step. `labels` is the image after both were applied; it supplies the pixels
 * of the union rect that neither edit covers (unchanged by both).
 */
export function composeEdits(labels: Labels, first: Edit, second: Edit): Edit {
	checkEdit(labels, first, 'composeEdits');
	checkEdit(labels, second, 'composeEdits');
	if (isEmptyRect(first.rect)) return { ...second, created: [...first.created, ...second.created] };
	if (isEmptyRect(second.rect)) return { ...first, created: [...first.created, ...second.created] };
	const rect = unionRect(first.rect, second.rect);
	const after = capturePatch(labels, rect);
	const before = after.slice();
	const w = rect.x1 - rect.x0;
	// Before: first's before where it has one (the oldest state), else second's before.
	paste(before, w, rect, second.rect, second.before);
	paste(before, w, rect, first.rect, first.before);
	// After: second's after where it has one (the newest state), else first's after.
	paste(after, w, rect, first.rect, first.after);
	paste(after, w, rect, second.rect, second.after);
	const created = [...first.created, ...second.created].sort((a, b) => a.id - b.id);
	return { rect, before, after, created };
}

/** Copy a patch of rect `r` into a buffer of rect `into` (which contains `r`), `w` wide. */
function paste(buf: Uint32Array, w: number, into: Rect, r: Rect, patch: Uint32Array): void {
	const pw = r.x1 - r.x0;
	for (let y = r.y0; y < r.y1; y++) buf.set(patch.subarray((y - r.y0) * pw, (y - r.y0 + 1) * pw), (y - into.y0) * w + (r.x0 - into.x0));
}
