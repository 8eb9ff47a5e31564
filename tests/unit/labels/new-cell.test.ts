import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../../src/lib/core/labels/edit';
import { placeNewCell } from '../../../src/lib/core/labels/new-cell';
import { ParamError } from '../../../src/lib/core/formats/errors';
import { applied, grid, norm, show } from './grid';

describe('placeNewCell (Mycol integrate_new_mask)', () => {
	const l = () =>
		grid(`
			......
			..3...
			..3...
			......
		`);
	// A 4 × 3 mask over columns 1–4, rows 0–2.
	const mask = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
	const rect = { x0: 1, y0: 0, x1: 5, y1: 3 };

	it('gives id max + 1, writes only on background and keeps the largest piece', () => {
		const src = l();
		const e = placeNewCell(src, mask, rect);
		expect(e.created).toEqual([{ id: 4, from: 0 }]);
		// The background pixels of the mask (all but cell 3's two) are one 4-connected piece through
		// row 0, so nothing is dropped.
		expect(show(applied(src, e, applyEdit))).toBe(
			norm(`
				.4444.
				.4344.
				.4344.
				......
			`)
		);
	});

	it('drops all but the largest piece', () => {
		const src = l();
		// Without row 0 the mask falls into column 1 (2 px) and columns 3–4 (4 px).
		const m = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
		const e = placeNewCell(src, m, rect, { nextId: 10 });
		expect(show(applied(src, e, applyEdit))).toBe(
			norm(`
				......
				..3aa.
				..3aa.
				......
			`)
		);
	});

	it('checks the next id and the mask size', () => {
		const src = l();
		expect(() => placeNewCell(src, mask, rect, { nextId: 0 })).toThrow(ParamError);
		expect(() => placeNewCell(src, mask, rect, { nextId: 2 ** 32 })).toThrow(/no free cell ids/);
		expect(() => placeNewCell(src, new Uint8Array(5), rect)).toThrow(RangeError);
		expect(() => placeNewCell(src, mask, { x0: 3, y0: 0, x1: 7, y1: 3 })).toThrow(RangeError);
	});
});
