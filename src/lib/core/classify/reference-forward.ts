/**
 * A plain TypeScript DenseNet forward pass in torch's layout (NCHW, OIHW kernels), in eval mode,
 * written straight from torchvision's `DenseNet.forward`: slow, for tests and tiny models — the
 * independent check of the tfjs model's padding, layouts and weight transforms.
 */
import { BN_EPSILON, type ConvSpec, type DenseNetLayout, type LinearSpec, type NormSpec } from './densenet';
import type { HostTensor } from './weight-transforms';

/** A feature map of one sample: C × H × W. */
interface Map3 {
	c: number;
	h: number;
	w: number;
	data: Float32Array;
}

type Weights = ReadonlyMap<string, HostTensor>;

function get(weights: Weights, key: string): Float32Array {
	const t = weights.get(key);
	if (!t) throw new Error(`reference forward: weight '${key}' is missing`);
	return t.data;
}

/** Convolution without bias, zero padding `pad` on every side. */
function conv(x: Map3, spec: ConvSpec, weights: Weights): Map3 {
	const wt = get(weights, `${spec.name}.weight`);
	const { kernel: k, stride: s, pad: p, outChannels: co } = spec;
	const ci = x.c;
	const ho = Math.floor((x.h + 2 * p - k) / s) + 1;
	const wo = Math.floor((x.w + 2 * p - k) / s) + 1;
	const out = new Float32Array(co * ho * wo);
	for (let o = 0; o < co; o++) {
		for (let y = 0; y < ho; y++) {
			for (let xx = 0; xx < wo; xx++) {
				let acc = 0;
				for (let i = 0; i < ci; i++) {
					for (let ky = 0; ky < k; ky++) {
						const sy = y * s - p + ky;
						if (sy < 0 || sy >= x.h) continue;
						for (let kx = 0; kx < k; kx++) {
							const sx = xx * s - p + kx;
							if (sx < 0 || sx >= x.w) continue;
							acc += x.data[(i * x.h + sy) * x.w + sx] * wt[((o * ci + i) * k + ky) * k + kx];
						}
					}
				}
				out[(o * ho + y) * wo + xx] = acc;
			}
		}
	}
	return { c: co, h: ho, w: wo, data: out };
}

/** Eval-mode BatchNorm then ReLU (every BN in a DenseNet is followed by one). */
function normRelu(x: Map3, spec: NormSpec, weights: Weights): Map3 {
	const g = get(weights, `${spec.name}.weight`);
	const b = get(weights, `${spec.name}.bias`);
	const m = get(weights, `${spec.name}.running_mean`);
	const v = get(weights, `${spec.name}.running_var`);
	const n = x.h * x.w;
	const out = new Float32Array(x.data.length);
	for (let c = 0; c < x.c; c++) {
		const scale = g[c] / Math.sqrt(v[c] + BN_EPSILON);
		for (let i = c * n; i < (c + 1) * n; i++) {
			const y = (x.data[i] - m[c]) * scale + b[c];
			out[i] = y > 0 ? y : 0;
		}
	}
	return { ...x, data: out };
}

/** Max pooling with −∞ padding (torch `MaxPool2d`). */
function maxPool(x: Map3, k: number, s: number, p: number): Map3 {
	const ho = Math.floor((x.h + 2 * p - k) / s) + 1;
	const wo = Math.floor((x.w + 2 * p - k) / s) + 1;
	const out = new Float32Array(x.c * ho * wo);
	for (let c = 0; c < x.c; c++) {
		for (let y = 0; y < ho; y++) {
			for (let xx = 0; xx < wo; xx++) {
				let best = -Infinity;
				for (let ky = 0; ky < k; ky++) {
					const sy = y * s - p + ky;
					if (sy < 0 || sy >= x.h) continue;
					for (let kx = 0; kx < k; kx++) {
						const sx = xx * s - p + kx;
						if (sx >= 0 && sx < x.w) best = Math.max(best, x.data[(c * x.h + sy) * x.w + sx]);
					}
				}
				out[(c * ho + y) * wo + xx] = best;
			}
		}
	}
	return { c: x.c, h: ho, w: wo, data: out };
}

/** 2 × 2 average pooling, stride 2, floor mode (torch `AvgPool2d(2, 2)`). */
function avgPool2(x: Map3): Map3 {
	const ho = Math.floor(x.h / 2);
	const wo = Math.floor(x.w / 2);
	const out = new Float32Array(x.c * ho * wo);
	for (let c = 0; c < x.c; c++) {
		for (let y = 0; y < ho; y++) {
			for (let xx = 0; xx < wo; xx++) {
				const at = (c * x.h + 2 * y) * x.w + 2 * xx;
				out[(c * ho + y) * wo + xx] = (x.data[at] + x.data[at + 1] + x.data[at + x.w] + x.data[at + x.w + 1]) / 4;
			}
		}
	}
	return { c: x.c, h: ho, w: wo, data: out };
}

function concat(a: Map3, b: Map3): Map3 {
	const data = new Float32Array(a.data.length + b.data.length);
	data.set(a.data);
	data.set(b.data, a.data.length);
	return { c: a.c + b.c, h: a.h, w: a.w, data };
}

function linear(x: Float64Array, spec: LinearSpec, weights: Weights): Float64Array {
	const w = get(weights, `${spec.name}.weight`);
	const b = get(weights, `${spec.name}.bias`);
	const out = new Float64Array(spec.outFeatures);
	for (let o = 0; o < spec.outFeatures; o++) {
		let acc = b[o];
		for (let i = 0; i < spec.inFeatures; i++) acc += w[o * spec.inFeatures + i] * x[i];
		out[o] = acc;
	}
	return out;
}

/** Logits of one C × S × S sample. */
function forwardOne(layout: DenseNetLayout, weights: Weights, input: Map3): Float64Array {
	let x = conv(input, layout.conv0, weights);
	x = maxPool(normRelu(x, layout.norm0, weights), 3, 2, 1);
	for (const block of layout.blocks) {
		for (const l of block.layers) {
			let y = conv(normRelu(x, l.norm1, weights), l.conv1, weights);
			y = conv(normRelu(y, l.norm2, weights), l.conv2, weights);
			x = concat(x, y);
		}
		if (block.transition) x = avgPool2(conv(normRelu(x, block.transition.norm, weights), block.transition.conv, weights));
	}
	x = normRelu(x, layout.norm5, weights);
	const n = x.h * x.w;
	let v: Float64Array = new Float64Array(x.c);
	for (let c = 0; c < x.c; c++) {
		let s = 0;
		for (let i = c * n; i < (c + 1) * n; i++) s += x.data[i];
		v[c] = s / n;
	}
	layout.classifier.forEach((spec, i) => {
		v = linear(v, spec, weights);
		if (i < layout.classifier.length - 1) for (let j = 0; j < v.length; j++) v[j] = Math.max(0, v[j]);
	});
	return v;
}

/**
 * Logits [N, numClasses] for an NCHW batch [N, 3, H, W], with torch-layout weights under the
 * canonical keys of `densenet.ts`.
 */
export function referenceForward(layout: DenseNetLayout, weights: Weights, input: Float32Array, n: number, height: number, width: number): Float32Array {
	const per = 3 * height * width;
	if (input.length !== n * per) throw new Error(`reference forward: input has ${input.length} values, not ${n} × 3 × ${height} × ${width}`);
	const k = layout.config.numClasses;
	const out = new Float32Array(n * k);
	for (let b = 0; b < n; b++) {
		const logits = forwardOne(layout, weights, { c: 3, h: height, w: width, data: input.subarray(b * per, (b + 1) * per) });
		out.set(logits, b * k);
	}
	return out;
}
