/**
 * Cellpose fine-tuning in Node: seconds per epoch for 20 synthetic images of 256² (nuclei with
 * exact masks, `syntheticNuclei`), Cellpose's defaults otherwise (224² crops, AdamW, rescaling by
 * diameter), on tfjs' wasm backend (with our convolution-gradient kernels) and its JS cpu backend.
 *
 * Parts (`--part NAME`, default all):
 * - `wasm-full`: the built-in model (nbase [2, 32, 64, 128, 256]), one whole epoch, Cellpose's batch
 *   of 8, which wasm runs in two passes of 4 (its heap stops at 4 GiB; `trainStep`);
 * - `wasm-tiny`, `cpu-tiny`: the `net/cpnet_tiny` fixture (nbase [2, 8, 16, 32, 64]), one epoch, batch 8;
 * - `cpu-full`: the built-in model on cpu is ~30× slower than wasm, so one batch-1 step at 112² is
 *   timed and scaled to an epoch by pixel count (marked `extrapolated`).
 * Prints one JSON object. Run: `npx tsx bench/train.bench.ts [--part NAME]`.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { syntheticNuclei } from '../src/lib/core/example/synthetic';
import { prepareTrainingSet } from '../src/lib/core/cellpose/train/data';
import { trainConfig } from '../src/lib/core/cellpose/train/config';
import { readCellposeModel } from '../src/lib/core/cellpose/weights';
import { initTfjsBackend, type TfjsBackendName } from '../src/lib/runtime/tfjs/backend';
import { CpnetModel } from '../src/lib/runtime/tfjs/cpnet-model';
import { CpnetOptimizer } from '../src/lib/runtime/tfjs/cpnet-optimizer';
import { CellposeTrainer, trainStep } from '../src/lib/runtime/tfjs/train-loop';

const ROOT = resolve(import.meta.dirname, '..');
const FULL = resolve(ROOT, 'models/mycol-fungal-v1.pth');
const TINY = resolve(ROOT, '..', 'shared/fixtures/cellpose-3.1/net/cpnet_tiny.pth');
const IMAGES = 20;
const SIZE = 256;

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

function images() {
	return Array.from({ length: IMAGES }, (_, i) => {
		const e = syntheticNuclei(`bench${i}.tif`, 100 + i, SIZE, SIZE, 25, 11);
		return { name: e.name, raster: e.raster, labels: e.labels };
	});
}

function load(path: string): CpnetModel {
	const b = readFileSync(path);
	return CpnetModel.fromWeights(readCellposeModel(path.split('/').pop()!, new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
}

/** One measured epoch (after one warm-up step that compiles kernels and packs weights). */
async function epoch(backend: TfjsBackendName, modelPath: string, batchSize: number) {
	await initTfjsBackend({ prefer: backend });
	const config = trainConfig({ nEpochs: 12, batchSize, valFraction: 0, learningRate: 0.005 });
	const set = prepareTrainingSet(images(), config);
	const model = load(modelPath);
	const trainer = new CellposeTrainer(model, set, config);
	// Warm-up: one step outside the timed epoch.
	const opt = new CpnetOptimizer('adamw', 1e-5);
	tf.tidy(() => {
		const x = tf.randomUniform([1, 224, 224, 2]) as tf.Tensor4D;
		const t = tf.zeros([1, 224, 224, 3]) as tf.Tensor4D;
		trainStep(model, opt, x, t, 0);
	});
	opt.dispose();
	trainer.nextEpoch = 5; // a mid-schedule epoch (lr at its peak); validation off (no images)
	const t0 = performance.now();
	let steps = 0;
	await trainer.run({ onProgress: (p) => void (p.phase === 'train' && steps++), shouldStop: () => trainer.history.length >= 1 });
	const seconds = (performance.now() - t0) / 1000;
	const loss = trainer.history[0]?.trainLoss ?? null;
	trainer.dispose();
	model.dispose();
	return { backend, nbase: model.nbase, images: set.train.length, batchSize, imagesPerPass: trainer.imagesPerPass, bsize: 224, steps, secondsPerEpoch: round(seconds), secondsPerImage: round(seconds / set.train.length, 3), trainLoss: loss, extrapolated: false };
}

/** One batch-1 step at 112² on cpu, scaled to an epoch of 20 images at 224² by pixel count. */
async function cpuFull() {
	await initTfjsBackend({ prefer: 'cpu' });
	const model = load(FULL);
	const opt = new CpnetOptimizer('adamw', 1e-5);
	const x = tf.randomUniform([1, 112, 112, 2]) as tf.Tensor4D;
	const t = tf.zeros([1, 112, 112, 3]) as tf.Tensor4D;
	const t0 = performance.now();
	trainStep(model, opt, x, t, 0.001);
	const seconds = (performance.now() - t0) / 1000;
	tf.dispose([x, t]);
	opt.dispose();
	model.dispose();
	const perImage = seconds * 4;
	return { backend: 'cpu', nbase: [2, 32, 64, 128, 256], images: IMAGES, batchSize: 1, bsize: 112, measuredStepSeconds: round(seconds), secondsPerEpoch: round(perImage * IMAGES), secondsPerImage: round(perImage, 3), extrapolated: true };
}

const PARTS: Record<string, () => Promise<unknown>> = {
	'wasm-full': () => epoch('wasm', FULL, 8),
	'wasm-tiny': () => epoch('wasm', TINY, 8),
	'cpu-tiny': () => epoch('cpu', TINY, 8),
	'cpu-full': cpuFull
};

const i = process.argv.indexOf('--part');
const names = i >= 0 ? [process.argv[i + 1]] : Object.keys(PARTS);
const out: Record<string, unknown> = { benchmark: 'train', node: process.version, cpus: cpus().length, images: IMAGES, imageSize: SIZE, loadavgStart: loadavg().map((v) => round(v)) };
for (const name of names) {
	const part = PARTS[name];
	if (!part) throw new Error(`unknown part "${name}" (parts: ${Object.keys(PARTS).join(', ')})`);
	out[name] = await part();
}
out.peakRssMiB = round(process.resourceUsage().maxRSS / 1024);
out.loadavg = loadavg().map((v) => round(v));
console.log(JSON.stringify(out));
