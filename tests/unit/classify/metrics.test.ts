import { describe, expect, it } from 'vitest';
import { classificationMetrics, confusionMatrix } from '../../../src/lib/core/classify/metrics';
import { ParamError } from '../../../src/lib/core/formats/errors';

describe('classification metrics', () => {
	it('works a 3-class example by hand', () => {
		// true:  0 0 0 1 1 2      pred: 0 1 0 1 2 2
		// CM rows true, columns predicted: [[2,1,0],[0,1,1],[0,0,1]]; trace 4 of 6.
		// precision: column sums 2, 2, 2 → 2/2, 1/2, 1/2; recall: row sums 3, 2, 1 → 2/3, 1/2, 1/1.
		// F1: 2·1·(2/3)/(5/3) = 0.8; 2·(1/4)/1 = 0.5; 2·(1/2)/(3/2) = 2/3.
		const m = classificationMetrics([0, 0, 0, 1, 1, 2], [0, 1, 0, 1, 2, 2], 3);
		expect(m.confusion).toEqual([
			[2, 1, 0],
			[0, 1, 1],
			[0, 0, 1]
		]);
		expect(m.accuracy).toBeCloseTo(4 / 6, 12);
		expect(m.precision).toEqual([1, 0.5, 0.5]);
		expect(m.recall[0]).toBeCloseTo(2 / 3, 12);
		expect(m.recall.slice(1)).toEqual([0.5, 1]);
		expect(m.f1[0]).toBeCloseTo(0.8, 12);
		expect(m.f1[1]).toBe(0.5);
		expect(m.f1[2]).toBeCloseTo(2 / 3, 12);
		expect(m.support).toEqual([3, 2, 1]);
		expect(m.macro.precision).toBeCloseTo(2 / 3, 12);
		expect(m.macro.recall).toBeCloseTo(13 / 18, 12);
		expect(m.macro.f1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
	});

	it("gives scikit-learn's documented example (precision_recall_fscore_support, average='macro')", () => {
		// sklearn docs: y_true = [cat, dog, pig, cat, dog, pig], y_pred = [cat, pig, dog, cat, cat, dog]
		// → (0.22…, 0.33…, 0.26…, None); cat = 0, dog = 1, pig = 2.
		const m = classificationMetrics([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], 3);
		expect(m.macro.precision).toBeCloseTo(0.2222222222, 9);
		expect(m.macro.recall).toBeCloseTo(0.3333333333, 9);
		expect(m.macro.f1).toBeCloseTo(0.2666666667, 9);
	});

	it('matches scikit-learn 1.2.1 with zero_division=0 on a 4-class case with a never-predicted class', () => {
		/*
		 * Debian's python3-sklearn 1.2.1: confusion_matrix(yt, yp, labels=range(4)) and
		 * precision_recall_fscore_support(yt, yp, labels=[0, 1, 2, 3], zero_division=0), per class and
		 * average='macro'; with labels=range(5) (class 4 absent everywhere) the macro values drop.
		 */
		const yt = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3];
		const yp = [0, 0, 1, 2, 1, 1, 0, 2, 0, 0, 1, 0];
		const m = classificationMetrics(yt, yp, 4);
		expect(m.confusion).toEqual([
			[2, 1, 1, 0],
			[1, 2, 0, 0],
			[1, 0, 1, 0],
			[2, 1, 0, 0]
		]);
		const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 12));
		close(m.precision, [0.3333333333333333, 0.5, 0.5, 0.0]);
		close(m.recall, [0.5, 0.6666666666666666, 0.5, 0.0]);
		close(m.f1, [0.4, 0.5714285714285715, 0.5, 0.0]);
		expect(m.support).toEqual([4, 3, 2, 3]);
		close([m.macro.precision, m.macro.recall, m.macro.f1], [0.3333333333333333, 0.41666666666666663, 0.3678571428571429]);
		expect(m.accuracy).toBeCloseTo(0.4166666666666667, 12);
		const five = classificationMetrics(yt, yp, 5);
		close([five.macro.precision, five.macro.recall, five.macro.f1], [0.26666666666666666, 0.3333333333333333, 0.2942857142857143]);
		// sklearn without `labels` averages over the classes present (as the original Mycol app reports).
		const present = classificationMetrics(yt, yp, 5, { averageOver: 'present' });
		close([present.macro.precision, present.macro.recall, present.macro.f1], [0.3333333333333333, 0.41666666666666663, 0.3678571428571429]);
	});

	it('refuses labels outside the classes and mismatched lengths', () => {
		expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(ParamError);
		expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow('label 3 (sample 2) is not a class index from 0 to 2');
		expect(() => confusionMatrix([0], [0, 1], 3)).toThrow('there are 1 true labels but 2 predictions');
		expect(classificationMetrics([], [], 2).accuracy).toBe(0);
	});
});
