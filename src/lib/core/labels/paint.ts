/**
 * Round brush and eraser.
 *
 * A stroke is a polyline of points (one point is a dab) swept by a disc of radius r: a pixel is
 * painted when its centre lies within r of the polyline. Radii below √2/2 are raised to √2/2, the
 * smallest radius for which every stroke is one 4-connected piece (any point of the line is within
 * √2/2 of a pixel centre, and the centres within a disc are 4-connected).
 *
 * The one-piece rules, so that painting never leaves a cell in two pieces unless the user does it:
 * - Painting id k: the newly painted pixels that touch an existing pixel of k (4-neighbours) are
 *   kept. If none touch k (a new cell, or a stroke away from the selected cell), only their largest
 *   4-connected piece is kept. Under "replace" a stroke is one piece, so this only drops anything
 *   where "background-only" let other cells break the stroke up, or where the stroke left the image
 *   and came back. A stroke that does not touch cell k at all adds a second piece of k: the user
 *   painted it there.
 * - Cells the stroke overwrote or erased follow the cut rule of `patch.ts`: if the stroke cut one
 *   in pieces, the largest piece keeps its id and the others get new ids.
 */
import { ParamError } from '../formats/errors';
import type { Labels } from '../raster/types';
import { capturePatch, emptyEdit, type CreatedId, type Edit } from './edit';
import { labelMask } from './components';
import { finishWithCutRule, MAX_ID, resolveNextId, type WriteMode } from './patch';
import { clipRect, isEmptyRect, pixelBoundsOf, type Point, type Rect } from './rect';

export interface PaintOptions {
	/** Default 'replace'. The eraser always replaces. */
	mode?: WriteMode;
	/** First free id (larger than every id in the image), for pieces cut off other cells. Default: max + 1, a full scan, only when a cell is cut. */
	nextId?: number;
}

/** The smallest effective brush radius: strokes are then always 4-connected. */
export const MIN_BRUSH_RADIUS = Math.SQRT1_2;

function checkStroke(points: readonly Point[], radius: number): void {
	if (!(radius > 0) || !Number.isFinite(radius)) throw new ParamError(undefined, `the brush radius must be a positive number of pixels, not ${radius}`);
	if (points.length === 0) throw new ParamError(undefined, 'a brush stroke needs at least one point');
	for (const p of points) {
		if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new ParamError(undefined, `a brush stroke point (${p.x}, ${p.y}) is not a finite position`);
	}
}

/** The pixels the stroke covers (clipped to the image) and the rect they lie in. */
export function strokeMask(points: readonly Point[], radius: number, width: number, height: number): { rect: Rect; mask: Uint8Array } {
	checkStroke(points, radius);
	const rho = Math.max(radius, MIN_BRUSH_RADIUS);
	const r2 = rho * rho + 1e-9;
	let minX = Infinity;
	let minY = Infinity;
	let maxX = -Infinity;
	let maxY = -Infinity;
	for (const p of points) {
		minX = Math.min(minX, p.x);
		minY = Math.min(minY, p.y);
		maxX = Math.max(maxX, p.x);
		maxY = Math.max(maxY, p.y);
	}
	const rect = clipRect(pixelBoundsOf(minX, minY, maxX, maxY, rho), width, height);
	if (isEmptyRect(rect)) return { rect, mask: new Uint8Array(0) };
	const w = rect.x1 - rect.x0;
	const mask = new Uint8Array(w * (rect.y1 - rect.y0));
	const nSeg = Math.max(1, points.length - 1);
	for (let s = 0; s < nSeg; s++) {
		const a = points[s];
		const b = points[Math.min(s + 1, points.length - 1)];
		const dx = b.x - a.x;
		const dy = b.y - a.y;
		const len2 = dx * dx + dy * dy;
		const seg = clipRect(pixelBoundsOf(Math.min(a.x, b.x), Math.min(a.y, b.y), Math.max(a.x, b.x), Math.max(a.y, b.y), rho), width, height);
		for (let y = seg.y0; y < seg.y1; y++) {
			const cy = y + 0.5 - a.y;
			let k = (y - rect.y0) * w + (seg.x0 - rect.x0);
			for (let x = seg.x0; x < seg.x1; x++, k++) {
				if (mask[k]) continue;
				const cx = x + 0.5 - a.x;
				let t = len2 > 0 ? (cx * dx + cy * dy) / len2 : 0;
				if (t < 0) t = 0;
				else if (t > 1) t = 1;
				const ex = cx - t * dx;
				const ey = cy - t * dy;
				if (ex * ex + ey * ey <= r2) mask[k] = 1;
			}
		}
	}
	return { rect, mask };
}

/**
 * Paint a stroke with cell id `id` (0 erases). Pure: returns the edit, the image is unchanged.
 * `created` lists pieces cut off other cells; use `paintNewCell` to start a new cell.
 */
export function paintStroke(labels: Labels, points: readonly Point[], radius: number, id: number, opts: PaintOptions = {}): Edit {
	if (!Number.isInteger(id) || id < 0 || id > MAX_ID) throw new ParamError(undefined, `the cell id to paint must be a whole number from 0 to ${MAX_ID}, not ${id}`);
	const mode = id === 0 ? 'replace' : (opts.mode ?? 'replace');
	const { rect, mask } = strokeMask(points, radius, labels.width, labels.height);
	if (isEmptyRect(rect)) return emptyEdit();
	const before = capturePatch(labels, rect);
	const work = before.slice();
	for (let k = 0; k < mask.length; k++) if (mask[k] && (mode === 'replace' || before[k] === 0)) work[k] = id;
	if (id !== 0) keepConnectedPaint(labels, rect, before, work, id);
	const nextId = (): number => Math.max(resolveNextId(labels, opts.nextId), id + 1);
	return finishWithCutRule(labels, rect, work, nextId, []);
}

/** Erase a stroke: paint background. */
export function eraseStroke(labels: Labels, points: readonly Point[], radius: number, opts: { nextId?: number } = {}): Edit {
	return paintStroke(labels, points, radius, 0, { nextId: opts.nextId });
}

/**
 * Paint a stroke as a new cell with id `nextId` (default max + 1). The new id appears in
 * `created` (from 0) when any of the stroke survives.
 */
export function paintNewCell(labels: Labels, points: readonly Point[], radius: number, opts: PaintOptions = {}): Edit {
	const id = resolveNextId(labels, opts.nextId);
	const e = paintStroke(labels, points, radius, id, { mode: opts.mode, nextId: id + 1 });
	if (!e.after.includes(id)) return e;
	const created: CreatedId[] = [{ id, from: 0 }, ...e.created].sort((a, b) => a.id - b.id);
	return { ...e, created };
}

/** The painting rule for id k (see the file comment), applied to `work` in place. */
function keepConnectedPaint(labels: Labels, rect: Rect, before: Uint32Array, work: Uint32Array, id: number): void {
	const w = rect.x1 - rect.x0;
	const h = rect.y1 - rect.y0;
	const fresh = new Uint8Array(w * h);
	let any = false;
	for (let k = 0; k < fresh.length; k++) {
		if (work[k] === id && before[k] !== id) {
			fresh[k] = 1;
			any = true;
		}
	}
	if (!any) return;
	const c = labelMask(fresh, w, h, 4);
	if (c.count === 1) return; // one piece: kept whether or not it touches k
	const anchored = new Uint8Array(c.count + 1);
	const W = labels.width;
	const H = labels.height;
	const d = labels.data;
	let anyAnchored = false;
	for (let y = rect.y0, k = 0; y < rect.y1; y++) {
		for (let x = rect.x0; x < rect.x1; x++, k++) {
			const cc = c.comp[k];
			if (cc === 0 || anchored[cc]) continue;
			const i = y * W + x;
			if ((y > 0 && d[i - W] === id) || (y < H - 1 && d[i + W] === id) || (x > 0 && d[i - 1] === id) || (x < W - 1 && d[i + 1] === id)) {
				anchored[cc] = 1;
				anyAnchored = true;
			}
		}
	}
	if (!anyAnchored) {
		let best = 1;
		for (let cc = 2; cc <= c.count; cc++) if (c.sizes[cc] > c.sizes[best]) best = cc;
		anchored[best] = 1;
	}
	for (let k = 0; k < fresh.length; k++) if (fresh[k] && !anchored[c.comp[k]]) work[k] = before[k];
}
