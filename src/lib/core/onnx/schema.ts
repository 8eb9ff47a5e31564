/**
 * Field numbers and enum values of the ONNX protobuf schema (onnx/onnx.proto, IR version 8+),
 * only the subset that we write or inspect.
 */

export const ModelProto = {
	irVersion: 1,
	producerName: 2,
	producerVersion: 3,
	domain: 4,
	modelVersion: 5,
	docString: 6,
	graph: 7,
	opsetImport: 8
} as const;

export const OperatorSetIdProto = { domain: 1, version: 2 } as const;

export const GraphProto = {
	node: 1,
	name: 2,
	initializer: 5,
	docString: 10,
	input: 11,
	output: 12,
	valueInfo: 13
} as const;

export const NodeProto = {
	input: 1,
	output: 2,
	name: 3,
	opType: 4,
	attribute: 5,
	docString: 6,
	domain: 7
} as const;

export const AttributeProto = {
	name: 1,
	f: 2,
	i: 3,
	s: 4,
	t: 5,
	floats: 7,
	ints: 8,
	type: 20
} as const;

/** `AttributeProto.AttributeType`. */
export const AttributeType = {
	FLOAT: 1,
	INT: 2,
	STRING: 3,
	TENSOR: 4,
	FLOATS: 6,
	INTS: 7
} as const;

export const TensorProto = {
	dims: 1,
	dataType: 2,
	floatData: 4,
	int32Data: 5,
	int64Data: 7,
	name: 8,
	rawData: 9,
	dataLocation: 14
} as const;

/** `TensorProto.DataLocation`: EXTERNAL means the bytes live in a separate file. */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

/** `TensorProto.DataType`. */
export const DataType = {
	UNDEFINED: 0,
	FLOAT: 1,
	UINT8: 2,
	INT8: 3,
	UINT16: 4,
	INT16: 5,
	INT32: 6,
	INT64: 7,
	STRING: 8,
	BOOL: 9,
	FLOAT16: 10,
	DOUBLE: 11,
	UINT32: 12,
	UINT64: 13,
	BFLOAT16: 16
} as const;

/** Readable names of `TensorProto.DataType` values, for messages. */
export const DATA_TYPE_NAMES: Record<number, string> = {
	0: 'undefined',
	1: 'float32',
	2: 'uint8',
	3: 'int8',
	4: 'uint16',
	5: 'int16',
	6: 'int32',
	7: 'int64',
	8: 'string',
	9: 'bool',
	10: 'float16',
	11: 'float64',
	12: 'uint32',
	13: 'uint64',
	14: 'complex64',
	15: 'complex128',
	16: 'bfloat16'
};

export const ValueInfoProto = { name: 1, type: 2, docString: 3 } as const;

export const TypeProto = { tensorType: 1 } as const;

export const TypeProtoTensor = { elemType: 1, shape: 2 } as const;

export const TensorShapeProto = { dim: 1 } as const;

export const Dimension = { dimValue: 1, dimParam: 2 } as const;
