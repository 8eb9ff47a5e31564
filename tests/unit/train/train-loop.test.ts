/**
 * The train_seg loop over the tfjs CPnet: schedule and validation epochs, bounded memory across
 * epochs, stop, and resume from a checkpoint (which must continue exactly as an uninterrupted run).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareTrainingSet, type TrainingItem } from '../../../src/lib/core/cellpose/train/data';
import { trainConfig } from '../../../src/lib/core/cellpose/train/config';
import { learningRateSchedule } from '../../../src/lib/core/cellpose/train/schedule';
import { syntheticNuclei } from '../../../src/lib/core/example/synthetic';
import { CpnetModel } from '../../../src/lib/runtime/tfjs/cpnet-model';
import { initTfjsBackend } from '../../../src/lib/runtime/tfjs/backend';
import { CellposeTrainer, modelFromCheckpoint, type TrainCheckpoint } from '../../../src/lib/runtime/tfjs/train-loop';

beforeAll(async () => {
	await initTfjsBackend({ prefer: 'cpu' });
});

const NBASE = [2, 4, 8];
const items: TrainingItem[] = [1, 2, 3, 4].map((s) => {
	const e = syntheticNuclei(`img${s}.tif`, s, 48, 40, 7, 5);
	return { name: e.name, raster: e.raster, labels: e.labels };
});
const set = prepareTrainingSet(items, { valFraction: 0.25, seed: 42, minTrainMasks: 1, channels: [0, 0], normalize: true });
const config = (over = {}) => trainConfig({ nEpochs: 4, batchSize: 2, bsize: 32, learningRate: 0.01, minTrainMasks: 1, ...over });

function weights(model: CpnetModel): number[] {
	return model.stateDict().flatMap((t) => Array.from(t.data as ArrayLike<number | bigint>, Number));
}

describe('CellposeTrainer', () => {
	it('runs the schedule, validates on Cellpose’s epochs, keeps tensor count flat and counts BatchNorm batches', async () => {
		const model = CpnetModel.random(NBASE, { seed: 1 });
		const trainer = new CellposeTrainer(model, set, config({ nEpochs: 12 }));
		const counts: number[] = [];
		const result = await trainer.run({ onEpoch: () => void counts.push(tf.memory().numTensors) });
		expect(result.stopped).toBe(false);
		expect(result.epochs.map((e) => e.epoch)).toEqual([...Array(12).keys()]);
		const lr = learningRateSchedule(0.01, 12);
		result.epochs.forEach((e, i) => expect(e.learningRate).toBe(lr[i]));
		expect(result.epochs.filter((e) => e.validationLoss !== null).map((e) => e.epoch)).toEqual([0, 5, 10]);
		expect(result.epochs.every((e) => Number.isFinite(e.trainLoss) && e.trainLoss > 0)).toBe(true);
		expect(new Set(counts).size).toBe(1);
		// 3 training images in batches of 2: 2 steps per epoch, each a train-mode forward.
		expect(model.batchesTracked.get('output.0')).toBe(24n);
		expect(model.diamLabels).toBeCloseTo(set.diamLabels, 6);
		trainer.dispose();
		model.dispose();
	});

	it('validates every N-th epoch and the last when asked to', async () => {
		const model = CpnetModel.random(NBASE, { seed: 2 });
		const trainer = new CellposeTrainer(model, set, config({ nEpochs: 5, validateEvery: 2 }));
		const r = await trainer.run();
		expect(r.epochs.filter((e) => e.validationLoss !== null).map((e) => e.epoch)).toEqual([0, 2, 4]);
		trainer.dispose();
		model.dispose();
	});

	it('resumes from a checkpoint exactly where an uninterrupted run would be', async () => {
		const straight = CpnetModel.random(NBASE, { seed: 3 });
		const a = new CellposeTrainer(straight, set, config());
		const full = await a.run();

		const first = CpnetModel.random(NBASE, { seed: 3 });
		const b = new CellposeTrainer(first, set, config());
		let saved: TrainCheckpoint | null = null;
		let epochs = 0;
		await b.run({
			onEpoch: () => void epochs++,
			shouldStop: () => epochs >= 2,
			onCheckpoint: (c) => void (saved = c)
		});
		expect(b.nextEpoch).toBe(2);
		const cp = b.checkpoint();
		expect(saved).toBeNull();
		b.dispose();
		first.dispose();

		const second = modelFromCheckpoint(cp);
		const c = new CellposeTrainer(second, set, cp.config, cp);
		const rest = await c.run();
		expect(rest.epochs.map((e) => e.trainLoss)).toEqual(full.epochs.map((e) => e.trainLoss));
		expect(rest.epochs.map((e) => e.validationLoss)).toEqual(full.epochs.map((e) => e.validationLoss));
		expect(weights(second)).toEqual(weights(straight));
		for (const t of [a, c]) t.dispose();
		straight.dispose();
		second.dispose();
	});

	it('stops after the current batch and does not record the unfinished epoch', async () => {
		const model = CpnetModel.random(NBASE, { seed: 4 });
		const trainer = new CellposeTrainer(model, set, config());
		let batches = 0;
		const r = await trainer.run({ onProgress: (p) => void (p.phase === 'train' && batches++), shouldStop: () => batches >= 1 });
		expect(r.stopped).toBe(true);
		expect(r.epochs).toEqual([]);
		expect(r.nextEpoch).toBe(0);
		expect(batches).toBe(1);
		trainer.dispose();
		model.dispose();
	});

	it('offers a checkpoint every save interval and at the end; draws nimg_per_epoch images with replacement', async () => {
		const model = CpnetModel.random(NBASE, { seed: 5 });
		const trainer = new CellposeTrainer(model, set, config({ nEpochs: 5, saveEvery: 2, nimgPerEpoch: 5 }));
		const at: number[] = [];
		let trainBatches = 0;
		await trainer.run({ onCheckpoint: (c) => void at.push(c.nextEpoch), onProgress: (p) => void (p.phase === 'train' && trainBatches++) });
		// save_every 2: after epochs 2 and 4 (e > 0), and the last epoch (4) again only once.
		expect(at).toEqual([3, 5]);
		// 5 images per epoch in batches of 2: 3 batches.
		expect(trainBatches).toBe(15);
		trainer.dispose();
		model.dispose();
	});
});
