import { describe, expect, it } from 'vitest';
import { averageRanks, groupRankSums } from '../../../../src/lib/core/measure/stats';
import { ParamError } from '../../../../src/lib/core/formats/errors';
import { ints } from './data';

describe('average ranks', () => {
	it('matches scipy.stats.rankdata on a sample with ties', () => {
		// scipy.stats.rankdata([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]) (SciPy 1.10.1)
		const got = averageRanks(Float64Array.of(3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5));
		expect(Array.from(got)).toEqual([4.5, 1.5, 6.0, 1.5, 8.0, 11.0, 3.0, 10.0, 8.0, 4.5, 8.0]);
	});
	it('treats −0 and +0 as one tie', () => {
		expect(Array.from(averageRanks(Float64Array.of(0, -0, 1)))).toEqual([1.5, 1.5, 3]);
	});
	it('refuses NaN', () => {
		expect(() => averageRanks(Float64Array.of(1, NaN))).toThrow(ParamError);
	});
});

describe('group rank sums', () => {
	it('hand-worked: {1, 2, 2} and {2, 3} share the tie group of three 2s (ranks 2, 3, 4 → 3)', () => {
		// pooled sorted: 1 2 2 2 3 → ranks 1, 3, 3, 3, 5; group 1: 1+3+3 = 7, group 2: 3+5 = 8; Σ(t³−t) = 27−3 = 24
		const r = groupRankSums([Float64Array.of(2, 1, 2), Float64Array.of(3, 2)]);
		expect(Array.from(r.sums)).toEqual([7, 8]);
		expect(r.tieTerm).toBe(24);
		expect(r.n).toBe(5);
	});
	it('equals the sums of the pooled average ranks, with the tie term counted from them', () => {
		const groups = [ints(1, 40, 7), ints(2, 25, 7, 2), ints(3, 60, 9), ints(4, 1, 3)];
		const pooled = new Float64Array(groups.reduce((s, g) => s + g.length, 0));
		let o = 0;
		for (const g of groups) {
			pooled.set(g, o);
			o += g.length;
		}
		const ranks = averageRanks(pooled);
		const want: number[] = [];
		o = 0;
		for (const g of groups) {
			let s = 0;
			for (let i = 0; i < g.length; i++) s += ranks[o + i];
			want.push(s);
			o += g.length;
		}
		const counts = new Map<number, number>();
		for (const v of pooled) counts.set(v, (counts.get(v) ?? 0) + 1);
		let tie = 0;
		for (const t of counts.values()) tie += t ** 3 - t;
		const r = groupRankSums(groups);
		expect(Array.from(r.sums)).toEqual(want);
		expect(r.tieTerm).toBe(tie);
	});
});
