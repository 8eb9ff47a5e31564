import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DenseNetConfig } from '../../../../src/lib/core/classify/densenet';
import { importDenseNetCheckpoint } from '../../../../src/lib/core/classify/import';
import { nhwcToNchw } from '../../../../src/lib/core/classify/patches';
import { referenceForward } from '../../../../src/lib/core/classify/reference-forward';
import { seededRandom } from '../../../../src/lib/core/example/random';
import { initTfjsBackend } from '../../../../src/lib/runtime/tfjs/backend';
import { classifyPatches, loadTfjsClassifier, lowConfidenceCells, predictionsFromLogits } from '../../../../src/lib/runtime/tfjs/classifier-infer';
import { CLASSIFIER_FILES, classifierFiles } from '../../../../src/lib/runtime/tfjs/classifier-train';
import { buildDenseNetModel, predictLogits, softmaxRows } from '../../../../src/lib/runtime/tfjs/densenet-model';
import type { ClassifierMetadata } from '../../../../src/lib/core/classify/train/model-metadata';

const TINY: DenseNetConfig = { growthRate: 4, blockConfig: [2, 2], numInitFeatures: 8, bnSize: 4, numClasses: 3, head: { kind: 'linear' } };
const S = 16;

function patches(n: number, seed = 2): Float32Array {
	const r = seededRandom(seed);
	return Float32Array.from({ length: n * S * S * 3 }, () => r());
}

/** A model with non-trivial BatchNorm statistics and a head that gives clearly different logits. */
function tinyModel(): tf.LayersModel {
	const model = buildDenseNetModel(TINY, { inputSize: S, seed: 7 });
	const r = seededRandom(11);
	for (const l of model.layers) {
		if (l.getClassName() !== 'BatchNormalization') continue;
		const [g, b, m, v] = l.getWeights();
		const fresh = [g, b, m, v].map((t, i) => tf.tensor(Float32Array.from({ length: t.size }, () => (i === 3 ? 0.5 + r() : i === 0 ? 0.5 + r() : r() - 0.5)), t.shape));
		l.setWeights(fresh);
		tf.dispose(fresh);
	}
	return model;
}

beforeAll(async () => {
	await initTfjsBackend({ prefer: 'wasm' });
});

describe('classification', () => {
	it('gives the argmax class and its softmax probability, worked by hand', () => {
		// (2, 0): e²/(e² + 1) = 0.8807970779778823; (−1, 1): class 1, same confidence; a tie → the
		// first class at 0.5; (1, 2, 3): e³/(e + e² + e³) = 0.6652409557748219.
		const p = predictionsFromLogits(Float32Array.from([2, 0, -1, 1, 0.5, 0.5]), 2);
		expect(Array.from(p.classIndex)).toEqual([0, 1, 0]);
		expect(p.confidence[0]).toBeCloseTo(0.8807970779778823, 6);
		expect(p.confidence[1]).toBeCloseTo(0.8807970779778823, 6);
		expect(p.confidence[2]).toBe(0.5);
		const q = predictionsFromLogits(Float32Array.from([1, 2, 3]), 3);
		expect(q.classIndex[0]).toBe(2);
		expect(q.confidence[0]).toBeCloseTo(0.6652409557748219, 6);
		expect(q.probabilities[0] + q.probabilities[1] + q.probabilities[2]).toBeCloseTo(1, 6);
		expect(Array.from(lowConfidenceCells([0.9, 0.55, 0.7, 0.5], 0.6))).toEqual([3, 1]);
	});

	it('classifies in batches with progress, matching the softmax of the logits, and cancels between batches', async () => {
		const model = tinyModel();
		try {
			const x = patches(5);
			const progress: number[] = [];
			const got = await classifyPatches(model, x, 5, S, { batchSize: 2, onProgress: (d) => progress.push(d) });
			expect(progress).toEqual([2, 4, 5]);
			const probs = softmaxRows(await predictLogits(model, x, 5, S), 3);
			for (let i = 0; i < 5; i++) {
				const row = Array.from(probs.subarray(3 * i, 3 * i + 3));
				expect(got.confidence[i]).toBeCloseTo(Math.max(...row), 6);
				expect(got.classIndex[i]).toBe(row.indexOf(Math.max(...row)));
			}
			const signal = { aborted: false };
			await expect(classifyPatches(model, x, 5, S, { batchSize: 2, signal, onProgress: () => (signal.aborted = true) })).rejects.toThrow('classification cancelled');
			await expect(classifyPatches(model, x, 4, S)).rejects.toThrow(/expected 4 patches/);
		} finally {
			model.dispose();
		}
	});

	it('saves tfjs files and a .pth that load back to the same logits (the .pth through the torch reader and the plain reference forward pass)', async () => {
		const model = tinyModel();
		const metadata: ClassifierMetadata = {
			format: 'mycol-classifier',
			version: 1,
			classNames: ['a', 'b', 'c'],
			preprocessing: { size: S, intensity: 'percentile', standardize: 'none' },
			architecture: TINY
		};
		try {
			const x = patches(3, 4);
			const logits = await predictLogits(model, x, 3, S);
			const files = new Map((await classifierFiles(model, metadata)).map((f) => [f.name, f.bytes]));
			expect([...files.keys()].sort()).toEqual([CLASSIFIER_FILES.metadata, CLASSIFIER_FILES.modelJson, CLASSIFIER_FILES.torch, CLASSIFIER_FILES.weights].sort());
			const loaded = await loadTfjsClassifier('model.json', new TextDecoder().decode(files.get('model.json')), files.get('weights.bin')!);
			expect(loaded.metadata).toEqual(metadata);
			const again = await predictLogits(loaded.model, x, 3, S);
			loaded.model.dispose();
			expect(Array.from(again)).toEqual(Array.from(logits));
			// A model.json without the description reads it from classifier.json, and refuses without it.
			const bare = JSON.parse(new TextDecoder().decode(files.get('model.json'))) as { userDefinedMetadata?: unknown };
			delete bare.userDefinedMetadata;
			const viaSidecar = await loadTfjsClassifier('model.json', JSON.stringify(bare), files.get('weights.bin')!, new TextDecoder().decode(files.get('classifier.json')));
			viaSidecar.model.dispose();
			expect(viaSidecar.metadata).toEqual(metadata);
			await expect(loadTfjsClassifier('model.json', JSON.stringify(bare), files.get('weights.bin')!)).rejects.toThrow('model.json: this model.json carries no Mycol class names');
			const imported = importDenseNetCheckpoint('model.pth', files.get('model.pth')!);
			expect(imported.config).toEqual(TINY);
			const ref = referenceForward(imported.layout, imported.tensors, nhwcToNchw(x, 3, S, S, 3), 3, S, S);
			for (let i = 0; i < ref.length; i++) expect(Math.abs(ref[i] - logits[i])).toBeLessThan(1e-4);
		} finally {
			model.dispose();
		}
	});
});
