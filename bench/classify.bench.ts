/**
 * The DenseNet cell classifier in Node (default variant, compact-k12, 64 × 64 patches): cells
 * classified per second on tfjs' 'cpu' and 'wasm' backends, and seconds per training epoch on
 * 1,000 labelled cells (800 trained, 200 validated, batch 32, augmentation on) on 'wasm' (with the
 * convolution-gradient kernels of runtime/tfjs/wasm-conv-grad.ts). The cells are synthetic
 * ellipses, round or elongated, drawn straight into patches (the patch cutting is not timed).
 *
 * Run: `npx tsx bench/classify.bench.ts [--part NAME …]` (parts: infer-cpu, infer-wasm,
 * train-wasm, and train-cpu — not in the default set: the 'cpu' backend's filter gradient is a
 * plain JS loop, so it is timed on one batch and scaled to an epoch). Prints one JSON object.
 */
import * as tf from '@tensorflow/tfjs';
import { cpus, loadavg } from 'node:os';
import { DEFAULT_VARIANT, variantConfig } from '../src/lib/core/classify/densenet';
import { trainConfig } from '../src/lib/core/classify/train/config';
import { seededRandom } from '../src/lib/core/example/random';
import { initTfjsBackend } from '../src/lib/runtime/tfjs/backend';
import { classifyPatches } from '../src/lib/runtime/tfjs/classifier-infer';
import { ClassifierTrainer } from '../src/lib/runtime/tfjs/classifier-train';
import { buildDenseNetModel } from '../src/lib/runtime/tfjs/densenet-model';

const S = 64;
const CELLS = 1000;
/** The JS CPU backend is slow: fewer cells, the rate is what counts. */
const CPU_CELLS = 200;

/** `n` patches: class 0 round (axis ratio 0.8–1), class 1 elongated (0.3–0.55), random size, angle and brightness. */
function ellipses(n: number, seed = 1): { patches: Float32Array; labels: Int32Array } {
	const rand = seededRandom(seed);
	const patches = new Float32Array(n * S * S * 3);
	const labels = new Int32Array(n);
	for (let i = 0; i < n; i++) {
		const cls = i % 2;
		labels[i] = cls;
		const a = 18 + 12 * rand();
		const b = a * (cls === 0 ? 0.8 + 0.2 * rand() : 0.3 + 0.25 * rand());
		const t = Math.PI * rand();
		const [c, s] = [Math.cos(t), Math.sin(t)];
		const v0 = 0.4 + 0.5 * rand();
		for (let y = 0; y < S; y++) {
			for (let x = 0; x < S; x++) {
				const dy = y - 31.5;
				const dx = x - 31.5;
				const u = (dx * c + dy * s) / a;
				const w = (-dx * s + dy * c) / b;
				if (u * u + w * w > 1) continue;
				const v = v0 + 0.1 * (rand() - 0.5);
				const o = ((i * S + y) * S + x) * 3;
				patches[o] = patches[o + 1] = patches[o + 2] = v;
			}
		}
	}
	return { patches, labels };
}

async function infer(backend: 'cpu' | 'wasm', cells: number): Promise<Record<string, number>> {
	await initTfjsBackend({ prefer: backend });
	const { patches } = ellipses(cells);
	const model = buildDenseNetModel(variantConfig(DEFAULT_VARIANT, 2), { inputSize: S });
	try {
		await classifyPatches(model, patches.subarray(0, 64 * S * S * 3), 64, S); // warm-up
		const t0 = performance.now();
		await classifyPatches(model, patches, cells, S, { batchSize: 64 });
		const seconds = (performance.now() - t0) / 1000;
		return { cells, seconds: round(seconds), cellsPerSecond: round(cells / seconds, 1) };
	} finally {
		model.dispose();
	}
}

async function train(backend: 'cpu' | 'wasm'): Promise<Record<string, number | string | boolean>> {
	await initTfjsBackend({ prefer: backend });
	const data = ellipses(CELLS, 2);
	const config = trainConfig({ inputSize: S, maxEpochs: 2, seed: 1 });
	const trainer = new ClassifierTrainer({ ...data, size: S }, ['round', 'elongated'], config);
	try {
		if (backend === 'wasm') {
			// Epoch 1 includes kernel set-up; epoch 2 is the steady state.
			const s = await trainer.run();
			const [e1, e2] = s.history;
			return {
				cells: CELLS,
				trainCells: trainer.split.train.length,
				validationCells: trainer.split.validation.length,
				batch: config.batchSize,
				firstEpochSeconds: round(e1.seconds),
				secondsPerEpoch: round(e2.seconds),
				validationAccuracyAfter2Epochs: round(s.metrics.accuracy, 3)
			};
		}
		const batches = Math.ceil(trainer.split.train.length / config.batchSize);
		// One batch: asked to stop before the second.
		const start = performance.now();
		let seconds = 0;
		let calls = 0;
		await trainer.run({
			shouldStop: () => {
				if (++calls < 2) return false;
				seconds = (performance.now() - start) / 1000;
				return true;
			}
		});
		return { cells: CELLS, batch: config.batchSize, secondsPerBatch: round(seconds), secondsPerEpochEstimated: round(seconds * batches), estimated: true };
	} finally {
		trainer.dispose();
	}
}

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

const argv = process.argv.slice(2);
const parts = argv.flatMap((a, i) => (argv[i - 1] === '--part' ? [a] : []));
const chosen = parts.length ? parts : ['infer-cpu', 'infer-wasm', 'train-wasm'];
const out: Record<string, unknown> = {
	benchmark: 'classify',
	variant: DEFAULT_VARIANT,
	patchSize: S,
	node: process.version,
	cpus: cpus().length,
	cpuModel: cpus()[0]?.model ?? 'unknown',
	loadavgBefore: loadavg().map((v) => round(v))
};
for (const part of chosen) {
	if (part === 'infer-cpu') out.inferCpu = await infer('cpu', CPU_CELLS);
	else if (part === 'infer-wasm') out.inferWasm = await infer('wasm', CELLS);
	else if (part === 'train-wasm') out.trainWasm = await train('wasm');
	else if (part === 'train-cpu') out.trainCpu = await train('cpu');
	else throw new Error(`unknown part ${part} (infer-cpu, infer-wasm, train-wasm, train-cpu)`);
}
out.loadavgAfter = loadavg().map((v) => round(v));
out.tfjs = tf.version.tfjs;
console.log(JSON.stringify(out));
