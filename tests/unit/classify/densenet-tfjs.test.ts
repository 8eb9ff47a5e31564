import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importDenseNetCheckpoint } from '../../../src/lib/core/classify/import';
import { referenceForward } from '../../../src/lib/core/classify/reference-forward';
import { denseNetLayout, variantConfig, weightSpecs } from '../../../src/lib/core/classify/densenet';
import {
	buildDenseNetModel,
	exportTorchState,
	loadTfjsModel,
	loadTorchWeights,
	predictLogits,
	saveTfjsModel,
	softmaxRows,
	trainableParameterCount
} from '../../../src/lib/runtime/tfjs/densenet-model';
import { TINY_MLP_HIDDEN, tinyConfig, tinyInput, tinyPth, tinyWeights } from './tiny-densenet';

/*
 * Logits of the tiny checkpoints (tinyPth(..., { batchesTracked: true }), input tinyInput(2, 32))
 * computed by real PyTorch: Debian's python3-torch 1.13.1 + python3-torchvision 0.14.1,
 * `torch.load` of the very bytes tinyPth writes, `DenseNet(growth_rate=4, block_config=(2, 2),
 * num_init_features=8, bn_size=4, num_classes=3)` (for the Mycol head, `classifier =
 * Sequential(Linear(16, 5), ReLU(), Linear(5, 3))`), `load_state_dict(strict=True)`, `eval()`,
 * float32 forward on the NCHW input. Rows: sample 0, sample 1.
 */
const TORCH_LINEAR = [0.38509315252304077, -0.2685173451900482, 0.2630399763584137, 0.3684428632259369, -0.26149633526802063, 0.2550716996192932];
const TORCH_MLP = [0.2704125940799713, 0.05208417773246765, 0.030506879091262817, 0.25676995515823364, 0.06380295008420944, 0.03132215142250061];

function nchwToNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
	const out = new Float32Array(x.length);
	for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let i = 0; i < w; i++) out[((b * h + y) * w + i) * c + k] = x[((b * c + k) * h + y) * w + i];
	return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
	expect(a.length).toBe(b.length);
	let m = 0;
	for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
	return m;
}

beforeAll(async () => {
	await tf.setBackend('cpu');
	await tf.ready();
});

describe('DenseNet in tfjs with imported torch weights', () => {
	for (const [name, head, torchLogits] of [
		['torchvision Linear head', { kind: 'linear' as const }, TORCH_LINEAR],
		["the Mycol app's Linear–ReLU–Linear head", { kind: 'mlp' as const, hidden: TINY_MLP_HIDDEN }, TORCH_MLP]
	] as const) {
		it(`gives PyTorch's logits (${name}): reference forward and tfjs agree`, async () => {
			const config = tinyConfig(head);
			const imported = importDenseNetCheckpoint('tiny.pth', tinyPth(config, tinyWeights(config), { batchesTracked: true }));
			expect(imported.config).toEqual(config);
			const x = tinyInput(2, 32);
			const ref = referenceForward(imported.layout, imported.tensors, x, 2, 32, 32);
			expect(maxDiff(ref, torchLogits)).toBeLessThan(1e-5);

			const model = buildDenseNetModel(imported.config, { inputSize: 32 });
			loadTorchWeights(model, imported.layout, imported.tensors);
			const logits = await predictLogits(model, nchwToNhwc(x, 2, 3, 32, 32), 2, 32);
			expect(maxDiff(logits, ref)).toBeLessThan(1e-4);
			expect(maxDiff(logits, torchLogits)).toBeLessThan(1e-4);
			model.dispose();
		});
	}

	it('exports the weights back to the torch state dict they came from, in torchvision order', () => {
		const config = tinyConfig({ kind: 'mlp', hidden: TINY_MLP_HIDDEN });
		const imported = importDenseNetCheckpoint('tiny.pth', tinyPth(config, tinyWeights(config)));
		const model = buildDenseNetModel(config, { inputSize: 32 });
		loadTorchWeights(model, imported.layout, imported.tensors);
		const state = exportTorchState(model, imported.layout);
		expect([...state.keys()]).toEqual(weightSpecs(denseNetLayout(config)).map((w) => w.key));
		for (const [key, t] of state) {
			if (key.endsWith('num_batches_tracked')) {
				expect(t).toEqual({ dtype: 'int64', shape: [], data: new BigInt64Array(1) });
				continue;
			}
			const src = imported.tensors.get(key)!;
			expect(t.shape, key).toEqual(src.shape);
			expect(t.data, key).toEqual(src.data);
		}
		model.dispose();
	});

	it('saves to and loads from the tfjs format in memory with the same outputs and metadata', async () => {
		const config = tinyConfig();
		const imported = importDenseNetCheckpoint('tiny.pth', tinyPth(config, tinyWeights(config)));
		const model = buildDenseNetModel(config, { inputSize: 32 });
		loadTorchWeights(model, imported.layout, imported.tensors);
		const files = await saveTfjsModel(model, { classNames: ['a', 'b', 'c'], preprocessing: imported.suggestedPreprocessing });
		const json = JSON.parse(files.modelJson) as { format: string; weightsManifest: { paths: string[]; weights: { name: string }[] }[] };
		expect(json.format).toBe('layers-model');
		expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
		expect(json.weightsManifest[0].weights.map((w) => w.name)).toContain('features_denseblock2_denselayer2_conv2/kernel');
		// Every float32 weight value is in the bin: parameters + BN running statistics.
		const floats = weightSpecs(imported.layout).filter((w) => w.role !== 'bn-count').reduce((a, w) => a + w.shape.reduce((p, d) => p * d, 1), 0);
		expect(files.weightsBin.length).toBe(4 * floats);
		const loaded = await loadTfjsModel('model.json', files.modelJson, files.weightsBin);
		expect(loaded.getUserDefinedMetadata()).toEqual({ classNames: ['a', 'b', 'c'], preprocessing: imported.suggestedPreprocessing });
		const x = nchwToNhwc(tinyInput(2, 32), 2, 3, 32, 32);
		expect(await predictLogits(loaded, x, 2, 32)).toEqual(await predictLogits(model, x, 2, 32));
		await expect(loadTfjsModel('m.json', '{"a":1}', new Uint8Array(0))).rejects.toThrow('m.json: this model.json is not a tfjs Layers model');
		model.dispose();
		loaded.dispose();
	});

	it('builds DenseNet-121 with torchvision’s parameter count and B5’s feature sizes at 64 px', async () => {
		const C = 3;
		const model = buildDenseNetModel(variantConfig('densenet121', C), { inputSize: 64 });
		expect(trainableParameterCount(model)).toBe(6_953_856 + 1025 * C);
		expect(model.getLayer('features_pool0').outputShape).toEqual([null, 16, 16, 64]);
		expect(model.getLayer('features_denseblock1_denselayer6_concat').outputShape).toEqual([null, 16, 16, 256]);
		expect(model.getLayer('features_transition3_pool').outputShape).toEqual([null, 2, 2, 512]);
		expect(model.getLayer('features_denseblock4_denselayer16_concat').outputShape).toEqual([null, 2, 2, 1024]);
		const logits = await predictLogits(model, tinyInput(1, 64), 1, 64);
		expect(logits.length).toBe(C);
		expect([...logits].every(Number.isFinite)).toBe(true);
		const p = softmaxRows(logits, C);
		expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 6);
		model.dispose();
		const compact = buildDenseNetModel(variantConfig('compact-k12', 2));
		expect(trainableParameterCount(compact)).toBe(305_042);
		compact.dispose();
	});
});
