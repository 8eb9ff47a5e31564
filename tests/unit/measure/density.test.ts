import { describe, expect, it } from 'vitest';
import { densityGrid, gaussianKde, scottBandwidth } from '../../../src/lib/core/measure/density';

describe('kernel density (violins)', () => {
	it('equals scipy.stats.gaussian_kde with its default bandwidth', () => {
		// scipy 1.10: k = gaussian_kde([1, 2, 2.5, 4, 7, 7.5]); sqrt(k.covariance) (= factor · std) and k([0, 2, 5, 8])
		const x = [1, 2, 2.5, 4, 7, 7.5];
		expect(scottBandwidth(x)).toBeCloseTo(1.8881269014802171, 13);
		const d = gaussianKde(x, [0, 2, 5, 8]);
		const scipy = [0.06914193649768581, 0.12148106490812859, 0.09371527411037403, 0.06911072034563569];
		d.forEach((v, i) => expect(v / scipy[i] - 1).toBeLessThan(1e-12));
	});

	it('integrates to one over its grid', () => {
		const x = [3, 4, 4.5, 9, 10, 10.2, 11];
		const grid = densityGrid(x, 2001);
		const d = gaussianKde(x, grid);
		let area = 0;
		for (let i = 1; i < grid.length; i++) area += ((d[i] + d[i - 1]) / 2) * (grid[i] - grid[i - 1]);
		expect(area).toBeGreaterThan(0.995);
		expect(area).toBeLessThan(1.0001);
	});

	it('gives zeros for a degenerate sample', () => {
		expect(Array.from(gaussianKde([5, 5, 5], [5]))).toEqual([0]);
		expect(densityGrid([], 4).length).toBe(0);
	});
});
