import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, trainConfig } from '../../../../src/lib/core/classify/train/config';
import { ParamError } from '../../../../src/lib/core/formats/errors';

describe('training settings', () => {
	it("defaults to spec B7's from-scratch recipe", () => {
		// B7: Adam lr 1e-3, halve on a 5-epoch plateau down to 1e-5, batch 32, max 100 epochs,
		// patience 15, validation fraction 0.2, a ∈ [0.8, 1.2], b ∈ [−0.1, 0.1]; compact variant; S = 64.
		expect(trainConfig()).toEqual({
			variant: 'compact-k12',
			inputSize: 64,
			batchSize: 32,
			maxEpochs: 100,
			learningRate: 1e-3,
			lrPatience: 5,
			lrFactor: 0.5,
			minLearningRate: 1e-5,
			patience: 15,
			validationFraction: 0.2,
			seed: 42,
			balanceClasses: true,
			augment: { flips: true, rotate90: true, contrast: 0.2, brightness: 0.1 }
		});
		expect(trainConfig({ maxEpochs: 5, augment: { contrast: 0 } })).toMatchObject({ maxEpochs: 5, augment: { flips: true, contrast: 0 } });
		expect(DEFAULT_TRAIN_CONFIG.batchSize).toBe(32);
	});

	it('refuses bad settings with a sentence naming them', () => {
		expect(() => trainConfig({ batchSize: 0 })).toThrow('the batch size must be a whole number from 1 to 1024, not 0');
		expect(() => trainConfig({ maxEpochs: 2.5 })).toThrow(/number of epochs/);
		expect(() => trainConfig({ learningRate: 0 })).toThrow(/learning rate must be above 0/);
		expect(() => trainConfig({ validationFraction: 1 })).toThrow(/validation fraction/);
		expect(() => trainConfig({ inputSize: 8 })).toThrow(/patch size/);
		expect(() => trainConfig({ variant: 'resnet50' as never })).toThrow(ParamError);
		expect(() => trainConfig({ augment: { brightness: -1 } })).toThrow(/brightness/);
	});
});
