/**
 * Shared machinery of the editing operations: a working copy of the dirty rectangle, the rule
 * that keeps every cell in one piece, and the step that turns the result into an `Edit`.
 *
 * The cut rule (used by brush, eraser, lasso and box prompts in "replace" mode): when an edit
 * removes pixels from a cell and so cuts a piece of that cell (a 4-connected component, as it was
 * before the edit) into several pieces, the largest piece keeps the id and every other piece gets a
 * new id (largest first; ties go to the piece whose first pixel comes first in raster order).
 * Pieces the user had already made disconnected before the edit are left alone.
 */
import { ParamError } from '../formats/errors';
import { maxLabelOf } from '../cellpose/labels-util';
import type { Labels } from '../raster/types';
import { capturePatch, emptyEdit, type CreatedId, type Edit } from './edit';
import { fillPiece, IntMap, PixelList } from './flood';
import { EMPTY_RECT, isEmptyRect, unionRect, type Rect } from './rect';

/** Where a drawn or predicted cell may go: anywhere, or only onto background (existing cells win). */
export type WriteMode = 'replace' | 'background-only';

/** The largest id a label image can hold. */
export const MAX_ID = 0xffffffff;

/**
 * The first id to give a new cell: `given` when the caller tracks it (it must be larger than
 * every id in the image; finding the maximum costs a scan of the whole image), else max + 1.
 */
export function resolveNextId(labels: Labels, given?: number): number {
	const next = given ?? maxLabelOf(labels.data) + 1;
	if (!Number.isInteger(next) || next < 1) throw new ParamError(undefined, `the next cell id must be a whole number of at least 1, not ${next}`);
	return next;
}

/** Check that `count` more ids fit after `next`. */
export function checkIdsLeft(next: number, count: number): void {
	if (next + count - 1 > MAX_ID) {
		throw new ParamError(undefined, `the label image has no free cell ids left (the largest id is ${MAX_ID}); renumber the cells first`);
	}
}

/** A piece of a cell that gets a new id. */
export interface Rename {
	pixels: PixelList;
	id: number;
	from: number;
}

/** A reader of the label image as it will be after the edit: `work` inside `rect`, `labels` outside. */
export function afterReader(labels: Labels, rect: Rect, work: Uint32Array): (i: number) => number {
	const W = labels.width;
	const d = labels.data;
	const rw = rect.x1 - rect.x0;
	const { x0, y0, x1, y1 } = rect;
	return (i: number): number => {
		const y = (i / W) | 0;
		const x = i - y * W;
		return x >= x0 && x < x1 && y >= y0 && y < y1 ? work[(y - y0) * rw + (x - x0)] : d[i];
	};
}

/**
 * Apply the cut rule to every cell that lost pixels in `work` (the new values of `rect`).
 * New ids are taken upwards from `nextId()`, called only when a cell was cut (finding the largest
 * id may cost a scan of the whole image).
 */
export function renameCutPieces(
	labels: Labels,
	rect: Rect,
	work: Uint32Array,
	nextId: () => number
): { renames: Rename[] } {
	const W = labels.width;
	const H = labels.height;
	const d = labels.data;
	const read = afterReader(labels, rect, work);
	// Seeds: pixels still holding a cell's id next to a pixel that cell lost.
	const seeds = new Map<number, number[]>();
	for (let y = rect.y0, k = 0; y < rect.y1; y++) {
		for (let x = rect.x0; x < rect.x1; x++, k++) {
			const i = y * W + x;
			const j = d[i];
			if (j === 0 || work[k] === j) continue;
			let list = seeds.get(j);
			if (!list) seeds.set(j, (list = []));
			if (y > 0 && read(i - W) === j) list.push(i - W);
			if (y < H - 1 && read(i + W) === j) list.push(i + W);
			if (x > 0 && read(i - 1) === j) list.push(i - 1);
			if (x < W - 1 && read(i + 1) === j) list.push(i + 1);
		}
	}
	const renames: Rename[] = [];
	let next = -1;
	let stack: Int32Array = new Int32Array(256);
	const visitedAfter = new IntMap(256);
	const readBefore = (i: number): number => d[i];
	for (const [j, list] of [...seeds].sort((a, b) => a[0] - b[0])) {
		const pieces: PixelList[] = [];
		for (const s of list) {
			if (visitedAfter.has(s)) continue;
			const p = new PixelList();
			stack = fillPiece(W, H, read, j, s, visitedAfter, pieces.length, p, stack);
			pieces.push(p);
		}
		if (pieces.length < 2) continue;
		// Group the new pieces by the piece of the cell they were part of before the edit.
		const visitedBefore = new IntMap(256);
		const groups: PixelList[][] = [];
		const scratch = new PixelList();
		for (const p of pieces) {
			let g = visitedBefore.get(p.pixels[0]);
			if (g === -1) {
				g = groups.length;
				groups.push([]);
				scratch.length = 0;
				stack = fillPiece(W, H, readBefore, j, p.pixels[0], visitedBefore, g, scratch, stack);
			}
			groups[g].push(p);
		}
		for (const group of groups) {
			if (group.length < 2) continue;
			group.sort((a, b) => b.length - a.length || a.first - b.first);
			if (next < 0) next = nextId();
			checkIdsLeft(next, group.length - 1);
			for (let k = 1; k < group.length; k++) renames.push({ pixels: group[k], id: next++, from: j });
		}
	}
	return { renames };
}

/** The bounding rect of the pixels where `work` differs from the label image. */
export function changedRect(labels: Labels, rect: Rect, work: Uint32Array): Rect {
	const W = labels.width;
	const d = labels.data;
	let x0 = Infinity;
	let y0 = Infinity;
	let x1 = -Infinity;
	let y1 = -Infinity;
	for (let y = rect.y0, k = 0; y < rect.y1; y++) {
		let i = y * W + rect.x0;
		for (let x = rect.x0; x < rect.x1; x++, k++, i++) {
			if (work[k] === d[i]) continue;
			if (x < x0) x0 = x;
			if (x >= x1) x1 = x + 1;
			if (y < y0) y0 = y;
			y1 = y + 1;
		}
	}
	return x1 < 0 ? EMPTY_RECT : { x0, y0, x1, y1 };
}

/**
 * The `Edit` for new values `work` of `rect` plus renamed pieces, over the tight rectangle of
 * what actually changes.
 */
export function finishEdit(labels: Labels, rect: Rect, work: Uint32Array, renames: readonly Rename[], created: CreatedId[]): Edit {
	let F = isEmptyRect(rect) ? EMPTY_RECT : changedRect(labels, rect, work);
	for (const r of renames) F = unionRect(F, { x0: r.pixels.x0, y0: r.pixels.y0, x1: r.pixels.x1, y1: r.pixels.y1 });
	const all = [...created, ...renames.map((r) => ({ id: r.id, from: r.from }))].sort((a, b) => a.id - b.id);
	if (isEmptyRect(F)) return { ...emptyEdit(), created: all };
	const before = capturePatch(labels, F);
	const after = before.slice();
	const fw = F.x1 - F.x0;
	const rw = rect.x1 - rect.x0;
	// Copy the working values of the rows and columns of `rect` inside F.
	const cx0 = Math.max(F.x0, rect.x0);
	const cx1 = Math.min(F.x1, rect.x1);
	for (let y = Math.max(F.y0, rect.y0); y < Math.min(F.y1, rect.y1); y++) {
		if (cx1 > cx0) after.set(work.subarray((y - rect.y0) * rw + (cx0 - rect.x0), (y - rect.y0) * rw + (cx1 - rect.x0)), (y - F.y0) * fw + (cx0 - F.x0));
	}
	const W = labels.width;
	for (const r of renames) {
		const px = r.pixels.pixels;
		for (let k = 0; k < r.pixels.length; k++) {
			const i = px[k];
			const y = (i / W) | 0;
			after[(y - F.y0) * fw + (i - y * W - F.x0)] = r.id;
		}
	}
	return { rect: F, before, after, created: all };
}

/** Apply the cut rule and build the edit in one go. */
export function finishWithCutRule(
	labels: Labels,
	rect: Rect,
	work: Uint32Array,
	nextId: () => number,
	created: CreatedId[]
): Edit {
	const { renames } = renameCutPieces(labels, rect, work, nextId);
	return finishEdit(labels, rect, work, renames, created);
}
