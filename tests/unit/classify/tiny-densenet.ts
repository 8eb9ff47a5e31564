/**
 * A tiny DenseNet checkpoint built in TypeScript with seeded weights (k = 4, blocks (2, 2),
 * 8 initial features, bn_size 4, 3 classes), written as a torch zip `.pth` with the test pickle
 * and zip writers. The same bytes were loaded by real PyTorch (see densenet-import.test.ts).
 */
import { denseNetLayout, weightSpecs, type ClassifierHead, type DenseNetConfig } from '../../../src/lib/core/classify/densenet';
import type { HostTensor } from '../../../src/lib/core/classify/weight-transforms';
import { orderedDict, pickle, tensor, type PB } from '../helpers/pickle-builder';
import { buildZip, type ZipInput } from '../helpers/zip-builder';

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export const TINY_MLP_HIDDEN = 5;

export function tinyConfig(head: ClassifierHead = { kind: 'linear' }): DenseNetConfig {
	return { growthRate: 4, blockConfig: [2, 2], numInitFeatures: 8, bnSize: 4, numClasses: 3, head };
}

/** Seeded torch-layout weights for every parameter and running statistic (canonical keys). */
export function tinyWeights(config: DenseNetConfig, seed = 1234): Map<string, HostTensor> {
	const rnd = prng(seed);
	const u = (a: number, b: number) => a + (b - a) * rnd();
	const out = new Map<string, HostTensor>();
	for (const w of weightSpecs(denseNetLayout(config))) {
		if (w.role === 'bn-count') continue;
		const n = w.shape.reduce((a, b) => a * b, 1);
		const data = new Float32Array(n);
		const fanIn = w.shape.slice(1).reduce((a, b) => a * b, 1);
		for (let i = 0; i < n; i++) {
			switch (w.role) {
				case 'conv':
				case 'linear-weight':
					data[i] = u(-1, 1) * Math.sqrt(3 / fanIn);
					break;
				case 'bn-gamma':
				case 'bn-var':
					data[i] = u(0.5, 1.5);
					break;
				default:
					data[i] = u(-0.2, 0.2);
			}
		}
		out.set(w.key, { shape: [...w.shape], data });
	}
	return out;
}

/** A seeded NCHW input batch in [0, 1). */
export function tinyInput(n: number, size: number, seed = 99): Float32Array {
	const rnd = prng(seed);
	return Float32Array.from({ length: n * 3 * size * size }, () => rnd());
}

export interface PthOptions {
	/** Key rewrite (e.g. add 'module.', old names, Sequential head). */
	rename?: (key: string) => string;
	/** Add `num_batches_tracked` int64 entries after each BN's running_var (as torch saves them). */
	batchesTracked?: boolean;
	/** Drop keys (hostile tests). */
	drop?: (key: string) => boolean;
}

/** The weights as a torch ≥ 1.6 zip checkpoint: `archive/data.pkl` + one storage per tensor. */
export function tinyPth(config: DenseNetConfig, weights: Map<string, HostTensor>, opts: PthOptions = {}): Uint8Array {
	const rename = opts.rename ?? ((k: string) => k);
	const entries: [PB, PB][] = [];
	const storages: ZipInput[] = [];
	let key = 0;
	for (const w of weightSpecs(denseNetLayout(config))) {
		if (opts.drop?.(w.key)) continue;
		if (w.role === 'bn-count') {
			if (!opts.batchesTracked) continue;
			const s = String(key++);
			storages.push({ name: `archive/data/${s}`, data: new Uint8Array(new BigInt64Array([7n]).buffer) });
			entries.push([rename(w.key), tensor('LongStorage', s, 1, 0, [], [])]);
			continue;
		}
		const t = weights.get(w.key)!;
		const s = String(key++);
		const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
		storages.push({ name: `archive/data/${s}`, data: new Uint8Array(t.data.buffer.slice(0)) });
		entries.push([rename(w.key), tensor('FloatStorage', s, t.data.length, 0, t.shape, stride)]);
	}
	return buildZip([{ name: 'archive/data.pkl', data: pickle(orderedDict(...entries)) }, ...storages, { name: 'archive/version', data: new TextEncoder().encode('3\n') }]);
}
