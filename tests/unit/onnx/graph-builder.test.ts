/**
 * Graph builder: small models written with our protobuf writer, loaded and run by onnxruntime
 * (node CPU EP and web WASM EP), compared with hand-worked results; the bytes are also decoded by
 * protobufjs with the onnx.proto field numbers, and read back with our own model-info reader.
 */
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { GraphBuilder, attr, readOnnxModelInfo, DataType } from '../../../src/lib/core/onnx';
import { ProtoWriter } from '../../../src/lib/core/onnx/protobuf';
import { ModelError } from '../../../src/lib/core/formats/errors';
import { createSession } from '../../../src/lib/runtime/ort-node';

/** y = x + relu(conv3x3(x, laplacian) + 0.5), x (N, 1, H, W). */
function laplaceModel(): Uint8Array {
	const g = new GraphBuilder('t');
	g.input('x', ['N', 1, 'H', 'W']);
	const w = g.initializer('w', [1, 1, 3, 3], new Float32Array([0, 1, 0, 1, -4, 1, 0, 1, 0]));
	const b = g.initializer('b', [1], new Float32Array([0.5]));
	const c = g.op('Conv', ['x', w, b], { pads: attr.ints([1, 1, 1, 1]), kernel_shape: attr.ints([3, 3]) });
	const r = g.op('Relu', [c]);
	g.node('Add', [r, 'x'], ['y']);
	g.output('y', ['N', 1, 'H', 'W']);
	return g.toBytes();
}

/** Nearest ×2 Resize, a Gemm on the flattened input and a Reshape with an int64 shape. */
function resizeGemmModel(): Uint8Array {
	const g = new GraphBuilder('t2');
	g.input('x', [1, 1, 2, 2]);
	const scales = g.initializer('scales', [4], new Float32Array([1, 1, 2, 2]));
	const up = g.op('Resize', ['x', '', scales], {
		mode: attr.string('nearest'),
		coordinate_transformation_mode: attr.string('asymmetric'),
		nearest_mode: attr.string('floor')
	});
	g.node('Identity', [up], ['up']);
	const flat = g.op('Flatten', ['x'], { axis: attr.int(1) });
	const W = g.initializer('W', [2, 4], new Float32Array([1, 0, 0, 0, 1, 2, 3, 4]));
	const B = g.initializer('B', [2], new Float32Array([0.5, -1]));
	const lin = g.op('Gemm', [flat, W, B], { transB: attr.int(1), alpha: attr.float(2) });
	const shape = g.initializer('shape', [4], new BigInt64Array([-1n, 2n, 1n, 1n]));
	g.node('Reshape', [lin, shape], ['lin']);
	g.output('up', [1, 1, 4, 4]);
	g.output('lin', [1, 2, 1, 1]);
	return g.toBytes();
}

describe('GraphBuilder + onnxruntime', () => {
	for (const backend of ['node', 'wasm'] as const) {
		it(`runs a Conv + Relu + Add model on ${backend} with symbolic N, H, W`, async () => {
			const s = await createSession(laplaceModel(), { backend });
			const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, /* second sample */ 0, 0, 0, 0, -1, 0, 0, 0, 0]);
			const out = await s.session.run({ x: new s.ort.Tensor('float32', x, [2, 1, 3, 3]) });
			// By hand: (0,0): 2+4−4·1+0.5 = 2.5 → 2.5+1 = 3.5; (0,2): 2+6−12+0.5 < 0 → 0+3 = 3; centre: 2+4+6+8−20+0.5 → 5.5.
			// Second sample: neighbours of −1 get −1+0.5 < 0 → 0; centre 4+0.5 → 4.5−1 = 3.5; corners 0.5.
			expect(Array.from(out.y.data as Float32Array)).toEqual([3.5, 3.5, 3, 4, 5.5, 6, 7, 8, 9, 0.5, 0, 0.5, 0, 3.5, 0, 0.5, 0, 0.5]);
			expect(out.y.dims).toEqual([2, 1, 3, 3]);
			await s.session.release();
		});

		it(`runs Resize, Gemm and an int64 Reshape on ${backend}`, async () => {
			const s = await createSession(resizeGemmModel(), { backend });
			const out = await s.session.run({ x: new s.ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [1, 1, 2, 2]) });
			expect(Array.from(out.up.data as Float32Array)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
			// Gemm: 2·(W·x) + B = [2·1 + 0.5, 2·(1+4+9+16) − 1] = [2.5, 59].
			expect(Array.from(out.lin.data as Float32Array)).toEqual([2.5, 59]);
			expect(out.lin.dims).toEqual([1, 2, 1, 1]);
			await s.session.release();
		});
	}
});

describe('GraphBuilder serialisation', () => {
	it('decodes with protobufjs and the onnx.proto field numbers', () => {
		const root = protobuf.parse(`syntax = "proto3";
			message OperatorSetIdProto { string domain = 1; int64 version = 2; }
			message AttributeProto { string name = 1; float f = 2; int64 i = 3; bytes s = 4; repeated float floats = 7; repeated int64 ints = 8; int32 type = 20; }
			message NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4; repeated AttributeProto attribute = 5; }
			message TensorProto { repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9; }
			message Dimension { int64 dim_value = 1; string dim_param = 2; }
			message TensorShapeProto { repeated Dimension dim = 1; }
			message TensorType { int32 elem_type = 1; TensorShapeProto shape = 2; }
			message TypeProto { TensorType tensor_type = 1; }
			message ValueInfoProto { string name = 1; TypeProto type = 2; }
			message GraphProto { repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
			message ModelProto { int64 ir_version = 1; string producer_name = 2; GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8; }`, { keepCase: true }).root;
		const M = root.lookupType('ModelProto');
		const m = M.toObject(M.decode(laplaceModel()), { longs: Number, bytes: Array, defaults: true }) as {
			ir_version: number;
			opset_import: { domain: string; version: number }[];
			graph: {
				node: { op_type: string; input: string[]; output: string[]; attribute: { name: string; ints: number[]; type: number }[] }[];
				initializer: { name: string; dims: number[]; data_type: number; raw_data: number[] }[];
				input: { name: string; type: { tensor_type: { elem_type: number; shape: { dim: { dim_value: number; dim_param: string }[] } } } }[];
			};
		};
		expect(m.ir_version).toBe(8);
		expect(m.opset_import).toEqual([{ domain: '', version: 17 }]);
		expect(m.graph.node.map((n) => n.op_type)).toEqual(['Conv', 'Relu', 'Add']);
		expect(m.graph.node[0].input).toEqual(['x', 'w', 'b']);
		expect(m.graph.node[0].attribute.find((a) => a.name === 'pads')).toMatchObject({ ints: [1, 1, 1, 1], type: 7 });
		const w = m.graph.initializer[0];
		expect(w).toMatchObject({ name: 'w', dims: [1, 1, 3, 3], data_type: 1 });
		expect(Array.from(new Float32Array(new Uint8Array(w.raw_data).buffer))).toEqual([0, 1, 0, 1, -4, 1, 0, 1, 0]);
		const dims = m.graph.input[0].type.tensor_type.shape.dim;
		expect(dims.map((d) => d.dim_param || d.dim_value)).toEqual(['N', 1, 'H', 'W']);
	});

	it('rejects wiring mistakes when they are made', () => {
		const g = new GraphBuilder();
		g.input('x', [1]);
		expect(() => g.op('Relu', ['nope'])).toThrow(/'nope', which is not defined/);
		expect(() => g.input('x', [1])).toThrow(/defined twice/);
		expect(() => g.initializer('w', [2, 2], new Float32Array(3))).toThrow(/3 values for shape \[2, 2\]/);
		expect(() => g.output('never', [1])).toThrow(/never produced/);
		// A repeated initializer name gets a fresh one instead of clashing.
		expect(g.initializer('x', [1], new Float32Array(1))).not.toBe('x');
	});
});

describe('readOnnxModelInfo', () => {
	it("reads our model's signature", () => {
		const info = readOnnxModelInfo('t.onnx', resizeGemmModel());
		expect(info.irVersion).toBe(8);
		expect(info.opsets.get('')).toBe(17);
		expect(info.producerName).toBe('mycol');
		expect(info.inputs).toEqual([{ name: 'x', elemType: DataType.FLOAT, dims: [1, 1, 2, 2] }]);
		expect(info.outputs.map((o) => [o.name, o.dims])).toEqual([
			['up', [1, 1, 4, 4]],
			['lin', [1, 2, 1, 1]]
		]);
		expect([...info.opTypes].sort()).toEqual(['Flatten', 'Gemm', 'Identity', 'Reshape', 'Resize']);
		expect(info.externalInitializers).toEqual([]);
	});

	it('drops initializers listed as inputs (IR < 4 style) and notes external data', () => {
		// Hand-assembled graph: inputs 'x' and 'w', initializer 'w' stored externally (data_location = 1).
		const vi = (name: string) =>
			new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, new ProtoWriter().varint(1, 1)));
		const tensor = new ProtoWriter().packedVarint(1, [2]).varint(2, 1).string(8, 'w').varint(14, 1);
		const graph = new ProtoWriter().message(5, tensor).message(11, vi('x')).message(11, vi('w')).message(12, vi('y'));
		const bytes = new ProtoWriter().varint(1, 3).message(7, graph).finish();
		const info = readOnnxModelInfo('old.onnx', bytes);
		expect(info.inputs.map((v) => v.name)).toEqual(['x']);
		expect(info.inputs[0].dims).toBeNull(); // declared type without a shape
		expect(info.externalInitializers).toEqual(['w']);
	});

	it('refuses files that are not ONNX models with a ModelError naming the file', () => {
		const bad: [string, Uint8Array][] = [
			['empty.onnx', new Uint8Array(0)],
			['text.onnx', new TextEncoder().encode('hello, this is not a model\n')],
			['png.onnx', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
			['zip.onnx', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0])],
			['cut.onnx', laplaceModel().subarray(0, 100)],
			['nograph.onnx', new ProtoWriter().varint(1, 8).finish()]
		];
		for (const [name, bytes] of bad) {
			expect(() => readOnnxModelInfo(name, bytes), name).toThrow(ModelError);
			expect(() => readOnnxModelInfo(name, bytes), name).toThrow(new RegExp(`^${name.replace('.', '\\.')}: this is not an ONNX model file`));
		}
	});
});
