/**
 * Split a cell along a drawn polyline (Mycol has no split tool).
 *
 * 1. The line's pixels: each segment, clipped to the image, from the pixel holding one end to the
 *    pixel holding the other by Bresenham's algorithm, thickened to 4-connected (a diagonal step
 *    adds the pixel beside it), so no 4- or 8-connected path can slip between two of its pixels.
 * 2. The cell's pixels minus the line fall into 4-connected pieces. Pieces smaller than `minPiece`
 *    pixels (default 5: slivers where the line grazes the cell's edge) count as line pixels.
 * 3. With fewer than two pieces left, the line does not cut the cell: `cut` is false and the edit
 *    is empty. Otherwise the largest piece keeps the id (ties: first pixel in raster order), every
 *    other piece gets a new id, largest first.
 * 4. No pixel is lost: the cell's line pixels (and slivers) join an adjacent piece, the largest
 *    one they touch, spreading outward from the pieces until every one is assigned.
 * Only the piece of the cell the line touches is considered; other pieces of the same id (drawn
 * apart earlier by the user) are left as they are.
 */
import { ParamError } from '../formats/errors';
import type { Labels } from '../raster/types';
import { capturePatch, emptyEdit, type CreatedId, type Edit } from './edit';
import { fillPiece, IntMap, PixelList } from './flood';
import { checkIdsLeft, resolveNextId } from './patch';
import type { Point } from './rect';

export interface SplitOptions {
	/** The cell to split; default: the id most of the line's pixels lie on. */
	id?: number;
	/** First free id (larger than every id in the image); default max + 1, a full scan. */
	nextId?: number;
	/** Pieces smaller than this count as line pixels. Default 5. */
	minPiece?: number;
}

export interface SplitResult {
	/** Whether the line cut the cell into at least two pieces. */
	cut: boolean;
	/** The cell that was (or would have been) split; 0 when the line crosses no cell. */
	id: number;
	/** The ids of the pieces, the kept id first; `[id]` when not cut. */
	ids: number[];
	edit: Edit;
}

/**
 * Clip segment a→b to [lo, hiX] × [lo, hiY] (Liang–Barsky); null when it misses.
 */
function clipSegment(ax: number, ay: number, bx: number, by: number, hiX: number, hiY: number): [number, number, number, number] | null {
	let t0 = 0;
	let t1 = 1;
	const dx = bx - ax;
	const dy = by - ay;
	const p = [-dx, dx, -dy, dy];
	const q = [ax, hiX - ax, ay, hiY - ay];
	for (let k = 0; k < 4; k++) {
		if (p[k] === 0) {
			if (q[k] < 0) return null;
		} else {
			const t = q[k] / p[k];
			if (p[k] < 0) t0 = Math.max(t0, t);
			else t1 = Math.min(t1, t);
		}
	}
	if (t0 > t1) return null;
	return [ax + t0 * dx, ay + t0 * dy, ax + t1 * dx, ay + t1 * dy];
}

/**
 * The line's pixels in order (flat indices, in the image, without repeats): 4-connected
 * Bresenham between the pixels holding consecutive points.
 */
export function linePixels(points: readonly Point[], width: number, height: number): Int32Array {
	if (points.length < 2) throw new ParamError(undefined, `a split line needs at least 2 points, but this one has ${points.length}`);
	for (const p of points) {
		if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new ParamError(undefined, `a split line point (${p.x}, ${p.y}) is not a finite position`);
	}
	const seen = new IntMap(64);
	const out: number[] = [];
	const plot = (x: number, y: number): void => {
		if (x < 0 || y < 0 || x >= width || y >= height) return;
		const i = y * width + x;
		if (!seen.has(i)) {
			seen.set(i, 1);
			out.push(i);
		}
	};
	// The far edge is clipped a hair inside so that an end on it floors to the last pixel.
	const hiX = width - 1e-9;
	const hiY = height - 1e-9;
	for (let s = 0; s + 1 < points.length; s++) {
		const c = clipSegment(points[s].x, points[s].y, points[s + 1].x, points[s + 1].y, hiX, hiY);
		if (!c) continue;
		let x = Math.floor(c[0]);
		let y = Math.floor(c[1]);
		const xe = Math.floor(c[2]);
		const ye = Math.floor(c[3]);
		const dx = Math.abs(xe - x);
		const dy = -Math.abs(ye - y);
		const sx = x < xe ? 1 : -1;
		const sy = y < ye ? 1 : -1;
		let err = dx + dy;
		for (;;) {
			plot(x, y);
			if (x === xe && y === ye) break;
			const e2 = 2 * err;
			if (e2 >= dy) {
				err += dy;
				x += sx;
				if (e2 <= dx) {
					// A diagonal step: plot the pixel beside it to stay 4-connected.
					plot(x, y);
					err += dx;
					y += sy;
				}
			} else if (e2 <= dx) {
				err += dx;
				y += sy;
			}
		}
	}
	return Int32Array.from(out);
}

/** The id most of the line's pixels lie on (ties: the first met along the line), or 0. */
function cellUnderLine(labels: Labels, line: Int32Array): number {
	const counts = new Map<number, number>();
	let best = 0;
	let bestN = 0;
	for (const i of line) {
		const v = labels.data[i];
		if (v === 0) continue;
		const n = (counts.get(v) ?? 0) + 1;
		counts.set(v, n);
		if (n > bestN) {
			best = v;
			bestN = n;
		}
	}
	return best;
}

/** Split a cell along a polyline. Pure: returns the edit. */
export function splitCell(labels: Labels, points: readonly Point[], opts: SplitOptions = {}): SplitResult {
	const W = labels.width;
	const H = labels.height;
	const d = labels.data;
	const minPiece = opts.minPiece ?? 5;
	if (!(minPiece >= 1)) throw new ParamError(undefined, `the smallest piece of a split must be at least 1 pixel, not ${minPiece}`);
	const line = linePixels(points, W, H);
	const id = opts.id ?? cellUnderLine(labels, line);
	const notCut: SplitResult = { cut: false, id, ids: id === 0 ? [] : [id], edit: emptyEdit() };
	if (id === 0) return notCut;

	const onLine = new IntMap(line.length);
	for (const i of line) if (d[i] === id) onLine.set(i, 1);
	if (onLine.size === 0) return notCut;
	// Pieces: the cell without its line pixels.
	const readPiece = (i: number): number => (d[i] === id && !onLine.has(i) ? 1 : 0);
	const pieceOf = new IntMap(256);
	const pieces: PixelList[] = [];
	let stack: Int32Array = new Int32Array(256);
	for (const i of line) {
		if (!onLine.has(i)) continue;
		const y = (i / W) | 0;
		const x = i - y * W;
		const nb = [y > 0 ? i - W : -1, y < H - 1 ? i + W : -1, x > 0 ? i - 1 : -1, x < W - 1 ? i + 1 : -1];
		for (const n of nb) {
			if (n < 0 || readPiece(n) !== 1 || pieceOf.has(n)) continue;
			const p = new PixelList();
			stack = fillPiece(W, H, readPiece, 1, n, pieceOf, pieces.length, p, stack);
			pieces.push(p);
		}
	}
	// Group pieces by the piece of the cell (line included) they belong to.
	const groupOf = new IntMap(256);
	const readCell = (i: number): number => (d[i] === id ? 1 : 0);
	const groups: { pieces: number[]; pixels: PixelList }[] = [];
	for (let p = 0; p < pieces.length; p++) {
		let g = groupOf.get(pieces[p].pixels[0]);
		if (g === -1) {
			g = groups.length;
			const all = new PixelList();
			stack = fillPiece(W, H, readCell, 1, pieces[p].pixels[0], groupOf, g, all, stack);
			groups.push({ pieces: [], pixels: all });
		}
		groups[g].pieces.push(p);
	}

	let next = -1;
	const ids: number[] = [id];
	const created: CreatedId[] = [];
	const changes = new IntMap(256); // pixel → new id
	for (const group of groups) {
		const big = group.pieces.filter((p) => pieces[p].length >= minPiece).sort((a, b) => pieces[b].length - pieces[a].length || pieces[a].first - pieces[b].first);
		if (big.length < 2) continue;
		if (next < 0) next = resolveNextId(labels, opts.nextId);
		checkIdsLeft(next, big.length - 1);
		// owner: pixel → rank in `big` (0 = largest, keeps the id); pixels not owned yet are -1.
		const owner = new IntMap(group.pixels.length);
		const pieceIds = big.map((_, r) => (r === 0 ? id : next + r - 1));
		big.forEach((p, r) => {
			const px = pieces[p].pixels;
			for (let k = 0; k < pieces[p].length; k++) owner.set(px[k], r);
		});
		// Line pixels and slivers join the largest adjacent piece, one ring at a time.
		let pending: number[] = [];
		const gp = group.pixels.pixels;
		for (let k = 0; k < group.pixels.length; k++) if (!owner.has(gp[k])) pending.push(gp[k]);
		while (pending.length > 0) {
			const assign: number[] = [];
			const rest: number[] = [];
			for (const i of pending) {
				const y = (i / W) | 0;
				const x = i - y * W;
				let best = -1;
				const look = (n: number): void => {
					const r = owner.get(n);
					if (r >= 0 && (best < 0 || r < best)) best = r;
				};
				if (y > 0) look(i - W);
				if (y < H - 1) look(i + W);
				if (x > 0) look(i - 1);
				if (x < W - 1) look(i + 1);
				if (best >= 0) assign.push(i, best);
				else rest.push(i);
			}
			// A group is connected, so every ring assigns something until none are left.
			if (assign.length === 0) throw new Error('splitCell: unreachable pixels in a connected piece');
			for (let k = 0; k < assign.length; k += 2) owner.set(assign[k], assign[k + 1]);
			pending = rest;
		}
		for (let k = 0; k < group.pixels.length; k++) {
			const r = owner.get(gp[k]);
			if (r > 0) changes.set(gp[k], pieceIds[r]);
		}
		for (let r = 1; r < pieceIds.length; r++) {
			ids.push(pieceIds[r]);
			created.push({ id: pieceIds[r], from: id });
		}
		next += big.length - 1;
	}
	if (created.length === 0) return notCut;

	// The edit covers the pixels that changed id.
	let x0 = Infinity;
	let y0 = Infinity;
	let x1 = -Infinity;
	let y1 = -Infinity;
	const changed: number[] = [];
	for (const group of groups) {
		const gp = group.pixels.pixels;
		for (let k = 0; k < group.pixels.length; k++) {
			const i = gp[k];
			if (!changes.has(i)) continue;
			changed.push(i);
			const y = (i / W) | 0;
			const x = i - y * W;
			if (x < x0) x0 = x;
			if (x >= x1) x1 = x + 1;
			if (y < y0) y0 = y;
			if (y >= y1) y1 = y + 1;
		}
	}
	const rect = { x0, y0, x1, y1 };
	const before = capturePatch(labels, rect);
	const after = before.slice();
	const rw = x1 - x0;
	for (const i of changed) {
		const y = (i / W) | 0;
		after[(y - y0) * rw + (i - y * W - x0)] = changes.get(i);
	}
	return { cut: true, id, ids, edit: { rect, before, after, created } };
}
