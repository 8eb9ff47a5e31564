import { describe, expect, it } from 'vitest';
import {
	clipRect,
	EMPTY_RECT,
	expandRect,
	intersectRect,
	isEmptyRect,
	pixelBoundsOf,
	rectArea,
	rectContains,
	rectContainsRect,
	rectsEqual,
	unionRect
} from '../../../src/lib/core/labels/rect';

describe('rect', () => {
	it('uses an exclusive max: (2,3)–(5,7) is 3 × 4 = 12 pixels', () => {
		const r = { x0: 2, y0: 3, x1: 5, y1: 7 };
		expect(rectArea(r)).toBe(12);
		expect(rectContains(r, 4, 6)).toBe(true);
		expect(rectContains(r, 5, 6)).toBe(false);
		expect(rectContains(r, 2, 7)).toBe(false);
		expect(isEmptyRect({ x0: 3, y0: 0, x1: 3, y1: 9 })).toBe(true);
		expect(rectArea({ x0: 5, y0: 0, x1: 3, y1: 9 })).toBe(0);
	});

	it('unions and intersects (hand-worked)', () => {
		const a = { x0: 0, y0: 0, x1: 4, y1: 4 };
		const b = { x0: 2, y0: 3, x1: 9, y1: 5 };
		expect(unionRect(a, b)).toEqual({ x0: 0, y0: 0, x1: 9, y1: 5 });
		expect(intersectRect(a, b)).toEqual({ x0: 2, y0: 3, x1: 4, y1: 4 });
		expect(intersectRect(a, { x0: 4, y0: 0, x1: 6, y1: 4 })).toEqual(EMPTY_RECT);
		// An empty rect adds nothing, wherever it is.
		expect(unionRect(a, { x0: 100, y0: 100, x1: 100, y1: 200 })).toEqual(a);
		expect(unionRect(EMPTY_RECT, b)).toEqual(b);
	});

	it('clips to the image and tests containment', () => {
		expect(clipRect({ x0: -3, y0: 5, x1: 12, y1: 30 }, 10, 20)).toEqual({ x0: 0, y0: 5, x1: 10, y1: 20 });
		expect(isEmptyRect(clipRect({ x0: 10, y0: 0, x1: 15, y1: 5 }, 10, 20))).toBe(true);
		expect(expandRect({ x0: 2, y0: 2, x1: 3, y1: 3 }, 2)).toEqual({ x0: 0, y0: 0, x1: 5, y1: 5 });
		expect(rectContainsRect({ x0: 0, y0: 0, x1: 5, y1: 5 }, { x0: 1, y0: 1, x1: 5, y1: 5 })).toBe(true);
		expect(rectContainsRect({ x0: 0, y0: 0, x1: 5, y1: 5 }, { x0: 1, y0: 1, x1: 6, y1: 5 })).toBe(false);
		expect(rectsEqual(EMPTY_RECT, { x0: 7, y0: 7, x1: 2, y1: 9 })).toBe(true);
	});

	it('finds the pixels whose centres lie in a continuous box', () => {
		// Centres 0.5, 1.5, …: [0.5, 2.5] holds the centres of pixels 0, 1, 2; [0.6, 2.4] only pixel 1.
		expect(pixelBoundsOf(0.5, 0.5, 2.5, 2.5)).toEqual({ x0: 0, y0: 0, x1: 3, y1: 3 });
		expect(pixelBoundsOf(0.6, 0.6, 2.4, 2.4)).toEqual({ x0: 1, y0: 1, x1: 2, y1: 2 });
		// A disc of radius 1.5 at (3.5, 3.5) reaches the centres 2.5 … 4.5 only (5.5 is 2 away).
		expect(pixelBoundsOf(3.5, 3.5, 3.5, 3.5, 1.5)).toEqual({ x0: 2, y0: 2, x1: 5, y1: 5 });
	});
});
