/**
 * Our convolution-gradient kernels (wasm: filter and input; CPU: filter) against gradients
 * computed directly in the test (float64 loops over the definition), for several shapes,
 * strides and paddings; and the buffer-sharing Identity on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../../../src/lib/runtime/tfjs/backend';

afterAll(async () => {
	await tf.setBackend('cpu');
});

const values = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 * k) * 0.5);

/**
 * Gradients of L = Σ conv2d(x, w)² by the definition: with y the convolution (tfjs 'same'/'valid'/
 * explicit padding, top/left padding = ⌊total/2⌋), dL/dy = 2y, dW and dx by direct sums.
 */
function directGrads(xs: number[], fs: number[], stride: number, pad: 'same' | 'valid' | number) {
	const [n, h, w, cin] = xs;
	const [kh, kw, , cout] = fs;
	const x = values(xs.reduce((a, b) => a * b), 1);
	const f = values(fs.reduce((a, b) => a * b), 3.1);
	const outSize = (len: number, k: number) => (pad === 'same' ? Math.ceil(len / stride) : pad === 'valid' ? Math.floor((len - k) / stride) + 1 : Math.floor((len + 2 * pad - k) / stride) + 1);
	const ho = outSize(h, kh);
	const wo = outSize(w, kw);
	const padTotal = (len: number, o: number, k: number) => Math.max(0, (o - 1) * stride + k - len);
	const top = pad === 'same' ? Math.floor(padTotal(h, ho, kh) / 2) : pad === 'valid' ? 0 : pad;
	const left = pad === 'same' ? Math.floor(padTotal(w, wo, kw) / 2) : pad === 'valid' ? 0 : pad;
	const xi = (b: number, y: number, xx: number, c: number) => ((b * h + y) * w + xx) * cin + c;
	const fi = (i: number, j: number, c: number, o: number) => ((i * kw + j) * cin + c) * cout + o;
	const dw = new Float64Array(f.length);
	const dx = new Float64Array(x.length);
	for (let b = 0; b < n; b++)
		for (let yo = 0; yo < ho; yo++)
			for (let xo = 0; xo < wo; xo++)
				for (let o = 0; o < cout; o++) {
					let y = 0;
					for (let i = 0; i < kh; i++)
						for (let j = 0; j < kw; j++) {
							const sy = yo * stride + i - top;
							const sx = xo * stride + j - left;
							if (sy < 0 || sy >= h || sx < 0 || sx >= w) continue;
							for (let c = 0; c < cin; c++) y += x[xi(b, sy, sx, c)] * f[fi(i, j, c, o)];
						}
					const g = 2 * y;
					for (let i = 0; i < kh; i++)
						for (let j = 0; j < kw; j++) {
							const sy = yo * stride + i - top;
							const sx = xo * stride + j - left;
							if (sy < 0 || sy >= h || sx < 0 || sx >= w) continue;
							for (let c = 0; c < cin; c++) {
								dw[fi(i, j, c, o)] += g * x[xi(b, sy, sx, c)];
								dx[xi(b, sy, sx, c)] += g * f[fi(i, j, c, o)];
							}
						}
				}
	return { dx: Float32Array.from(dx), dw: Float32Array.from(dw) };
}

/** Gradients of sum(conv2d(x, w)²) with respect to x and w on a backend. */
async function convGrads(backend: 'cpu' | 'wasm', xs: number[], fs: number[], stride: number, pad: 'same' | 'valid' | number) {
	await initTfjsBackend({ prefer: backend });
	const x = tf.tensor4d(values(xs.reduce((a, b) => a * b), 1), xs as [number, number, number, number]);
	const w = tf.tensor4d(values(fs.reduce((a, b) => a * b), 3.1), fs as [number, number, number, number]);
	const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad))))([x, w]);
	const out = { dx: Float32Array.from(await gx.data()), dw: Float32Array.from(await gw.data()) };
	tf.dispose([x, w, gx, gw]);
	return out;
}

function relDiff(a: Float32Array, b: Float32Array): number {
	let d = 0;
	let n = 0;
	for (let i = 0; i < a.length; i++) {
		d = Math.max(d, Math.abs(a[i] - b[i]));
		n = Math.max(n, Math.abs(b[i]));
	}
	return d / n;
}

describe('convolution gradients (our wasm and CPU kernels) vs the definition', () => {
	const cases: [number[], number[], number, 'same' | 'valid' | number][] = [
		[[2, 9, 7, 3], [3, 3, 3, 4], 1, 'same'],
		[[2, 8, 8, 3], [1, 1, 3, 5], 1, 'valid'],
		[[1, 9, 9, 2], [3, 3, 2, 3], 2, 'same'],
		[[2, 10, 6, 4], [3, 3, 4, 2], 1, 1],
		[[1, 11, 11, 2], [5, 3, 2, 2], 2, 'valid'],
		[[1, 12, 10, 2], [3, 5, 2, 3], 1, 'valid'],
		[[3, 16, 16, 8], [3, 3, 8, 16], 1, 'same']
	];
	for (const [xs, fs, stride, pad] of cases) {
		it(`x ${xs.join('×')}, filter ${fs.join('×')}, stride ${stride}, pad ${pad}`, async () => {
			const want = directGrads(xs, fs, stride, pad);
			for (const backend of ['cpu', 'wasm'] as const) {
				const got = await convGrads(backend, xs, fs, stride, pad);
				expect(relDiff(got.dw, want.dw), `${backend} dW`).toBeLessThan(1e-5);
				expect(relDiff(got.dx, want.dx), `${backend} dx`).toBeLessThan(1e-5);
			}
		});
	}

	it('frees everything it allocates', async () => {
		await initTfjsBackend({ prefer: 'wasm' });
		const before = tf.memory().numTensors;
		const backend = tf.backend() as unknown as { numDataIds(): number };
		const ids = backend.numDataIds();
		await convGrads('wasm', [2, 9, 7, 3], [3, 3, 3, 4], 1, 'same');
		expect(tf.memory().numTensors).toBe(before);
		expect(backend.numDataIds()).toBe(ids);
	});
});

describe('Identity on wasm', () => {
	it('shares the buffer (no copy) and keeps the values alive until the last reference goes', async () => {
		await initTfjsBackend({ prefer: 'wasm' });
		const backend = tf.backend() as unknown as { numDataIds(): number };
		const a = tf.tensor1d([1, 2, 3]);
		const ids = backend.numDataIds();
		const b = tf.clone(a);
		expect(backend.numDataIds()).toBe(ids);
		a.dispose();
		expect(Array.from(await b.data())).toEqual([1, 2, 3]);
		b.dispose();
		expect(backend.numDataIds()).toBe(ids - 1);
	});
});
