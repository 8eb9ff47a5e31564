import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DenseNetConfig } from '../../../../src/lib/core/classify/densenet';
import { trainConfig, type ClassifierTrainConfig } from '../../../../src/lib/core/classify/train/config';
import { seededRandom } from '../../../../src/lib/core/example/random';
import { initTfjsBackend } from '../../../../src/lib/runtime/tfjs/backend';
import { ClassifierTrainer, weightedCrossEntropy, type TrainingData } from '../../../../src/lib/runtime/tfjs/classifier-train';

/** k = 4, blocks (2, 2), 8 initial features: a few milliseconds per step. */
const TINY: DenseNetConfig = { growthRate: 4, blockConfig: [2, 2], numInitFeatures: 8, bnSize: 4, numClasses: 2, head: { kind: 'linear' } };
const S = 16;
const NO_AUGMENT = { flips: false, rotate90: false, contrast: 0, brightness: 0 };

/**
 * A separable problem: class 0 = a bright disk (0.9), class 1 = a dim one (0.3), radius 3–6 px,
 * with noise; flips, rotations and the brightness/contrast ranges keep the classes apart.
 */
function disks(n0: number, n1: number, seed = 5): TrainingData {
	const rand = seededRandom(seed);
	const n = n0 + n1;
	const patches = new Float32Array(n * S * S * 3);
	const labels = new Int32Array(n);
	for (let i = 0; i < n; i++) {
		const cls = i < n0 ? 0 : 1;
		labels[i] = cls;
		const r = 3 + 3 * rand();
		const cy = 7.5 + (rand() - 0.5) * 3;
		const cx = 7.5 + (rand() - 0.5) * 3;
		for (let y = 0; y < S; y++) {
			for (let x = 0; x < S; x++) {
				if ((y - cy) ** 2 + (x - cx) ** 2 > r * r) continue;
				const v = (cls === 0 ? 0.9 : 0.3) + (rand() - 0.5) * 0.1;
				for (let c = 0; c < 3; c++) patches[((i * S + y) * S + x) * 3 + c] = v;
			}
		}
	}
	return { patches, labels, size: S };
}

function config(over: Partial<ClassifierTrainConfig>): ClassifierTrainConfig {
	return trainConfig({ inputSize: S, batchSize: 8, maxEpochs: 4, seed: 3, ...over });
}

/** Mean of w[y]·(logsumexp(z) − z[y]) over the rows, written out here independently of the code under test. */
function handLoss(logits: Float32Array, labels: ArrayLike<number>, w: ArrayLike<number>): number {
	let total = 0;
	for (let i = 0; i < labels.length; i++) {
		const z0 = logits[2 * i];
		const z1 = logits[2 * i + 1];
		const lse = Math.log(Math.exp(z0) + Math.exp(z1));
		total += w[labels[i]] * (lse - (labels[i] === 0 ? z0 : z1));
	}
	return total / labels.length;
}

function gather(data: TrainingData, idx: ArrayLike<number>): tf.Tensor4D {
	const per = S * S * 3;
	const x = new Float32Array(idx.length * per);
	for (let i = 0; i < idx.length; i++) x.set(data.patches.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
	return tf.tensor4d(x, [idx.length, S, S, 3]);
}

beforeAll(async () => {
	// WASM, with the convolution-gradient kernels it lacks registered: several times faster than 'cpu'.
	await initTfjsBackend({ prefer: 'wasm' });
});

describe('classifier training', () => {
	it('one Adam step lowers the class-weighted loss it reports, which is the hand-computed one', async () => {
		// 16 + 8 cells, validation 0.25 → 4 + 2 held out; training 12 + 6 → weights 18/24 = 0.75, 18/12 = 1.5.
		const data = disks(16, 8);
		const t = new ClassifierTrainer(data, ['bright', 'dim'], config({ batchSize: 64, maxEpochs: 1, validationFraction: 0.25, augment: NO_AUGMENT }), { architecture: TINY });
		try {
			expect(Array.from(t.classWeights)).toEqual([0.75, 1.5]);
			const train = t.split.train;
			const labels = Array.from(train, (i) => data.labels[i]);
			const x = gather(data, train);
			// Training mode: BatchNorm uses the batch's statistics, as in the step (one batch = the whole split).
			const lossOf = () => {
				const z = tf.tidy(() => t.model.apply(x, { training: true }) as tf.Tensor);
				const v = handLoss(z.dataSync() as Float32Array, labels, t.classWeights);
				z.dispose();
				return v;
			};
			const before = lossOf();
			const summary = await t.run();
			expect(summary.epochs).toBe(1);
			expect(summary.history[0].trainLoss).toBeCloseTo(before, 5);
			expect(lossOf()).toBeLessThan(before);
			x.dispose();
		} finally {
			t.dispose();
		}
	});

	it('keeps the number of live tensors flat across epochs and frees everything on dispose', async () => {
		const baseline = tf.memory().numTensors;
		const t = new ClassifierTrainer(disks(12, 12), ['bright', 'dim'], config({ maxEpochs: 4 }), { architecture: TINY });
		const counts: number[] = [];
		await t.run({ onEpoch: () => void counts.push(tf.memory().numTensors) });
		t.dispose();
		expect(counts).toHaveLength(4);
		expect(new Set(counts).size).toBe(1);
		expect(tf.memory().numTensors).toBe(baseline);
	});

	it('resumes a stopped run exactly where it stopped, and keeps the best epoch', async () => {
		const data = disks(12, 12, 9);
		const cfg = config({ maxEpochs: 6 });
		const whole = new ClassifierTrainer(data, ['bright', 'dim'], cfg, { architecture: TINY });
		const parts = new ClassifierTrainer(data, ['bright', 'dim'], cfg, { architecture: TINY });
		try {
			const a = await whole.run();
			const first = await parts.run({ shouldStop: () => parts.epochs >= 3 });
			expect(first.stoppedBy).toBe('user');
			expect(first.epochs).toBe(3);
			const b = await parts.run();
			expect(a.stoppedBy).toBe('max-epochs');
			expect(b.epochs).toBe(6);
			const curve = (h: typeof a.history) => h.map((e) => [e.trainLoss, e.trainAccuracy, e.valLoss, e.valAccuracy, e.learningRate]);
			expect(curve(b.history)).toEqual(curve(a.history));
			// The kept weights are those of the lowest validation loss, and the summary is measured on them.
			const losses = a.history.map((e) => e.valLoss);
			const best = losses.indexOf(Math.min(...losses));
			expect(a.bestEpoch).toBe(best + 1);
			expect(a.validationLoss).toBeCloseTo(losses[best], 6);
			// The summary's metrics agree with its own confusion matrix and counts.
			const cm = a.metrics.confusion;
			expect(cm[0][0] + cm[0][1] + cm[1][0] + cm[1][1]).toBe(a.validationCounts[0] + a.validationCounts[1]);
			expect(a.metrics.accuracy).toBeCloseTo(a.history[best].valAccuracy, 12);
			expect(a.misclassified.length).toBe(cm[0][1] + cm[1][0]);
		} finally {
			whole.dispose();
			parts.dispose();
		}
	});

	it('learns the separable problem with augmentation on', async () => {
		const t = new ClassifierTrainer(disks(16, 16, 11), ['bright', 'dim'], config({ maxEpochs: 15, learningRate: 3e-3 }), { architecture: TINY });
		try {
			const s = await t.run();
			expect(s.metrics.accuracy).toBe(1);
		} finally {
			t.dispose();
		}
	});

	it('refuses data it cannot train on', () => {
		const d = disks(4, 4);
		expect(() => new ClassifierTrainer(d, ['only'], config({}), { architecture: TINY })).toThrow(/at least 2 classes/);
		expect(() => new ClassifierTrainer(d, ['a', 'b'], config({ inputSize: 32 }), { architecture: TINY })).toThrow('the patches are 16 × 16 pixels but the model is set to 32');
		expect(() => new ClassifierTrainer(d, ['a', 'b', 'c'], config({}), { architecture: TINY })).toThrow("no cell is labelled 'c'");
	});

	it('computes the weighted validation loss by hand', () => {
		// Row 0: logits (0, 0), class 0, weight 2 → 2 ln 2; row 1: (ln 3, 0), class 1, weight 1 → ln 4.
		// Mean: (2 ln 2 + ln 4) / 2 = 2 ln 2. Accuracy: row 0 ties → class 0 (right); row 1 wrong → 0.5.
		const r = weightedCrossEntropy(Float32Array.from([0, 0, Math.log(3), 0]), [0, 1], 2, [2, 1]);
		expect(r.loss).toBeCloseTo(2 * Math.LN2, 6);
		expect(r.accuracy).toBe(0.5);
	});
});
