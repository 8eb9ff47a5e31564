import { describe, expect, it } from 'vitest';
import { aggregateByImage } from '../../../../src/lib/core/measure/stats';
import { ParamError } from '../../../../src/lib/core/formats/errors';

// Hand-worked table: nine cells in four images, two groups, one NaN cell.
const cells = {
	values: Float64Array.of(1, 3, 10, 2, NaN, 5, 7, 100, 4),
	image: ['A', 'A', 'A', 'B', 'B', 'C', 'C', 'C', 'D'],
	group: ['wt', 'wt', 'ko', 'wt', 'wt', 'ko', 'ko', 'ko', 'wt']
};

describe('per-image aggregation', () => {
	it('takes the median of each image’s cells per group, leaving NaN cells out', () => {
		// wt: A {1, 3} → 2, B {2} → 2 (its NaN cell dropped), D {4} → 4; ko: A {10} → 10, C {5, 7, 100} → 7
		const [wt, ko] = aggregateByImage(cells);
		expect(wt.name).toBe('wt');
		expect(Array.from(wt.values)).toEqual([2, 2, 4]);
		expect(wt.images).toEqual(['A', 'B', 'D']);
		expect(Array.from(wt.cells)).toEqual([2, 1, 1]);
		expect(ko.name).toBe('ko');
		expect(Array.from(ko.values)).toEqual([10, 7]);
		expect(ko.images).toEqual(['A', 'C']);
		expect(Array.from(ko.cells)).toEqual([1, 3]);
	});
	it('takes the mean when asked', () => {
		const [wt, ko] = aggregateByImage(cells, { statistic: 'mean' });
		expect(Array.from(wt.values)).toEqual([2, 2, 4]);
		expect(ko.values[0]).toBe(10);
		expect(ko.values[1]).toBeCloseTo(112 / 3, 13);
	});
	it('follows a given group order, keeping absent groups empty and dropping unlisted ones', () => {
		const out = aggregateByImage(cells, { groups: ['ko', 'other'] });
		expect(out.map((g) => g.name)).toEqual(['ko', 'other']);
		expect(Array.from(out[0].values)).toEqual([10, 7]);
		expect(out[1].values.length).toBe(0);
	});
	it('refuses mismatched columns and unknown statistics', () => {
		expect(() => aggregateByImage({ ...cells, image: ['A'] })).toThrow(ParamError);
		expect(() => aggregateByImage({ ...cells, image: ['A'] })).toThrow(/9 values but 1 image names and 9 group names/);
		// @ts-expect-error: a statistic the type does not allow, as a caller without types could pass
		expect(() => aggregateByImage(cells, { statistic: 'mode' })).toThrow(/median or mean/);
	});
});
