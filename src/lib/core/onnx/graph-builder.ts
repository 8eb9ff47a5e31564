/**
 * A small builder for ONNX graphs: inputs and outputs with fixed or symbolic dimensions,
 * initializers from typed arrays, nodes with typed attributes, serialised to `ModelProto`
 * bytes with our own protobuf writer. Names are checked as nodes are added, so a wiring
 * mistake fails here rather than as an opaque onnxruntime load error.
 */
import { ProtoWriter } from './protobuf';
import * as S from './schema';

/** A dimension: a size, or a name for a size chosen at run time (e.g. 'N', 'H'). */
export type Dim = number | string;

/** Initializer data. Float32 and int64 are what the Cellpose graph needs; int32 for completeness. */
export type TensorData = Float32Array | BigInt64Array | Int32Array;

export type Attribute =
	| { kind: 'int'; value: number }
	| { kind: 'ints'; value: number[] }
	| { kind: 'float'; value: number }
	| { kind: 'floats'; value: number[] }
	| { kind: 'string'; value: string };

/** Attribute constructors: ONNX distinguishes int from float attributes, JavaScript does not. */
export const attr = {
	int: (value: number): Attribute => ({ kind: 'int', value }),
	ints: (value: number[]): Attribute => ({ kind: 'ints', value }),
	float: (value: number): Attribute => ({ kind: 'float', value }),
	floats: (value: number[]): Attribute => ({ kind: 'floats', value }),
	string: (value: string): Attribute => ({ kind: 'string', value })
};

interface ValueInfo {
	name: string;
	elemType: number;
	dims: Dim[];
}

interface Initializer {
	name: string;
	dims: number[];
	data: TensorData;
}

interface Node {
	name: string;
	opType: string;
	inputs: string[];
	outputs: string[];
	attrs: Record<string, Attribute>;
}

export interface SerializeOptions {
	/** Default-domain opset version; 17 is well supported by onnxruntime 1.30 (web and node). */
	opset?: number;
	/** IR version; 8 goes with opset 17. */
	irVersion?: number;
	producerName?: string;
	producerVersion?: string;
	docString?: string;
}

function dataTypeOf(data: TensorData): number {
	if (data instanceof Float32Array) return S.DataType.FLOAT;
	if (data instanceof BigInt64Array) return S.DataType.INT64;
	return S.DataType.INT32;
}

export class GraphBuilder {
	private readonly inputs: ValueInfo[] = [];
	private readonly outputs: ValueInfo[] = [];
	private readonly initializers: Initializer[] = [];
	private readonly nodes: Node[] = [];
	/** Every value name defined so far (inputs, initializers, node outputs). */
	private readonly defined = new Set<string>();
	private readonly nodeNames = new Set<string>();
	private counter = 0;

	constructor(readonly name = 'graph') {}

	/** A value name not used yet, based on `prefix`. */
	fresh(prefix: string): string {
		if (!this.defined.has(prefix)) return prefix;
		let name: string;
		do name = `${prefix}_${++this.counter}`;
		while (this.defined.has(name));
		return name;
	}

	private define(name: string): void {
		if (name === '') throw new Error('an ONNX value name must not be empty');
		if (this.defined.has(name)) throw new Error(`ONNX value '${name}' is defined twice`);
		this.defined.add(name);
	}

	/** Declare a graph input. */
	input(name: string, dims: Dim[], elemType: number = S.DataType.FLOAT): string {
		this.define(name);
		this.inputs.push({ name, elemType, dims: [...dims] });
		return name;
	}

	/** Declare a graph output; `name` must be produced by a node (or be an input/initializer). */
	output(name: string, dims: Dim[], elemType: number = S.DataType.FLOAT): string {
		if (!this.defined.has(name)) throw new Error(`ONNX output '${name}' is never produced`);
		this.outputs.push({ name, elemType, dims: [...dims] });
		return name;
	}

	/**
	 * Add a constant tensor. `data` is kept by reference and written as little-endian raw bytes,
	 * so it must not change before `toBytes()`.
	 */
	initializer(name: string, dims: number[], data: TensorData): string {
		const count = dims.reduce((a, b) => a * b, 1);
		if (count !== data.length) {
			throw new Error(`initializer '${name}' has ${data.length} values for shape [${dims.join(', ')}]`);
		}
		const unique = this.fresh(name);
		this.define(unique);
		this.initializers.push({ name: unique, dims: [...dims], data });
		return unique;
	}

	/** Add a node with explicit output names; returns them. '' stands for an omitted optional input. */
	node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attribute> = {}): string[] {
		for (const i of inputs) {
			if (i !== '' && !this.defined.has(i)) throw new Error(`${opType} node reads '${i}', which is not defined yet`);
		}
		for (const o of outputs) this.define(o);
		let name = `${opType}_${this.nodes.length}`;
		while (this.nodeNames.has(name)) name += '_';
		this.nodeNames.add(name);
		this.nodes.push({ name, opType, inputs: [...inputs], outputs: [...outputs], attrs });
		return outputs;
	}

	/** Add a single-output node; the output gets a fresh name based on `outName` (or the op type). */
	op(opType: string, inputs: string[], attrs: Record<string, Attribute> = {}, outName?: string): string {
		const out = this.fresh(outName ?? opType.toLowerCase());
		return this.node(opType, inputs, [out], attrs)[0];
	}

	/** Number of nodes per op type (for tests and diagnostics). */
	opCounts(): Map<string, number> {
		const m = new Map<string, number>();
		for (const n of this.nodes) m.set(n.opType, (m.get(n.opType) ?? 0) + 1);
		return m;
	}

	/** Serialise as an ONNX `ModelProto`. */
	toBytes(options: SerializeOptions = {}): Uint8Array {
		const model = new ProtoWriter();
		model.varint(S.ModelProto.irVersion, options.irVersion ?? 8);
		model.string(S.ModelProto.producerName, options.producerName ?? 'mycol');
		if (options.producerVersion) model.string(S.ModelProto.producerVersion, options.producerVersion);
		if (options.docString) model.string(S.ModelProto.docString, options.docString);
		model.message(S.ModelProto.graph, this.writeGraph());
		const opset = new ProtoWriter()
			.string(S.OperatorSetIdProto.domain, '')
			.varint(S.OperatorSetIdProto.version, options.opset ?? 17);
		model.message(S.ModelProto.opsetImport, opset);
		return model.finish();
	}

	private writeGraph(): ProtoWriter {
		const g = new ProtoWriter();
		for (const n of this.nodes) g.message(S.GraphProto.node, writeNode(n));
		g.string(S.GraphProto.name, this.name);
		for (const t of this.initializers) g.message(S.GraphProto.initializer, writeTensor(t));
		for (const v of this.inputs) g.message(S.GraphProto.input, writeValueInfo(v));
		for (const v of this.outputs) g.message(S.GraphProto.output, writeValueInfo(v));
		return g;
	}
}

function writeNode(n: Node): ProtoWriter {
	const w = new ProtoWriter();
	for (const i of n.inputs) w.string(S.NodeProto.input, i);
	for (const o of n.outputs) w.string(S.NodeProto.output, o);
	w.string(S.NodeProto.name, n.name);
	w.string(S.NodeProto.opType, n.opType);
	for (const [key, a] of Object.entries(n.attrs)) w.message(S.NodeProto.attribute, writeAttribute(key, a));
	return w;
}

function writeAttribute(name: string, a: Attribute): ProtoWriter {
	const w = new ProtoWriter().string(S.AttributeProto.name, name);
	switch (a.kind) {
		case 'int':
			w.varint(S.AttributeProto.i, a.value);
			w.varint(S.AttributeProto.type, S.AttributeType.INT);
			break;
		case 'ints':
			w.packedVarint(S.AttributeProto.ints, a.value);
			w.varint(S.AttributeProto.type, S.AttributeType.INTS);
			break;
		case 'float':
			w.float32(S.AttributeProto.f, a.value);
			w.varint(S.AttributeProto.type, S.AttributeType.FLOAT);
			break;
		case 'floats':
			w.packedFloat32(S.AttributeProto.floats, a.value);
			w.varint(S.AttributeProto.type, S.AttributeType.FLOATS);
			break;
		case 'string':
			w.string(S.AttributeProto.s, a.value);
			w.varint(S.AttributeProto.type, S.AttributeType.STRING);
			break;
	}
	return w;
}

function writeTensor(t: Initializer): ProtoWriter {
	const w = new ProtoWriter();
	w.packedVarint(S.TensorProto.dims, t.dims);
	w.varint(S.TensorProto.dataType, dataTypeOf(t.data));
	w.string(S.TensorProto.name, t.name);
	// raw_data is little-endian; typed arrays are little-endian on every platform JS runs on.
	w.bytes(S.TensorProto.rawData, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
	return w;
}

function writeValueInfo(v: ValueInfo): ProtoWriter {
	const shape = new ProtoWriter();
	for (const d of v.dims) {
		const dim = new ProtoWriter();
		if (typeof d === 'number') dim.varint(S.Dimension.dimValue, d);
		else dim.string(S.Dimension.dimParam, d);
		shape.message(S.TensorShapeProto.dim, dim);
	}
	const tensor = new ProtoWriter().varint(S.TypeProtoTensor.elemType, v.elemType).message(S.TypeProtoTensor.shape, shape);
	const type = new ProtoWriter().message(S.TypeProto.tensorType, tensor);
	return new ProtoWriter().string(S.ValueInfoProto.name, v.name).message(S.ValueInfoProto.type, type);
}
