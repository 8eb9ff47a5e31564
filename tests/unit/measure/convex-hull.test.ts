import { describe, expect, it } from 'vitest';
import {
	HullWorkspace,
	caliperDiameters,
	convexHullSorted,
	convexImage,
	feretFromConvexImage
} from '../../../src/lib/core/measure/convex-hull';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

type P = [number, number];

const cross = (o: P, a: P, b: P): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
const d2 = (a: P, b: P): number => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2;

/** Reference hull by gift wrapping (Jarvis march), extreme points only. */
function jarvis(pts: P[]): P[] {
	const u = [...new Map(pts.map((p) => [`${p[0]},${p[1]}`, p])).values()];
	let start = u[0];
	for (const p of u) if (p[0] < start[0] || (p[0] === start[0] && p[1] < start[1])) start = p;
	const hull: P[] = [];
	let cur = start;
	do {
		hull.push(cur);
		let next = u[0] === cur ? u[1] : u[0];
		for (const q of u) {
			if (q === cur) continue;
			const c = cross(cur, next, q);
			if (c < 0 || (c === 0 && d2(cur, q) > d2(cur, next))) next = q;
		}
		cur = next;
	} while (cur !== start && hull.length <= u.length);
	return hull;
}

/** Brute-force widths: for every line through two points with all points on one side, the farthest point. */
function bruteFeret(pts: P[]): { maxSq: number; minWidth: number } {
	let maxSq = 0;
	let minWidth = Infinity;
	for (let i = 0; i < pts.length; i++) {
		for (let j = 0; j < pts.length; j++) {
			const dd = d2(pts[i], pts[j]);
			if (dd > maxSq) maxSq = dd;
			if (dd === 0) continue;
			let lo = 0;
			let hi = 0;
			for (const q of pts) {
				const c = cross(pts[i], pts[j], q);
				lo = Math.min(lo, c);
				hi = Math.max(hi, c);
			}
			if (lo < 0 && hi > 0) continue;
			minWidth = Math.min(minWidth, Math.max(-lo, hi) / Math.sqrt(dd));
		}
	}
	return { maxSq, minWidth };
}

function sortedArrays(pts: P[]): { r: Int32Array; c: Int32Array } {
	const s = [...pts].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	return { r: Int32Array.from(s.map((p) => p[0])), c: Int32Array.from(s.map((p) => p[1])) };
}

describe('convexHullSorted and caliperDiameters', () => {
	it('match gift wrapping and brute-force widths on random point sets', () => {
		const rand = rng(7);
		for (let trial = 0; trial < 200; trial++) {
			const n = 3 + Math.floor(rand() * 40);
			const span = 2 + Math.floor(rand() * 30);
			const pts: P[] = Array.from({ length: n }, () => [Math.floor(rand() * span), Math.floor(rand() * span)]);
			const ref = jarvis(pts);
			if (ref.length < 3) continue;
			const { r, c } = sortedArrays(pts);
			const hr = new Int32Array(n + 1);
			const hc = new Int32Array(n + 1);
			const m = convexHullSorted(r, c, n, hr, hc);
			const got = Array.from({ length: m }, (_, i) => `${hr[i]},${hc[i]}`).sort();
			expect(got).toEqual(ref.map((p) => `${p[0]},${p[1]}`).sort());
			const hull: P[] = Array.from({ length: m }, (_, i) => [hr[i], hc[i]]);
			for (let i = 0; i < m; i++) expect(cross(hull[i], hull[(i + 1) % m], hull[(i + 2) % m])).toBeGreaterThan(0);
			const want = bruteFeret(pts);
			const cal = caliperDiameters(hr, hc, m);
			expect(cal.maxSq).toBe(want.maxSq);
			expect(cal.minWidth).toBeCloseTo(want.minWidth, 12);
		}
	});
});

/** Crossing-number test (closed: on-edge points count as inside). */
function inClosedPolygon(poly: P[], q: P): boolean {
	let inside = false;
	for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
		const a = poly[j];
		const b = poly[i];
		// On the edge a–b?
		if (cross(a, b, q) === 0 && Math.min(a[0], b[0]) <= q[0] && q[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= q[1] && q[1] <= Math.max(a[1], b[1])) return true;
		if (a[1] > q[1] !== b[1] > q[1]) {
			const x = a[0] + ((q[1] - a[1]) * (b[0] - a[0])) / (b[1] - a[1]);
			if (q[0] < x) inside = !inside;
		}
	}
	return inside;
}

describe('convexImage and feretFromConvexImage', () => {
	it('match a brute-force hull of all pixel edge midpoints and its contour', () => {
		const rand = rng(11);
		const ws = new HullWorkspace();
		for (let trial = 0; trial < 150; trial++) {
			const h = 1 + Math.floor(rand() * 9);
			const w = 1 + Math.floor(rand() * 11);
			const density = 0.05 + rand() * 0.6;
			const mask: boolean[][] = Array.from({ length: h }, () => Array.from({ length: w }, () => rand() < density));
			mask[Math.floor(rand() * h)][Math.floor(rand() * w)] = true;
			const rowMin = new Int32Array(h).fill(1 << 29);
			const rowMax = new Int32Array(h).fill(-(1 << 29));
			const diamonds: P[] = [];
			for (let r = 0; r < h; r++) {
				for (let c = 0; c < w; c++) {
					if (!mask[r][c]) continue;
					rowMin[r] = Math.min(rowMin[r], c);
					rowMax[r] = Math.max(rowMax[r], c);
					diamonds.push([2 * r - 1, 2 * c], [2 * r + 1, 2 * c], [2 * r, 2 * c - 1], [2 * r, 2 * c + 1]);
				}
			}
			const area = convexImage(rowMin, rowMax, h, ws);
			const poly = jarvis(diamonds);
			const hull: boolean[][] = Array.from({ length: h }, (_, r) =>
				Array.from({ length: w }, (_, c) => inClosedPolygon(poly, [2 * r, 2 * c]))
			);
			let want = 0;
			for (let r = 0; r < h; r++) {
				for (let c = 0; c < w; c++) {
					const got = ws.lo[r] <= c && c <= ws.hi[r];
					expect(got, `trial ${trial} pixel ${r},${c}`).toBe(hull[r][c]);
					if (hull[r][c]) want++;
				}
			}
			expect(area).toBe(want);
			// Contour points: midpoints of edges between a hull pixel and a non-hull 4-neighbour.
			const inHull = (r: number, c: number): boolean => r >= 0 && r < h && c >= 0 && c < w && hull[r][c];
			const contour: P[] = [];
			for (let r = 0; r < h; r++) {
				for (let c = 0; c < w; c++) {
					if (!hull[r][c]) continue;
					if (!inHull(r - 1, c)) contour.push([2 * r - 1, 2 * c]);
					if (!inHull(r + 1, c)) contour.push([2 * r + 1, 2 * c]);
					if (!inHull(r, c - 1)) contour.push([2 * r, 2 * c - 1]);
					if (!inHull(r, c + 1)) contour.push([2 * r, 2 * c + 1]);
				}
			}
			const ref = bruteFeret(contour);
			const f = feretFromConvexImage(h, ws);
			expect(f.max).toBe(Math.sqrt(ref.maxSq / 4));
			expect(f.min).toBeCloseTo(ref.minWidth / 2, 12);
		}
	});
});
