/**
 * The `.pth` we export, loaded by PyTorch as Python Cellpose 3.1 loads a model: `torch.load` of the
 * state dict and `load_state_dict(strict=True)` into Cellpose's CPnet (restated in
 * torch-reference/cpnet_torch.py), run through Debian's /usr/bin/python3 with python3-torch
 * (CI installs it; without it this test fails, it does not skip). Checks key names and order,
 * shapes, dtypes, values, the BatchNorm counters, the diameters, and that PyTorch's network gives
 * our network's outputs.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../../src/lib/core/formats/npy';
import { readCellposeModel } from '../../../src/lib/core/cellpose/weights';
import { writeTorchStateDict } from '../../../src/lib/core/formats/torch-pth-writer';
import { cpnetModuleVersions, cpnetStateKeys, readBatchesTracked } from '../../../src/lib/core/cellpose/train/state-dict';
import { initTfjsBackend } from '../../../src/lib/runtime/tfjs/backend';
import { CpnetModel } from '../../../src/lib/runtime/tfjs/cpnet-model';
import { CpnetOptimizer } from '../../../src/lib/runtime/tfjs/cpnet-optimizer';
import { trainStep } from '../../../src/lib/runtime/tfjs/train-loop';
import { sharedBytes, sharedPath } from '../shared';
import { nchwToNhwc, nhwcToNchw } from './tiny-cpnet';
import { torchLoad } from './torch-check';

afterAll(async () => {
	await tf.setBackend('cpu');
});

describe('our .pth in PyTorch', () => {
	it('torch.load + strict load_state_dict see exactly our tensors, and PyTorch computes our outputs', async () => {
		await initTfjsBackend({ prefer: 'wasm' });
		const bytes = sharedBytes('fixtures/cellpose-3.1/net/cpnet_tiny.pth');
		const model = CpnetModel.fromWeights(readCellposeModel('cpnet_tiny.pth', bytes), { batchesTracked: readBatchesTracked('cpnet_tiny.pth', bytes) });
		const opt = new CpnetOptimizer('adamw', 1e-5);
		const dir = mkdtempSync(join(tmpdir(), 'mycol-pth-'));
		try {
			// Two training steps so that weights, running statistics and counters all differ from the file.
			tf.tidy(() => {
				const x = tf.tensor4d(Float32Array.from({ length: 2 * 32 * 32 * 2 }, (_, i) => Math.sin(i * 0.37) + 0.5), [2, 32, 32, 2]);
				const t = tf.tensor4d(Float32Array.from({ length: 2 * 32 * 32 * 3 }, (_, i) => (i % 3 === 0 ? (Math.sin(i) > 0 ? 1 : 0) : Math.cos(i * 0.1))), [2, 32, 32, 3]);
				trainStep(model, opt, x, t, 0.01);
				trainStep(model, opt, x, t, 0.01);
			});
			model.diamLabels = 21.5;
			const file = join(dir, 'tiny_finetuned.pth');
			writeFileSync(file, writeTorchStateDict(model.stateDict(), { archiveName: 'tiny_finetuned', metadata: cpnetModuleVersions(4) }));
			const inputPath = sharedPath('fixtures/cellpose-3.1/net/in_160x256.npy');
			const view = torchLoad(file, inputPath, join(dir, 'y.npy'));

			expect(view.type).toBe('OrderedDict');
			expect(view.strict).toBe(true);
			expect(view.nbase).toEqual([2, 8, 16, 32, 64]);
			const keys = cpnetStateKeys(model.nbase, 3, 3);
			expect(view.keys).toEqual(keys.map((k) => k.key));
			const ours = new Map(model.stateDict().map((t) => [t.key, t]));
			for (const k of keys) {
				expect(view.shapes[k.key]).toEqual(k.shape);
				expect(view.dtypes[k.key]).toBe(k.dtype);
				const t = ours.get(k.key)!;
				if (k.dtype === 'int64') {
					expect(BigInt(view.counts[k.key])).toBe((t.data as BigInt64Array)[0]);
					continue;
				}
				let s = 0;
				let q = 0;
				for (const v of t.data as Float32Array) {
					s += v;
					q += v * v;
				}
				expect(Math.abs(view.stats[k.key][0] - s)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.sqrt(q) * Math.sqrt(t.data.length)));
				expect(Math.abs(view.stats[k.key][1] - q)).toBeLessThanOrEqual(1e-9 * Math.max(1, q));
			}
			// 3 calibration batches in the fixture plus our 2 training steps.
			expect(view.counts['output.0.num_batches_tracked']).toBe(5);
			expect(view.diam_mean).toBe(30);
			expect(view.diam_labels).toBe(21.5);

			// PyTorch's forward of the loaded model equals ours.
			const x = readNpy('in.npy', new Uint8Array(readFileSync(inputPath)));
			const torchY = readNpy('y.npy', new Uint8Array(readFileSync(join(dir, 'y.npy'))));
			if (x.kind !== 'array' || torchY.kind !== 'array') throw new Error('unexpected npy');
			const ourY = tf.tidy(() => nhwcToNchw(model.forward(tf.tensor4d(nchwToNhwc(x.data as Float32Array, 1, 2, 160, 256), [1, 160, 256, 2]), false).y.dataSync() as Float32Array, 1, 3, 160, 256));
			let worst = 0;
			let scale = 0;
			const ty = torchY.data as Float32Array;
			for (let i = 0; i < ty.length; i++) {
				worst = Math.max(worst, Math.abs(ty[i] - ourY[i]));
				scale = Math.max(scale, Math.abs(ty[i]));
			}
			// The two odd training batches leave outputs in the hundreds; float32 agreement is relative.
			expect(worst).toBeLessThanOrEqual(1e-5 * scale);
		} finally {
			model.dispose();
			opt.dispose();
		}
	});
});
