import { describe, expect, it } from 'vitest';
import { balancedClassWeights } from '../../../../src/lib/core/classify/train/balance';

describe('balanced class weights', () => {
	it('gives w_c = N / (K · n_c), worked by hand', () => {
		// y = [0,0,0,0,1,1,2]: N = 7, K = 3, counts 4, 2, 1 → 7/12, 7/6, 7/3 (scikit-learn's
		// compute_class_weight('balanced') formula, n_samples / (n_classes * bincount(y))).
		const w = balancedClassWeights([0, 0, 0, 0, 1, 1, 2], 3);
		expect(w[0]).toBeCloseTo(7 / 12, 14);
		expect(w[1]).toBeCloseTo(7 / 6, 14);
		expect(w[2]).toBeCloseTo(7 / 3, 14);
		// Every class then carries the same total weight, N / K.
		expect(4 * w[0]).toBeCloseTo(7 / 3, 14);
		expect(2 * w[1]).toBeCloseTo(7 / 3, 14);
	});

	it('counts only the training samples it is given', () => {
		// Samples 0, 1, 2, 4 of [0, 0, 1, 1, 1]: labels 0, 0, 1, 1 → N = 4, counts 2, 2 → weights 1, 1.
		expect(Array.from(balancedClassWeights([0, 0, 1, 1, 1], 2, [0, 1, 2, 4]))).toEqual([1, 1]);
		// All of them: N = 5, counts 2, 3 → 5/4, 5/6.
		const all = balancedClassWeights([0, 0, 1, 1, 1], 2);
		expect(all[0]).toBeCloseTo(1.25, 14);
		expect(all[1]).toBeCloseTo(5 / 6, 14);
	});

	it('refuses a class without training samples', () => {
		expect(() => balancedClassWeights([0, 0, 1], 3)).toThrow(/class 3 has no training samples/);
	});
});
