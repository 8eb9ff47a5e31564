import { describe, expect, it } from 'vitest';
import { checkTrainable, stratifiedSplit, validationCount } from '../../../../src/lib/core/classify/train/split';
import { ParamError } from '../../../../src/lib/core/formats/errors';

/** Labels: `counts[c]` samples of class c, interleaved so classes are not in blocks. */
function labelsOf(counts: number[]): number[] {
	const out: number[] = [];
	const left = [...counts];
	while (left.some((n) => n > 0)) left.forEach((n, c) => n > 0 && (out.push(c), left[c]--));
	return out;
}

describe('stratified split', () => {
	it('holds out round(0.2 · n_c) of each class, at least one of every class with ≥ 2 samples', () => {
		// n_c = 50, 7, 3, 2, 1 → round(0.2 n) = 10, 1 (1.4), 1 (0.6), 0 → 1 (≥ 1), and 0 for the singleton.
		const labels = labelsOf([50, 7, 3, 2, 1]);
		const { train, validation } = stratifiedSplit(labels, 5, 0.2, 42);
		const count = (idx: Uint32Array, c: number) => Array.from(idx).filter((i) => labels[i] === c).length;
		expect([0, 1, 2, 3, 4].map((c) => count(validation, c))).toEqual([10, 1, 1, 1, 0]);
		expect([0, 1, 2, 3, 4].map((c) => count(train, c))).toEqual([40, 6, 2, 1, 1]);
		// A partition of all samples, each list ascending.
		expect([...train, ...validation].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
		expect(Array.from(train)).toEqual(Array.from(train).sort((a, b) => a - b));
	});

	it('never empties a class from training, even at a large fraction', () => {
		expect(validationCount(2, 0.9)).toBe(1);
		expect(validationCount(10, 0.9)).toBe(9);
		expect(validationCount(1, 0.5)).toBe(0);
		expect(validationCount(5, 0.5)).toBe(3); // 2.5 rounds half up
	});

	it('is reproducible with a seed and changes with another', () => {
		const labels = labelsOf([30, 30]);
		const a = stratifiedSplit(labels, 2, 0.2, 7);
		const b = stratifiedSplit(labels, 2, 0.2, 7);
		const c = stratifiedSplit(labels, 2, 0.2, 8);
		expect(a).toEqual(b);
		expect(Array.from(c.validation)).not.toEqual(Array.from(a.validation));
	});

	it('refuses what cannot be trained, in plain sentences', () => {
		expect(() => checkTrainable([0, 0, 0], ['a'])).toThrow(/at least 2 classes, but only 1 is given/);
		expect(() => checkTrainable([0, 0, 0], ['a', 'b'])).toThrow(/no cell is labelled 'b'/);
		expect(() => checkTrainable([0, 1], ['a', 'b'])).toThrow(ParamError);
		expect(() => stratifiedSplit([0, 3], 2, 0.2, 1)).toThrow(/sample 2 has class 3/);
		expect(checkTrainable([0, 1, 1], ['a', 'b'])).toEqual([1, 2]);
	});
});
