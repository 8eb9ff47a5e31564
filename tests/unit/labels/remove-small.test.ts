import { describe, expect, it } from 'vitest';
import { applyEdits, revertEdits } from '../../../src/lib/core/labels/edit';
import { removeSmallCells } from '../../../src/lib/core/labels/remove-small';
import { ParamError } from '../../../src/lib/core/formats/errors';
import { copyLabels, grid, norm, show } from './grid';

describe('removeSmallCells', () => {
	const l = () =>
		grid(`
			11.2...
			11.2.3.
			.......
			44.6..3
		`);

	it('removes cells with fewer than N pixels (all pieces counted), one edit each', () => {
		const src = l();
		// Areas: 1 → 4, 2 → 2, 3 → 2 (two pieces), 4 → 2, 6 → 1.
		const edits = removeSmallCells(src, 2);
		expect(edits.map((e) => e.rect)).toEqual([{ x0: 3, y0: 3, x1: 4, y1: 4 }]);
		const out = copyLabels(src);
		applyEdits(out, removeSmallCells(src, 3));
		expect(show(out)).toBe(
			norm(`
				11.....
				11.....
				.......
				.......
			`)
		);
		revertEdits(out, removeSmallCells(src, 3));
		expect(show(out)).toBe(show(src));
		expect(removeSmallCells(src, 0)).toEqual([]);
	});

	it('each edit covers its cell’s bbox only', () => {
		const e = removeSmallCells(l(), 3).find((x) => x.before.includes(3))!;
		expect(e.rect).toEqual({ x0: 5, y0: 1, x1: 7, y1: 4 });
		expect(e.before.length).toBe(6);
	});

	it('rejects a negative size', () => {
		expect(() => removeSmallCells(l(), -1)).toThrow(ParamError);
	});
});
