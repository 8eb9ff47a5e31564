import { describe, expect, it } from 'vitest';
import { applyEdit, revertEdit } from '../../../src/lib/core/labels/edit';
import { deleteCell, deleteCells } from '../../../src/lib/core/labels/delete';
import { ParamError } from '../../../src/lib/core/formats/errors';
import { applied, changedOutside, grid, norm, show } from './grid';

describe('deleteCells', () => {
	const l = () =>
		grid(`
			11.22..
			11.2..3
			.....33
			9.....3
		`);

	it('zeroes one cell over its bbox and leaves the other ids as they are (hand-worked)', () => {
		const src = l();
		const e = deleteCell(src, 2);
		expect(e.rect).toEqual({ x0: 3, y0: 0, x1: 5, y1: 2 });
		const out = applied(src, e, applyEdit);
		expect(show(out)).toBe(
			norm(`
				11.....
				11....3
				.....33
				9.....3
			`)
		);
		expect(changedOutside(src, out, e.rect)).toEqual([]);
		revertEdit(out, e);
		expect(show(out)).toBe(show(src));
	});

	it('deletes several cells and cells on the border', () => {
		const src = l();
		const e = deleteCells(src, [3, 9]);
		expect(e.rect).toEqual({ x0: 0, y0: 1, x1: 7, y1: 4 });
		expect(show(applied(src, e, applyEdit))).toBe(
			norm(`
				11.22..
				11.2...
				.......
				.......
			`)
		);
		expect(deleteCell(src, 42).before.length).toBe(0);
		expect(() => deleteCell(src, 0)).toThrow(ParamError);
	});
});
