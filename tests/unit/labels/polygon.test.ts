import { describe, expect, it } from 'vitest';
import { applyEdit, revertEdit } from '../../../src/lib/core/labels/edit';
import { drawPolygonCell, polygonMask } from '../../../src/lib/core/labels/polygon';
import { ParamError } from '../../../src/lib/core/formats/errors';
import type { Point } from '../../../src/lib/core/labels/rect';
import { applied, changedOutside, grid, norm, piecesPerId, randomDiscs, lcg, show } from './grid';

const P = (xy: [number, number][]): Point[] => xy.map(([x, y]) => ({ x, y }));

function maskText(points: Point[], W: number, H: number): string {
	const { rect, mask } = polygonMask(points, W, H);
	const full = new Uint32Array(W * H);
	const w = rect.x1 - rect.x0;
	for (let k = 0; k < mask.length; k++) if (mask[k]) full[(rect.y0 + Math.floor(k / w)) * W + rect.x0 + (k % w)] = 1;
	return show({ width: W, height: H, data: full });
}

// scikit-image 0.19.3 `skimage.draw.polygon(ys - 0.5, xs - 0.5, shape=(16, 20))` (its pixel
// centres are integers, ours are at +0.5), /usr/bin/python3. Vertices avoid pixel centres so edge
// conventions do not matter. The star is self-intersecting: its centre pentagon is outside under
// the even-odd rule.
const SKIMAGE: Record<string, { points: Point[]; mask: string }> = {
	convex: {
		points: P([
			[2.137, 1.29],
			[15.61, 3.07],
			[17.93, 11.44],
			[6.2, 14.77],
			[1.33, 9.81]
		]),
		mask: `
			00000000000000000000
			00110000000000000000
			00111111111000000000
			00111111111111110000
			00111111111111110000
			00111111111111110000
			00111111111111111000
			00111111111111111000
			01111111111111111000
			01111111111111111000
			00111111111111111100
			00011111111111111100
			00001111111111000000
			00000111111000000000
			00000010000000000000
			00000000000000000000`
	},
	star: {
		points: P([
			[10.07, 0.53],
			[13.61, 14.71],
			[1.29, 5.63],
			[18.83, 5.77],
			[6.41, 14.69]
		]),
		mask: `
			00000000000000000000
			00000000000000000000
			00000000001000000000
			00000000011000000000
			00000000011000000000
			00000000011000000000
			00111111100011111100
			00001111000011110000
			00000111000011100000
			00000001000011000000
			00000001000010000000
			00000001100110000000
			00000001100110000000
			00000001000010000000
			00000010000001000000
			00000000000000000000`
	},
	offImage: {
		points: P([
			[-5.3, -4.1],
			[8.77, 2.31],
			[25.2, 6.6],
			[9.9, 20.3]
		]),
		mask: `
			11111000000000000000
			11111110000000000000
			11111111100000000000
			11111111111110000000
			11111111111111111000
			01111111111111111111
			01111111111111111111
			00111111111111111111
			00011111111111111111
			00011111111111111111
			00001111111111111111
			00001111111111111111
			00000111111111111110
			00000011111111111000
			00000011111111110000
			00000001111111100000`
	}
};

describe('polygonMask', () => {
	it.each(Object.keys(SKIMAGE))('matches skimage.draw.polygon: %s', (name) => {
		expect(maskText(SKIMAGE[name].points, 20, 16)).toBe(norm(SKIMAGE[name].mask));
	});

	it('fills a pixel-aligned square exactly (hand-worked, half-open edges)', () => {
		// Corners on pixel edges: centres 1.5 … 3.5 are inside [1, 4); the square is 3 × 3 pixels.
		expect(
			maskText(
				P([
					[1, 1],
					[4, 1],
					[4, 4],
					[1, 4]
				]),
				6,
				5
			)
		).toBe(
			norm(`
				000000
				011100
				011100
				011100
				000000
			`)
		);
	});

	it('rejects fewer than three points', () => {
		expect(() => polygonMask(P([[0, 0], [3, 3]]), 5, 5)).toThrow(ParamError);
		expect(() => polygonMask(P([[0, 0], [3, NaN], [1, 2]]), 5, 5)).toThrow(/not a finite position/);
	});
});

describe('drawPolygonCell', () => {
	const cells = () =>
		grid(`
			.........
			.........
			...111...
			...111...
			...111...
			.........
			.........
		`);

	it('adds a new cell with id max + 1 that keeps existing cells (background-only)', () => {
		const l = cells();
		const square = P([
			[1, 1],
			[8, 1],
			[8, 6],
			[1, 6]
		]);
		const e = drawPolygonCell(l, square);
		expect(e.created).toEqual([{ id: 2, from: 0 }]);
		expect(show(applied(l, e, applyEdit))).toBe(
			norm(`
				.........
				.2222222.
				.2211122.
				.2211122.
				.2211122.
				.2222222.
				.........
			`)
		);
	});

	it('keeps only the largest piece when existing cells cut the new one', () => {
		const l = grid(`
			..........
			....1.....
			....1.....
			....1.....
			..........
		`);
		// Rows 1–3, columns 1–8; cell 1 splits it into columns 1–3 (9 px) and 5–8 (12 px).
		const e = drawPolygonCell(l, P([[1, 1], [9, 1], [9, 4], [1, 4]]), { nextId: 9 });
		expect(e.created).toEqual([{ id: 9, from: 0 }]);
		expect(show(applied(l, e, applyEdit))).toBe(
			norm(`
				..........
				....19999.
				....19999.
				....19999.
				..........
			`)
		);
	});

	it('under replace overwrites cells, and a cell cut in two gets a new id for its smaller piece', () => {
		const l = grid(`
			..........
			.11111111.
			..........
		`);
		const e = drawPolygonCell(l, P([[4, 0], [6, 0], [6, 3], [4, 3]]), { mode: 'replace' });
		// The new cell 2 takes columns 4–5 of every row; cell 1 falls into columns 1–3 and 6–8, 3 px
		// each: a tie, so the first in raster order (left) keeps 1 and the right becomes 3.
		expect(e.created).toEqual([
			{ id: 2, from: 0 },
			{ id: 3, from: 1 }
		]);
		expect(show(applied(l, e, applyEdit))).toBe(
			norm(`
				....22....
				.11122333.
				....22....
			`)
		);
	});

	it('adds nothing when nothing survives', () => {
		const l = cells();
		expect(drawPolygonCell(l, P([[3.2, 2.2], [5.8, 2.2], [5.8, 4.8], [3.2, 4.8]])).created).toEqual([]);
		expect(drawPolygonCell(l, P([[20, 20], [30, 20], [30, 30]])).before.length).toBe(0);
	});

	it('touches only its rect, reverts exactly and never overwrites under background-only (random)', () => {
		const rand = lcg(3);
		for (let t = 0; t < 60; t++) {
			const l = randomDiscs(40, 32, 10, 500 + t);
			const before = piecesPerId(l);
			const pts = Array.from({ length: 3 + Math.floor(rand() * 8) }, () => ({ x: rand() * 48 - 4, y: rand() * 40 - 4 }));
			const mode = t % 2 ? 'replace' : 'background-only';
			const e = drawPolygonCell(l, pts, { mode });
			const out = applied(l, e, applyEdit);
			expect(changedOutside(l, out, e.rect)).toEqual([]);
			const after = piecesPerId(out);
			for (const c of e.created) expect(after.get(c.id)).toBe(1);
			for (const [j, n] of before) if (after.has(j)) expect(after.get(j)).toBeLessThanOrEqual(n);
			if (mode === 'background-only') expect(l.data.filter((v, i) => v !== 0 && out.data[i] !== v).length).toBe(0);
			revertEdit(out, e);
			expect(Array.from(out.data)).toEqual(Array.from(l.data));
		}
	});
});
