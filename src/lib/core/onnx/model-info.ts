/**
 * Reads what a caller needs to know about an ONNX model before handing it to onnxruntime:
 * IR and opset versions, the graph's real inputs (graph inputs that are not initializers),
 * outputs with element types and shapes, and whether any weights live in external files.
 * Tensor payloads are skipped by length, never decoded, so this is cheap even for large models.
 */
import { ModelError } from '../formats/errors';
import { ProtoDecodeError, ProtoReader, WIRE_LEN, WIRE_VARINT } from './protobuf';
import * as S from './schema';

/** A value's declared type: element type and dimensions (a number, a symbolic name, or null = unknown). */
export interface OnnxValueInfo {
	name: string;
	/** `TensorProto.DataType`, 0 when the value is not a tensor or has no type. */
	elemType: number;
	/** null when the shape is not declared at all (rank unknown). */
	dims: (number | string | null)[] | null;
}

export interface OnnxModelInfo {
	irVersion: number;
	/** Opset versions by domain ('' is the default ONNX domain). */
	opsets: Map<string, number>;
	producerName: string;
	inputs: OnnxValueInfo[];
	outputs: OnnxValueInfo[];
	/** Ops used in the graph, by type (default and other domains together). */
	opTypes: Set<string>;
	/** Names of initializers whose data is stored outside the file. */
	externalInitializers: string[];
}

/**
 * Read an ONNX model's signature. Throws `ModelError` (naming `file`) when the bytes are not a
 * protobuf `ModelProto` with a graph.
 */
export function readOnnxModelInfo(file: string, bytes: Uint8Array): OnnxModelInfo {
	try {
		return readModel(bytes);
	} catch (e) {
		if (e instanceof ProtoDecodeError || e instanceof NotOnnx) {
			throw new ModelError(file, `this is not an ONNX model file (${e.message})`);
		}
		throw e;
	}
}

class NotOnnx extends Error {}

function expectWire(actual: number, expected: number, what: string): void {
	if (actual !== expected) throw new NotOnnx(`${what} has the wrong encoding`);
}

function readModel(bytes: Uint8Array): OnnxModelInfo {
	if (bytes.length === 0) throw new NotOnnx('the file is empty');
	const r = new ProtoReader(bytes);
	let irVersion = -1;
	let producerName = '';
	const opsets = new Map<string, number>();
	let graph: ProtoReader | null = null;
	for (let f = r.next(); f; f = r.next()) {
		if (f.field === S.ModelProto.irVersion) {
			expectWire(f.wire, WIRE_VARINT, 'the IR version');
			irVersion = r.int64();
		} else if (f.field === S.ModelProto.producerName) {
			expectWire(f.wire, WIRE_LEN, 'the producer name');
			producerName = r.string();
		} else if (f.field === S.ModelProto.graph) {
			expectWire(f.wire, WIRE_LEN, 'the graph');
			graph = r.message();
		} else if (f.field === S.ModelProto.opsetImport) {
			expectWire(f.wire, WIRE_LEN, 'an opset import');
			const o = r.message();
			let domain = '';
			let version = 0;
			for (let g = o.next(); g; g = o.next()) {
				if (g.field === S.OperatorSetIdProto.domain && g.wire === WIRE_LEN) domain = o.string();
				else if (g.field === S.OperatorSetIdProto.version && g.wire === WIRE_VARINT) version = o.int64();
				else o.skip(g.wire);
			}
			opsets.set(domain, version);
		} else {
			r.skip(f.wire);
		}
	}
	if (irVersion < 1) throw new NotOnnx('no IR version');
	if (!graph) throw new NotOnnx('no graph');
	return { irVersion, opsets, producerName, ...readGraph(graph) };
}

function readGraph(r: ProtoReader): Pick<OnnxModelInfo, 'inputs' | 'outputs' | 'opTypes' | 'externalInitializers'> {
	const declaredInputs: OnnxValueInfo[] = [];
	const outputs: OnnxValueInfo[] = [];
	const initializerNames = new Set<string>();
	const externalInitializers: string[] = [];
	const opTypes = new Set<string>();
	for (let f = r.next(); f; f = r.next()) {
		if (f.wire !== WIRE_LEN) {
			r.skip(f.wire);
			continue;
		}
		switch (f.field) {
			case S.GraphProto.input:
				declaredInputs.push(readValueInfo(r.message()));
				break;
			case S.GraphProto.output:
				outputs.push(readValueInfo(r.message()));
				break;
			case S.GraphProto.initializer: {
				const t = readTensorHeader(r.message());
				initializerNames.add(t.name);
				if (t.external) externalInitializers.push(t.name);
				break;
			}
			case S.GraphProto.node:
				opTypes.add(readOpType(r.message()));
				break;
			default:
				r.skip(f.wire);
		}
	}
	// Before IR 4, initializers had to be listed among the inputs too; they are not real inputs.
	const inputs = declaredInputs.filter((v) => !initializerNames.has(v.name));
	return { inputs, outputs, opTypes, externalInitializers };
}

function readOpType(r: ProtoReader): string {
	let op = '';
	for (let f = r.next(); f; f = r.next()) {
		if (f.field === S.NodeProto.opType && f.wire === WIRE_LEN) op = r.string();
		else r.skip(f.wire);
	}
	return op;
}

function readTensorHeader(r: ProtoReader): { name: string; external: boolean } {
	let name = '';
	let external = false;
	for (let f = r.next(); f; f = r.next()) {
		if (f.field === S.TensorProto.name && f.wire === WIRE_LEN) name = r.string();
		else if (f.field === S.TensorProto.dataLocation && f.wire === WIRE_VARINT) {
			external = r.int64() === S.DataLocation.EXTERNAL;
		} else r.skip(f.wire);
	}
	return { name, external };
}

function readValueInfo(r: ProtoReader): OnnxValueInfo {
	const info: OnnxValueInfo = { name: '', elemType: 0, dims: null };
	for (let f = r.next(); f; f = r.next()) {
		if (f.field === S.ValueInfoProto.name && f.wire === WIRE_LEN) info.name = r.string();
		else if (f.field === S.ValueInfoProto.type && f.wire === WIRE_LEN) readType(r.message(), info);
		else r.skip(f.wire);
	}
	return info;
}

function readType(r: ProtoReader, info: OnnxValueInfo): void {
	for (let f = r.next(); f; f = r.next()) {
		if (f.field !== S.TypeProto.tensorType || f.wire !== WIRE_LEN) {
			r.skip(f.wire);
			continue;
		}
		const t = r.message();
		for (let g = t.next(); g; g = t.next()) {
			if (g.field === S.TypeProtoTensor.elemType && g.wire === WIRE_VARINT) info.elemType = t.int64();
			else if (g.field === S.TypeProtoTensor.shape && g.wire === WIRE_LEN) info.dims = readShape(t.message());
			else t.skip(g.wire);
		}
	}
}

function readShape(r: ProtoReader): (number | string | null)[] {
	const dims: (number | string | null)[] = [];
	for (let f = r.next(); f; f = r.next()) {
		if (f.field !== S.TensorShapeProto.dim || f.wire !== WIRE_LEN) {
			r.skip(f.wire);
			continue;
		}
		const d = r.message();
		let dim: number | string | null = null;
		for (let g = d.next(); g; g = d.next()) {
			if (g.field === S.Dimension.dimValue && g.wire === WIRE_VARINT) dim = d.int64();
			else if (g.field === S.Dimension.dimParam && g.wire === WIRE_LEN) dim = d.string();
			else d.skip(g.wire);
		}
		dims.push(dim);
	}
	return dims;
}
