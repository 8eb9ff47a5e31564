import { describe, expect, it } from 'vitest';
import { countLabels, labelIds } from '../../../src/lib/core/labels/count';

describe('label ids', () => {
	it('counts distinct non-zero ids, gaps allowed', () => {
		expect(countLabels(new Uint32Array([0, 0, 5, 5, 2, 183, 0]))).toBe(3);
		expect(Array.from(labelIds(new Uint32Array([9, 3, 3, 0, 1])))).toEqual([1, 3, 9]);
		expect(countLabels(new Uint32Array(10))).toBe(0);
	});

	it('handles ids above the bitmap range', () => {
		expect(Array.from(labelIds(new Uint32Array([4_000_000_000, 7, 4_000_000_000])))).toEqual([7, 4_000_000_000]);
	});
});
