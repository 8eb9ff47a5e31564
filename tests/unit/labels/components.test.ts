import { describe, expect, it } from 'vitest';
import { componentsOf, keepLargestComponent, labelMask, largestComponent } from '../../../src/lib/core/labels/components';
import { grid, show } from './grid';

// A random 10 × 12 mask and its labelling by scipy 1.10 `ndimage.label` (default structure =
// 4-connectivity; `structure=np.ones((3, 3))` = 8-connectivity), printed with /usr/bin/python3:
//   rng = np.random.default_rng(1); m = (rng.random((10, 12)) < 0.55).astype(np.uint8)
const MASK = `
	101011011101
	101111110110
	001110110000
	111100010110
	100010110001
	110001100011
	010100000101
	010111011111
	101001000111
	011110011101
`;
const SCIPY_4 = `
	102022022203
	102222220220
	002220220000
	222200020440
	200050220006
	220002200066
	020700000606
	020777066666
	809007000666
	099990066606
`;
const SCIPY_8 = `
	102022022202
	102222220220
	002220220000
	222200020330
	200020220003
	220002200033
	020200000303
	020222033333
	202002000333
	022220033303
`;
const SCIPY_4_SIZES = [2, 33, 1, 2, 1, 17, 5, 1, 5];

describe('labelMask', () => {
	const m = grid(MASK);

	it('numbers 4-connected components exactly as scipy.ndimage.label', () => {
		const c = labelMask(m.data, m.width, m.height, 4);
		expect(c.count).toBe(9);
		expect(show({ width: m.width, height: m.height, data: Uint32Array.from(c.comp) })).toBe(show(grid(SCIPY_4)));
		expect(Array.from(c.sizes.subarray(1))).toEqual(SCIPY_4_SIZES);
		// Largest: component 2 (33 pixels).
		expect(largestComponent(c)).toBe(2);
	});

	it('numbers 8-connected components exactly as scipy with a 3 × 3 structure', () => {
		const c = labelMask(m.data, m.width, m.height, 8);
		expect(c.count).toBe(3);
		expect(show({ width: m.width, height: m.height, data: Uint32Array.from(c.comp) })).toBe(show(grid(SCIPY_8)));
	});

	it('keeps the largest component, the first in raster order on a tie', () => {
		const tie = grid(`
			1100
			0000
			0011
		`);
		const mask = Uint8Array.from(tie.data);
		expect(keepLargestComponent(mask, 4, 3)).toBe(2);
		expect(Array.from(mask)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
		const empty = new Uint8Array(6);
		expect(keepLargestComponent(empty, 3, 2)).toBe(0);
		expect(largestComponent(labelMask(empty, 3, 2))).toBe(0);
	});

	it('rejects a mask of the wrong size', () => {
		expect(() => labelMask(new Uint8Array(5), 2, 3)).toThrow(RangeError);
	});
});

describe('componentsOf', () => {
	it('finds the pieces of one id inside a rect, clipped to the image', () => {
		const l = grid(`
			55005
			50055
			05500
			00052
		`);
		const c = componentsOf(l, 5, { x0: -2, y0: 0, x1: 4, y1: 9 });
		expect(c.rect).toEqual({ x0: 0, y0: 0, x1: 4, y1: 4 });
		// Pieces of 5 within columns 0–3: {(0,0),(1,0),(0,1)}, {(3,1)}, {(1,2),(2,2)}, {(3,3)}.
		expect(c.count).toBe(4);
		expect(Array.from(c.sizes.subarray(1))).toEqual([3, 1, 2, 1]);
		// 8-connected, the diagonal contacts (0,1)–(1,2), (2,2)–(3,1) and (2,2)–(3,3) join all four.
		const c8 = componentsOf(l, 5, { x0: 0, y0: 0, x1: 4, y1: 4 }, 8);
		expect(c8.count).toBe(1);
		expect(Array.from(c8.sizes.subarray(1))).toEqual([7]);
	});
});
