/**
 * Convolution gradients for tfjs' wasm backend. tfjs-backend-wasm 4.22 registers no
 * `Conv2DBackpropFilter` (tfjs issue 8474), so training a convolutional network on wasm fails with
 * "Kernel 'Conv2DBackpropFilter' not registered"; and its `Conv2DBackpropInput` is a plain C++
 * loop about ten times slower than the forward convolution. Both are registered here, built from
 * the backend's own fast (XNNPACK) kernels, so nothing falls back to the JS CPU backend:
 *
 * - filter gradient, `dW[i, j, ci, co] = Σ_{n,y,x} x[n, y·sh + i − top, x·sw + j − left, ci] · dy[n, y, x, co]`:
 *   im2col one kernel offset (i, j) at a time. x is transposed once to (Cin, N, H, W) in JS, each
 *   offset's window is copied row by row into a (Cin, N·Ho·Wo) wasm tensor (zeros where the window
 *   leaves the image), and BatchMatMul(window, dy as (N·Ho·Wo, Cout)) gives that offset's
 *   (Cin, Cout) slice. BatchMatMul runs XNNPACK only for untransposed operands, which is why the
 *   window is built transposed; one window lives at a time, so memory stays at about two copies of x.
 * - input gradient at stride 1: a correlation of dy with the filter rotated by 180° and its in/out
 *   channels swapped, padded by (k − 1 − pad), run by the backend's Conv2D; other strides keep
 *   tfjs' own kernel.
 * NHWC only (the layout tfjs and Mycol use), dilation 1.
 *
 * Also `Identity` (what `tf.clone` and gradient bookkeeping run): the wasm backend copies the data,
 * where the CPU and WebGL backends share it by reference count. tfjs clones every tensor a
 * gradient keeps, so on wasm training held two copies of each, and a CPnet batch ran out of
 * wasm's 4 GiB. Here it shares the buffer, as the backend's own Reshape already does.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type KernelFn = (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }) => tf.TensorInfo | tf.TensorInfo[];

function run(fn: KernelFn, inputs: tf.NamedTensorInfoMap, backend: BackendWasm, attrs: object): tf.TensorInfo {
	return fn({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

function wasmKernel(name: string): KernelFn {
	const k = tf.getKernel(name, 'wasm');
	if (!k) throw new Error(`the wasm backend has no '${name}' kernel`);
	return k.kernelFunc as unknown as KernelFn;
}

/** A float32 view of a tensor's data on the wasm heap. Take it afresh after any allocation (the heap may move). */
function heap(backend: BackendWasm, t: tf.TensorInfo): Float32Array {
	return backend.typedArrayFromHeap(t) as Float32Array;
}

function convInfo(xShape: number[], filterShape: [number, number, number, number], attrs: { strides: [number, number] | number; pad: tf.Conv2DBackpropFilterAttrs['pad']; dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil' }) {
	const format = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
	if (format !== 'channelsLast') throw new Error('convolution gradients on wasm: only NHWC data is supported');
	return tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, format);
}

/** `Conv2DBackpropFilter` (see the file comment). */
export function conv2dBackpropFilterWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
	const backend = args.backend as BackendWasm;
	const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
	const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
	const info = convInfo(x.shape, attrs.filterShape, attrs);
	const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, outHeight: ho, outWidth: wo, outChannels: cout } = info;
	const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
	const { top, left } = info.padInfo;
	const p = n * ho * wo;
	const hw = h * w;

	// x (N, H, W, Cin) → xt (Cin, N, H, W), in JS memory (the heap is only read here).
	const xs = heap(backend, x);
	const xt = new Float32Array(cin * n * hw);
	for (let c = 0; c < cin; c++) {
		const o = c * n * hw;
		for (let q = 0, s = c; q < n * hw; q++, s += cin) xt[o + q] = xs[s];
	}
	// A private copy of dy: BatchMatMul caches XNNPACK's packed copy of its right operand until that
	// tensor is disposed, and dy itself lives until the whole backward pass ends.
	const dy2 = backend.makeOutput([p, cout], 'float32');
	heap(backend, dy2).set(heap(backend, dy));
	const win = backend.makeOutput([cin, p], 'float32');
	const out = backend.makeOutput([kh, kw, cin, cout], 'float32');
	const matMul = wasmKernel('BatchMatMul');
	try {
		for (let i = 0; i < kh; i++) {
			for (let j = 0; j < kw; j++) {
				const wv = heap(backend, win);
				for (let c = 0; c < cin; c++) {
					for (let b = 0; b < n; b++) {
						const src = (c * n + b) * hw;
						let dst = (c * n + b) * ho * wo;
						for (let y = 0; y < ho; y++, dst += wo) {
							const sy = y * sh + i - top;
							if (sy < 0 || sy >= h) {
								wv.fill(0, dst, dst + wo);
								continue;
							}
							const row = src + sy * w;
							if (sw === 1) {
								// Columns x with 0 ≤ x + j − left < w are a contiguous run.
								const x0 = Math.max(0, left - j);
								const x1 = Math.min(wo, w - j + left);
								if (x0 > 0) wv.fill(0, dst, dst + Math.min(x0, wo));
								if (x1 > x0) wv.set(xt.subarray(row + x0 + j - left, row + x1 + j - left), dst + x0);
								if (x1 < wo) wv.fill(0, dst + Math.max(x1, 0), dst + wo);
							} else {
								for (let xo = 0; xo < wo; xo++) {
									const sx = xo * sw + j - left;
									wv[dst + xo] = sx >= 0 && sx < w ? xt[row + sx] : 0;
								}
							}
						}
					}
				}
				const prod = run(matMul, { a: win, b: dy2 }, backend, { transposeA: false, transposeB: false });
				heap(backend, out).set(heap(backend, prod), (i * kw + j) * cin * cout);
				backend.disposeData(prod.dataId);
			}
		}
	} finally {
		backend.disposeData(win.dataId);
		backend.disposeData(dy2.dataId);
	}
	return out;
}

/** `Conv2DBackpropInput` at stride 1 through the forward Conv2D; other cases go to `fallback`. */
function conv2dBackpropInputWasm(fallback: KernelFn) {
	return (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo => {
		const backend = args.backend as BackendWasm;
		const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
		const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
		if (attrs.dataFormat === 'NCHW') return fallback(args) as tf.TensorInfo;
		const info = convInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs);
		if (info.strideHeight !== 1 || info.strideWidth !== 1) return fallback(args) as tf.TensorInfo;
		const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = info;
		const { top, left } = info.padInfo;
		// W'[i, j, co, ci] = W[kh−1−i, kw−1−j, ci, co].
		const flipped = backend.makeOutput([kh, kw, cout, cin], 'float32');
		const src = heap(backend, filter);
		const dst = heap(backend, flipped);
		for (let i = 0; i < kh; i++)
			for (let j = 0; j < kw; j++)
				for (let ci = 0; ci < cin; ci++)
					for (let co = 0; co < cout; co++) dst[((i * kw + j) * cout + co) * cin + ci] = src[(((kh - 1 - i) * kw + (kw - 1 - j)) * cin + ci) * cout + co];
		const padTop = kh - 1 - top;
		const padLeft = kw - 1 - left;
		const padBottom = h - ho + top;
		const padRight = w - wo + left;
		try {
			if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) return fallback(args) as tf.TensorInfo;
			return run(wasmKernel('Conv2D'), { x: dy, filter: flipped }, backend, {
				strides: 1,
				dilations: 1,
				pad: [
					[0, 0],
					[padTop, padBottom],
					[padLeft, padRight],
					[0, 0]
				],
				dataFormat: 'NHWC',
				dimRoundingMode: attrs.dimRoundingMode
			});
		} finally {
			backend.disposeData(flipped.dataId);
		}
	};
}

/** `Identity` sharing the input's buffer (reference counted), as tfjs' CPU backend does. */
function identityShared(fallback: KernelFn) {
	return (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo => {
		const { x } = args.inputs as { x: tf.TensorInfo };
		if (x.dtype === 'string') return fallback(args) as tf.TensorInfo;
		(args.backend as BackendWasm).incRef(x.dataId);
		return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
	};
}

function replace(name: string, make: (original: KernelFn) => KernelFn): void {
	const original = tf.getKernel(name, 'wasm');
	if (!original) return;
	tf.unregisterKernel(name, 'wasm');
	tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: original.setupFunc, kernelFunc: make(original.kernelFunc as unknown as KernelFn) as unknown as tf.KernelFunc });
}

let registered = false;

/**
 * Register the training kernels on the wasm backend (once): Conv2DBackpropFilter, the faster
 * Conv2DBackpropInput and the sharing Identity. Call before the wasm backend runs a gradient;
 * tfjs keeps the registrations for every later wasm backend instance.
 */
export function registerWasmTrainingKernels(): void {
	if (registered) return;
	if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
		tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc });
	}
	replace('Conv2DBackpropInput', conv2dBackpropInputWasm);
	replace('Identity', identityShared);
	registered = true;
}
