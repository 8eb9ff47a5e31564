/**
 * Moving DenseNet weights between torch's layout (state dict, NCHW convolutions) and tfjs' (one
 * weight list per named layer, NHWC), per spec B5:
 * conv [O, I, kH, kW] ↔ kernel [kH, kW, I, O]; Linear [out, in] ↔ dense kernel [in, out];
 * BatchNorm weight/bias/running_mean/running_var ↔ [gamma, beta, movingMean, movingVariance];
 * `num_batches_tracked` has no tfjs counterpart (0 when exporting).
 */
import { ParamError } from '../formats/errors';
import { tfjsLayerName, weightSpecs, type DenseNetLayout, type WeightSpec } from './densenet';

/** A float32 tensor in host memory, C-contiguous. */
export interface HostTensor {
	shape: number[];
	data: Float32Array;
}

/** A state-dict entry for writing a `.pth`: float32 weights, int64 `num_batches_tracked`. */
export type TorchStateTensor = { dtype: 'float32'; shape: number[]; data: Float32Array } | { dtype: 'int64'; shape: number[]; data: BigInt64Array };

/** The weights of one tfjs layer, in the order `layer.getWeights()` returns them. */
export interface LayerWeights {
	layer: string;
	weights: HostTensor[];
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Conv kernel OIHW → HWIO (transpose (2, 3, 1, 0)). */
export function oihwToHwio(t: HostTensor): HostTensor {
	const [o, i, h, w] = t.shape;
	const src = t.data;
	const dst = new Float32Array(src.length);
	for (let oo = 0; oo < o; oo++) {
		for (let ii = 0; ii < i; ii++) {
			for (let y = 0; y < h; y++) {
				for (let x = 0; x < w; x++) dst[((y * w + x) * i + ii) * o + oo] = src[((oo * i + ii) * h + y) * w + x];
			}
		}
	}
	return { shape: [h, w, i, o], data: dst };
}

/** Conv kernel HWIO → OIHW. */
export function hwioToOihw(t: HostTensor): HostTensor {
	const [h, w, i, o] = t.shape;
	const src = t.data;
	const dst = new Float32Array(src.length);
	for (let oo = 0; oo < o; oo++) {
		for (let ii = 0; ii < i; ii++) {
			for (let y = 0; y < h; y++) {
				for (let x = 0; x < w; x++) dst[((oo * i + ii) * h + y) * w + x] = src[((y * w + x) * i + ii) * o + oo];
			}
		}
	}
	return { shape: [o, i, h, w], data: dst };
}

/** 2-D transpose ([out, in] ↔ [in, out]). */
export function transpose2d(t: HostTensor): HostTensor {
	const [r, c] = t.shape;
	const dst = new Float32Array(t.data.length);
	for (let y = 0; y < r; y++) for (let x = 0; x < c; x++) dst[x * r + y] = t.data[y * c + x];
	return { shape: [c, r], data: dst };
}

/** Weight specs grouped by module, in forward order, without `num_batches_tracked`. */
function modules(specs: readonly WeightSpec[]): Map<string, WeightSpec[]> {
	const out = new Map<string, WeightSpec[]>();
	for (const w of specs) {
		if (w.role === 'bn-count') continue;
		const list = out.get(w.module);
		if (list) list.push(w);
		else out.set(w.module, [w]);
	}
	return out;
}

/**
 * tfjs weights per layer from a torch-layout state dict (canonical keys, see `torch-keys.ts`).
 * Every key is required with its exact shape; a programming error otherwise (import checks first).
 */
export function tfjsWeightsFromTorch(layout: DenseNetLayout, tensors: ReadonlyMap<string, HostTensor>): LayerWeights[] {
	const out: LayerWeights[] = [];
	for (const [module, specs] of modules(weightSpecs(layout))) {
		const weights = specs.map((s) => {
			const t = tensors.get(s.key);
			if (!t || !sameShape(t.shape, s.shape)) {
				throw new ParamError(undefined, `weight '${s.key}' is ${t ? `of shape (${t.shape.join(', ')})` : 'missing'}; the model needs shape (${s.shape.join(', ')})`);
			}
			if (s.role === 'conv') return oihwToHwio(t);
			if (s.role === 'linear-weight') return transpose2d(t);
			return { shape: [...t.shape], data: t.data };
		});
		out.push({ layer: tfjsLayerName(module), weights });
	}
	return out;
}

/**
 * A torch-layout state dict (torchvision's key order, `num_batches_tracked` = 0) from the tfjs
 * weights of each layer, looked up by layer name.
 */
export function torchStateFromTfjs(layout: DenseNetLayout, layers: ReadonlyMap<string, readonly HostTensor[]>): Map<string, TorchStateTensor> {
	const state = new Map<string, TorchStateTensor>();
	const specs = weightSpecs(layout);
	const mods = modules(specs);
	for (const w of specs) {
		if (w.role === 'bn-count') {
			state.set(w.key, { dtype: 'int64', shape: [], data: new BigInt64Array(1) });
			continue;
		}
		const name = tfjsLayerName(w.module);
		const got = layers.get(name);
		const index = mods.get(w.module)!.indexOf(w);
		const t = got?.[index];
		if (!t) throw new ParamError(undefined, `the tfjs model has no weight ${index} in layer '${name}'`);
		const converted = w.role === 'conv' ? hwioToOihw(t) : w.role === 'linear-weight' ? transpose2d(t) : { shape: [...t.shape], data: t.data };
		if (!sameShape(converted.shape, w.shape)) {
			throw new ParamError(undefined, `layer '${name}' holds a weight of shape (${t.shape.join(', ')}), which does not give '${w.key}' its shape (${w.shape.join(', ')})`);
		}
		state.set(w.key, { dtype: 'float32', shape: converted.shape, data: converted.data });
	}
	return state;
}
