export { ProtoWriter, ProtoReader, ProtoDecodeError } from './protobuf';
export { GraphBuilder, attr, type Attribute, type Dim, type TensorData, type SerializeOptions } from './graph-builder';
export { readOnnxModelInfo, type OnnxModelInfo, type OnnxValueInfo } from './model-info';
export { DataType, DATA_TYPE_NAMES } from './schema';
