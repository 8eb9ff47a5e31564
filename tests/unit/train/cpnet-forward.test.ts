/**
 * The tfjs CPnet against the reference: eval-mode forward passes on the `net/` fixtures (made by
 * PyTorch Cellpose 3.1) and against our ONNX graph run by onnxruntime-node, on the cpu and wasm
 * backends; and the state dict it writes back.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../helpers/arrays';
import { readNpy } from '../../../src/lib/core/formats/npy';
import { readCellposeModel } from '../../../src/lib/core/cellpose/weights';
import { buildCellposeOnnx } from '../../../src/lib/core/cellpose/graph';
import { readTorchStateDict } from '../../../src/lib/core/formats/torch-pth';
import { writeTorchStateDict } from '../../../src/lib/core/formats/torch-pth-writer';
import { cpnetModuleVersions, readBatchesTracked } from '../../../src/lib/core/cellpose/train/state-dict';
import { CpnetModel, maxPool2x2, upsampleNearest2x } from '../../../src/lib/runtime/tfjs/cpnet-model';
import { initTfjsBackend } from '../../../src/lib/runtime/tfjs/backend';
import { createSession, releaseSession, run } from '../../../src/lib/runtime/ort-node';
import { sharedBytes } from '../shared';
import { nchwToNhwc, nhwcToNchw } from './tiny-cpnet';

const NET = 'fixtures/cellpose-3.1/net/';

function npy(rel: string) {
	const a = readNpy(rel, sharedBytes(rel));
	if (a.kind !== 'array') throw new Error(`${rel} is not a numeric array`);
	return a;
}

/** Eval-mode forward of one (2, H, W) input; returns y as (3, H, W) and the style. */
function forward(model: CpnetModel, x: Float32Array, h: number, w: number): { y: Float32Array; style: Float32Array } {
	return tf.tidy(() => {
		const out = model.forward(tf.tensor4d(nchwToNhwc(x, 1, 2, h, w), [1, h, w, 2]), false);
		return { y: nhwcToNchw(out.y.dataSync() as Float32Array, 1, 3, h, w), style: Float32Array.from(out.style.dataSync() as Float32Array) };
	});
}

let backendBefore = '';
beforeAll(async () => {
	backendBefore = tf.getBackend();
});
afterAll(async () => {
	await tf.setBackend(backendBefore || 'cpu');
});

describe('tfjs CPnet forward vs PyTorch fixtures and the ONNX path', () => {
	for (const [name, backend, inputs] of [
		['cpnet_tiny', 'cpu', ['in_160x256']],
		['cpnet_mid', 'wasm', ['in_224x224', 'in_160x256']]
	] as const) {
		it(`${name} on ${backend}: y within 1e-4 and style within 1e-5 of PyTorch and of onnxruntime`, async () => {
			await initTfjsBackend({ prefer: backend });
			const w = readCellposeModel(`${name}.pth`, sharedBytes(`${NET}${name}.pth`));
			const model = CpnetModel.fromWeights(w);
			const session = await createSession(buildCellposeOnnx(w, { name }), { backend: 'node' });
			try {
				for (const inp of inputs) {
					const x = npy(`${NET}${inp}.npy`);
					const [, h, wd] = x.shape;
					const ours = forward(model, x.data as Float32Array, h, wd);
					const torchY = npy(`${NET}${name}_${inp}_y.npy`).data as Float32Array;
					const torchStyle = npy(`${NET}${name}_${inp}_style.npy`).data as Float32Array;
					const onnx = await run(session, x.data as Float32Array, 1, h, wd);
					expect(maxAbsDiff(ours.y, torchY), `${inp} y vs torch`).toBeLessThanOrEqual(1e-4);
					expect(maxAbsDiff(ours.style, torchStyle), `${inp} style vs torch`).toBeLessThanOrEqual(1e-5);
					expect(maxAbsDiff(ours.y, onnx.y), `${inp} y vs onnx`).toBeLessThanOrEqual(1e-4);
					expect(maxAbsDiff(ours.style, onnx.style!), `${inp} style vs onnx`).toBeLessThanOrEqual(1e-5);
				}
			} finally {
				model.dispose();
				await releaseSession(session);
			}
		});
	}
});

describe('CpnetModel state dict', () => {
	it('writes back the file it was loaded from, byte for byte (BN counters restored)', async () => {
		await initTfjsBackend({ prefer: 'cpu' });
		const bytes = sharedBytes(`${NET}cpnet_tiny.pth`);
		const model = CpnetModel.fromWeights(readCellposeModel('cpnet_tiny.pth', bytes), { batchesTracked: readBatchesTracked('cpnet_tiny.pth', bytes) });
		try {
			const out = writeTorchStateDict(model.stateDict(), { archiveName: 'cpnet_tiny', metadata: cpnetModuleVersions(4) });
			expect(out.length).toBe(bytes.length);
			expect(out.every((b, i) => b === bytes[i])).toBe(true);
			// Without the counters they are written as 0, and every float tensor is still the same.
			const fresh = CpnetModel.fromWeights(readCellposeModel('cpnet_tiny.pth', bytes));
			const dict = readTorchStateDict('x.pth', writeTorchStateDict(fresh.stateDict()));
			const orig = readTorchStateDict('cpnet_tiny.pth', bytes);
			for (const [k, t] of orig) {
				const r = dict.get(k)!;
				if (k.endsWith('num_batches_tracked')) expect(r.data[0]).toBe(0n);
				else expect(Array.from(r.data as Float32Array)).toEqual(Array.from(t.data as Float32Array));
			}
			fresh.dispose();
		} finally {
			model.dispose();
		}
	});
});

describe('building blocks', () => {
	it('2 × 2 max pooling and nearest ×2 upsampling match a direct computation, values and gradients', async () => {
		await initTfjsBackend({ prefer: 'cpu' });
		const n = 2;
		const h = 6;
		const w = 4;
		const c = 3;
		const data = Float32Array.from({ length: n * h * w * c }, (_, i) => Math.sin(i * 2.3) * 10);
		const at = (b: number, y: number, x: number, k: number) => data[((b * h + y) * w + x) * c + k];
		const [pooled, gradPool, up, gradUp] = tf.tidy(() => {
			const x = tf.tensor4d(data, [n, h, w, c]);
			const wts = tf.tensor4d(Float32Array.from({ length: n * 3 * 2 * c }, (_, i) => i + 1), [n, 3, 2, c]);
			const wUp = tf.tensor4d(Float32Array.from({ length: n * 12 * 8 * c }, (_, i) => (i % 7) - 3), [n, 12, 8, c]);
			return [
				maxPool2x2(x).dataSync(),
				tf.grad((v: tf.Tensor) => tf.sum(tf.mul(maxPool2x2(v as tf.Tensor4D), wts)))(x).dataSync(),
				upsampleNearest2x(x).dataSync(),
				tf.grad((v: tf.Tensor) => tf.sum(tf.mul(upsampleNearest2x(v as tf.Tensor4D), wUp)))(x).dataSync()
			];
		});
		for (let b = 0; b < n; b++)
			for (let y = 0; y < 3; y++)
				for (let x = 0; x < 2; x++)
					for (let k = 0; k < c; k++) {
						const vals = [at(b, 2 * y, 2 * x, k), at(b, 2 * y, 2 * x + 1, k), at(b, 2 * y + 1, 2 * x, k), at(b, 2 * y + 1, 2 * x + 1, k)];
						const m = Math.max(...vals);
						expect(pooled[((b * 3 + y) * 2 + x) * c + k]).toBe(m);
						// The gradient goes to the (first) maximum only.
						const win = vals.indexOf(m);
						const [dy, dx] = [(win >> 1) & 1, win & 1];
						expect(gradPool[((b * h + 2 * y + dy) * w + 2 * x + dx) * c + k]).toBe(((b * 3 + y) * 2 + x) * c + k + 1);
					}
		for (let b = 0; b < n; b++)
			for (let y = 0; y < 12; y++)
				for (let x = 0; x < 8; x++) for (let k = 0; k < c; k++) expect(up[((b * 12 + y) * 8 + x) * c + k]).toBe(at(b, y >> 1, x >> 1, k));
		for (let b = 0; b < n; b++)
			for (let y = 0; y < h; y++)
				for (let x = 0; x < w; x++)
					for (let k = 0; k < c; k++) {
						let s = 0;
						for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) s += (((((b * 12 + 2 * y + dy) * 8 + 2 * x + dx) * c + k) % 7) - 3);
						expect(gradUp[((b * h + y) * w + x) * c + k]).toBe(s);
					}
	});
});
