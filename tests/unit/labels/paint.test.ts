import { describe, expect, it } from 'vitest';
import { applyEdit, revertEdit } from '../../../src/lib/core/labels/edit';
import { eraseStroke, paintNewCell, paintStroke, strokeMask } from '../../../src/lib/core/labels/paint';
import { ParamError } from '../../../src/lib/core/formats/errors';
import type { Point } from '../../../src/lib/core/labels/rect';
import { applied, changedOutside, copyLabels, grid, lcg, norm, piecesPerId, randomDiscs, show } from './grid';

/** The stroke mask placed on a W × H grid, as text. */
function maskText(points: Point[], r: number, W: number, H: number): string {
	const { rect, mask } = strokeMask(points, r, W, H);
	const full = new Uint32Array(W * H);
	const w = rect.x1 - rect.x0;
	for (let k = 0; k < mask.length; k++) if (mask[k]) full[(rect.y0 + Math.floor(k / w)) * W + rect.x0 + (k % w)] = 1;
	return show({ width: W, height: H, data: full });
}

// Stroke masks computed with numpy (/usr/bin/python3): pixel centres (x + 0.5, y + 0.5) whose
// squared distance to the nearest segment is ≤ max(r², 0.5) + 1e-9, on a 24 × 20 grid; only the
// rows down to the last painted one are written here (the rest are 0).
const NUMPY_STROKES: { points: Point[]; r: number; rows: string }[] = [
	{
		points: [{ x: 5.3, y: 6.8 }],
		r: 2.6,
		rows: `
			000000000000000000000000
			000000000000000000000000
			000000000000000000000000
			000000000000000000000000
			000011100000000000000000
			000111110000000000000000
			000111110000000000000000
			000111110000000000000000
			000111100000000000000000`
	},
	{
		points: [
			{ x: 3.2, y: 15.1 },
			{ x: 12.7, y: 4.4 },
			{ x: 20.9, y: 11.6 }
		],
		r: 1.8,
		rows: `
			000000000000000000000000
			000000000000000000000000
			000000000000000000000000
			000000000001110000000000
			000000000011111100000000
			000000000111111110000000
			000000001111111111000000
			000000001111001111100000
			000000011110000111110000
			000000111110000011111000
			000001111100000001111100
			000011111000000000111110
			000111110000000000011100
			001111100000000000000000
			001111000000000000000000
			011110000000000000000000
			001100000000000000000000`
	},
	{
		// r = 0.3 is raised to √2/2: a 4-connected staircase, not an 8-connected diagonal.
		points: [
			{ x: 1.1, y: 0.9 },
			{ x: 9.3, y: 8.7 }
		],
		r: 0.3,
		rows: `
			010000000000000000000000
			011000000000000000000000
			001100000000000000000000
			000110000000000000000000
			000011000000000000000000
			000001100000000000000000
			000000110000000000000000
			000000011000000000000000
			000000001100000000000000`
	},
	{
		// Starts outside the image.
		points: [
			{ x: -3, y: -2 },
			{ x: 4.4, y: 3.3 }
		],
		r: 3,
		rows: `
			111111000000000000000000
			111111100000000000000000
			111111100000000000000000
			111111100000000000000000
			011111100000000000000000
			001111000000000000000000`
	}
];

function padRows(rows: string, W: number, H: number): string {
	const r = norm(rows).split('\n');
	while (r.length < H) r.push('0'.repeat(W));
	return r.join('\n');
}

describe('strokeMask', () => {
	it.each(NUMPY_STROKES.map((s, k) => [k, s] as const))('matches numpy for stroke %i', (_k, s) => {
		expect(maskText(s.points, s.r, 24, 20)).toBe(padRows(s.rows, 24, 20));
	});

	it('paints a disc of radius 1.5 as a 3 × 3 block and radius 1 as a plus (hand-worked)', () => {
		expect(maskText([{ x: 3.5, y: 3.5 }], 1.5, 7, 7)).toBe(
			norm(`
				0000000
				0000000
				0011100
				0011100
				0011100
				0000000
				0000000
			`)
		);
		expect(maskText([{ x: 3.5, y: 3.5 }], 1, 7, 7)).toBe(
			norm(`
				0000000
				0000000
				0001000
				0011100
				0001000
				0000000
				0000000
			`)
		);
	});

	it('rejects a bad radius or an empty stroke', () => {
		expect(() => strokeMask([{ x: 1, y: 1 }], 0, 5, 5)).toThrow(ParamError);
		expect(() => strokeMask([{ x: 1, y: 1 }], NaN, 5, 5)).toThrow(ParamError);
		expect(() => strokeMask([], 2, 5, 5)).toThrow(ParamError);
		expect(() => strokeMask([{ x: Infinity, y: 1 }], 2, 5, 5)).toThrow(/not a finite position/);
	});
});

describe('paintStroke', () => {
	it('paints a dab at the corner of the image (border clipping, hand-worked)', () => {
		const l = grid(`
			.....
			.....
			.....
		`);
		const e = paintStroke(l, [{ x: 0, y: 0 }], 2, 7);
		// Centres within 2 of (0, 0): (0.5, 0.5), (1.5, 0.5), (0.5, 1.5); (1.5, 1.5) is 2.12 away.
		expect(e.rect).toEqual({ x0: 0, y0: 0, x1: 2, y1: 2 });
		expect(show(applied(l, e, applyEdit))).toBe(
			norm(`
				77...
				7....
				.....
			`)
		);
	});

	it('under background-only never overwrites another cell', () => {
		const l = grid(`
			........
			..1111..
			..1111..
			........
		`);
		const e = paintStroke(l, [{ x: 0, y: 1.5 }, { x: 8, y: 1.5 }], 0.5, 2, { mode: 'background-only' });
		const out = applied(l, e, applyEdit);
		for (let i = 0; i < l.data.length; i++) if (l.data[i] !== 0) expect(out.data[i]).toBe(l.data[i]);
		// The stroke covers row 1; cell 1 breaks it into columns 0–1 and 6–7. Neither touches a cell
		// 2, so only the larger piece is kept: a tie, the first in raster order wins.
		expect(show(out)).toBe(
			norm(`
				........
				221111..
				..1111..
				........
			`)
		);
	});

	it('keeps the new cell to its largest piece when another cell breaks the stroke', () => {
		const l = grid(`
			..............
			.....11.......
			.....11.......
			.....11.......
			..............
		`);
		const e = paintNewCell(l, [{ x: 1, y: 2.5 }, { x: 13, y: 2.5 }], 0.5, { mode: 'background-only' });
		expect(e.created).toEqual([{ id: 2, from: 0 }]);
		expect(show(applied(l, e, applyEdit))).toBe(
			norm(`
				..............
				.....11.......
				.....112222222
				.....11.......
				..............
			`)
		);
	});

	it('under background-only drops painted pixels that only reach cell k through another cell', () => {
		const l = grid(`
			..............
			.111..2.......
			.111..2.......
			.111..2.......
			..............
		`);
		const e = paintStroke(l, [{ x: 2, y: 2.5 }, { x: 12, y: 2.5 }], 0.5, 1, { mode: 'background-only' });
		expect(show(applied(l, e, applyEdit))).toBe(
			norm(`
				..............
				.111..2.......
				.111112.......
				.111..2.......
				..............
			`)
		);
		expect(e.created).toEqual([]);
	});

	it('under replace cuts a cell it crosses and gives the smaller piece a new id', () => {
		const l = grid(`
			..............
			.111..2.......
			.111..2.......
			.111..22......
			..............
		`);
		const e = paintStroke(l, [{ x: 2, y: 2.5 }, { x: 12, y: 2.5 }], 0.5, 1, { mode: 'replace' });
		// Cell 2 falls into (6,1) (1 px) and (6,3)+(7,3) (2 px): the larger keeps 2, the other is 3.
		expect(e.created).toEqual([{ id: 3, from: 2 }]);
		expect(show(applied(l, e, applyEdit))).toBe(
			norm(`
				..............
				.111..3.......
				.111111111111.
				.111..22......
				..............
			`)
		);
	});

	it('the eraser cuts a cell in two: the larger piece keeps the id, the other gets a new one', () => {
		const l = grid(`
			..........
			.11111111.
			.11111111.
			.11111111.
			..........
		`);
		// r = 0.5 is raised to √2/2: the centres at x = 2.5 and 3.5 are 0.5 from the line x = 3.
		const e = eraseStroke(l, [{ x: 3, y: 0 }, { x: 3, y: 5 }], 0.5, { nextId: 40 });
		expect(e.created).toEqual([{ id: 40, from: 1 }]);
		expect(e.rect).toEqual({ x0: 1, y0: 1, x1: 4, y1: 4 });
		const out = applied(l, e, applyEdit);
		expect(show(out)).toBe(
			norm(`
				..........
				.${(40).toString(36)}..11111.
				.${(40).toString(36)}..11111.
				.${(40).toString(36)}..11111.
				..........
			`)
		);
		revertEdit(out, e);
		expect(show(out)).toBe(show(l));
	});

	it('leaves alone pieces the user had already drawn apart', () => {
		const l = grid(`
			11.11
			11.11
			.....
		`);
		// Erasing a corner of each piece cuts neither: nothing gets a new id.
		const e = eraseStroke(l, [{ x: 2.5, y: 0.5 }], 1);
		expect(e.created).toEqual([]);
		expect(show(applied(l, e, applyEdit))).toBe(
			norm(`
				1...1
				11.11
				.....
			`)
		);
	});

	it('a stroke away from cell k adds a second piece of k (the user painted it there)', () => {
		const l = grid(`
			1.......
			........
			........
		`);
		const e = paintStroke(l, [{ x: 6.5, y: 1.5 }], 0.5, 1);
		const out = applied(l, e, applyEdit);
		expect(piecesPerId(out).get(1)).toBe(2);
		expect(e.created).toEqual([]);
	});

	it('rejects a bad id', () => {
		const l = grid('...');
		expect(() => paintStroke(l, [{ x: 1, y: 0 }], 1, -1)).toThrow(ParamError);
		expect(() => paintStroke(l, [{ x: 1, y: 0 }], 1, 1.5)).toThrow(ParamError);
	});

	it('keeps its invariants on random strokes over random cells', () => {
		const rand = lcg(7);
		for (let trial = 0; trial < 150; trial++) {
			const l = randomDiscs(48, 40, 14, 100 + trial);
			const before = piecesPerId(l);
			const ids = [...before.keys()];
			const kind = trial % 3;
			const id = kind === 0 ? 0 : ids[Math.floor(rand() * ids.length)];
			const mode = kind === 2 ? 'background-only' : 'replace';
			const pts = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => ({ x: rand() * 56 - 4, y: rand() * 48 - 4 }));
			const e = paintStroke(l, pts, 0.5 + rand() * 4, id, { mode });
			const out = applied(l, e, applyEdit);
			expect(changedOutside(l, out, e.rect)).toEqual([]);
			const after = piecesPerId(out);
			const created = new Set(e.created.map((c) => c.id));
			for (const [j, n] of after) {
				if (created.has(j)) expect(n).toBe(1);
				else if (j === id) expect(n).toBeLessThanOrEqual((before.get(j) ?? 0) + 1);
				else expect(n).toBeLessThanOrEqual(before.get(j) ?? 0);
			}
			if (mode === 'background-only') {
				expect(l.data.filter((v, i) => v !== 0 && out.data[i] !== v).length).toBe(0);
			}
			const back = copyLabels(out);
			revertEdit(back, e);
			expect(Array.from(back.data)).toEqual(Array.from(l.data));
		}
	});
});
