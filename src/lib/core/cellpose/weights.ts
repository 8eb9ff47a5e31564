/**
 * Cellpose 3 network weights from a PyTorch state dict: the CPnet architecture inferred from the
 * tensor shapes (any `nbase`, depth, `nout`, kernel), every layer checked, `diam_mean` /
 * `diam_labels` read as Cellpose 3.1 does (`resnet_torch.CPnet.load_model`,
 * `models.CellposeModel.__init__`; spec §1.3–1.6).
 */
import { FormatError, ModelError } from '../formats/errors';
import { readTorchStateDict, type TorchTensor } from '../formats/torch-pth';

export interface CellposeTensor {
	shape: number[];
	/** float32 values, C order (a view into the model file where possible: do not write to it). */
	data: Float32Array;
}

/** A CPnet ready to run: architecture, diameters and float32 tensors by state-dict key. */
export interface CellposeWeights {
	/** Channels per level: `[nchan, c1, c2, …]`, e.g. `[2, 32, 64, 128, 256]`. */
	nbase: number[];
	/** Output channels (3 for Cellpose: dY, dX, cellprob). */
	nout: number;
	/** Convolution kernel size (`sz`, 3 in Cellpose). */
	kernel: number;
	/** Style vector length (always `nbase[nbase.length - 1]`). */
	styleChannels: number;
	/** Diameter training rescales cells to (`diam_mean`). */
	diamMean: number;
	/** Mean diameter of the training cells (`diam_labels`). */
	diamLabels: number;
	/** Whether each diameter came from the file (otherwise 30, or the built-in value). */
	diamMeanFromFile: boolean;
	diamLabelsFromFile: boolean;
	/** The built-in Cellpose model this file is, by name (`nucleitorch_0`, …), or null. */
	builtin: string | null;
	/**
	 * Every CPnet tensor by key (without any `module.` prefix), float32. BatchNorm's
	 * `num_batches_tracked` counters (int64, unused at inference) are left out.
	 */
	tensors: Map<string, CellposeTensor>;
}

/**
 * `diam_mean` of Cellpose 3.1's built-in model files (spec §1.5): for these Cellpose ignores the
 * file's value (`get_model_params`), so Mycol does too.
 */
export const BUILTIN_DIAM_MEAN: Readonly<Record<string, number>> = {
	cyto3: 30,
	nucleitorch_0: 17,
	cyto2torch_0: 30,
	cytotorch_0: 30,
	cyto2_cp3: 30,
	tissuenet_cp3: 30,
	livecell_cp3: 30,
	yeast_PhC_cp3: 30,
	yeast_BF_cp3: 30,
	bact_phase_cp3: 30,
	bact_fluor_cp3: 30,
	deepbacs_cp3: 30
};

/** Cellpose 3.1 on CPU resets both diameters to 30 before loading, so a missing key means 30 (spec §1.4). */
const DEFAULT_DIAMETER = 30;

const BN = ['weight', 'bias', 'running_mean', 'running_var'];

/**
 * The float32 keys and shapes of a CPnet (spec §1.3), in state-dict order. `nbase[0]` is the input
 * channel count; there are `nbase.length - 1` down and up blocks.
 */
export function cellposeKeyShapes(nbase: readonly number[], nout: number, kernel: number): Map<string, number[]> {
	const out = new Map<string, number[]>();
	const k = kernel;
	const style = nbase[nbase.length - 1];
	const bn = (p: string, c: number) => BN.forEach((n) => out.set(`${p}.${n}`, [c]));
	// batchconv: BN(cin) → ReLU → conv(cin → cout, sz); batchconv0: BN(cin) → 1×1 conv.
	const batchconv = (p: string, cin: number, cout: number, sz: number) => {
		bn(`${p}.0`, cin);
		out.set(`${p}.2.weight`, [cout, cin, sz, sz]);
		out.set(`${p}.2.bias`, [cout]);
	};
	const batchconv0 = (p: string, cin: number, cout: number) => {
		bn(`${p}.0`, cin);
		out.set(`${p}.1.weight`, [cout, cin, 1, 1]);
		out.set(`${p}.1.bias`, [cout]);
	};
	out.set('diam_mean', [1]);
	out.set('diam_labels', [1]);
	for (let n = 0; n + 1 < nbase.length; n++) {
		const p = `downsample.down.res_down_${n}`;
		batchconv(`${p}.conv.conv_0`, nbase[n], nbase[n + 1], k);
		for (let j = 1; j <= 3; j++) batchconv(`${p}.conv.conv_${j}`, nbase[n + 1], nbase[n + 1], k);
		batchconv0(`${p}.proj`, nbase[n], nbase[n + 1]);
	}
	const nup = [...nbase.slice(1), nbase[nbase.length - 1]];
	for (let m = 0; m + 1 < nup.length; m++) {
		const p = `upsample.up.res_up_${m}`;
		batchconv(`${p}.conv.conv_0`, nup[m + 1], nup[m], k);
		for (let j = 1; j <= 3; j++) {
			batchconv(`${p}.conv.conv_${j}.conv`, nup[m], nup[m], k);
			out.set(`${p}.conv.conv_${j}.full.weight`, [nup[m], style]);
			out.set(`${p}.conv.conv_${j}.full.bias`, [nup[m]]);
		}
		batchconv0(`${p}.proj`, nup[m + 1], nup[m]);
	}
	batchconv('output', nup[0], nout, 1);
	return out;
}

function shapeText(s: readonly number[]): string {
	return `[${s.join(', ')}]`;
}

/** A plain-words guess at what other network a state dict holds, for the error message. */
function otherNetwork(keys: string[]): string {
	if (keys.some((k) => k.includes('denseblock'))) return ' It looks like a DenseNet image classifier.';
	if (keys.some((k) => k.startsWith('image_encoder.'))) return ' It looks like a Segment Anything (SAM) model.';
	if (keys.some((k) => /^layer\d\.\d+\.conv1\./.test(k))) return ' It looks like a ResNet image classifier.';
	return '';
}

function asFloat32(file: string, key: string, t: TorchTensor): Float32Array {
	const d = t.data;
	if (d instanceof Float32Array) return d;
	if (d instanceof Float64Array) return Float32Array.from(d);
	throw new ModelError(file, `the layer '${key}' holds ${t.dtype} values where Cellpose has floating-point weights`);
}

/** Turn a state dict into Cellpose 3 weights, or say in plain words why it is not one. */
export function cellposeWeightsFromStateDict(file: string, dict: ReadonlyMap<string, TorchTensor>, builtin: string | null = null): CellposeWeights {
	let keys = [...dict.keys()];
	// nn.DataParallel saves every key with a `module.` prefix.
	const prefix = keys.length > 0 && keys.every((k) => k.startsWith('module.')) ? 'module.' : '';
	const get = (k: string) => dict.get(prefix + k);
	keys = keys.map((k) => k.slice(prefix.length));

	if (keys.includes('W2') || keys.some((k) => k.startsWith('encoder.'))) {
		throw new ModelError(
			file,
			'this is a Cellpose 4 (Cellpose-SAM) model; Mycol runs Cellpose 3 networks (CPnet), such as cyto3 or models trained with Cellpose 3'
		);
	}
	const first = get('downsample.down.res_down_0.conv.conv_0.2.weight');
	if (!first) {
		const some = keys.slice(0, 3).map((k) => `'${k}'`).join(', ');
		throw new ModelError(
			file,
			`this PyTorch file is not a Cellpose model: it has none of Cellpose's network layers (its ${dict.size} tensors are named ${some}${dict.size > 3 ? ', …' : ''}).${otherNetwork(keys)}`
		);
	}
	if (first.shape.length !== 4 || first.shape[2] !== first.shape[3] || first.shape[2] % 2 !== 1) {
		throw new ModelError(file, `the first convolution has shape ${shapeText(first.shape)}, not a square odd-sized kernel as in Cellpose`);
	}
	const kernel = first.shape[2];
	const nbase = [first.shape[1]];
	for (let n = 0; ; n++) {
		const w = get(`downsample.down.res_down_${n}.conv.conv_0.2.weight`);
		if (!w) break;
		nbase.push(w.shape[0]);
	}
	const outW = get('output.2.weight');
	if (!outW) throw new ModelError(file, "the model lacks Cellpose's output layer ('output.2.weight'); the file is incomplete or from another network");
	const nout = outW.shape[0];

	const expected = cellposeKeyShapes(nbase, nout, kernel);
	const missing: string[] = [];
	const tensors = new Map<string, CellposeTensor>();
	for (const [key, shape] of expected) {
		const t = get(key);
		if (!t) {
			if (!key.startsWith('diam_')) missing.push(key);
			continue;
		}
		if (t.shape.join() !== shape.join()) {
			throw new ModelError(
				file,
				`the layer '${key}' has shape ${shapeText(t.shape)} where a Cellpose network with nbase ${shapeText(nbase)} needs ${shapeText(shape)} (a different Cellpose version or another network?)`
			);
		}
		tensors.set(key, { shape: t.shape, data: asFloat32(file, key, t) });
	}
	if (missing.length) {
		throw new ModelError(
			file,
			`the model lacks ${missing.length} of Cellpose's ${expected.size - 2} layers, e.g. '${missing[0]}' (an incomplete file, or another network)`
		);
	}
	const diam = (k: string) => tensors.get(k)?.data[0];
	const fileMean = diam('diam_mean');
	const fileLabels = diam('diam_labels');
	const builtinMean = builtin ? BUILTIN_DIAM_MEAN[builtin] : undefined;
	const diamMean = builtinMean ?? fileMean ?? DEFAULT_DIAMETER;
	const diamLabels = fileLabels ?? DEFAULT_DIAMETER;
	for (const [name, v] of [
		['diam_mean', diamMean],
		['diam_labels', diamLabels]
	] as const) {
		if (!(v > 0) || !Number.isFinite(v)) throw new ModelError(file, `the model's ${name} is ${v}, not a positive diameter`);
	}
	return {
		nbase,
		nout,
		kernel,
		styleChannels: nbase[nbase.length - 1],
		diamMean,
		diamLabels,
		diamMeanFromFile: builtinMean === undefined && fileMean !== undefined,
		diamLabelsFromFile: fileLabels !== undefined,
		builtin,
		tensors
	};
}

/** The built-in Cellpose model a file name stands for (its last path part, as Cellpose names them), or null. */
export function builtinModelName(file: string): string | null {
	const base = file.split(/[\\/]/).pop() ?? '';
	return Object.hasOwn(BUILTIN_DIAM_MEAN, base) ? base : null;
}

/**
 * Read a Cellpose 3 model file (`.pth` zip or legacy torch file, any name). Every failure is a
 * ModelError saying in plain words what the file is not.
 */
export function readCellposeModel(file: string, bytes: Uint8Array): CellposeWeights {
	let dict: Map<string, TorchTensor>;
	try {
		dict = readTorchStateDict(file, bytes);
	} catch (e) {
		if (e instanceof FormatError) throw new ModelError(file, e.reason);
		throw e;
	}
	return cellposeWeightsFromStateDict(file, dict, builtinModelName(file));
}
