import { describe, expect, it } from 'vitest';
import {
	applyEdit,
	applyEdits,
	capturePatch,
	changedPixelCount,
	composeEdits,
	editBytes,
	emptyEdit,
	isEmptyEdit,
	makeEdit,
	revertEdit,
	revertEdits
} from '../../../src/lib/core/labels/edit';
import { copyLabels, grid, norm, show } from './grid';

const base = () =>
	grid(`
		11100
		11102
		00022
		33000
	`);

describe('Edit', () => {
	it('captures a patch row by row (hand-worked)', () => {
		expect(Array.from(capturePatch(base(), { x0: 2, y0: 1, x1: 5, y1: 3 }))).toEqual([1, 0, 2, 0, 2, 2]);
		expect(capturePatch(base(), { x0: 2, y0: 2, x1: 2, y1: 3 }).length).toBe(0);
		expect(() => capturePatch(base(), { x0: 3, y0: 0, x1: 6, y1: 1 })).toThrow(RangeError);
	});

	it('applies and reverts exactly, touching only the rect', () => {
		const l = base();
		const e = makeEdit(l, { x0: 1, y0: 1, x1: 4, y1: 3 }, Uint32Array.from([5, 5, 5, 5, 5, 2]));
		expect(Array.from(e.before)).toEqual([1, 1, 0, 0, 0, 2]);
		expect(editBytes(e)).toBe(2 * 6 * 4);
		expect(changedPixelCount(e)).toBe(5);
		applyEdit(l, e);
		expect(show(l)).toBe(
			norm(`
				11100
				15552
				05522
				33000
			`)
		);
		revertEdit(l, e);
		expect(show(l)).toBe(show(base()));
	});

	it('writes only the pixels an edit changes, so disjoint edits commute', () => {
		const l = base();
		// Both rects cover (3, 1), but only the second changes it.
		const a = makeEdit(l, { x0: 0, y0: 0, x1: 4, y1: 2 }, Uint32Array.from([7, 1, 1, 0, 1, 1, 1, 0]));
		const b = makeEdit(l, { x0: 3, y0: 1, x1: 5, y1: 3 }, Uint32Array.from([8, 2, 0, 2]));
		const ab = copyLabels(l);
		applyEdits(ab, [a, b]);
		const ba = copyLabels(l);
		applyEdits(ba, [b, a]);
		expect(show(ab)).toBe(show(ba));
		expect(show(ab)).toBe(
			norm(`
				71100
				11182
				00002
				33000
			`)
		);
		revertEdits(ab, [a, b]);
		expect(show(ab)).toBe(show(base()));
	});

	it('composes two consecutive edits into one undo step', () => {
		const l = base();
		const first = makeEdit(l, { x0: 0, y0: 0, x1: 2, y1: 1 }, Uint32Array.from([4, 4]));
		applyEdit(l, first);
		const second = makeEdit(l, { x0: 1, y0: 0, x1: 2, y1: 3 }, Uint32Array.from([6, 6, 6]));
		applyEdit(l, second);
		const both = composeEdits(l, first, second);
		expect(both.rect).toEqual({ x0: 0, y0: 0, x1: 2, y1: 3 });
		// Before is the original image there, after is the current one.
		expect(Array.from(both.before)).toEqual([1, 1, 1, 1, 0, 0]);
		expect(Array.from(both.after)).toEqual([4, 6, 1, 6, 0, 6]);
		revertEdit(l, both);
		expect(show(l)).toBe(show(base()));
		applyEdit(l, both);
		expect(l.data[1]).toBe(6);
	});

	it('has an empty edit that does nothing', () => {
		const l = base();
		const e = emptyEdit();
		expect(isEmptyEdit(e)).toBe(true);
		applyEdit(l, e);
		revertEdit(l, e);
		expect(show(l)).toBe(show(base()));
		expect(editBytes(e)).toBe(0);
	});

	it('rejects patches that do not fit their rect', () => {
		const l = base();
		expect(() => applyEdit(l, { rect: { x0: 0, y0: 0, x1: 2, y1: 2 }, before: new Uint32Array(4), after: new Uint32Array(3), created: [] })).toThrow(
			RangeError
		);
		expect(() => makeEdit(l, { x0: 0, y0: 0, x1: 2, y1: 2 }, new Uint32Array(5))).toThrow(RangeError);
	});
});
