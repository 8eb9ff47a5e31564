/**
 * Checks that a user's `.onnx` file is a Cellpose 3 network we can run: one float32 input
 * (N, 2, H, W), a first output (N, 3, H, W) = [dY, dX, cellprob], and optionally a style output
 * (N, S). Such a file comes from e.g. `torch.onnx.export(cpnet, x, …)`, whose extra outputs
 * (the encoder feature maps) are allowed and ignored. Refusals are `ModelError`s that say what
 * the file has and what it would need.
 */
import { ModelError } from '../formats/errors';
import { readOnnxModelInfo, type OnnxValueInfo } from '../onnx/model-info';
import { DATA_TYPE_NAMES, DataType } from '../onnx/schema';

export interface CellposeOnnxSignature {
	inputName: string;
	/** The (N, 3, H, W) output. */
	yName: string;
	/** The (N, S) style output, if there is one. */
	styleName: string | null;
	/** Style length when declared. */
	styleDim: number | null;
	/** Fixed batch size, or null when any batch size is accepted. */
	batch: number | null;
	/** Fixed tile height and width, or null when the model accepts any size (multiples of 8). */
	height: number | null;
	width: number | null;
	/** Default-domain opset. */
	opset: number | null;
}

type DimValue = number | string | null;

function showShape(dims: DimValue[]): string {
	return `(${dims.map((d) => (d === null ? '?' : String(d))).join(', ')})`;
}

function typeName(t: number): string {
	return DATA_TYPE_NAMES[t] ?? `type ${t}`;
}

function fixed(d: DimValue): number | null {
	return typeof d === 'number' && d > 0 ? d : null;
}

function checkFloatTensor(file: string, v: OnnxValueInfo, role: string): DimValue[] {
	if (v.elemType !== DataType.FLOAT) {
		const what = v.elemType === 0 ? 'not a tensor with a declared type' : typeName(v.elemType);
		throw new ModelError(file, `the ${role} '${v.name}' is ${what}; a Cellpose network uses float32 (export the model in float32)`);
	}
	if (!v.dims) {
		throw new ModelError(file, `the ${role} '${v.name}' has no declared shape, so it cannot be checked as a Cellpose network`);
	}
	return v.dims;
}

/**
 * Inspect an ONNX file and return where the Cellpose input and outputs are.
 * Throws `ModelError` (naming `file`) when it is not an ONNX model or not shaped like a Cellpose net.
 */
export function inspectCellposeOnnx(file: string, bytes: Uint8Array): CellposeOnnxSignature {
	const info = readOnnxModelInfo(file, bytes);

	if (info.externalInitializers.length > 0) {
		throw new ModelError(
			file,
			`the model keeps ${info.externalInitializers.length} weight tensors in separate files (ONNX external data), which cannot be loaded here; export it with the weights inside the .onnx file`
		);
	}

	if (info.inputs.length !== 1) {
		const names = info.inputs.map((v) => `'${v.name}'`).join(', ');
		throw new ModelError(
			file,
			`the model has ${info.inputs.length} inputs${names ? ` (${names})` : ''}, but a Cellpose network has exactly one, shaped (N, 2, H, W)`
		);
	}
	const input = info.inputs[0];
	const inDims = checkFloatTensor(file, input, 'input');
	if (inDims.length !== 4) {
		throw new ModelError(
			file,
			`the input '${input.name}' has ${inDims.length} dimensions ${showShape(inDims)}, but a Cellpose network takes 4: (N, 2, H, W)`
		);
	}
	if (inDims[1] !== 2) {
		const got = typeof inDims[1] === 'number' ? `${inDims[1]} channels` : `an unfixed channel count ('${inDims[1] ?? '?'}')`;
		throw new ModelError(
			file,
			`the input '${input.name}' ${showShape(inDims)} has ${got}, but a Cellpose 3 network takes 2 (cytoplasm and nucleus), shaped (N, 2, H, W)`
		);
	}
	const height = fixed(inDims[2]);
	const width = fixed(inDims[3]);
	for (const [d, what] of [
		[height, 'height'],
		[width, 'width']
	] as const) {
		if (d !== null && d % 8 !== 0) {
			throw new ModelError(file, `the input '${input.name}' has a fixed ${what} of ${d} pixels, but a Cellpose network needs a multiple of 8`);
		}
	}

	if (info.outputs.length === 0) throw new ModelError(file, 'the model has no outputs');
	const yOut = info.outputs[0];
	const yDims = checkFloatTensor(file, yOut, 'first output');
	if (yDims.length !== 4 || yDims[1] !== 3) {
		throw new ModelError(
			file,
			`the first output '${yOut.name}' is shaped ${showShape(yDims)}, but a Cellpose network's first output is (N, 3, H, W): dY, dX and cell probability`
		);
	}
	for (const i of [2, 3]) {
		const a = fixed(inDims[i]);
		const b = fixed(yDims[i]);
		if (a !== null && b !== null && a !== b) {
			throw new ModelError(
				file,
				`the first output '${yOut.name}' ${showShape(yDims)} is not the size of the input ${showShape(inDims)}; a Cellpose network keeps the tile size`
			);
		}
	}

	// The style: the first rank-2 float output after y (Cellpose's export order is y, style, …).
	let styleName: string | null = null;
	let styleDim: number | null = null;
	for (const v of info.outputs.slice(1)) {
		if (v.elemType === DataType.FLOAT && v.dims && v.dims.length === 2) {
			styleName = v.name;
			styleDim = fixed(v.dims[1]);
			break;
		}
	}

	return {
		inputName: input.name,
		yName: yOut.name,
		styleName,
		styleDim,
		batch: fixed(inDims[0]),
		height,
		width,
		opset: info.opsets.get('') ?? info.opsets.get('ai.onnx') ?? null
	};
}
