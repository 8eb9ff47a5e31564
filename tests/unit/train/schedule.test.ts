/**
 * The learning-rate schedule against spec §6.2's worked examples and numpy: values computed with
 * numpy 1.24 (`np.linspace` / `np.append`, the code of Cellpose 3.1 `train_seg`), printed with repr.
 */
import { describe, expect, it } from 'vitest';
import { learningRateSchedule } from '../../../src/lib/core/cellpose/train/schedule';
import { ParamError } from '../../../src/lib/core/formats/errors';

const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);

describe('learningRateSchedule (train_seg, spec §6.2)', () => {
	it('n = 100, lr = 0.1: warm-up over 10 epochs from 0 (numpy linspace values), then constant', () => {
		const lr = learningRateSchedule(0.1, 100);
		expect(lr.length).toBe(100);
		expect(Array.from(lr.slice(0, 10))).toEqual([
			0.0, 0.011111111111111112, 0.022222222222222223, 0.03333333333333333, 0.044444444444444446, 0.05555555555555556, 0.06666666666666667,
			0.07777777777777778, 0.08888888888888889, 0.1
		]);
		expect(lr.slice(10).every((v) => v === 0.1)).toBe(true);
		expect(sum(lr)).toBeCloseTo(9.499999999999998, 12);
	});

	it('100 < n ≤ 300: the last 50 epochs halve every 5 (n = 200: 0.1 until 149, 0.05 for 150–154, last 0.1/1024)', () => {
		const lr = learningRateSchedule(0.1, 200);
		expect(lr[149]).toBe(0.1);
		for (let e = 150; e < 155; e++) expect(lr[e]).toBe(0.05);
		expect(lr[155]).toBe(0.025);
		expect(lr[199]).toBe(0.1 / 1024);
		expect(sum(lr)).toBeCloseTo(14.99951171875, 12);
		// n = 101 is already past the bound (Cellpose: n_epochs > 100).
		expect(learningRateSchedule(0.1, 101)[100]).toBe(9.765625e-5);
	});

	it('n > 300: the last 100 epochs halve every 10 (n = 500, lr 0.2: 0.2 until 399, last 0.2/1024)', () => {
		const lr = learningRateSchedule(0.2, 500);
		expect(lr[399]).toBe(0.2);
		expect(lr[400]).toBe(0.1);
		expect(lr[409]).toBe(0.1);
		expect(lr[410]).toBe(0.05);
		expect(lr[449]).toBe(0.00625);
		expect(lr[499]).toBe(0.2 / 1024);
		expect(sum(lr)).toBeCloseTo(80.99804687500001, 11);
		// train_seg's default: 2000 epochs at 0.005.
		const d = learningRateSchedule(0.005, 2000);
		expect(d[1949]).toBe(0.00015625);
		expect(d[1999]).toBe(4.8828125e-6);
		expect(sum(d)).toBeCloseTo(9.524951171875, 11);
	});

	it('fewer than 10 epochs use the first n ramp values, so epoch 0 never steps', () => {
		expect(Array.from(learningRateSchedule(0.1, 5))).toEqual([0.0, 0.011111111111111112, 0.022222222222222223, 0.03333333333333333, 0.044444444444444446]);
		expect(Array.from(learningRateSchedule(0.1, 1))).toEqual([0]);
	});

	it('rejects impossible settings with a plain sentence', () => {
		expect(() => learningRateSchedule(0.1, 0)).toThrow(ParamError);
		expect(() => learningRateSchedule(0.1, 2.5)).toThrow('the number of epochs must be a whole number of at least 1, not 2.5');
		expect(() => learningRateSchedule(Number.NaN, 10)).toThrow('the learning rate must be a number of at least 0, not NaN');
	});
});
