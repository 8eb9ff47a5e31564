/**
 * A tiny CPnet (nbase [2, 4, 8], two levels) with weights, input and targets given by closed
 * formulas, so that PyTorch (tests' reference values) and our tfjs network start from exactly the
 * same numbers. The same formulas are in the Python script that made the reference values (see
 * cpnet-train-step.test.ts).
 */
import type { CellposeTensor } from '../../../src/lib/core/cellpose/weights';
import { cpnetStateKeys } from '../../../src/lib/core/cellpose/train/state-dict';

export const TINY_NBASE = [2, 4, 8];
export const TINY_N = 2;
export const TINY_H = 16;
export const TINY_W = 16;

const f32 = Math.fround;

/** Float tensors by key: the k-th float tensor (diam_* excluded) is built from u = sin(0.37·(i+1) + 1.3·(k+1)). */
export function tinyTensors(nbase: readonly number[] = TINY_NBASE): Map<string, CellposeTensor> {
	const keys = cpnetStateKeys(nbase, 3, 3).filter((k) => k.dtype === 'float32' && !k.key.startsWith('diam_'));
	const bn = new Set(keys.filter((k) => k.key.endsWith('.running_mean')).map((k) => k.key.slice(0, -'.running_mean'.length)));
	const out = new Map<string, CellposeTensor>();
	out.set('diam_mean', { shape: [1], data: Float32Array.of(30) });
	out.set('diam_labels', { shape: [1], data: Float32Array.of(30) });
	keys.forEach(({ key, shape }, k) => {
		const n = shape.reduce((a, b) => a * b, 1);
		const prefix = key.slice(0, key.lastIndexOf('.'));
		const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
		const data = new Float32Array(n);
		for (let i = 0; i < n; i++) {
			const u = Math.sin(0.37 * (i + 1) + 1.3 * (k + 1));
			let v: number;
			if (key.endsWith('running_var')) v = 0.6 + 0.5 * u * u;
			else if (key.endsWith('running_mean')) v = 0.1 * u;
			else if (bn.has(prefix)) v = key.endsWith('.weight') ? 1 + 0.2 * u : 0.1 * u;
			else if (key.endsWith('.weight')) v = (u * 1.2) / Math.sqrt(fanIn);
			else v = 0.1 * u;
			data[i] = f32(v);
		}
		out.set(key, { shape, data });
	});
	return out;
}

/** Input (N, 2, H, W), NCHW. */
export function tinyInput(): Float32Array {
	const n = TINY_N * 2 * TINY_H * TINY_W;
	const x = new Float32Array(n);
	for (let j = 0; j < n; j++) x[j] = f32(0.5 + 0.5 * Math.sin(0.11 * (j + 1)) * Math.cos(0.07 * (j + 3)));
	return x;
}

/** Targets (N, 3, H, W) = [cellprob, dY, dX], NCHW. */
export function tinyTargets(): Float32Array {
	const hw = TINY_H * TINY_W;
	const t = new Float32Array(TINY_N * 3 * hw);
	for (let b = 0; b < TINY_N; b++)
		for (let y = 0; y < TINY_H; y++)
			for (let x = 0; x < TINY_W; x++) {
				const i = y * TINY_W + x;
				const c = Math.sin(0.23 * (y + 1)) * Math.cos(0.19 * (x + 2) + b) > 0 ? 1 : 0;
				const a = 0.3 * y + 0.2 * x + b;
				t[b * 3 * hw + i] = c;
				t[b * 3 * hw + hw + i] = f32(c * Math.sin(a));
				t[b * 3 * hw + 2 * hw + i] = f32(c * Math.cos(a));
			}
	return t;
}

/** (N, C, H, W) → (N, H, W, C). */
export function nchwToNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
	const out = new Float32Array(x.length);
	for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + k] = x[(b * c + k) * h * w + i];
	return out;
}

/** (N, H, W, C) → (N, C, H, W). */
export function nhwcToNchw(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
	const out = new Float32Array(x.length);
	for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) out[(b * c + k) * h * w + i] = x[(b * h * w + i) * c + k];
	return out;
}

/** [sum, sum of squares, first three values] of a tensor in torch layout (what the reference stores). */
export function stats(v: ArrayLike<number>): number[] {
	let s = 0;
	let q = 0;
	for (let i = 0; i < v.length; i++) {
		s += v[i];
		q += v[i] * v[i];
	}
	return [s, q, v[0], v[1], v[2]];
}
