/**
 * One and two training steps of the tfjs CPnet against PyTorch: a tiny CPnet (nbase [2, 4, 8]) with
 * weights, input and targets from closed formulas (tiny-cpnet.ts), Cellpose's `_loss_fn_seg`, and
 * torch.optim.SGD / AdamW. The reference values were computed with Debian's python3-torch 1.13.1
 * by torch-reference/tiny_cpnet_step.py (which restates cellpose 3.1's resnet_torch classes); per
 * tensor the JSON holds [sum, sum of squares, first three values] in torch layout. Run on the cpu
 * backend and on wasm (with our Conv2DBackpropFilter kernel).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CpnetModel, convWeightToTorch } from '../../../src/lib/runtime/tfjs/cpnet-model';
import { CpnetOptimizer } from '../../../src/lib/runtime/tfjs/cpnet-optimizer';
import { segmentationLossTf } from '../../../src/lib/runtime/tfjs/cpnet-loss';
import { trainStep, wasmMaxChunk } from '../../../src/lib/runtime/tfjs/train-loop';
import { initTfjsBackend } from '../../../src/lib/runtime/tfjs/backend';
import { nchwToNhwc, nhwcToNchw, stats, tinyInput, tinyTargets, tinyTensors, TINY_H, TINY_N, TINY_NBASE, TINY_W } from './tiny-cpnet';

type Stats = number[];
interface Reference {
	loss: number;
	grad: Record<string, Stats>;
	runningAfterForward: Record<string, Stats>;
	evalY: Stats;
	evalStyle: Stats;
	sgd: { losses: number[]; state: Record<string, Stats>; batches: number };
	adamw: { losses: number[]; state: Record<string, Stats>; batches: number };
}

const ref = JSON.parse(readFileSync(resolve(import.meta.dirname, 'torch-reference/tiny-cpnet-step.json'), 'utf8')) as Reference;

function makeModel(): CpnetModel {
	return CpnetModel.fromWeights({ nbase: TINY_NBASE, nout: 3, kernel: 3, tensors: tinyTensors(), diamMean: 30, diamLabels: 30 });
}

function batch(): [tf.Tensor4D, tf.Tensor4D] {
	return [
		tf.tensor4d(nchwToNhwc(tinyInput(), TINY_N, 2, TINY_H, TINY_W), [TINY_N, TINY_H, TINY_W, 2]),
		tf.tensor4d(nchwToNhwc(tinyTargets(), TINY_N, 3, TINY_H, TINY_W), [TINY_N, TINY_H, TINY_W, 3])
	];
}

/**
 * Compare [sum, Σx², x0, x1, x2] with a reference: the linear statistics within `rel`·‖ref‖ + `abs`
 * (float32 sums in another order differ by about 1e-4 of the norm; a wrong gradient is off by O(1)),
 * the sum of squares within 2·`rel` relative + abs².
 */
function expectStats(got: Stats, want: Stats, what: string, rel: number, abs: number): void {
	const norm = Math.sqrt(want[1]);
	for (const i of [0, 2, 3, 4]) {
		if (want[i] === undefined) continue;
		expect(Math.abs(got[i] - want[i]), `${what} stat ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(rel * norm + abs);
	}
	expect(Math.abs(got[1] - want[1]), `${what} Σx²: ${got[1]} vs ${want[1]}`).toBeLessThanOrEqual(2 * rel * want[1] + abs * abs);
}

/** A variable's gradient in torch layout. */
function torchLayout(key: string, data: Float32Array, model: CpnetModel): Float32Array {
	const v = model.params.get(key)!;
	if (v.shape.length === 4) return convWeightToTorch(data, [v.shape[3], v.shape[2], v.shape[0], v.shape[1]]);
	if (v.shape.length === 2) {
		const [s, c] = v.shape;
		const out = new Float32Array(data.length);
		for (let i = 0; i < s; i++) for (let j = 0; j < c; j++) out[j * s + i] = data[i * c + j];
		return out;
	}
	return data;
}

afterAll(async () => {
	await tf.setBackend('cpu');
});

for (const backend of ['cpu', 'wasm'] as const) {
	describe(`one training step of the tfjs CPnet vs PyTorch (${backend})`, () => {
		it("gives PyTorch's loss and gradients for every parameter, and moves BatchNorm statistics with momentum 0.05", async () => {
			await initTfjsBackend({ prefer: backend });
			const model = makeModel();
			const [x, t] = batch();
			try {
				const { value, grads } = tf.variableGrads(() => segmentationLossTf(model.forward(x, true).y, t), model.trainableVariables());
				expect(Math.abs(value.dataSync()[0] - ref.loss) / ref.loss).toBeLessThan(2e-6);
				expect(Object.keys(ref.grad).length).toBe(model.params.size);
				for (const [key, v] of model.params) {
					const g = torchLayout(key, grads[v.name].dataSync() as Float32Array, model);
					expectStats(stats(g), ref.grad[key], `grad ${key}`, 1e-3, 1e-5);
				}
				tf.dispose([value, ...Object.values(grads)]);
				for (const [key, v] of model.buffers) expectStats(stats(v.dataSync() as Float32Array), ref.runningAfterForward[key], key, 1e-5, 1e-7);
				expect(model.batchesTracked.get('output.0')).toBe(1n);
				// Eval mode then uses the moved running statistics.
				const [y, style] = tf.tidy(() => {
					const o = model.forward(x, false);
					return [nhwcToNchw(o.y.dataSync() as Float32Array, TINY_N, 3, TINY_H, TINY_W), Float32Array.from(o.style.dataSync() as Float32Array)];
				});
				expectStats(stats(y), ref.evalY, 'eval y', 1e-5, 1e-6);
				expectStats(stats(style), ref.evalStyle, 'eval style', 1e-5, 1e-7);
			} finally {
				model.dispose();
				tf.dispose([x, t]);
			}
		});

		it('two SGD steps (lr 0.01, weight decay 1e-4, momentum 0.9) give PyTorch weights and running statistics', async () => {
			await initTfjsBackend({ prefer: backend });
			const model = makeModel();
			const opt = new CpnetOptimizer('sgd', 1e-4, 0.9);
			const [x, t] = batch();
			try {
				const losses = [trainStep(model, opt, x, t, 0.01), trainStep(model, opt, x, t, 0.01)];
				losses.forEach((l, i) => expect(Math.abs(l - ref.sgd.losses[i]) / ref.sgd.losses[i]).toBeLessThan(5e-6));
				const state = model.torchTensors();
				for (const [key, want] of Object.entries(ref.sgd.state)) {
					if (key.startsWith('diam_')) continue;
					// After two steps a few ReLU/max-pool decisions can flip between float32 orders (wasm
					// sums differently), so the second step's noise is larger there.
					expectStats(stats(state.get(key)!.data), want, `sgd ${key}`, backend === 'cpu' ? 1e-3 : 5e-3, 2e-6);
				}
				expect(model.batchesTracked.get('downsample.down.res_down_0.conv.conv_0.0')).toBe(BigInt(ref.sgd.batches));
			} finally {
				model.dispose();
				opt.dispose();
				tf.dispose([x, t]);
			}
		});

		it("a batch run in two passes (gradients added before the step) gives PyTorch's SGD weights when each pass has the batch's statistics", async () => {
			// [a, b, a, b] in passes of 2: each pass sees exactly the BatchNorm statistics of PyTorch's
			// batch [a, b], and the mean loss of [a, b, a, b] is that of [a, b]; so the two-pass step must
			// land on PyTorch's weights. (Running statistics move once per pass, so they are not compared.)
			await initTfjsBackend({ prefer: backend });
			const model = makeModel();
			const opt = new CpnetOptimizer('sgd', 1e-4, 0.9);
			const [x1, t1] = batch();
			const x = tf.concat([x1, x1]);
			const t = tf.concat([t1, t1]);
			try {
				const losses = [trainStep(model, opt, x, t, 0.01, 2), trainStep(model, opt, x, t, 0.01, 2)];
				losses.forEach((l, i) => expect(Math.abs(l - ref.sgd.losses[i]) / ref.sgd.losses[i]).toBeLessThan(5e-6));
				const state = model.torchTensors();
				for (const key of model.params.keys()) expectStats(stats(state.get(key)!.data), ref.sgd.state[key], `sgd ${key}`, backend === 'cpu' ? 1e-3 : 5e-3, 2e-6);
				expect(model.batchesTracked.get('downsample.down.res_down_0.conv.conv_0.0')).toBe(BigInt(2 * ref.sgd.batches));
				// The wasm limit: 4 crops of 224², 1 of 448² (four times the pixels).
				expect(wasmMaxChunk(224)).toBe(4);
				expect(wasmMaxChunk(448)).toBe(1);
			} finally {
				model.dispose();
				opt.dispose();
				tf.dispose([x, t, x1, t1]);
			}
		});

		it('two AdamW steps (lr 0.001, weight decay 1e-5) give PyTorch weights where the gradient is not zero', async () => {
			await initTfjsBackend({ prefer: backend });
			const model = makeModel();
			const opt = new CpnetOptimizer('adamw', 1e-5);
			const [x, t] = batch();
			try {
				const losses = [trainStep(model, opt, x, t, 0.001), trainStep(model, opt, x, t, 0.001)];
				losses.forEach((l, i) => expect(Math.abs(l - ref.adamw.losses[i]) / ref.adamw.losses[i]).toBeLessThan(5e-6));
				expect(losses[1]).toBeLessThan(losses[0]);
				const state = model.torchTensors();
				let compared = 0;
				for (const key of model.params.keys()) {
					// Biases in front of a BatchNorm have an exactly zero gradient; PyTorch's and ours are
					// both rounding noise there, which Adam's normalisation turns into ±lr steps.
					if (ref.grad[key][1] < 1e-10) continue;
					expectStats(stats(state.get(key)!.data), ref.adamw.state[key], `adamw ${key}`, 2e-5, 1e-6);
					compared++;
				}
				expect(compared).toBeGreaterThan(60);
			} finally {
				model.dispose();
				opt.dispose();
				tf.dispose([x, t]);
			}
		});
	});
}
