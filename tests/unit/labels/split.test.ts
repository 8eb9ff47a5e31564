import { describe, expect, it } from 'vitest';
import { applyEdit, revertEdit } from '../../../src/lib/core/labels/edit';
import { linePixels, splitCell } from '../../../src/lib/core/labels/split';
import { ParamError } from '../../../src/lib/core/formats/errors';
import type { Point } from '../../../src/lib/core/labels/rect';
import { applied, areas, changedOutside, grid, lcg, norm, piecesPerId, show } from './grid';

const P = (xy: [number, number][]): Point[] => xy.map(([x, y]) => ({ x, y }));

// skimage 0.19.3 `skimage.draw.line(r0, c0, r1, c1)` (8-connected Bresenham), as (x, y) pairs.
const SKIMAGE_LINES: { from: [number, number]; to: [number, number]; pixels: [number, number][] }[] = [
	{ from: [1, 1], to: [11, 5], pixels: [[1, 1], [2, 1], [3, 2], [4, 2], [5, 3], [6, 3], [7, 3], [8, 4], [9, 4], [10, 5], [11, 5]] },
	{ from: [2, 9], to: [6, 0], pixels: [[2, 9], [2, 8], [3, 7], [3, 6], [4, 5], [4, 4], [5, 3], [5, 2], [6, 1], [6, 0]] },
	{ from: [0, 0], to: [7, 7], pixels: [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 6], [7, 7]] },
	{ from: [10, 3], to: [1, 4], pixels: [[10, 3], [9, 3], [8, 3], [7, 3], [6, 3], [5, 4], [4, 4], [3, 4], [2, 4], [1, 4]] }
];

describe('linePixels', () => {
	it.each(SKIMAGE_LINES.map((c) => [c.from.join(','), c.to.join(','), c] as const))('contains skimage.draw.line %s → %s, thickened to 4-connected', (_a, _b, c) => {
		const W = 16;
		// Points at pixel centres, so the pixels holding the ends are the ones skimage joins.
		const got = Array.from(linePixels(P([[c.from[0] + 0.5, c.from[1] + 0.5], [c.to[0] + 0.5, c.to[1] + 0.5]]), W, 12)).map((i) => [i % W, Math.floor(i / W)]);
		const key = (p: number[]) => p.join(',');
		const have = new Set(got.map(key));
		for (const p of c.pixels) expect(have.has(key(p))).toBe(true);
		const diagonalSteps = c.pixels.slice(1).filter((p, k) => p[0] !== c.pixels[k][0] && p[1] !== c.pixels[k][1]).length;
		expect(got.length).toBe(c.pixels.length + diagonalSteps);
		// Consecutive pixels are 4-neighbours.
		for (let k = 1; k < got.length; k++) expect(Math.abs(got[k][0] - got[k - 1][0]) + Math.abs(got[k][1] - got[k - 1][1])).toBe(1);
	});

	it('clips to the image, handles ends far outside, and needs two points', () => {
		const px = linePixels(P([[-1e9, 2.5], [1e9, 2.5]]), 5, 4);
		expect(Array.from(px).sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14]);
		expect(linePixels(P([[-5, -5], [-1, -1]]), 5, 4).length).toBe(0);
		// An end exactly on the far edge lands in the last pixel.
		expect(Array.from(linePixels(P([[4.5, 0.5], [5, 0.5]]), 5, 4))).toEqual([4]);
		expect(() => linePixels(P([[1, 1]]), 5, 4)).toThrow(ParamError);
	});
});

describe('splitCell', () => {
	const bar = () =>
		grid(`
			..........
			.11111111.
			.11111111.
			.11111111.
			..........
		`);

	it('splits a bar in two; the line pixels join the larger piece (hand-worked)', () => {
		const l = bar();
		const r = splitCell(l, P([[3.5, 0], [3.5, 5]]));
		expect(r.cut).toBe(true);
		expect(r.id).toBe(1);
		expect(r.ids).toEqual([1, 2]);
		expect(r.edit.created).toEqual([{ id: 2, from: 1 }]);
		expect(r.edit.rect).toEqual({ x0: 1, y0: 1, x1: 3, y1: 4 });
		expect(show(applied(l, r.edit, applyEdit))).toBe(
			norm(`
				..........
				.22111111.
				.22111111.
				.22111111.
				..........
			`)
		);
	});

	it('says so when the line does not cut the cell', () => {
		const l = bar();
		const r = splitCell(l, P([[3.5, 0], [3.5, 2.5]]));
		expect(r.cut).toBe(false);
		expect(r.id).toBe(1);
		expect(r.ids).toEqual([1]);
		expect(r.edit.before.length).toBe(0);
		const none = splitCell(l, P([[0.5, 4.5], [9.5, 4.5]]));
		expect(none).toMatchObject({ cut: false, id: 0, ids: [] });
	});

	it('treats slivers under minPiece as line pixels', () => {
		const l = grid(`
			.........
			..11111..
			..11111..
			..11111..
			..11111..
			.........
		`);
		const line = P([[0, 2.5], [9, 2.5]]);
		// Row 1 (5 px) against rows 3–4 (10 px): a cut with the default minPiece of 5 …
		const r = splitCell(l, line);
		expect(r.cut).toBe(true);
		expect(show(applied(l, r.edit, applyEdit))).toBe(
			norm(`
				.........
				..22222..
				..11111..
				..11111..
				..11111..
				.........
			`)
		);
		// … but not when pieces must have 6 pixels.
		expect(splitCell(l, line, { minPiece: 6 }).cut).toBe(false);
	});

	it('gives every piece its own id when the line crosses the cell more than once', () => {
		const l = grid(`
			.........
			.11...11.
			.11...11.
			.11...11.
			.1111111.
			.........
		`);
		// The bottom piece has 11 px; the two arm tops have 2 px each, under the default minPiece of
		// 5, so they count as line pixels and there is nothing to cut …
		const r = splitCell(l, P([[0, 2.5], [9, 2.5]]), { nextId: 20 });
		expect(r).toMatchObject({ cut: false, ids: [1] });
		// … with minPiece 1 there are three pieces: the bottom keeps 1, the arm tops (a tie, raster
		// order) get 20 ('k') and 21 ('l'); the line pixels join the largest neighbour, the bottom.
		const r3 = splitCell(l, P([[0, 2.5], [9, 2.5]]), { nextId: 20, minPiece: 1 });
		expect(r3.cut).toBe(true);
		expect(r3.ids).toEqual([1, 20, 21]);
		const out = applied(l, r3.edit, applyEdit);
		expect(show(out)).toBe(
			norm(`
				.........
				.kk...ll.
				.11...11.
				.11...11.
				.1111111.
				.........
			`)
		);
	});

	it('splits only the piece of the id that the line crosses', () => {
		const l = grid(`
			111.111
			111.111
			111.111
		`);
		const r = splitCell(l, P([[5.5, 0], [5.5, 3]]));
		expect(r.cut).toBe(false); // two 3-px slivers under minPiece 5
		const r1 = splitCell(l, P([[5.5, 0], [5.5, 3]]), { minPiece: 1 });
		expect(r1.ids).toEqual([1, 2]);
		expect(show(applied(l, r1.edit, applyEdit))).toBe(
			norm(`
				111.112
				111.112
				111.112
			`)
		);
	});

	it('keeps no pixel lost and each new id in one piece (random discs and lines)', () => {
		const rand = lcg(11);
		let cuts = 0;
		for (let t = 0; t < 200; t++) {
			const W = 40;
			const H = 32;
			const l = { width: W, height: H, data: new Uint32Array(W * H) };
			const cx = 8 + rand() * 24;
			const cy = 8 + rand() * 16;
			const rad = 4 + rand() * 6;
			for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= rad * rad) l.data[y * W + x] = 5;
			// Other cells around, to check they are left alone.
			for (let x = 0; x < W; x++) l.data[x] = 9;
			const a = rand() * Math.PI;
			const off = (rand() - 0.5) * rad;
			const dx = Math.cos(a);
			const dy = Math.sin(a);
			const line = P([
				[cx - dy * off - dx * 30, cy + dx * off - dy * 30],
				[cx - dy * off + dx * 30, cy + dx * off + dy * 30]
			]);
			const r = splitCell(l, line, { id: 5 });
			const out = applied(l, r.edit, applyEdit);
			expect(changedOutside(l, out, r.edit.rect)).toEqual([]);
			if (!r.cut) {
				expect(r.edit.before.length).toBe(0);
				continue;
			}
			cuts++;
			// A straight line through a disc makes exactly two pieces.
			expect(r.ids.length).toBe(2);
			const before = areas(l).get(5)!;
			const after = areas(out);
			expect(r.ids.reduce((s, id) => s + (after.get(id) ?? 0), 0)).toBe(before);
			const wrong: number[] = [];
			for (let i = 0; i < l.data.length; i++) {
				if (l.data[i] === 5 ? !r.ids.includes(out.data[i]) : out.data[i] !== l.data[i]) wrong.push(i);
			}
			expect(wrong).toEqual([]);
			const pieces = piecesPerId(out);
			for (const id of r.ids) expect(pieces.get(id)).toBe(1);
			revertEdit(out, r.edit);
			expect(Array.from(out.data)).toEqual(Array.from(l.data));
		}
		expect(cuts).toBeGreaterThan(120);
	});
});
