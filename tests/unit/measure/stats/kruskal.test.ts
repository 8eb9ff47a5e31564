import { describe, expect, it } from 'vitest';
import { kruskalWallis } from '../../../../src/lib/core/measure/stats';
import { ParamError } from '../../../../src/lib/core/formats/errors';
import { cont, ints, relErr } from './data';

/**
 * Expected values from SciPy 1.10.1 (Debian /usr/bin/python3): `r = scipy.stats.kruskal(*groups)`,
 * recording float(r.statistic) and float(r.pvalue); groups built by the same generators (data.ts).
 */
const SCIPY_CASES: { label: string; groups: Float64Array[]; h: number; p: number }[] = [
	{ label: '3 groups of 5, continuous', groups: [cont(101, 5), cont(102, 5, 1, 0.2), cont(103, 5, 1, 0.5)], h: 5.840000000000003, p: 0.05393368730035593 },
	{ label: '3 unequal groups 4, 9, 15', groups: [cont(104, 4), cont(105, 9, 1, 0.3), cont(106, 15)], h: 4.800656814449923, p: 0.09068816574960793 },
	{ label: '4 groups with heavy ties', groups: [ints(107, 10, 3), ints(108, 12, 3), ints(109, 8, 3, 1), ints(110, 15, 4)], h: 11.73974525043177, p: 0.008329995379794628 },
	{ label: '5 groups, large, ties', groups: [ints(111, 300, 20), ints(112, 250, 20, 1), ints(113, 400, 20), ints(114, 350, 21), ints(115, 200, 20, 2)], h: 24.17760803003641, p: 7.358665949062491e-05 },
	{ label: '5 groups, large, continuous, no difference', groups: [cont(116, 500), cont(117, 450), cont(118, 600), cont(119, 380), cont(120, 520)], h: 0.8717646304276059, p: 0.9285762302395838 },
	{ label: '3 groups separated, p ~ 1e-30', groups: [cont(121, 50), cont(122, 50, 1, 1), cont(123, 50, 1, 2)], h: 132.4503311258278, p: 1.7329100998027503e-29 },
	{ label: '4 groups separated, p ~ 1e-100', groups: [cont(124, 150), cont(125, 150, 1, 1), cont(126, 150, 1, 2), cont(127, 150, 1, 3)], h: 561.5640599001663, p: 2.1643365809842196e-121 },
	{ label: '2 groups (df 1)', groups: [cont(128, 12), cont(129, 14, 1, 0.4)], h: 3.058201058201064, p: 0.08033055973831879 },
	{ label: '3 groups of one value each', groups: [cont(130, 1), cont(131, 1), cont(132, 1)], h: 2.0, p: 0.36787944117144245 },
	{ label: '3 groups, ties, one group a single value', groups: [ints(133, 1, 2), ints(134, 6, 4), ints(135, 7, 4, 1)], h: 1.8009966777408632, p: 0.4063671007513133 },
];

describe('Kruskal–Wallis, SciPy 1.10 documentation examples', () => {
	it('x = 1 3 5 7 9, y = 2 4 6 8 10 gives H = 0.2727272727272734, p = 0.6015081344405895', () => {
		const r = kruskalWallis([Float64Array.of(1, 3, 5, 7, 9), Float64Array.of(2, 4, 6, 8, 10)]);
		expect(relErr(r.h, 0.2727272727272734)).toBeLessThan(1e-12);
		expect(relErr(r.p, 0.6015081344405895)).toBeLessThan(1e-12);
		expect(r.df).toBe(1);
	});
	it('x = 1 1 1, y = 2 2 2, z = 2 2 gives H = 7 and p = 0.0301973834223185 (worked by hand)', () => {
		// ranks: the 1s share 1..3 → 2, the 2s share 4..8 → 6; R = 6, 18, 12;
		// Σ R²/n = 12 + 108 + 72 = 192; 12/(8·9)·192 − 3·9 = 5; tie factor 1 − (24 + 120)/(512 − 8) = 5/7;
		// H = 5/(5/7) = 7; on 2 degrees of freedom the chi-square tail is e^(−7/2).
		const r = kruskalWallis([Float64Array.of(1, 1, 1), Float64Array.of(2, 2, 2), Float64Array.of(2, 2)]);
		expect(relErr(r.h, 7)).toBeLessThan(1e-14);
		expect(relErr(r.p, Math.exp(-3.5))).toBeLessThan(1e-14);
		expect(relErr(r.p, 0.0301973834223185)).toBeLessThan(1e-14);
	});
});

describe('Kruskal–Wallis against SciPy 1.10 kruskal', () => {
	for (const c of SCIPY_CASES) {
		it(c.label, () => {
			const r = kruskalWallis(c.groups);
			expect(relErr(r.h, c.h)).toBeLessThan(1e-10);
			expect(relErr(r.p, c.p)).toBeLessThan(1e-10);
			expect(r.df).toBe(c.groups.length - 1);
		});
	}
});

describe('Kruskal–Wallis input checks', () => {
	it('refuses fewer than two groups, an empty group, and all-identical values', () => {
		expect(() => kruskalWallis([Float64Array.of(1, 2)])).toThrow(/at least two groups/);
		expect(() => kruskalWallis([Float64Array.of(1, 2), new Float64Array(0)])).toThrow(/group 2 is empty/);
		expect(() => kruskalWallis([Float64Array.of(4, 4), Float64Array.of(4), Float64Array.of(4, 4)])).toThrow(ParamError);
		expect(() => kruskalWallis([Float64Array.of(4, 4), Float64Array.of(4)])).toThrow(/all 3 values are identical/);
	});
});
