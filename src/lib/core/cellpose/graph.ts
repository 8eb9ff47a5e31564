/**
 * The Cellpose 3 network (`CPnet`, cellpose 3.1 `resnet_torch.py`, spec §2) as an ONNX graph,
 * built from its state-dict tensors. Input `x` (N, nchan, H, W) float32, H and W multiples of
 * 2^(levels − 1) (8 for Cellpose's 4 levels; the pipeline's 224 tiles qualify); outputs `y` (N, nout, H, W) = [dY, dX, cellprob logit] (flows ×5, as the net emits them) and
 * `style` (N, nbase[-1]), the L2-normalised style vector.
 *
 * BatchNorm is in eval mode, i.e. a per-channel affine `a·x + b` with `a = w/√(var+1e-5)`,
 * `b = bias − mean·a` (computed in float32 the way PyTorch's CPU kernel does). CPnet is
 * pre-activation (BN → ReLU → conv), so a BN cannot go into the conv that follows it, except the
 * 1×1 `batchconv0` projections, which have no ReLU and no padding. In the default mode
 * ('fold') each affine is put where it is exact in real arithmetic:
 *  - into a 1×1 projection conv that follows it (no padding, so no border effect);
 *  - into the output channels of the conv that precedes it, where that conv's output feeds only
 *    this BN (`conv_0 → conv_1`, `conv_2 → conv_3`): `a·(W∗x + c) + b = (aW)∗x + (ac + b)`;
 *  - into the style Linear where a style vector is added before the BN:
 *    `a·(t + Ws + c) + b = a·t + ((aW)s + ac + b)`.
 * The rest (BNs after residual adds or on the input) stay a per-channel affine, written as a
 * BatchNormalization op (see `emitAffine`). Only float rounding differs from PyTorch.
 * 'affine' (every BN as Mul + Add) and 'onnx' (ONNX BatchNormalization with the running stats)
 * are kept for measuring: all three modes give max errors of about 1e-5 against PyTorch on
 * the fixtures; 'fold' has the fewest nodes, and 'fold'/'onnx' ran ~5 % faster than 'affine' on
 * onnxruntime-node.
 */
import { ModelError } from '../formats/errors';
import { GraphBuilder, attr } from '../onnx/graph-builder';
import type { CellposeTensor, CellposeWeights } from './weights';

/** One tensor of the state dict. */
export type NetTensor = CellposeTensor;

/** What the graph needs from a loaded Cellpose 3 model (`readCellposeModel`). */
export type CpnetWeightsLike = Pick<CellposeWeights, 'nbase' | 'nout' | 'kernel' | 'tensors'>;

export type BatchNormMode = 'fold' | 'affine' | 'onnx';

export interface BuildCellposeOptions {
	/** How BatchNorm layers are emitted (see the file comment). Default 'fold'. */
	batchNorm?: BatchNormMode;
	/** Model name for messages. */
	name?: string;
}

/** PyTorch BatchNorm2d default eps (Cellpose does not change it). */
const BN_EPS = 1e-5;

/** The names of the built graph's input and outputs. */
export const CELLPOSE_ONNX_IO = { input: 'x', y: 'y', style: 'style' } as const;

const f32 = Math.fround;

interface Affine {
	scale: Float32Array;
	shift: Float32Array;
}

/** A conv's weights as they will be written (possibly rescaled). */
interface ConvParams {
	weight: Float32Array;
	bias: Float32Array;
	cout: number;
	cin: number;
	k: number;
}

class CpnetEmitter {
	readonly g = new GraphBuilder('cpnet');
	private readonly mode: BatchNormMode;
	private upScales: string | null = null;

	constructor(
		private readonly w: CpnetWeightsLike,
		private readonly file: string,
		mode: BatchNormMode
	) {
		this.mode = mode;
	}

	tensor(key: string, shape?: number[]): NetTensor {
		const t = this.w.tensors.get(key);
		if (!t) throw new ModelError(this.file, `the model has no tensor '${key}', so it is not a complete Cellpose 3 network`);
		if (shape) {
			const ok = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
			if (!ok) {
				throw new ModelError(
					this.file,
					`tensor '${key}' has shape [${t.shape.join(', ')}] but the network needs [${shape.join(', ')}]`
				);
			}
		}
		return t;
	}

	/** Eval-mode BN as y = scale·x + shift, float32 steps as PyTorch's `batch_norm_cpu_collect_linear_and_constant_terms`. */
	bn(prefix: string, c: number): Affine {
		const weight = this.tensor(`${prefix}.weight`, [c]).data;
		const bias = this.tensor(`${prefix}.bias`, [c]).data;
		const mean = this.tensor(`${prefix}.running_mean`, [c]).data;
		const variance = this.tensor(`${prefix}.running_var`, [c]).data;
		const scale = new Float32Array(c);
		const shift = new Float32Array(c);
		for (let i = 0; i < c; i++) {
			const invstd = f32(1 / f32(Math.sqrt(f32(variance[i] + f32(BN_EPS)))));
			scale[i] = f32(invstd * weight[i]);
			shift[i] = f32(bias[i] - f32(mean[i] * scale[i]));
		}
		return { scale, shift };
	}

	conv(prefix: string, cin: number, cout: number, k: number): ConvParams {
		const weight = this.tensor(`${prefix}.weight`, [cout, cin, k, k]).data;
		const bias = this.tensor(`${prefix}.bias`, [cout]).data;
		return { weight, bias, cout, cin, k };
	}

	/** Scale a conv's output channels by `a.scale` and add `a.shift`: an affine after the conv. */
	static foldAfter(p: ConvParams, a: Affine): ConvParams {
		const per = p.cin * p.k * p.k;
		const weight = new Float32Array(p.weight.length);
		const bias = new Float32Array(p.cout);
		for (let o = 0; o < p.cout; o++) {
			const s = a.scale[o];
			for (let j = 0; j < per; j++) weight[o * per + j] = s * p.weight[o * per + j];
			bias[o] = s * p.bias[o] + a.shift[o];
		}
		return { ...p, weight, bias };
	}

	/** Put an input affine into a 1×1 conv: W'[o,i] = W[o,i]·a[i], b'[o] = b[o] + Σi W[o,i]·b[i]. */
	static foldBefore1x1(p: ConvParams, a: Affine): ConvParams {
		if (p.k !== 1) throw new Error('only a 1×1 conv can absorb a preceding affine exactly');
		const weight = new Float32Array(p.weight.length);
		const bias = new Float32Array(p.cout);
		for (let o = 0; o < p.cout; o++) {
			let acc = p.bias[o];
			for (let i = 0; i < p.cin; i++) {
				weight[o * p.cin + i] = p.weight[o * p.cin + i] * a.scale[i];
				acc += p.weight[o * p.cin + i] * a.shift[i];
			}
			bias[o] = acc;
		}
		return { ...p, weight, bias };
	}

	emitConv(x: string, p: ConvParams, name: string): string {
		const W = this.g.initializer(`${name}.weight`, [p.cout, p.cin, p.k, p.k], p.weight);
		const B = this.g.initializer(`${name}.bias`, [p.cout], p.bias);
		const pad = p.k >> 1;
		return this.g.op('Conv', [x, W, B], { kernel_shape: attr.ints([p.k, p.k]), pads: attr.ints([pad, pad, pad, pad]) }, name);
	}

	/**
	 * Per-channel `scale·x + shift` on an (N, C, H, W) tensor. 'fold' writes it as one
	 * BatchNormalization with mean 0, var 1, eps 0 (so ORT applies exactly our float32 `scale`
	 * and `shift`, in one pass, and keeps its NCHWc layout on CPU); 'onnx' gives
	 * BatchNormalization the original running statistics; 'affine' uses Mul + Add.
	 */
	emitAffine(x: string, a: Affine, bnPrefix: string): string {
		const name = bnPrefix;
		const c = a.scale.length;
		const g = this.g;
		if (this.mode === 'onnx') {
			const t = (s: string) => g.initializer(`${bnPrefix}.${s}`, [c], this.tensor(`${bnPrefix}.${s}`).data);
			return g.op('BatchNormalization', [x, t('weight'), t('bias'), t('running_mean'), t('running_var')], { epsilon: attr.float(BN_EPS) }, name);
		}
		if (this.mode === 'fold') {
			const scale = g.initializer(`${name}.scale`, [c], a.scale);
			const shift = g.initializer(`${name}.shift`, [c], a.shift);
			const zero = g.initializer(`${name}.zero`, [c], new Float32Array(c));
			const one = g.initializer(`${name}.one`, [c], new Float32Array(c).fill(1));
			return g.op('BatchNormalization', [x, scale, shift, zero, one], { epsilon: attr.float(0) }, name);
		}
		const S = g.initializer(`${name}.scale`, [1, c, 1, 1], a.scale);
		const B = g.initializer(`${name}.shift`, [1, c, 1, 1], a.shift);
		return g.op('Add', [g.op('Mul', [x, S], {}, `${name}.mul`), B], {}, name);
	}

	/** `Linear(style)` as (N, C, 1, 1), optionally with an affine applied to its output. */
	emitStyleLinear(style: string, prefix: string, c: number, sdim: number, after: Affine | null): string {
		const weight = this.tensor(`${prefix}.weight`, [c, sdim]).data;
		const bias = this.tensor(`${prefix}.bias`, [c]).data;
		let W = weight;
		let B = bias;
		if (after) {
			W = new Float32Array(weight.length);
			B = new Float32Array(c);
			for (let o = 0; o < c; o++) {
				const s = after.scale[o];
				for (let j = 0; j < sdim; j++) W[o * sdim + j] = s * weight[o * sdim + j];
				B[o] = s * bias[o] + after.shift[o];
			}
		}
		const Wi = this.g.initializer(`${prefix}.weight`, [c, sdim], W);
		const Bi = this.g.initializer(`${prefix}.bias`, [c], B);
		const lin = this.g.op('Gemm', [style, Wi, Bi], { transB: attr.int(1) }, `${prefix}.out`);
		const shape = this.g.initializer(`${prefix}.shape`, [4], new BigInt64Array([-1n, BigInt(c), 1n, 1n]));
		return this.g.op('Reshape', [lin, shape], {}, `${prefix}.nchw`);
	}

	relu(x: string, name: string): string {
		return this.g.op('Relu', [x], {}, name);
	}

	add(a: string, b: string, name: string): string {
		return this.g.op('Add', [a, b], {}, name);
	}

	/** batchconv0: BN → 1×1 conv (no ReLU). */
	batchconv0(prefix: string, x: string, cin: number, cout: number): string {
		const a = this.bn(`${prefix}.0`, cin);
		const p = this.conv(`${prefix}.1`, cin, cout, 1);
		if (this.mode === 'fold') return this.emitConv(x, CpnetEmitter.foldBefore1x1(p, a), `${prefix}.1`);
		return this.emitConv(this.emitAffine(x, a, `${prefix}.0`), p, `${prefix}.1`);
	}

	/**
	 * Two batchconvs in a row, `conv_b(conv_a(x))`, where conv_a's output feeds only conv_b's BN.
	 * In 'fold' mode conv_b's BN goes into conv_a's output channels. `aPrefix`/`bPrefix` name the
	 * Sequentials (`….conv_0`, or `….conv_2.conv` for a batchconvstyle).
	 */
	batchconvPair(x: string, aPrefix: string, bPrefix: string, cin: number, cmid: number, cout: number, k: number): string {
		const aIn = this.emitAffine(x, this.bn(`${aPrefix}.0`, cin), `${aPrefix}.0`);
		const aConvP = this.conv(`${aPrefix}.2`, cin, cmid, k);
		const bBn = this.bn(`${bPrefix}.0`, cmid);
		let h: string;
		if (this.mode === 'fold') {
			h = this.emitConv(this.relu(aIn, `${aPrefix}.1`), CpnetEmitter.foldAfter(aConvP, bBn), `${aPrefix}.2`);
		} else {
			const c = this.emitConv(this.relu(aIn, `${aPrefix}.1`), aConvP, `${aPrefix}.2`);
			h = this.emitAffine(c, bBn, `${bPrefix}.0`);
		}
		return this.emitConv(this.relu(h, `${bPrefix}.1`), this.conv(`${bPrefix}.2`, cmid, cout, k), `${bPrefix}.2`);
	}

	/** `resdown` (spec §2.2). */
	resdown(n: number, x: string, cin: number, cout: number, k: number): string {
		const p = `downsample.down.res_down_${n}`;
		const proj = this.batchconv0(`${p}.proj`, x, cin, cout);
		const a = this.batchconvPair(x, `${p}.conv.conv_0`, `${p}.conv.conv_1`, cin, cout, cout, k);
		const x1 = this.add(proj, a, `${p}.x1`);
		const c = this.batchconvPair(x1, `${p}.conv.conv_2`, `${p}.conv.conv_3`, cout, cout, cout, k);
		return this.add(x1, c, `${p}.out`);
	}

	/** `resup` (spec §2.2); `y` is the skip tensor, added before the style. */
	resup(m: number, x: string, y: string, style: string, cin: number, cout: number, sdim: number, k: number): string {
		const p = `upsample.up.res_up_${m}`;
		const proj = this.batchconv0(`${p}.proj`, x, cin, cout);
		// conv_0: plain batchconv cin → cout.
		const a0 = this.emitAffine(x, this.bn(`${p}.conv.conv_0.0`, cin), `${p}.conv.conv_0.0`);
		const a = this.emitConv(this.relu(a0, `${p}.conv.conv_0.1`), this.conv(`${p}.conv.conv_0.2`, cin, cout, k), `${p}.conv.conv_0.2`);
		// conv_1(style, a, y): BN(a + y + full(style)) → ReLU → conv.
		const c1 = this.styleBatchconv(`${p}.conv.conv_1`, this.add(a, y, `${p}.conv.conv_1.xy`), style, cout, sdim, k, null);
		const x1 = this.add(proj, c1, `${p}.x1`);
		// conv_3(style, conv_2(style, x1)).
		const c2 = this.styleBatchconv(`${p}.conv.conv_2`, x1, style, cout, sdim, k, `${p}.conv.conv_3`);
		const c3 = this.styleBatchconvTail(`${p}.conv.conv_3`, c2, style, cout, sdim, k);
		return this.add(x1, c3, `${p}.out`);
	}

	/**
	 * batchconvstyle on input `t`: BN(t + full(style)) → ReLU → conv. With `foldNext` (a following
	 * batchconvstyle's prefix) in 'fold' mode, the next BN's scale goes into this conv's output and
	 * the returned tensor is `a_next·conv(…)`; `styleBatchconvTail` then adds the rest.
	 */
	styleBatchconv(prefix: string, t: string, style: string, c: number, sdim: number, k: number, foldNext: string | null): string {
		const bnPrefix = `${prefix}.conv.0`;
		let h: string;
		if (this.mode === 'fold') {
			const a = this.bn(bnPrefix, c);
			const scale = this.g.initializer(`${bnPrefix}.scale`, [1, c, 1, 1], a.scale);
			const scaled = this.g.op('Mul', [t, scale], {}, `${bnPrefix}.mul`);
			h = this.add(scaled, this.emitStyleLinear(style, `${prefix}.full`, c, sdim, a), bnPrefix);
		} else {
			const z = this.add(t, this.emitStyleLinear(style, `${prefix}.full`, c, sdim, null), `${prefix}.z`);
			h = this.emitAffine(z, this.bn(bnPrefix, c), bnPrefix);
		}
		let conv = this.conv(`${prefix}.conv.2`, c, c, k);
		if (this.mode === 'fold' && foldNext) {
			const next = this.bn(`${foldNext}.conv.0`, c);
			conv = CpnetEmitter.foldAfter(conv, { scale: next.scale, shift: new Float32Array(c) });
		}
		return this.emitConv(this.relu(h, `${prefix}.conv.1`), conv, `${prefix}.conv.2`);
	}

	/** The batchconvstyle after `styleBatchconv(…, foldNext)`: its BN scale is already applied. */
	styleBatchconvTail(prefix: string, t: string, style: string, c: number, sdim: number, k: number): string {
		if (this.mode !== 'fold') return this.styleBatchconv(prefix, t, style, c, sdim, k, null);
		const bnPrefix = `${prefix}.conv.0`;
		const a = this.bn(bnPrefix, c);
		const h = this.add(t, this.emitStyleLinear(style, `${prefix}.full`, c, sdim, a), bnPrefix);
		return this.emitConv(this.relu(h, `${prefix}.conv.1`), this.conv(`${prefix}.conv.2`, c, c, k), `${prefix}.conv.2`);
	}

	maxpool(x: string, name: string): string {
		return this.g.op('MaxPool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }, name);
	}

	/** Nearest ×2 upsampling: output pixel (i, j) reads input (⌊i/2⌋, ⌊j/2⌋), a pure copy. */
	upsample(x: string, name: string): string {
		this.upScales ??= this.g.initializer('upsample.scales', [4], new Float32Array([1, 1, 2, 2]));
		const scales = this.upScales;
		return this.g.op(
			'Resize',
			[x, '', scales],
			{
				mode: attr.string('nearest'),
				coordinate_transformation_mode: attr.string('asymmetric'),
				nearest_mode: attr.string('floor')
			},
			name
		);
	}
}

/**
 * Build the ONNX model (opset 17) of a Cellpose 3 CPnet from its weights.
 * Throws `ModelError` if a tensor is missing or has the wrong shape.
 */
export function buildCellposeOnnx(weights: CpnetWeightsLike, options: BuildCellposeOptions = {}): Uint8Array {
	const file = options.name ?? 'model';
	const e = new CpnetEmitter(weights, file, options.batchNorm ?? 'fold');
	const g = e.g;
	const { nbase, nout, kernel: k } = weights;
	const depth = nbase.length - 1;
	if (depth < 1) throw new ModelError(file, 'the network has no levels');
	const sdim = nbase[depth];
	const outChannels = e.tensor('output.2.weight').shape[0];
	if (outChannels !== nout) throw new ModelError(file, `the output layer has ${outChannels} channels, not ${nout}`);

	const { input, y: yName, style: styleName } = CELLPOSE_ONNX_IO;
	g.input(input, ['N', nbase[0], 'H', 'W']);

	// Encoder.
	const xd: string[] = [];
	let h: string = input;
	for (let n = 0; n < depth; n++) {
		if (n > 0) h = e.maxpool(h, `downsample.maxpool_${n}`);
		h = e.resdown(n, h, nbase[n], nbase[n + 1], k);
		xd.push(h);
	}
	const deepest = xd[depth - 1];

	// Style: global mean of the deepest features, L2-normalised (no epsilon, as Cellpose).
	const pooled = g.op('GlobalAveragePool', [deepest], {}, 'make_style.pool');
	const flat = g.op('Flatten', [pooled], { axis: attr.int(1) }, 'make_style.flat');
	const norm = g.op('ReduceL2', [flat], { axes: attr.ints([1]), keepdims: attr.int(1) }, 'make_style.norm');
	g.node('Div', [flat, norm], [styleName]);

	// Decoder: nup = [nbase[1..], nbase[-1]]; the deepest block's skip is the deepest features themselves.
	const nup = [...nbase.slice(1), sdim];
	let u = e.resup(depth - 1, deepest, deepest, styleName, nup[depth], nup[depth - 1], sdim, k);
	for (let m = depth - 2; m >= 0; m--) {
		u = e.resup(m, e.upsample(u, `upsample.up2_${m}`), xd[m], styleName, nup[m + 1], nup[m], sdim, k);
	}

	// Output head: BN → ReLU → 1×1 conv.
	const o = e.emitAffine(u, e.bn('output.0', nbase[1]), 'output.0');
	const outConv = e.conv('output.2', nbase[1], nout, 1);
	const W = g.initializer('output.2.weight', [nout, nbase[1], 1, 1], outConv.weight);
	const B = g.initializer('output.2.bias', [nout], outConv.bias);
	g.node('Conv', [e.relu(o, 'output.1'), W, B], [yName], { kernel_shape: attr.ints([1, 1]) });

	g.output(yName, ['N', nout, 'H', 'W']);
	g.output(styleName, ['N', sdim]);
	return g.toBytes({ opset: 17, irVersion: 8, producerName: 'mycol', docString: 'Cellpose 3 CPnet' });
}
