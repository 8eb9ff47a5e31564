/**
 * The Cellpose 3 network (CPnet, cellpose 3.1 `resnet_torch.py`, spec §2) in tfjs, NHWC, for
 * training and for checking against the ONNX path: parameters are tfjs variables named by their
 * state-dict keys, loaded from a `.pth` (`CellposeWeights`) and written back as a complete state
 * dict (BatchNorm running statistics and `num_batches_tracked` included) that `torch.save` would
 * produce for the same values.
 *
 * Layouts: conv weights (cout, cin, k, k) ↔ tfjs (k, k, cin, cout); the style Linear (c, s) ↔ (s, c).
 * BatchNorm: eps 1e-5; in training mode the batch statistics normalise (biased variance) and the
 * running statistics move as PyTorch's: `r ← (1 − m)·r + m·batch` with the unbiased variance for
 * `running_var`, `num_batches_tracked += 1`, m = Cellpose's 0.05 by default.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../core/formats/errors';
import type { TorchTensorOut } from '../../core/formats/torch-pth-writer';
import type { CellposeTensor, CellposeWeights } from '../../core/cellpose/weights';
import { cpnetStateKeys } from '../../core/cellpose/train/state-dict';

/** PyTorch BatchNorm2d's default eps, which Cellpose keeps. */
export const BN_EPS = 1e-5;
/** Cellpose's `batchconv` BatchNorm momentum (PyTorch convention: weight of the new batch). */
export const CELLPOSE_BN_MOMENTUM = 0.05;

export interface CpnetOptions {
	/** BatchNorm momentum in PyTorch's sense (default 0.05, Cellpose's). */
	bnMomentum?: number;
	/** `num_batches_tracked` per BatchNorm prefix (`….0`), e.g. from `readBatchesTracked`; default 0. */
	batchesTracked?: ReadonlyMap<string, bigint>;
}

export interface CpnetOutput {
	/** (N, H, W, nout): dY, dX (×5 scale), cellprob logit. */
	y: tf.Tensor4D;
	/** (N, nbase[-1]), L2-normalised. */
	style: tf.Tensor2D;
}

const isConv = (key: string, shape: readonly number[]) => shape.length === 4 && key.endsWith('.weight');
const isLinear = (key: string, shape: readonly number[]) => shape.length === 2 && key.endsWith('.full.weight');

/** torch (cout, cin, kh, kw) → tfjs (kh, kw, cin, cout). */
export function convWeightToTfjs(data: Float32Array, shape: readonly number[]): Float32Array {
	const [co, ci, kh, kw] = shape;
	const out = new Float32Array(data.length);
	for (let o = 0; o < co; o++)
		for (let i = 0; i < ci; i++)
			for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[((y * kw + x) * ci + i) * co + o] = data[((o * ci + i) * kh + y) * kw + x];
	return out;
}

/** tfjs (kh, kw, cin, cout) → torch (cout, cin, kh, kw). */
export function convWeightToTorch(data: Float32Array, torchShape: readonly number[]): Float32Array {
	const [co, ci, kh, kw] = torchShape;
	const out = new Float32Array(data.length);
	for (let o = 0; o < co; o++)
		for (let i = 0; i < ci; i++)
			for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[((o * ci + i) * kh + y) * kw + x] = data[((y * kw + x) * ci + i) * co + o];
	return out;
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
	const out = new Float32Array(data.length);
	for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
	return out;
}

/**
 * A training-mode `batchconv` (BatchNorm → optional ReLU → conv + bias) as one op with its own
 * gradient, keeping only its input for the backward pass and recomputing the normalised
 * activations there. tfjs keeps every intermediate of a gradient function alive until the
 * backward pass ends, and a full CPnet batch (8 × 224²) does not fit wasm's 4 GiB heap otherwise.
 *
 * Forward, with the batch mean μ and biased variance σ² over (N, H, W):
 * `a = γ·(x − μ)/√(σ² + eps) + β`, `r = relu(a)` (or `a`), `y = conv(r, W) + b` ('same' padding).
 * Backward, with x̂ = (x − μ)/√(σ² + eps), N the reduced size, dr = conv2dBackpropInput(dy, W),
 * dA = dr·[a > 0]: `db = Σ dy`, `dW = conv2dBackpropFilter(r, dy)`, `dβ = Σ dA`, `dγ = Σ dA·x̂`,
 * `dx = γ/(N·√(σ² + eps))·(N·dA − dβ − x̂·dγ)`.
 * `onStats` receives the batch mean and biased variance (to move the running statistics).
 */
export function batchConvTrain(
	x: tf.Tensor4D,
	gamma: tf.Tensor1D,
	beta: tf.Tensor1D,
	filter: tf.Tensor4D,
	bias: tf.Tensor1D,
	relu: boolean,
	onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void
): tf.Tensor4D {
	const n = x.shape[0] * x.shape[1] * x.shape[2];
	const pad = filter.shape[0] === 1 ? 'valid' : 'same';
	const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
		const [xi, g, b, w, c] = args as tf.Tensor[];
		const save = args[5] as tf.GradSaveFunc;
		const mean = tf.mean(xi, [0, 1, 2]) as tf.Tensor1D;
		const variance = tf.mean(tf.square(tf.sub(xi, mean)), [0, 1, 2]) as tf.Tensor1D;
		const invstd = tf.rsqrt(tf.add(variance, BN_EPS));
		onStats?.(mean, variance);
		const scale = tf.mul(g, invstd);
		const a = tf.add(tf.mul(xi, scale), tf.sub(b, tf.mul(mean, scale))) as tf.Tensor4D;
		const y = tf.fused.conv2d({ x: relu ? tf.relu(a) : a, filter: w as tf.Tensor4D, bias: c, strides: 1, pad });
		save([xi, g, b, w, mean, invstd]);
		return {
			value: y,
			// tfjs runs a custom gradient outside any tidy scope and keeps what it creates until the
			// whole backward pass ends; the tidy frees the temporaries of this layer at once.
			gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) =>
				tf.tidy(() => {
					const [xs, gs, bs, ws, mu, inv] = saved;
					const d = dy;
					const xhat = tf.mul(tf.sub(xs, mu), inv);
					const pre = tf.add(tf.mul(xhat, gs), bs) as tf.Tensor4D;
					const r = relu ? tf.relu(pre) : pre;
					const dBias = tf.sum(d, [0, 1, 2]);
					const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x: r, dy: d }, {
						strides: 1,
						pad,
						dataFormat: 'NHWC',
						dimRoundingMode: undefined,
						filterShape: ws.shape
					} as unknown as tf.NamedAttrMap) as tf.Tensor4D;
					const dr = tf.conv2dTranspose(d, ws as tf.Tensor4D, xs.shape as [number, number, number, number], 1, pad);
					const dA = relu ? tf.mul(dr, tf.step(pre)) : dr;
					const dBeta = tf.sum(dA, [0, 1, 2]);
					const dGamma = tf.sum(tf.mul(dA, xhat), [0, 1, 2]);
					const k = tf.div(tf.mul(gs, inv), n);
					const dx = tf.mul(k, tf.sub(tf.sub(tf.mul(dA, n), dBeta), tf.mul(xhat, dGamma)));
					return [dx, dGamma, dBeta, dW, dBias];
				})
		};
	});
	return op(x, gamma, beta, filter, bias) as tf.Tensor4D;
}

/**
 * Nearest ×2 upsampling (`nn.Upsample(scale_factor=2, mode='nearest')`) from concat and reshape:
 * tfjs 4.22's ResizeNearestNeighborGrad gives wrong gradients once there is more than one
 * channel, so `tf.image.resizeNearestNeighbor` cannot be trained through.
 */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
	const [n, h, w, c] = x.shape;
	// Repeat along channels then fold into width: pixel j becomes columns 2j and 2j + 1.
	const cols = tf.reshape(tf.concat([x, x], 3), [n, h, 1, 2 * w * c]);
	// Repeat each row the same way.
	return tf.reshape(tf.concat([cols, cols], 2), [n, 2 * h, 2 * w, c]);
}

/**
 * 2 × 2 max pooling, stride 2 (`nn.MaxPool2d(2, 2)`), as the maximum of the four strided
 * corners: tfjs-backend-wasm 4.22's MaxPoolGrad returns wrong gradients for larger inputs, and
 * this form trains on every backend. Ties send the gradient to the first corner in row-major
 * order, as PyTorch's max pooling does. Odd sizes drop the last row/column (floor mode).
 */
export function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
	const [n, h, w, c] = x.shape;
	const ho = Math.floor(h / 2);
	const wo = Math.floor(w / 2);
	const even = h === 2 * ho && w === 2 * wo ? x : tf.slice(x, [0, 0, 0, 0], [n, 2 * ho, 2 * wo, c]);
	// (N·Ho, 2, Wo, 2·C): axis 1 picks the row of the pair, the channel halves the column.
	const r = tf.reshape(even, [n * ho, 2, wo, 2 * c]);
	const corner = (row: number, col: number) => tf.slice(r, [0, row, 0, col * c], [n * ho, 1, wo, c]);
	const top = tf.maximum(corner(0, 0), corner(0, 1));
	const bottom = tf.maximum(corner(1, 0), corner(1, 1));
	return tf.reshape(tf.maximum(top, bottom), [n, ho, wo, c]);
}

/** A seeded uniform generator for initial weights (mulberry32). */
function uniform(seed: number): (lo: number, hi: number) => number {
	let a = seed >>> 0;
	return (lo, hi) => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
	};
}

let nextModelId = 0;

export class CpnetModel {
	readonly nbase: number[];
	readonly nout: number;
	readonly kernel: number;
	readonly styleChannels: number;
	readonly diamMean: number;
	/** Updated by training (`net.diam_labels = mean(diam_train)`). */
	diamLabels: number;
	bnMomentum: number;
	/** Trainable parameters by state-dict key, tfjs layouts. */
	readonly params = new Map<string, tf.Variable>();
	/** BatchNorm running statistics by key (`….running_mean`, `….running_var`). */
	readonly buffers = new Map<string, tf.Variable>();
	/** `num_batches_tracked` by BatchNorm prefix. */
	readonly batchesTracked = new Map<string, bigint>();
	private disposed = false;
	/** tfjs variable names are global, so each model's are prefixed with its own number. */
	private readonly id = nextModelId++;

	private constructor(nbase: number[], nout: number, kernel: number, diamMean: number, diamLabels: number, bnMomentum: number) {
		this.nbase = nbase;
		this.nout = nout;
		this.kernel = kernel;
		this.styleChannels = nbase[nbase.length - 1];
		this.diamMean = diamMean;
		this.diamLabels = diamLabels;
		this.bnMomentum = bnMomentum;
	}

	/** Build from loaded Cellpose weights (values are copied into tfjs variables). */
	static fromWeights(w: Pick<CellposeWeights, 'nbase' | 'nout' | 'kernel' | 'tensors' | 'diamMean' | 'diamLabels'>, opts: CpnetOptions = {}): CpnetModel {
		const m = new CpnetModel([...w.nbase], w.nout, w.kernel, w.diamMean, w.diamLabels, opts.bnMomentum ?? CELLPOSE_BN_MOMENTUM);
		m.load(w.tensors, opts.batchesTracked);
		return m;
	}

	/**
	 * A freshly initialised network as PyTorch initialises CPnet (Cellpose sets no init of its own):
	 * conv and Linear weights and biases uniform in ±1/√fan_in (`kaiming_uniform_(a=√5)` and the
	 * bias rule), BatchNorm weight 1, bias 0, running mean 0, variance 1. Seeded, not torch's stream.
	 */
	static random(nbase: readonly number[], opts: CpnetOptions & { nout?: number; kernel?: number; seed?: number; diamMean?: number } = {}): CpnetModel {
		const nout = opts.nout ?? 3;
		const kernel = opts.kernel ?? 3;
		const rand = uniform(opts.seed ?? 0);
		const tensors = new Map<string, CellposeTensor>();
		const shapes = cpnetStateKeys(nbase, nout, kernel);
		const fanIn = new Map<string, number>();
		for (const { key, shape } of shapes) if (key.endsWith('.weight') && shape.length >= 2) fanIn.set(key.slice(0, -7), shape.slice(1).reduce((a, b) => a * b, 1));
		const diam = opts.diamMean ?? 30;
		for (const { key, shape, dtype } of shapes) {
			if (dtype !== 'float32') continue;
			const n = shape.reduce((a, b) => a * b, 1);
			const data = new Float32Array(n);
			const prefix = key.slice(0, key.lastIndexOf('.'));
			const fan = fanIn.get(prefix);
			if (key === 'diam_mean' || key === 'diam_labels') data.fill(diam);
			else if (key.endsWith('running_var')) data.fill(1);
			else if (key.endsWith('running_mean')) data.fill(0);
			else if (fan === undefined) data.fill(key.endsWith('.weight') ? 1 : 0); // BatchNorm affine
			else {
				const b = 1 / Math.sqrt(fan);
				for (let i = 0; i < n; i++) data[i] = rand(-b, b);
			}
			tensors.set(key, { shape, data });
		}
		const m = new CpnetModel([...nbase], nout, kernel, diam, diam, opts.bnMomentum ?? CELLPOSE_BN_MOMENTUM);
		m.load(tensors, opts.batchesTracked);
		return m;
	}

	private load(tensors: ReadonlyMap<string, CellposeTensor>, counts?: ReadonlyMap<string, bigint>): void {
		for (const { key, shape, dtype } of cpnetStateKeys(this.nbase, this.nout, this.kernel)) {
			if (dtype === 'int64') {
				const prefix = key.slice(0, -'.num_batches_tracked'.length);
				this.batchesTracked.set(prefix, counts?.get(prefix) ?? 0n);
				continue;
			}
			if (key === 'diam_mean' || key === 'diam_labels') continue;
			const t = tensors.get(key);
			if (!t) throw new ModelError(undefined, `the model has no tensor '${key}', so it is not a complete Cellpose 3 network`);
			if (t.shape.join() !== shape.join()) throw new ModelError(undefined, `tensor '${key}' has shape [${t.shape.join(', ')}] where the network needs [${shape.join(', ')}]`);
			let data = t.data;
			let tfShape = shape;
			if (isConv(key, shape)) {
				data = convWeightToTfjs(t.data, shape);
				tfShape = [shape[2], shape[3], shape[1], shape[0]];
			} else if (isLinear(key, shape)) {
				data = transpose2d(t.data, shape[0], shape[1]);
				tfShape = [shape[1], shape[0]];
			}
			const running = key.endsWith('.running_mean') || key.endsWith('.running_var');
			const v = tf.variable(tf.tensor(data, tfShape, 'float32'), !running, `cpnet${this.id}/${key}`);
			(running ? this.buffers : this.params).set(key, v);
		}
	}

	/** Trainable variables in state-dict order. */
	trainableVariables(): tf.Variable[] {
		return [...this.params.values()];
	}

	private p(key: string): tf.Variable {
		const v = this.params.get(key) ?? this.buffers.get(key);
		if (!v) throw new Error(`CPnet has no parameter '${key}'`);
		return v;
	}

	/**
	 * `batchconv` (BN → ReLU → conv) or, without ReLU, `batchconv0` (BN → 1×1 conv) at `prefix`
	 * (BN at `.0`, conv at `.2` or `.1`). In training mode the BatchNorm uses the batch statistics,
	 * moves its running statistics and counts the batch, as PyTorch's `train()` forward does.
	 */
	private bnConv(prefix: string, x: tf.Tensor4D, training: boolean, relu: boolean): tf.Tensor4D {
		const bn = `${prefix}.0`;
		const conv = `${prefix}.${relu ? 2 : 1}`;
		const gamma = this.p(`${bn}.weight`) as tf.Tensor1D;
		const beta = this.p(`${bn}.bias`) as tf.Tensor1D;
		const filter = this.p(`${conv}.weight`) as tf.Tensor4D;
		const bias = this.p(`${conv}.bias`) as tf.Tensor1D;
		const rm = this.buffers.get(`${bn}.running_mean`)!;
		const rv = this.buffers.get(`${bn}.running_var`)!;
		return tf.tidy(() => {
			if (!training) {
				const a = tf.batchNorm(x, rm as tf.Tensor1D, rv as tf.Tensor1D, beta, gamma, BN_EPS);
				return tf.fused.conv2d({ x: relu ? tf.relu(a) : a, filter, bias, strides: 1, pad: filter.shape[0] === 1 ? 'valid' : 'same' });
			}
			const n = x.shape[0] * x.shape[1] * x.shape[2];
			const m = this.bnMomentum;
			const y = batchConvTrain(x, gamma, beta, filter, bias, relu, (mean, variance) => {
				rm.assign(tf.add(tf.mul(rm, 1 - m), tf.mul(mean, m)));
				rv.assign(tf.add(tf.mul(rv, 1 - m), tf.mul(variance, (m * n) / Math.max(1, n - 1))));
			});
			this.batchesTracked.set(bn, (this.batchesTracked.get(bn) ?? 0n) + 1n);
			return y;
		});
	}

	/** batchconv: BN → ReLU → conv. */
	private batchconv(prefix: string, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
		return this.bnConv(prefix, x, training, true);
	}

	/** batchconv0: BN → 1×1 conv. */
	private batchconv0(prefix: string, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
		return this.bnConv(prefix, x, training, false);
	}

	/** batchconvstyle: (x + y) + full(style) broadcast, then batchconv. */
	private batchconvStyle(prefix: string, style: tf.Tensor2D, x: tf.Tensor4D, training: boolean, y?: tf.Tensor4D): tf.Tensor4D {
		return tf.tidy(() => {
			const xy = y ? tf.add(x, y) : x;
			const feat = tf.add(tf.matMul(style, this.p(`${prefix}.full.weight`) as tf.Tensor2D), this.p(`${prefix}.full.bias`)) as tf.Tensor2D;
			const z = tf.add(xy, tf.reshape(feat, [feat.shape[0], 1, 1, feat.shape[1]])) as tf.Tensor4D;
			return this.batchconv(`${prefix}.conv`, z, training);
		});
	}

	private resdown(n: number, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
		const p = `downsample.down.res_down_${n}`;
		const a = this.batchconv(`${p}.conv.conv_1`, this.batchconv(`${p}.conv.conv_0`, x, training), training);
		const x1 = tf.add(this.batchconv0(`${p}.proj`, x, training), a) as tf.Tensor4D;
		return tf.add(x1, this.batchconv(`${p}.conv.conv_3`, this.batchconv(`${p}.conv.conv_2`, x1, training), training)) as tf.Tensor4D;
	}

	private resup(m: number, x: tf.Tensor4D, y: tf.Tensor4D, style: tf.Tensor2D, training: boolean): tf.Tensor4D {
		const p = `upsample.up.res_up_${m}`;
		const a = this.batchconv(`${p}.conv.conv_0`, x, training);
		const x1 = tf.add(this.batchconv0(`${p}.proj`, x, training), this.batchconvStyle(`${p}.conv.conv_1`, style, a, training, y)) as tf.Tensor4D;
		const c2 = this.batchconvStyle(`${p}.conv.conv_2`, style, x1, training);
		return tf.add(x1, this.batchconvStyle(`${p}.conv.conv_3`, style, c2, training)) as tf.Tensor4D;
	}

	/**
	 * The network on an (N, H, W, nbase[0]) batch; H and W must be multiples of 2^(levels − 1).
	 * Call inside `tf.tidy` (or a gradient function); in training mode the BatchNorm running
	 * statistics are updated as a side effect, as PyTorch's `net.train()` forward does.
	 */
	forward(x: tf.Tensor4D, training: boolean): CpnetOutput {
		if (this.disposed) throw new Error('CPnet: the model was disposed');
		const depth = this.nbase.length - 1;
		const f = 2 ** (depth - 1);
		if (x.shape[1] % f !== 0 || x.shape[2] % f !== 0) throw new RangeError(`CPnet: the input size ${x.shape[1]} × ${x.shape[2]} is not a multiple of ${f}`);
		if (x.shape[3] !== this.nbase[0]) throw new RangeError(`CPnet: the input has ${x.shape[3]} channels, not ${this.nbase[0]}`);
		const xd: tf.Tensor4D[] = [];
		let h = x;
		for (let n = 0; n < depth; n++) {
			if (n > 0) {
				const prev = h;
				h = tf.tidy(() => maxPool2x2(prev));
			}
			h = this.resdown(n, h, training);
			xd.push(h);
		}
		const deepest = xd[depth - 1];
		const s = tf.mean(deepest, [1, 2]) as tf.Tensor2D;
		const style = tf.div(s, tf.sqrt(tf.sum(tf.square(s), 1, true))) as tf.Tensor2D;
		let u = this.resup(depth - 1, deepest, deepest, style, training);
		for (let m = depth - 2; m >= 0; m--) {
			const up = tf.tidy(() => upsampleNearest2x(u));
			u = this.resup(m, up, xd[m], style, training);
		}
		return { y: this.batchconv('output', u, training), style };
	}

	/** Every tensor's values in torch layout, by state-dict key (float tensors only). */
	torchTensors(): Map<string, CellposeTensor> {
		const out = new Map<string, CellposeTensor>();
		for (const { key, shape, dtype } of cpnetStateKeys(this.nbase, this.nout, this.kernel)) {
			if (dtype !== 'float32') continue;
			if (key === 'diam_mean' || key === 'diam_labels') {
				out.set(key, { shape, data: Float32Array.of(key === 'diam_mean' ? this.diamMean : this.diamLabels) });
				continue;
			}
			const raw = this.p(key).dataSync() as Float32Array;
			let data: Float32Array;
			if (isConv(key, shape)) data = convWeightToTorch(raw, shape);
			else if (isLinear(key, shape)) data = transpose2d(raw, shape[1], shape[0]);
			else data = Float32Array.from(raw);
			out.set(key, { shape, data });
		}
		return out;
	}

	/** The complete state dict in PyTorch's order (`CPnet.state_dict()`), ready for `writeTorchStateDict`. */
	stateDict(): TorchTensorOut[] {
		const floats = this.torchTensors();
		return cpnetStateKeys(this.nbase, this.nout, this.kernel).map(({ key, shape, dtype }) => {
			if (dtype === 'int64') {
				const prefix = key.slice(0, -'.num_batches_tracked'.length);
				return { key, shape, dtype, data: BigInt64Array.of(this.batchesTracked.get(prefix) ?? 0n) };
			}
			return { key, shape, dtype, data: floats.get(key)!.data };
		});
	}

	/** The model as `CellposeWeights` (e.g. to build the ONNX graph of the fine-tuned network). */
	toWeights(): CellposeWeights {
		return {
			nbase: [...this.nbase],
			nout: this.nout,
			kernel: this.kernel,
			styleChannels: this.styleChannels,
			diamMean: this.diamMean,
			diamLabels: this.diamLabels,
			diamMeanFromFile: true,
			diamLabelsFromFile: true,
			builtin: null,
			tensors: this.torchTensors()
		};
	}

	dispose(): void {
		if (this.disposed) return;
		for (const v of this.params.values()) v.dispose();
		for (const v of this.buffers.values()) v.dispose();
		this.disposed = true;
	}
}
