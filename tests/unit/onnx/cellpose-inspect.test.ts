/**
 * Checking a user's ONNX file as a Cellpose net: our own export passes; models with the wrong
 * signature, and files that are not ONNX at all, are refused with a ModelError naming the file.
 * The hostile models are written with the graph builder (only their declared signatures matter).
 */
import { describe, expect, it } from 'vitest';
import { sharedBytes } from '../shared';
import { GraphBuilder, DataType, type Dim } from '../../../src/lib/core/onnx';
import { ProtoWriter } from '../../../src/lib/core/onnx/protobuf';
import { ModelError } from '../../../src/lib/core/formats/errors';
import { inspectCellposeOnnx } from '../../../src/lib/core/cellpose/onnx-inspect';
import { readCellposeModel } from '../../../src/lib/core/cellpose/weights';
import { buildCellposeOnnx } from '../../../src/lib/core/cellpose/graph';

interface Io {
	name: string;
	dims: Dim[];
	type?: number;
}

/** A model whose outputs are Identity copies of its first input: a signature and nothing else. */
function signatureModel(inputs: Io[], outputs: Io[]): Uint8Array {
	const g = new GraphBuilder('sig');
	for (const i of inputs) g.input(i.name, i.dims, i.type ?? DataType.FLOAT);
	for (const o of outputs) {
		g.node('Identity', [inputs[0].name], [o.name]);
		g.output(o.name, o.dims, o.type ?? DataType.FLOAT);
	}
	return g.toBytes();
}

const X: Io = { name: 'input', dims: ['batch', 2, 'h', 'w'] };
const Y: Io = { name: 'flows', dims: ['batch', 3, 'h', 'w'] };
const STYLE: Io = { name: 'style', dims: ['batch', 256] };

function refusal(name: string, bytes: Uint8Array): string {
	try {
		inspectCellposeOnnx(name, bytes);
	} catch (e) {
		expect(e).toBeInstanceOf(ModelError);
		return (e as ModelError).message;
	}
	throw new Error(`${name} was accepted`);
}

describe('inspectCellposeOnnx accepts', () => {
	it('our own export of a Cellpose net', () => {
		const w = readCellposeModel('cpnet_mid.pth', sharedBytes('fixtures/cellpose-3.1/net/cpnet_mid.pth'));
		expect(inspectCellposeOnnx('cpnet_mid.onnx', buildCellposeOnnx(w))).toEqual({
			inputName: 'x',
			yName: 'y',
			styleName: 'style',
			styleDim: 128,
			batch: null,
			height: null,
			width: null,
			opset: 17
		});
	});

	it('a torch.onnx-style export: fixed 224 tiles, extra feature-map outputs after y and style', () => {
		const sig = inspectCellposeOnnx(
			'cyto3.onnx',
			signatureModel(
				[{ name: 'input.1', dims: [1, 2, 224, 224] }],
				[
					{ name: 'out', dims: [1, 3, 224, 224] },
					{ name: 'onnx::style', dims: [1, 256] },
					{ name: 'T0_0', dims: [1, 32, 224, 224] }
				]
			)
		);
		expect(sig).toMatchObject({ inputName: 'input.1', yName: 'out', styleName: 'onnx::style', styleDim: 256, batch: 1, height: 224, width: 224 });
	});

	it('a net without a style output', () => {
		expect(inspectCellposeOnnx('nostyle.onnx', signatureModel([X], [Y]))).toMatchObject({ yName: 'flows', styleName: null, styleDim: null });
	});
});

describe('inspectCellposeOnnx refuses', () => {
	it('an input with 3 channels (e.g. a Cellpose-SAM or RGB export)', () => {
		const msg = refusal('rgb.onnx', signatureModel([{ name: 'input', dims: ['N', 3, 'H', 'W'] }], [Y, STYLE]));
		expect(msg).toBe(
			"rgb.onnx: the input 'input' (N, 3, H, W) has 3 channels, but a Cellpose 3 network takes 2 (cytoplasm and nucleus), shaped (N, 2, H, W)"
		);
	});

	it('an input of the wrong rank', () => {
		expect(refusal('r3.onnx', signatureModel([{ name: 'input', dims: [2, 'H', 'W'] }], [Y]))).toBe(
			"r3.onnx: the input 'input' has 3 dimensions (2, H, W), but a Cellpose network takes 4: (N, 2, H, W)"
		);
	});

	it('an unfixed channel count, float16 input, two inputs, no declared shape', () => {
		expect(refusal('c.onnx', signatureModel([{ name: 'input', dims: ['N', 'C', 'H', 'W'] }], [Y]))).toMatch(/unfixed channel count \('C'\)/);
		expect(refusal('h.onnx', signatureModel([{ ...X, type: DataType.FLOAT16 }], [Y]))).toBe(
			"h.onnx: the input 'input' is float16; a Cellpose network uses float32 (export the model in float32)"
		);
		expect(refusal('two.onnx', signatureModel([X, { name: 'mask', dims: ['N', 1, 'H', 'W'] }], [Y]))).toBe(
			"two.onnx: the model has 2 inputs ('input', 'mask'), but a Cellpose network has exactly one, shaped (N, 2, H, W)"
		);
		// A value info with a type but no shape, written by hand.
		const tensorType = new ProtoWriter().varint(1, DataType.FLOAT);
		const vi = (n: string) => new ProtoWriter().string(1, n).message(2, new ProtoWriter().message(1, tensorType));
		const graph = new ProtoWriter().message(11, vi('x')).message(12, vi('y'));
		expect(refusal('noshape.onnx', new ProtoWriter().varint(1, 8).message(7, graph).finish())).toMatch(/'x' has no declared shape/);
	});

	it('a first output that is not (N, 3, H, W), or not the input size', () => {
		expect(refusal('o2.onnx', signatureModel([X], [{ name: 'flows', dims: ['batch', 2, 'h', 'w'] }]))).toBe(
			"o2.onnx: the first output 'flows' is shaped (batch, 2, h, w), but a Cellpose network's first output is (N, 3, H, W): dY, dX and cell probability"
		);
		expect(refusal('st.onnx', signatureModel([X], [STYLE, Y]))).toMatch(/first output 'style' is shaped \(batch, 256\)/);
		expect(
			refusal('sz.onnx', signatureModel([{ name: 'x', dims: [1, 2, 224, 224] }], [{ name: 'y', dims: [1, 3, 112, 112] }]))
		).toMatch(/not the size of the input/);
		expect(refusal('none.onnx', signatureModel([X], []))).toBe('none.onnx: the model has no outputs');
	});

	it('a fixed tile size that is not a multiple of 8', () => {
		expect(refusal('odd.onnx', signatureModel([{ name: 'x', dims: [1, 2, 100, 224] }], [{ name: 'y', dims: [1, 3, 100, 224] }]))).toMatch(
			/fixed height of 100 pixels, but a Cellpose network needs a multiple of 8/
		);
	});

	it('weights kept in external files', () => {
		const tensor = new ProtoWriter().packedVarint(1, [3]).varint(2, 1).string(8, 'w').varint(14, 1);
		// A good signature plus one initializer whose data_location (field 14) is EXTERNAL (1).
		const vi = (n: string, dims: number[]) => {
			const shape = new ProtoWriter();
			for (const d of dims) shape.message(1, new ProtoWriter().varint(1, d));
			const tt = new ProtoWriter().varint(1, DataType.FLOAT).message(2, shape);
			return new ProtoWriter().string(1, n).message(2, new ProtoWriter().message(1, tt));
		};
		const graph = new ProtoWriter().message(5, tensor).message(11, vi('x', [1, 2, 224, 224])).message(12, vi('y', [1, 3, 224, 224]));
		const withExt = new ProtoWriter().varint(1, 8).message(7, graph).finish();
		expect(refusal('ext.onnx', withExt)).toMatch(/keeps 1 weight tensors in separate files \(ONNX external data\)/);
	});

	it('files that are not ONNX models', () => {
		const pth = sharedBytes('fixtures/cellpose-3.1/net/cpnet_tiny.pth');
		expect(refusal('cpnet_tiny.pth', pth)).toMatch(/^cpnet_tiny\.pth: this is not an ONNX model file/);
		expect(refusal('empty.onnx', new Uint8Array(0))).toBe('empty.onnx: this is not an ONNX model file (the file is empty)');
		expect(refusal('notes.onnx', new TextEncoder().encode('{"model": "cyto3"}'))).toMatch(/^notes\.onnx: this is not an ONNX model file/);
		const good = signatureModel([X], [Y, STYLE]);
		expect(refusal('cut.onnx', good.subarray(0, good.length - 10))).toMatch(/^cut\.onnx: this is not an ONNX model file \(.*remain\)/);
	});
});
