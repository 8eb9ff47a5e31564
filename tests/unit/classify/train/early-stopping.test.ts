import { describe, expect, it } from 'vitest';
import { EarlyStopping } from '../../../../src/lib/core/classify/train/early-stopping';

describe('early stopping with learning-rate halving', () => {
	it('follows a scripted validation-loss sequence, worked by hand', () => {
		const es = new EarlyStopping({ patience: 4, lrPatience: 2, lrFactor: 0.5, minLearningRate: 0.1, learningRate: 1 });
		const losses = [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.75, 0.71, 0.72];
		// Epoch (0-based): 0, 1 improve; 2 waits; 3 is the 2nd plateau epoch → lr 0.5; 4 improves
		// (best); 5 waits; 6 (equal loss is no improvement) → lr 0.25; 7 waits; 8 → lr 0.125 and,
		// 4 epochs after the best, stop.
		const got = losses.map((l) => es.update(l));
		expect(got.map((d) => d.improved)).toEqual([true, true, false, false, true, false, false, false, false]);
		expect(got.map((d) => d.learningRate)).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125]);
		expect(got.map((d) => d.reduced)).toEqual([false, false, false, true, false, false, true, false, true]);
		expect(got.map((d) => d.stop)).toEqual([false, false, false, false, false, false, false, false, true]);
		expect(es.state).toMatchObject({ bestLoss: 0.7, bestEpoch: 4, epochs: 9, wait: 4 });
	});

	it('never goes below the smallest rate, and resumes from its state', () => {
		const es = new EarlyStopping({ patience: 0, lrPatience: 1, lrFactor: 0.5, minLearningRate: 0.3, learningRate: 1 });
		const rates = [1, 2, 3, 4].map((l) => es.update(l)).map((d) => [d.learningRate, d.reduced]);
		// Epoch 0 improves; 1 → 0.5; 2 → max(0.25, 0.3) = 0.3; 3 stays 0.3, not "reduced". Patience 0 never stops.
		expect(rates).toEqual([[1, false], [0.5, true], [0.3, true], [0.3, false]]);
		const copy = new EarlyStopping(es.options, es.state);
		expect(copy.update(0.5)).toEqual({ improved: true, stop: false, learningRate: 0.3, reduced: false });
		expect(copy.state.bestEpoch).toBe(4);
	});

	it('treats NaN as no improvement, and gives a stopped run another patience when asked', () => {
		const es = new EarlyStopping({ patience: 2, lrPatience: 10, lrFactor: 0.5, minLearningRate: 0, learningRate: 1 });
		es.update(1);
		expect(es.update(NaN).improved).toBe(false);
		expect(es.update(2).stop).toBe(true);
		es.resetPatience();
		expect(es.update(3).stop).toBe(false);
		expect(es.update(3).stop).toBe(true);
	});
});
