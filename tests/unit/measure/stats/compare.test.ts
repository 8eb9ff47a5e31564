import { describe, expect, it } from 'vitest';
import { aggregateByImage, compareGroups } from '../../../../src/lib/core/measure/stats';
import { ParamError } from '../../../../src/lib/core/formats/errors';
import { cont, ints, relErr } from './data';

describe('compareGroups with two groups (Mann–Whitney)', () => {
	// the SciPy 1.10 mannwhitneyu docstring example: U = 17, exact p = 0.1111111111111111
	const males = Float64Array.of(19, 22, 16, 29, 24);
	const females = Float64Array.of(20, 11, 17, 12);
	it('reports the test, U of the first group, p and per-group summaries', () => {
		const r = compareGroups([
			{ name: 'male', values: males },
			{ name: 'female', values: females }
		]);
		expect(r.test).toBe('Mann–Whitney U');
		expect(r.method).toBe('exact');
		expect(r.statistic).toBe(17);
		expect(r.p).toBe(0.1111111111111111);
		expect(r.df).toBeNull();
		expect(r.pairwise).toEqual([]);
		expect(r.groups).toEqual([
			{ name: 'male', n: 5, median: 22, mean: 22 },
			{ name: 'female', n: 4, median: 14.5, mean: 15 }
		]);
	});
	it('puts effect sizes next to it (hand-computed)', () => {
		const r = compareGroups([
			{ name: 'male', values: males },
			{ name: 'female', values: females }
		]);
		const e = r.effect;
		if (!e || !e.interval) throw new Error('expected effect sizes with an interval');
		// Cliff: (2·17 − 20)/20 = 0.7; medians: males 16 19 22 24 29 → 22, females 11 12 17 20 → 14.5
		expect(e.cliffsDelta).toBeCloseTo(0.7, 15);
		expect(e.medianDifference).toBe(22 - 14.5);
		// the 20 differences male − female, sorted: −4 −1 −1 2 2 4 4 5 5 7 | 7 8 9 10 11 12 12 13 17 18;
		// the 10th and 11th are both 7
		expect(e.hodgesLehmann).toBe(7);
		expect(e.interval.estimate).toBe(7.5);
		expect(e.interval.lower).toBeLessThanOrEqual(7.5);
		expect(e.interval.upper).toBeGreaterThanOrEqual(7.5);
	});
	it('skips the bootstrap when asked', () => {
		const r = compareGroups(
			[
				{ name: 'a', values: males },
				{ name: 'b', values: females }
			],
			{ bootstrap: false }
		);
		expect(r.effect?.interval).toBeNull();
	});
});

describe('compareGroups with more than two groups (Kruskal–Wallis + Holm pairs)', () => {
	const groups = [
		{ name: 'A', values: cont(301, 12) },
		{ name: 'B', values: cont(302, 15, 1, 0.3) },
		{ name: 'C', values: cont(303, 6, 1, 0.6) },
		{ name: 'D', values: ints(304, 20, 5) }
	];
	// SciPy 1.10.1: scipy.stats.kruskal(A, B, C, D) → H = 18.77226489852028, p = 0.0003046992308614997;
	// each pair scipy.stats.mannwhitneyu(a, b); Holm by the step-down rule on those six p-values
	const PAIRS = [
		{ a: 'A', b: 'B', u: 47.0, p: 0.038099036179860823, pAdjusted: 0.11429710853958247 },
		{ a: 'A', b: 'C', u: 9.0, p: 0.009696186166774402, pAdjusted: 0.03878474466709761 },
		{ a: 'A', b: 'D', u: 36.0, p: 0.0010705958330925048, pAdjusted: 0.006423574998555029 },
		{ a: 'B', b: 'C', u: 27.0, p: 0.17805543269939555, pAdjusted: 0.17805543269939555 },
		{ a: 'B', b: 'D', u: 57.0, p: 0.0019446374458546112, pAdjusted: 0.009723187229273057 },
		{ a: 'C', b: 'D', u: 30.0, p: 0.06918823405391263, pAdjusted: 0.13837646810782525 }
	];
	const r = compareGroups(groups, { pairwise: true, bootstrap: { resamples: 200 } });
	it('reports H, its chi-square p and ε² = H/(n − 1)', () => {
		expect(r.test).toBe('Kruskal–Wallis H');
		expect(r.method).toBe('chi-square');
		expect(r.df).toBe(3);
		expect(relErr(r.statistic, 18.77226489852028)).toBeLessThan(1e-10);
		expect(relErr(r.p, 0.0003046992308614997)).toBeLessThan(1e-10);
		expect(r.epsilonSquared).toBeCloseTo(18.77226489852028 / 52, 12);
		expect(r.effect).toBeNull();
		expect(r.groups.map((g) => g.n)).toEqual([12, 15, 6, 20]);
	});
	it('lists every pair with SciPy’s p and the Holm-adjusted p', () => {
		expect(r.pairwise.length).toBe(6);
		r.pairwise.forEach((row, i) => {
			const want = PAIRS[i];
			expect([row.a, row.b]).toEqual([want.a, want.b]);
			expect(row.u).toBe(want.u);
			expect(relErr(row.p, want.p)).toBeLessThan(1e-10);
			expect(relErr(row.pAdjusted, want.pAdjusted)).toBeLessThan(1e-10);
			expect(row.effect.interval?.resamples).toBe(200);
		});
	});
	it('leaves the pairs out when asked', () => {
		expect(compareGroups(groups, { pairwise: false, bootstrap: false }).pairwise).toEqual([]);
	});
});

describe('per-cell versus per-image replication', () => {
	// Two conditions × four images × 30 cells; image k adds 0.1·k to every cell of both groups.
	const values: number[] = [];
	const image: string[] = [];
	const group: string[] = [];
	for (let k = 0; k < 4; k++) {
		for (const [name, seed, shift] of [
			['wt', 400 + k, 0.1 * k],
			['ko', 500 + k, 0.15 + 0.1 * k]
		] as const) {
			for (const v of cont(seed, 30, 1, shift)) {
				values.push(v);
				image.push(`img${k}`);
				group.push(name);
			}
		}
	}
	const cells = { values: Float64Array.from(values), image, group };
	it('per cell: 120 against 120 cells (scipy mannwhitneyu → U 4682, p 2.850035399252568e-06)', () => {
		const wt = Float64Array.from(values.filter((_, i) => group[i] === 'wt'));
		const ko = Float64Array.from(values.filter((_, i) => group[i] === 'ko'));
		const r = compareGroups([{ name: 'wt', values: wt }, { name: 'ko', values: ko }], { bootstrap: false });
		expect(r.statistic).toBe(4682);
		expect(relErr(r.p, 2.850035399252568e-6)).toBeLessThan(1e-10);
	});
	it('per image: 4 against 4 image medians (np.median per image; mannwhitneyu → U 1, exact p 0.05714285714285714)', () => {
		const groups = aggregateByImage(cells);
		// np.median of each image's cells, NumPy 1.24
		expect(Array.from(groups[0].values)).toEqual([0.6134790908545256, 0.5897064238321036, 0.6404634642414748, 0.7516689914744348]);
		expect(Array.from(groups[1].values)).toEqual([0.6792492609005422, 0.7943351084832102, 0.9142510876059532, 0.915052752988413]);
		const r = compareGroups(groups, { bootstrap: false });
		expect(r.method).toBe('exact');
		expect(r.statistic).toBe(1);
		expect(r.p).toBe(0.05714285714285714);
	});
});

describe('compareGroups refusals', () => {
	const a = { name: 'a', values: Float64Array.of(1, 2, 3) };
	it('refuses fewer than two groups', () => {
		expect(() => compareGroups([])).toThrow(ParamError);
		expect(() => compareGroups([a])).toThrow('a comparison needs at least two groups, and there is 1 (only “a”)');
	});
	it('refuses empty groups, duplicate names and values that are not finite numbers', () => {
		expect(() => compareGroups([a, { name: 'b', values: new Float64Array(0) }])).toThrow('group “b” has no values to compare');
		expect(() => compareGroups([a, { name: 'a', values: Float64Array.of(4) }])).toThrow(/both named “a”/);
		expect(() => compareGroups([a, { name: 'b', values: Float64Array.of(1, NaN, Infinity) }])).toThrow(
			'group “b” holds 2 values that are not a finite number; leave such cells out before comparing'
		);
	});
	it('refuses a Kruskal–Wallis test on values that are all identical', () => {
		const same = (name: string) => ({ name, values: Float64Array.of(2, 2) });
		expect(() => compareGroups([same('x'), same('y'), same('z')])).toThrow(/all 6 values are identical/);
	});
});
