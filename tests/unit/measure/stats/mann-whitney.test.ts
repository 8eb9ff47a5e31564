import { describe, expect, it } from 'vitest';
import { mannWhitneyExactSf, mannWhitneyU, normalSf } from '../../../../src/lib/core/measure/stats';
import { ParamError } from '../../../../src/lib/core/formats/errors';
import { cont, ints, relErr } from './data';

/**
 * Expected values from SciPy 1.10.1 (Debian /usr/bin/python3):
 * `r = scipy.stats.mannwhitneyu(x, y)` with all defaults, recording float(r.statistic) and
 * float(r.pvalue); x and y built by the same `cont`/`ints` generators in Python (see data.ts).
 * 'method' is what SciPy's 'auto' picks: exact unless both n > 8 or there are ties.
 */
const SCIPY_CASES: { label: string; x: Float64Array; y: Float64Array; u: number; p: number; method: 'exact' | 'asymptotic' }[] = [
	{ label: 'exact 3 vs 4', x: cont(1, 3), y: cont(2, 4), u: 4.0, p: 0.6285714285714286, method: 'exact' },
	{ label: 'exact 5 vs 5', x: cont(3, 5), y: cont(4, 5, 1, 0.3), u: 9.0, p: 0.5476190476190477, method: 'exact' },
	{ label: 'exact 8 vs 8', x: cont(5, 8), y: cont(6, 8, 1, 0.4), u: 22.0, p: 0.32820512820512815, method: 'exact' },
	{ label: 'exact 1 vs 1', x: cont(7, 1), y: cont(8, 1), u: 0.0, p: 1.0, method: 'exact' },
	{ label: 'exact 1 vs 9', x: cont(9, 1), y: cont(10, 9), u: 0.0, p: 0.2, method: 'exact' },
	{ label: 'exact 8 vs 30', x: cont(11, 8), y: cont(12, 30, 1, 0.2), u: 77.0, p: 0.12994654860229615, method: 'exact' },
	{ label: 'exact 30 vs 6', x: cont(13, 30), y: cont(14, 6, 1, -0.3), u: 159.0, p: 0.0018934259920977189, method: 'exact' },
	{ label: 'exact 7 vs 500', x: cont(15, 7, 1, 0.25), y: cont(16, 500), u: 2183.0, p: 0.26744690230858664, method: 'exact' },
	{ label: 'exact 8 vs 400 fully separated', x: cont(17, 8, 1, 5), y: cont(18, 400), u: 3200.0, p: 1.125273400526612e-16, method: 'exact' },
	{ label: 'exact 6 vs 12 fully separated the other way', x: cont(19, 6), y: cont(20, 12, 1, 2), u: 0.0, p: 0.00010773540185304891, method: 'exact' },
	// counts beyond 2^53 (C(458, 8) ≈ 5e21): still bit-identical to SciPy's float recursion
	{ label: 'exact 8 vs 450, large counts', x: cont(601, 8, 1, 0.05), y: cont(602, 450), u: 1464.0, p: 0.37270751265379104, method: 'exact' },
	{ label: 'exact 8 vs 480, large counts', x: cont(603, 8), y: cont(604, 480, 1, 0.2), u: 1372.0, p: 0.16941887609421777, method: 'exact' },
	{ label: 'exact 6 vs 1500 (SciPy iterative branch)', x: cont(605, 6, 1, 0.1), y: cont(606, 1500), u: 5585.0, p: 0.31603585693531966, method: 'exact' },
	{ label: 'asymptotic 9 vs 9 no ties', x: cont(21, 9), y: cont(22, 9, 1, 0.3), u: 29.0, p: 0.331387096247615, method: 'asymptotic' },
	{ label: 'asymptotic 40 vs 55', x: cont(23, 40), y: cont(24, 55, 1, 0.1), u: 1007.0, p: 0.48564949131806756, method: 'asymptotic' },
	{ label: 'asymptotic 200 vs 300', x: cont(25, 200, 2), y: cont(26, 300, 2, 0.15), u: 27103.0, p: 0.0672382336172792, method: 'asymptotic' },
	{ label: 'ties 4 vs 5', x: ints(27, 4, 3), y: ints(28, 5, 3, 1), u: 2.0, p: 0.043114446783075355, method: 'asymptotic' },
	{ label: 'ties 3 vs 3', x: ints(29, 3, 2), y: ints(30, 3, 2), u: 7.5, p: 0.18763232999488433, method: 'asymptotic' },
	{ label: 'ties 20 vs 25 heavy', x: ints(31, 20, 4), y: ints(32, 25, 4, 1), u: 162.0, p: 0.03943875607052424, method: 'asymptotic' },
	{ label: 'ties 500 vs 700', x: ints(33, 500, 10), y: ints(34, 700, 10, 1), u: 143646.0, p: 1.0212685141826257e-07, method: 'asymptotic' },
	{ label: 'ties 2000 vs 1500 equal distributions', x: ints(35, 2000, 50), y: ints(36, 1500, 50), u: 1525103.5, p: 0.39605234025215486, method: 'asymptotic' },
	{ label: 'extreme 100 vs 100 separated', x: cont(37, 100), y: cont(38, 100, 1, 1), u: 0.0, p: 2.562143669163401e-34, method: 'asymptotic' },
	{ label: 'extreme 300 vs 250 separated', x: cont(39, 300, 1, 1), y: cont(40, 250), u: 75000.0, p: 8.433288603273235e-91, method: 'asymptotic' },
	{ label: 'extreme with ties 60 vs 80', x: ints(41, 60, 5), y: ints(42, 80, 5, 5), u: 0.0, p: 2.6821408401425963e-24, method: 'asymptotic' },
	{ label: 'all identical 5 vs 6', x: ints(43, 5, 1), y: ints(44, 6, 1), u: 15.0, p: 1.0, method: 'asymptotic' },
	{ label: 'ties straddle 1 vs 12', x: ints(45, 1, 1, 3), y: ints(46, 12, 7), u: 3.5, p: 0.5818788717834071, method: 'asymptotic' },
];

/** All ways of choosing which n1 of the n1 + n2 ranked positions belong to x: the U distribution. */
function enumerateU(n1: number, n2: number): number[] {
	const counts = new Array<number>(n1 * n2 + 1).fill(0);
	const n = n1 + n2;
	for (let mask = 0; mask < 1 << n; mask++) {
		let bits = 0;
		for (let b = 0; b < n; b++) if (mask & (1 << b)) bits++;
		if (bits !== n1) continue;
		// U of x = Σ over x positions of the number of y positions below it
		let u = 0;
		let ysBelow = 0;
		for (let b = 0; b < n; b++) {
			if (mask & (1 << b)) u += ysBelow;
			else ysBelow++;
		}
		counts[u]++;
	}
	return counts;
}

describe('Mann–Whitney U, SciPy 1.10 documentation example', () => {
	// scipy/stats/_mannwhitneyu.py docstring (Shier 2004): diabetes diagnosis ages
	const males = Float64Array.of(19, 22, 16, 29, 24);
	const females = Float64Array.of(20, 11, 17, 12);
	it('gives U = 17 for the first sample and the exact p = 0.1111111111111111', () => {
		const r = mannWhitneyU(males, females);
		expect(r.u).toBe(17);
		expect(r.method).toBe('exact');
		expect(r.p).toBe(0.1111111111111111);
	});
	it('reports U of the first sample: swapped, U = 3 and the same p', () => {
		const r = mannWhitneyU(females, males);
		expect(r.u).toBe(3);
		expect(r.p).toBe(0.1111111111111111);
	});
	it('gives the documented asymptotic p-values with and without continuity correction', () => {
		// docstring: mannwhitneyu(males, females, method="asymptotic") → 0.11134688653314041;
		// use_continuity=False → 0.0864107329737 (printed to 13 digits in the docs)
		expect(relErr(mannWhitneyU(males, females, { method: 'asymptotic' }).p, 0.11134688653314041)).toBeLessThan(1e-12);
		expect(relErr(mannWhitneyU(males, females, { method: 'asymptotic', continuity: false }).p, 0.0864107329737)).toBeLessThan(1e-11);
	});
	it('agrees with the docstring hand formula z = (U − n₁n₂/2 + ½)/√(n₁n₂(N+1)/12)', () => {
		const z = (3 - 10 + 0.5) / Math.sqrt((20 * 10) / 12);
		expect(relErr(mannWhitneyU(males, females, { method: 'asymptotic' }).p, 2 * normalSf(-z))).toBeLessThan(1e-15);
	});
});

describe('Mann–Whitney exact distribution, by hand', () => {
	it('3 vs 3: the 20 splits give U counts 1 1 2 3 3 3 3 2 1 1', () => {
		// Hand enumeration of the C(6, 3) = 20 rank sets of x: U = 0 {123}; 1 {124}; 2 {125, 134};
		// 3 {126, 135, 234}; 4 {136, 145, 235}; 5 {146, 236, 245}; 6 {156, 246, 345};
		// 7 {256, 346}; 8 {356}; 9 {456}.
		expect(enumerateU(3, 3)).toEqual([1, 1, 2, 3, 3, 3, 3, 2, 1, 1]);
	});
	it('3 vs 3: x = {1, 3, 5}, y = {2, 4, 6} has U = 3 and p = 2·P(U ≤ 3) = 2·7/20 = 0.7', () => {
		const r = mannWhitneyU(Float64Array.of(1, 3, 5), Float64Array.of(2, 4, 6));
		expect(r.u).toBe(3);
		expect(r.p).toBeCloseTo(0.7, 15);
	});
	it('3 vs 3: complete separation has U = 0 and p = 2/20', () => {
		const r = mannWhitneyU(Float64Array.of(1, 2, 3), Float64Array.of(4, 5, 6));
		expect(r.u).toBe(0);
		expect(r.p).toBeCloseTo(0.1, 15);
	});
	it('P(U ≥ u) equals brute-force enumeration for every u and sizes up to 6 + 7', () => {
		for (const [n1, n2] of [
			[1, 4],
			[2, 5],
			[4, 4],
			[5, 3],
			[6, 7]
		]) {
			const counts = enumerateU(n1, n2);
			const total = counts.reduce((a, b) => a + b, 0);
			for (let u = 0; u <= n1 * n2; u++) {
				let tail = 0;
				for (let k = u; k <= n1 * n2; k++) tail += counts[k];
				expect(relErr(mannWhitneyExactSf(u, n1, n2), tail / total), `${n1}×${n2}, U ≥ ${u}`).toBeLessThan(1e-14);
			}
		}
	});
});

describe('Mann–Whitney U against SciPy 1.10 mannwhitneyu defaults', () => {
	for (const c of SCIPY_CASES) {
		it(c.label, () => {
			const r = mannWhitneyU(c.x, c.y);
			expect(r.method).toBe(c.method);
			expect(r.u).toBe(c.u);
			if (c.method === 'exact') expect(r.p).toBe(c.p);
			else expect(relErr(r.p, c.p)).toBeLessThan(1e-10);
		});
	}
	it('matches the forced methods too', () => {
		// scipy.stats.mannwhitneyu(x, y, method='exact') on tied data truncates U, as here:
		// ints(29, 3, 2) vs ints(30, 3, 2) → 0.4; ints(27, 4, 3) vs ints(28, 5, 3, 1) → 0.06349206349206349
		expect(mannWhitneyU(ints(29, 3, 2), ints(30, 3, 2), { method: 'exact' }).p).toBe(0.4);
		expect(mannWhitneyU(ints(27, 4, 3), ints(28, 5, 3, 1), { method: 'exact' }).p).toBe(0.06349206349206349);
		// method='exact' for 9 vs 9 → 0.34010695187165774
		expect(mannWhitneyU(cont(21, 9), cont(22, 9, 1, 0.3), { method: 'exact' }).p).toBe(0.34010695187165774);
		// use_continuity=False, 200 vs 300 → 0.06719101491539493
		expect(relErr(mannWhitneyU(cont(25, 200, 2), cont(26, 300, 2, 0.15), { continuity: false }).p, 0.06719101491539493)).toBeLessThan(
			1e-10
		);
	});
});

describe('Mann–Whitney input checks', () => {
	it('refuses an empty sample and NaN', () => {
		expect(() => mannWhitneyU(new Float64Array(0), Float64Array.of(1))).toThrow(ParamError);
		expect(() => mannWhitneyU(Float64Array.of(1, NaN), Float64Array.of(1))).toThrow(/not a number/);
	});
	it('refuses an exact distribution too large to build', () => {
		expect(() => mannWhitneyU(cont(1, 5000), cont(2, 5000), { method: 'exact' })).toThrow(/too large for the exact/);
	});
});
