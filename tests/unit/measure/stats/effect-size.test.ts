import { describe, expect, it } from 'vitest';
import {
	bootstrapMedianDifference,
	cliffsDelta,
	hodgesLehmann,
	median,
	medianDifference,
	percentileSorted
} from '../../../../src/lib/core/measure/stats';
import { normal, seededRandom } from '../../../../src/lib/core/example/random';
import { ParamError } from '../../../../src/lib/core/formats/errors';
import { cont, ints } from './data';

/** Cliff's delta by its definition, over all pairs. */
function cliffsByPairs(x: Float64Array, y: Float64Array): number {
	let d = 0;
	for (const a of x) for (const b of y) d += a > b ? 1 : a < b ? -1 : 0;
	return d / (x.length * y.length);
}

/** Median of a sorted copy, as np.median. */
function medianBySort(v: Float64Array): number {
	const s = Float64Array.from(v).sort();
	const n = s.length;
	return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Hodges–Lehmann by listing every difference. */
function hodgesLehmannByPairs(x: Float64Array, y: Float64Array): number {
	const d = new Float64Array(x.length * y.length);
	let k = 0;
	for (const a of x) for (const b of y) d[k++] = a - b;
	return medianBySort(d);
}

describe("Cliff's delta", () => {
	it('hand-worked: x = 1 2 3, y = 2 2 5 gives (2 − 5)/9 = −1/3', () => {
		// 1: three "<"; 2: "=", "=", "<"; 3: ">", ">", "<" → 2 greater, 5 less of 9 pairs
		expect(cliffsDelta(Float64Array.of(1, 2, 3), Float64Array.of(2, 2, 5))).toBeCloseTo(-1 / 3, 15);
	});
	it('is ±1 for complete separation and 0 for identical samples', () => {
		expect(cliffsDelta(Float64Array.of(5, 6), Float64Array.of(1, 2, 3))).toBe(1);
		expect(cliffsDelta(Float64Array.of(1, 2, 3), Float64Array.of(5, 6))).toBe(-1);
		expect(cliffsDelta(Float64Array.of(1, 2, 3), Float64Array.of(3, 2, 1))).toBe(0);
	});
	it('equals the count over all pairs on tied data', () => {
		for (const [x, y] of [
			[ints(1, 40, 5), ints(2, 33, 5, 1)],
			[ints(3, 7, 3), ints(4, 90, 4)],
			[cont(5, 25), cont(6, 31, 1, 0.2)]
		]) {
			expect(cliffsDelta(x, y)).toBeCloseTo(cliffsByPairs(x, y), 14);
		}
	});
});

describe('medians, percentiles and the Hodges–Lehmann shift', () => {
	it('median matches the sorted-copy definition (odd, even, ties)', () => {
		expect(median(Float64Array.of(3, 1, 2))).toBe(2);
		expect(median(Float64Array.of(4, 1, 3, 2))).toBe(2.5);
		for (const v of [cont(11, 101), cont(12, 100), ints(13, 64, 3), ints(14, 1, 3), cont(15, 2)]) {
			expect(median(v)).toBe(medianBySort(v));
		}
		expect(medianDifference(Float64Array.of(5, 7, 9), Float64Array.of(1, 2))).toBe(5.5);
	});
	it('percentiles match np.percentile (linear)', () => {
		// np.percentile(np.sort(cont(201, 37, 10)), q) and np.percentile(np.sort(ints(202, 10, 4)), q), NumPy 1.24
		const a = cont(201, 37, 10).sort();
		const want: [number, number][] = [
			[0, 0.04518065135926008],
			[2.5, 0.11246521817520261],
			[33.3, 2.679700131881982],
			[50, 4.813810917548835],
			[97.5, 9.996977284550667],
			[100, 9.998030588030815]
		];
		for (const [q, w] of want) expect(percentileSorted(a, q), `q = ${q}`).toBe(w);
		const b = ints(202, 10, 4).sort();
		expect(percentileSorted(b, 2.5)).toBe(0);
		expect(percentileSorted(b, 50)).toBe(1.5);
		expect(percentileSorted(b, 97.5)).toBe(2.7750000000000004);
	});
	it('Hodges–Lehmann matches np.median(np.subtract.outer(x, y))', () => {
		// NumPy 1.24: x = cont(203, 23, 3), y = cont(204, 18, 2, 0.5) → -0.24768648017197847;
		// x = ints(205, 31, 6), y = ints(206, 12, 6, 1) → 0.0
		expect(hodgesLehmann(cont(203, 23, 3), cont(204, 18, 2, 0.5))).toBe(-0.24768648017197847);
		expect(hodgesLehmann(ints(205, 31, 6), ints(206, 12, 6, 1))).toBe(0);
	});
	it('Hodges–Lehmann equals the median of all listed differences for many shapes', () => {
		const cases: [Float64Array, Float64Array][] = [
			[cont(21, 1), cont(22, 1)],
			[cont(23, 1), cont(24, 50)],
			[cont(25, 60), cont(26, 1)],
			[cont(27, 120), cont(28, 97, 1, 0.3)],
			[ints(29, 150, 7), ints(30, 140, 9)],
			[ints(31, 200, 2), ints(32, 3, 2)],
			[cont(33, 301, 100), cont(34, 250, 50, 20)]
		];
		for (const [x, y] of cases) {
			expect(hodgesLehmann(x, y), `${x.length} × ${y.length}`).toBe(hodgesLehmannByPairs(x, y));
		}
	});
});

describe('bootstrap interval for the difference of medians', () => {
	const x = cont(41, 30, 2, 1);
	const y = cont(42, 25, 2);
	it('is reproducible with a seed and changes with it', () => {
		const a = bootstrapMedianDifference(x, y, { seed: 7, resamples: 500 });
		const b = bootstrapMedianDifference(x, y, { seed: 7, resamples: 500 });
		const c = bootstrapMedianDifference(x, y, { seed: 8, resamples: 500 });
		expect(b).toEqual(a);
		expect(c.lower === a.lower && c.upper === a.upper).toBe(false);
		expect(a.estimate).toBe(medianBySort(x) - medianBySort(y));
		expect(a.lower).toBeLessThan(a.estimate);
		expect(a.upper).toBeGreaterThan(a.estimate);
	});
	it('equals a plain re-implementation (sort-based medians, same generator, np.percentile rule)', () => {
		const resamples = 300;
		const rand = seededRandom(3);
		const diffs = new Float64Array(resamples);
		for (let b = 0; b < resamples; b++) {
			const bx = Float64Array.from(x, () => x[Math.floor(rand() * x.length)]);
			const by = Float64Array.from(y, () => y[Math.floor(rand() * y.length)]);
			diffs[b] = medianBySort(bx) - medianBySort(by);
		}
		diffs.sort();
		// 90 %: percentiles 5 and 95 at positions (B − 1)·0.05 = 14.95 and 284.05
		const lo = diffs[14] + (diffs[15] - diffs[14]) * 0.95;
		const hi = diffs[284] + (diffs[285] - diffs[284]) * 0.05;
		const got = bootstrapMedianDifference(x, y, { seed: 3, resamples, confidence: 0.9 });
		expect(got.lower).toBeCloseTo(lo, 12);
		expect(got.upper).toBeCloseTo(hi, 12);
	});
	it('collapses to the difference when both samples are constant', () => {
		const r = bootstrapMedianDifference(Float64Array.of(4, 4, 4), Float64Array.of(1.5, 1.5), { resamples: 50 });
		expect([r.estimate, r.lower, r.upper]).toEqual([2.5, 2.5, 2.5]);
	});
	it('covers the true difference about 95 % of the time (fixed-seed simulation)', () => {
		// 200 data sets of two normal samples (n = 25 each) whose medians differ by exactly 1.5
		const gen = seededRandom(2024);
		let covered = 0;
		const sets = 200;
		for (let s = 0; s < sets; s++) {
			const a = Float64Array.from({ length: 25 }, () => 1.5 + normal(gen));
			const b = Float64Array.from({ length: 25 }, () => normal(gen));
			const ci = bootstrapMedianDifference(a, b, { resamples: 400, seed: s + 1 });
			if (ci.lower <= 1.5 && 1.5 <= ci.upper) covered++;
		}
		expect(covered / sets).toBeGreaterThan(0.88);
		expect(covered / sets).toBeLessThan(0.995);
	});
	it('refuses bad settings and empty samples', () => {
		expect(() => bootstrapMedianDifference(x, y, { resamples: 0 })).toThrow(ParamError);
		expect(() => bootstrapMedianDifference(x, y, { confidence: 1 })).toThrow(/confidence level/);
		expect(() => bootstrapMedianDifference(new Float64Array(0), y)).toThrow(/no values/);
		expect(() => cliffsDelta(x, new Float64Array(0))).toThrow(ParamError);
	});
});
