/**
 * `mycol train`: a few epochs of fine-tuning the tiny fixture CPnet on Mycol's demo images; the
 * exported `.pth` reloads through our reader with exactly the weights the run wrote, PyTorch loads
 * it (torch.load + strict load_state_dict into Cellpose's CPnet) with the same tensors, and the
 * summary describes the run.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTorchStateDict } from '../../src/lib/core/formats/torch-pth';
import { writeTorchStateDict, type TorchTensorOut } from '../../src/lib/core/formats/torch-pth-writer';
import { cpnetModuleVersions } from '../../src/lib/core/cellpose/train/state-dict';
import { learningRateSchedule } from '../../src/lib/core/cellpose/train/schedule';
import { torchLoad } from '../unit/train/torch-check';
import { mycol, shared, tempDir } from './run';

const IMAGES = 'data/mycol_demo_fungal/images';
const MASKS = 'data/mycol_demo_fungal/masks';
const TINY = 'fixtures/cellpose-3.1/net/cpnet_tiny.pth';

function fileBytes(path: string): Uint8Array {
	const b = readFileSync(path);
	return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

describe('mycol train', () => {
	it('trains for a few epochs and writes a .pth that our reader and PyTorch load with the same weights', () => {
		const dir = tempDir();
		const out = join(dir, 'fungal_tiny.pth');
		const summaryPath = join(dir, 'summary.json');
		const r = mycol('train', '--images', shared(IMAGES), '--masks', shared(MASKS), '--model', shared(TINY), '--epochs', '3', '--batch-size', '4', '--bsize', '64', '--lr', '0.01', '--out', out, '--summary', summaryPath);
		expect(r.stderr).toContain('8 training and 2 validation images, 3 epochs, adamw, lr 0.01, backend wasm');
		expect(r.status).toBe(0);
		const line = JSON.parse(r.stdout.trim());
		expect(line).toMatchObject({ out, epochs: 3, backend: 'wasm' });

		const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
		const bytes = fileBytes(out);
		expect(summary.modelSha256).toBe(createHash('sha256').update(bytes).digest('hex'));
		expect(summary.trainImages.length).toBe(8);
		expect(summary.validationImages.length).toBe(2);
		expect(summary.epochs.map((e: { learningRate: number }) => e.learningRate)).toEqual(Array.from(learningRateSchedule(0.01, 3)));
		expect(summary.epochs.map((e: { validationLoss: number | null }) => e.validationLoss !== null)).toEqual([true, false, false]);
		expect(summary.config).toMatchObject({ nEpochs: 3, batchSize: 4, bsize: 64, optimizer: 'adamw', valFraction: 0.2, seed: 42 });

		// Our reader gives back exactly what was written: rewriting its tensors reproduces the file.
		const dict = readTorchStateDict('fungal_tiny.pth', bytes);
		const tensors: TorchTensorOut[] = [...dict].map(([key, t]) => ({ key, dtype: t.dtype as 'float32' | 'int64', shape: t.shape, data: t.data as Float32Array }));
		const again = writeTorchStateDict(tensors, { archiveName: 'fungal_tiny', metadata: cpnetModuleVersions(4) });
		expect(again.length).toBe(bytes.length);
		expect(again.every((b, i) => b === bytes[i])).toBe(true);
		expect((dict.get('diam_labels')!.data as Float32Array)[0]).toBe(Math.fround(summary.diamLabels));
		expect((dict.get('diam_mean')!.data as Float32Array)[0]).toBe(30);
		// 3 epochs × 2 steps (8 images, batches of 4) on top of the fixture's 3 calibration batches.
		expect(dict.get('output.0.num_batches_tracked')!.data[0]).toBe(9n);

		// Training moved the weights; the key layout is the fixture's.
		const start = readTorchStateDict('cpnet_tiny.pth', fileBytes(shared(TINY)));
		expect([...dict.keys()]).toEqual([...start.keys()]);
		const w = dict.get('output.2.weight')!.data as Float32Array;
		const w0 = start.get('output.2.weight')!.data as Float32Array;
		expect(w.some((v, i) => v !== w0[i])).toBe(true);

		// PyTorch sees the same tensors.
		const view = torchLoad(out);
		expect(view.strict).toBe(true);
		expect(view.keys).toEqual([...dict.keys()]);
		for (const [k, t] of dict) {
			if (t.dtype === 'int64') {
				expect(BigInt(view.counts[k])).toBe(t.data[0]);
				continue;
			}
			let s = 0;
			for (const v of t.data as Float32Array) s += v;
			expect(Math.abs(view.stats[k][0] - s)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(s)));
		}
	});

	it('runs on the JS cpu backend too', () => {
		const dir = tempDir();
		const r = mycol('train', '--images', shared(IMAGES), '--masks', shared(MASKS), '--model', shared(TINY), '--epochs', '1', '--batch-size', '8', '--bsize', '32', '--backend', 'cpu', '--out', join(dir, 'm.pth'));
		expect(r.status).toBe(0);
		expect(JSON.parse(r.stdout.trim())).toMatchObject({ epochs: 1, backend: 'cpu' });
	});

	it('says in plain words what is missing or wrong', () => {
		const dir = tempDir();
		const noOut = mycol('train', '--images', shared(IMAGES), '--masks', shared(MASKS));
		expect(noOut.status).toBe(1);
		expect(noOut.stderr).toContain('mycol train: give --images DIR, --masks DIR and --out MODEL.pth');
		const badDir = mycol('train', '--images', join(dir, 'nope'), '--masks', shared(MASKS), '--out', join(dir, 'm.pth'));
		expect(badDir.status).toBe(1);
		expect(badDir.stderr).toContain('nope: no such folder (the images folder)');
		const badLr = mycol('train', '--images', shared(IMAGES), '--masks', shared(MASKS), '--out', join(dir, 'm.pth'), '--lr', '-1');
		expect(badLr.stderr).toContain('the learning rate must be a number above 0');
		const badModel = mycol('train', '--images', shared(IMAGES), '--masks', shared(MASKS), '--out', join(dir, 'm.pth'), '--model', 'cyto9');
		expect(badModel.stderr).toContain('cyto9: no such file, and not the name of a built-in model');
	});
});
