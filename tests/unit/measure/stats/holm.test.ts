import { describe, expect, it } from 'vitest';
import { holmAdjust } from '../../../../src/lib/core/measure/stats';
import { ParamError } from '../../../../src/lib/core/formats/errors';
import { cont } from './data';

/**
 * The textbook step-down rule, written out independently (and the definition statsmodels
 * `multipletests(method='holm')` implements): with p₍₁₎ ≤ … ≤ p₍ₘ₎,
 * adjusted p₍ᵢ₎ = min(1, max_{j ≤ i} (m − j + 1)·p₍ⱼ₎).
 */
function holmByDefinition(p: number[]): number[] {
	const m = p.length;
	const sorted = p.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
	const out = new Array<number>(m);
	for (let i = 0; i < m; i++) {
		let best = 0;
		for (let j = 0; j <= i; j++) best = Math.max(best, (m - j) * sorted[j].v);
		out[sorted[i].i] = Math.min(1, best);
	}
	return out;
}

describe('Holm–Bonferroni adjustment', () => {
	it('hand-worked table: p = .01 .04 .03 .005', () => {
		// sorted: .005×4 = .02, .01×3 = .03, .03×2 = .06, .04×1 = .04 → running max .02 .03 .06 .06
		const got = holmAdjust([0.01, 0.04, 0.03, 0.005]);
		const want = [0.03, 0.06, 0.06, 0.02];
		want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 15));
	});
	it('hand-worked: caps at 1 and stays monotone (p = .5 .2 .9 → 1 .6 1)', () => {
		// .2×3 = .6, .5×2 = 1.0, .9×1 = .9 → running max .6, 1, 1
		const got = holmAdjust([0.5, 0.2, 0.9]);
		expect(got[0]).toBe(1);
		expect(got[1]).toBeCloseTo(0.6, 15);
		expect(got[2]).toBe(1);
	});
	it('hand-worked: tied p-values get the same adjusted value whatever their order', () => {
		const got = holmAdjust([0.01, 0.2, 0.01]);
		expect(got[0]).toBeCloseTo(0.03, 15);
		expect(got[2]).toBe(got[0]);
		expect(got[1]).toBeCloseTo(0.2, 15);
	});
	it('equals the step-down definition on 50 random p-values, and never lowers a p-value', () => {
		const p = Array.from(cont(77, 50), (v) => v ** 3);
		const got = holmAdjust(p);
		const want = holmByDefinition(p);
		for (let i = 0; i < p.length; i++) {
			expect(got[i]).toBe(want[i]);
			expect(got[i]).toBeGreaterThanOrEqual(p[i]);
		}
	});
	it('leaves a single p-value alone and refuses values that are not probabilities', () => {
		expect(Array.from(holmAdjust([0.3]))).toEqual([0.3]);
		expect(holmAdjust([]).length).toBe(0);
		expect(() => holmAdjust([0.1, NaN])).toThrow(ParamError);
		expect(() => holmAdjust([1.2])).toThrow(/not a probability/);
	});
});
