/**
 * Which SAM 2.1 ONNX export a user's files are, and how to call it (spec: docs/sam2-densenet.md A1).
 *
 * Two I/O conventions are accepted, recognised by their input and output names:
 * - H, the onnx-community / transformers.js export: encoder `pixel_values` → `image_embeddings.0/1/2`;
 *   decoder (embeddings, `input_points`, `input_labels` int64, `input_boxes`) → `iou_scores`,
 *   `pred_masks`, `object_score_logits`. Weights usually sit in a sibling `.onnx_data` file.
 * - M, the Meta-wrapper export (samexporter and kin): encoder `image` → `high_res_feats_0/1`,
 *   `image_embed`; decoder (those three, `point_coords`, `point_labels` float32, `mask_input`,
 *   `has_mask_input`) → `masks`, `iou_predictions`.
 * In both, the decoder's embedding inputs carry the encoder's output names, so embeddings are fed
 * through by name. Float tensors may be float32 or float16 (fp16 exports); both are converted at
 * the boundary. Everything else is refused with a sentence that lists what the file has.
 *
 * Also here, because they are part of accepting a model: matching `.onnx` graphs with their
 * external-data files, `preprocessor_config.json` (resize mode) and the deployment's
 * `models/sam2/manifest.json`.
 */
import { ModelError, formatCount } from '../formats/errors';
import type { OnnxModelInfo, OnnxValueInfo } from '../onnx/model-info';
import { readOnnxModelInfo } from '../onnx/model-info';
import { ProtoDecodeError, ProtoReader, WIRE_LEN, WIRE_VARINT } from '../onnx/protobuf';
import { DATA_TYPE_NAMES, DataType, GraphProto, ModelProto, TensorProto } from '../onnx/schema';
import { bestMaskIndex, type Prediction } from './postprocess';
import { boxFeedsH, boxFeedsM, SAM_LOWRES, type ResizeMode } from './prompt';

export type SamConvention = 'H' | 'M';
export type SamRole = 'encoder' | 'decoder';

export const CONVENTION_NAMES: Record<SamConvention, string> = {
	H: 'onnx-community (transformers.js) export',
	M: 'samexporter-style (Meta wrapper) export'
};

/** A tensor as the runtime feeds or returns it (float16 as raw IEEE half bits). */
export interface SamTensor {
	type: 'float32' | 'float16' | 'int64';
	data: Float32Array | Uint16Array | BigInt64Array;
	dims: readonly number[];
}

type Kind = 'float' | 'int64';
/** A declared tensor: kind, and per dimension a fixed size or null (any). */
interface Spec {
	name: string;
	kind: Kind;
	dims: (number | null)[];
}

const B = null;
const H_EMB: Spec[] = [
	{ name: 'image_embeddings.0', kind: 'float', dims: [B, 32, 256, 256] },
	{ name: 'image_embeddings.1', kind: 'float', dims: [B, 64, 128, 128] },
	{ name: 'image_embeddings.2', kind: 'float', dims: [B, 256, 64, 64] }
];
const M_EMB: Spec[] = [
	{ name: 'high_res_feats_0', kind: 'float', dims: [B, 32, 256, 256] },
	{ name: 'high_res_feats_1', kind: 'float', dims: [B, 64, 128, 128] },
	{ name: 'image_embed', kind: 'float', dims: [B, 256, 64, 64] }
];

interface Contract {
	encoder: { inputs: Spec[]; outputs: Spec[] };
	decoder: { inputs: Spec[]; outputs: Spec[]; optionalOutputs: Spec[] };
}

const CONTRACTS: Record<SamConvention, Contract> = {
	H: {
		encoder: { inputs: [{ name: 'pixel_values', kind: 'float', dims: [B, 3, 1024, 1024] }], outputs: H_EMB },
		decoder: {
			inputs: [
				...H_EMB,
				{ name: 'input_points', kind: 'float', dims: [B, B, B, 2] },
				{ name: 'input_labels', kind: 'int64', dims: [B, B, B] },
				{ name: 'input_boxes', kind: 'float', dims: [B, B, 4] }
			],
			outputs: [
				{ name: 'iou_scores', kind: 'float', dims: [B, B, 3] },
				{ name: 'pred_masks', kind: 'float', dims: [B, B, 3, 256, 256] }
			],
			optionalOutputs: [{ name: 'object_score_logits', kind: 'float', dims: [B, B, 1] }]
		}
	},
	M: {
		encoder: { inputs: [{ name: 'image', kind: 'float', dims: [B, 3, 1024, 1024] }], outputs: M_EMB },
		decoder: {
			inputs: [
				M_EMB[2],
				M_EMB[0],
				M_EMB[1],
				{ name: 'point_coords', kind: 'float', dims: [B, B, 2] },
				{ name: 'point_labels', kind: 'float', dims: [B, B] },
				{ name: 'mask_input', kind: 'float', dims: [B, 1, 256, 256] },
				{ name: 'has_mask_input', kind: 'float', dims: [B] }
			],
			outputs: [
				{ name: 'masks', kind: 'float', dims: [B, 3, 256, 256] },
				{ name: 'iou_predictions', kind: 'float', dims: [B, 3] }
			],
			optionalOutputs: []
		}
	}
};

/** How a convention is described in messages. */
function describeContract(c: SamConvention): string {
	return c === 'H'
		? 'the onnx-community export (vision_encoder: pixel_values → image_embeddings.0/1/2; prompt_encoder_mask_decoder: input_boxes … → iou_scores, pred_masks)'
		: 'the samexporter-style export (encoder: image → high_res_feats_0/1, image_embed; decoder: point_coords, point_labels … → masks, iou_predictions)';
}

function typeName(t: number): string {
	return DATA_TYPE_NAMES[t] ?? `type ${t}`;
}

function showValue(v: OnnxValueInfo): string {
	const dims = v.dims ? `[${v.dims.map((d) => (d === null ? '?' : d)).join(', ')}]` : '(no shape)';
	return `${v.name} (${typeName(v.elemType)} ${dims})`;
}

function listNames(vs: OnnxValueInfo[]): string {
	return vs.length === 0 ? 'none' : vs.map((v) => v.name).join(', ');
}

/** What a single model file is: which convention and which half of the pair. */
export interface SamModelKind {
	convention: SamConvention;
	role: SamRole;
}

/** Recognise a file by its names alone (null: neither convention). */
function guessKind(info: OnnxModelInfo): SamModelKind | null {
	const ins = new Set(info.inputs.map((v) => v.name));
	const outs = new Set(info.outputs.map((v) => v.name));
	if (isSam1(ins, outs)) return null;
	if (ins.has('pixel_values') || outs.has('image_embeddings.0')) {
		if (ins.has('input_boxes') || outs.has('pred_masks')) return { convention: 'H', role: 'decoder' };
		return { convention: 'H', role: 'encoder' };
	}
	if (ins.has('input_boxes') || outs.has('pred_masks')) return { convention: 'H', role: 'decoder' };
	if (ins.has('point_coords') && (ins.has('high_res_feats_0') || outs.has('iou_predictions'))) return { convention: 'M', role: 'decoder' };
	if (outs.has('image_embed') || outs.has('high_res_feats_0')) return { convention: 'M', role: 'encoder' };
	return null;
}

/** SAM 1 exports: one `image_embeddings` tensor (no `.0/.1/.2`), or `orig_im_size` without SAM 2's high-resolution features. */
function isSam1(ins: Set<string>, outs: Set<string>): boolean {
	return ins.has('image_embeddings') || outs.has('image_embeddings') || (ins.has('orig_im_size') && !ins.has('high_res_feats_0'));
}

/** A hint for files that are recognisably something else. */
function otherModelHint(info: OnnxModelInfo): string {
	const ins = new Set(info.inputs.map((v) => v.name));
	const outs = new Set(info.outputs.map((v) => v.name));
	return isSam1(ins, outs) ? ' It looks like a SAM 1 export; Mycol needs a SAM 2.1 encoder and decoder.' : '';
}

function checkTensor(file: string, v: OnnxValueInfo, spec: Spec, what: string, conv: SamConvention): void {
	const okType = spec.kind === 'int64' ? v.elemType === DataType.INT64 : v.elemType === DataType.FLOAT || v.elemType === DataType.FLOAT16;
	if (!okType) {
		const want = spec.kind === 'int64' ? 'int64' : 'float32 (or float16)';
		throw new ModelError(file, `${what} ${spec.name} is ${typeName(v.elemType)}; the ${CONVENTION_NAMES[conv]} declares it ${want}`);
	}
	if (v.dims === null) return; // undeclared shape: onnxruntime checks at run time
	const want = `[${spec.dims.map((d) => (d === null ? '?' : d)).join(', ')}]`;
	if (v.dims.length !== spec.dims.length) {
		throw new ModelError(file, `${what} ${showValue(v)} has ${v.dims.length} dimensions; the ${CONVENTION_NAMES[conv]} has ${want}`);
	}
	spec.dims.forEach((d, k) => {
		const got = v.dims![k];
		if (d !== null && typeof got === 'number' && got !== d) {
			throw new ModelError(file, `${what} ${showValue(v)} does not have the shape ${want} of the ${CONVENTION_NAMES[conv]}`);
		}
	});
}

/** The declared element type of every input and output, by name. */
export type ElemTypes = Record<string, number>;

export interface CheckedSamModel extends SamModelKind {
	file: string;
	types: ElemTypes;
	/** Static dims where declared (for pair checks), by name. */
	dims: Record<string, (number | string | null)[] | null>;
}

/**
 * Check one model against the conventions. Throws a ModelError naming the file that lists its
 * inputs and outputs when it is neither, or says which name, type or shape is wrong.
 */
export function checkSamModel(file: string, info: OnnxModelInfo): CheckedSamModel {
	const kind = guessKind(info);
	if (!kind) {
		throw new ModelError(
			file,
			`this is not a SAM 2.1 encoder or decoder: its inputs are ${info.inputs.map(showValue).join(', ') || 'none'} and its outputs ${listNames(info.outputs)}.` +
				`${otherModelHint(info)} Mycol reads ${describeContract('H')}, and ${describeContract('M')}.`
		);
	}
	const c = CONTRACTS[kind.convention][kind.role];
	const label = `${kind.role === 'encoder' ? 'a SAM 2.1 encoder' : 'a SAM 2.1 decoder'} of the ${CONVENTION_NAMES[kind.convention]}`;
	const ins = new Map(info.inputs.map((v) => [v.name, v]));
	const outs = new Map(info.outputs.map((v) => [v.name, v]));
	const missingIn = c.inputs.filter((s) => !ins.has(s.name)).map((s) => s.name);
	const missingOut = c.outputs.filter((s) => !outs.has(s.name)).map((s) => s.name);
	if (missingIn.length || missingOut.length) {
		const parts = [missingIn.length ? `the input${missingIn.length > 1 ? 's' : ''} ${missingIn.join(', ')}` : '', missingOut.length ? `the output${missingOut.length > 1 ? 's' : ''} ${missingOut.join(', ')}` : ''];
		throw new ModelError(
			file,
			`this looks like ${label} but lacks ${parts.filter(Boolean).join(' and ')} (it has inputs ${listNames(info.inputs)}; outputs ${listNames(info.outputs)})`
		);
	}
	const extra = info.inputs.filter((v) => !c.inputs.some((s) => s.name === v.name));
	if (extra.length) {
		throw new ModelError(
			file,
			`this looks like ${label} but also needs the input${extra.length > 1 ? 's' : ''} ${extra.map(showValue).join(', ')}, which that export does not have; Mycol cannot feed ${extra.length > 1 ? 'them' : 'it'}`
		);
	}
	for (const s of c.inputs) checkTensor(file, ins.get(s.name)!, s, 'input', kind.convention);
	for (const s of [...c.outputs, ...('optionalOutputs' in c ? c.optionalOutputs : [])]) {
		const v = outs.get(s.name);
		if (v) checkTensor(file, v, s, 'output', kind.convention);
	}
	const types: ElemTypes = {};
	const dims: CheckedSamModel['dims'] = {};
	for (const v of [...info.inputs, ...info.outputs]) {
		types[v.name] = v.elemType;
		dims[v.name] = v.dims;
	}
	return { ...kind, file, types, dims };
}

/** How to call a recognised encoder + decoder pair. */
export interface SamPairContract {
	convention: SamConvention;
	encoderFile: string;
	decoderFile: string;
	/** The encoder's input name and element type. */
	pixelInput: { name: string; elemType: number };
	/** Embeddings, encoder output name = decoder input name, with both element types. */
	embeddings: { name: string; encoderType: number; decoderType: number }[];
	/** Element types of the decoder's prompt inputs. */
	promptTypes: ElemTypes;
	/** Decoder outputs to fetch. */
	outputs: { iou: string; masks: string; objectScore: string | null };
}

/** Check that an encoder and a decoder belong together; returns how to call them. */
export function checkSamPair(encoder: CheckedSamModel, decoder: CheckedSamModel): SamPairContract {
	if (encoder.role !== 'encoder') throw new ModelError(encoder.file, 'this is a SAM 2.1 decoder, not an encoder');
	if (decoder.role !== 'decoder') throw new ModelError(decoder.file, 'this is a SAM 2.1 encoder, not a decoder');
	if (encoder.convention !== decoder.convention) {
		throw new ModelError(
			undefined,
			`${encoder.file} and ${decoder.file} do not belong together: the encoder is from the ${CONVENTION_NAMES[encoder.convention]} and the decoder from the ${CONVENTION_NAMES[decoder.convention]}; use both files of one export`
		);
	}
	const conv = encoder.convention;
	const c = CONTRACTS[conv];
	for (const s of c.encoder.outputs) {
		const a = encoder.dims[s.name];
		const b = decoder.dims[s.name];
		if (a && b && a.some((d, k) => typeof d === 'number' && typeof b[k] === 'number' && d !== b[k])) {
			throw new ModelError(
				undefined,
				`${encoder.file} and ${decoder.file} do not belong together: the encoder's ${s.name} is [${a.join(', ')}] but the decoder expects [${b.join(', ')}]`
			);
		}
	}
	const promptTypes: ElemTypes = {};
	for (const s of c.decoder.inputs) if (!c.encoder.outputs.some((o) => o.name === s.name)) promptTypes[s.name] = decoder.types[s.name];
	return {
		convention: conv,
		encoderFile: encoder.file,
		decoderFile: decoder.file,
		pixelInput: { name: c.encoder.inputs[0].name, elemType: encoder.types[c.encoder.inputs[0].name] },
		embeddings: c.encoder.outputs.map((s) => ({ name: s.name, encoderType: encoder.types[s.name], decoderType: decoder.types[s.name] })),
		promptTypes,
		outputs:
			conv === 'H'
				? { iou: 'iou_scores', masks: 'pred_masks', objectScore: 'object_score_logits' in decoder.types ? 'object_score_logits' : null }
				: { iou: 'iou_predictions', masks: 'masks', objectScore: null }
	};
}

/* ------------------------------------------------------------------ float16 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half bits of a float32, rounded to nearest even (overflow → ±∞, NaN kept). */
export function toHalf(v: number): number {
	f32[0] = v;
	const x = u32[0];
	const sign = (x >>> 16) & 0x8000;
	const exp = (x >>> 23) & 0xff;
	let mant = x & 0x7fffff;
	if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
	let e = exp - 127 + 15;
	if (e >= 0x1f) return sign | 0x7c00;
	if (e <= 0) {
		if (e < -10) return sign;
		mant |= 0x800000;
		const shift = 14 - e;
		const half = 1 << (shift - 1);
		let m = mant >>> shift;
		const rest = mant & ((1 << shift) - 1);
		if (rest > half || (rest === half && m & 1)) m++;
		return sign | m;
	}
	let m = mant >>> 13;
	const rest = mant & 0x1fff;
	if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
		m++;
		if (m === 0x400) {
			m = 0;
			e++;
			if (e >= 0x1f) return sign | 0x7c00;
		}
	}
	return sign | (e << 10) | m;
}

/** The float value of IEEE half bits. */
export function fromHalf(h: number): number {
	const sign = h & 0x8000 ? -1 : 1;
	const e = (h >>> 10) & 0x1f;
	const m = h & 0x3ff;
	if (e === 0) return sign * m * 2 ** -24;
	if (e === 0x1f) return m ? NaN : sign * Infinity;
	return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * A runtime tensor's data as a SamTensor. float16 data is taken as raw bits whatever array holds it
 * (onnxruntime returns a Float16Array where the platform has one, a Uint16Array elsewhere).
 */
export function samTensor(type: string, data: unknown, dims: readonly number[]): SamTensor {
	if (type === 'float32' && data instanceof Float32Array) return { type, data, dims };
	if (type === 'int64' && data instanceof BigInt64Array) return { type, data, dims };
	if (type === 'float16' && ArrayBuffer.isView(data) && !(data instanceof DataView) && (data as Uint16Array).BYTES_PER_ELEMENT === 2) {
		return { type, data: new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2), dims };
	}
	throw new TypeError(`samTensor: a ${type} tensor is not used by SAM 2.1`);
}

/** A float tensor converted to the element type a model declares (float32 or float16). */
export function asFloatType(t: SamTensor, elemType: number): SamTensor {
	if (elemType === DataType.FLOAT16) {
		if (t.type === 'float16') return t;
		const src = t.data as Float32Array;
		const out = new Uint16Array(src.length);
		for (let i = 0; i < src.length; i++) out[i] = toHalf(src[i]);
		return { type: 'float16', data: out, dims: t.dims };
	}
	if (t.type === 'float32') return t;
	if (t.type !== 'float16') throw new TypeError(`asFloatType: a ${t.type} tensor is not a float tensor`);
	const src = t.data as Uint16Array;
	const out = new Float32Array(src.length);
	for (let i = 0; i < src.length; i++) out[i] = fromHalf(src[i]);
	return { type: 'float32', data: out, dims: t.dims };
}

/* ------------------------------------------------------------------ calls */

/** The encoder feed for `pixelValues` [1, 3, 1024, 1024] (from `samPixelValues`). */
export function encoderFeeds(c: SamPairContract, pixelValues: Float32Array): Record<string, SamTensor> {
	const t: SamTensor = { type: 'float32', data: pixelValues, dims: [1, 3, 1024, 1024] };
	return { [c.pixelInput.name]: asFloatType(t, c.pixelInput.elemType) };
}

/** The encoder outputs to fetch (and keep as the image's embedding). */
export function encoderFetches(c: SamPairContract): string[] {
	return c.embeddings.map((e) => e.name);
}

/**
 * The decoder feeds for one box already in the 1024 frame: the kept embeddings (converted to the
 * decoder's element types) and the box as the convention expects it (H `input_boxes`; M corner
 * points labelled 2 and 3), see `boxFeedsH` / `boxFeedsM`.
 */
export function decoderFeeds(c: SamPairContract, embeddings: Record<string, SamTensor>, framedBox: readonly [number, number, number, number]): Record<string, SamTensor> {
	const feeds: Record<string, SamTensor> = {};
	for (const e of c.embeddings) {
		const t = embeddings[e.name];
		if (!t) throw new Error(`decoderFeeds: the embedding ${e.name} is missing`);
		feeds[e.name] = asFloatType(t, e.decoderType);
	}
	const prompt = c.convention === 'H' ? boxFeedsH([framedBox]) : boxFeedsM(framedBox);
	for (const [name, t] of Object.entries(prompt)) feeds[name] = t.type === 'int64' ? t : asFloatType(t, c.promptTypes[name]);
	return feeds;
}

export function decoderFetches(c: SamPairContract): string[] {
	const { iou, masks, objectScore } = c.outputs;
	return objectScore ? [iou, masks, objectScore] : [iou, masks];
}

/**
 * The first prediction of a decoder call, as float32: H `iou_scores` [1, 1, 3] + `pred_masks`
 * [1, 1, 3, 256, 256] (+ `object_score_logits`), M `iou_predictions` [1, 3] + `masks` [1, 3, 256, 256].
 * Throws when the outputs do not have these sizes (a model that only claimed the contract).
 */
export function decoderPrediction(c: SamPairContract, outputs: Record<string, SamTensor>): Prediction & { chosen: number } {
	const get = (name: string, size: number): Float32Array => {
		const t = outputs[name];
		if (!t) throw new ModelError(c.decoderFile, `the decoder returned no ${name}`);
		const f = asFloatType(t, DataType.FLOAT).data as Float32Array;
		if (f.length < size) {
			throw new ModelError(c.decoderFile, `the decoder's ${name} has ${formatCount(f.length)} values (shape [${t.dims.join(', ')}]), fewer than the ${formatCount(size)} of one prompt`);
		}
		return f;
	};
	const iou = get(c.outputs.iou, 3).subarray(0, 3);
	const masks = get(c.outputs.masks, 3 * SAM_LOWRES * SAM_LOWRES).subarray(0, 3 * SAM_LOWRES * SAM_LOWRES);
	const objectScore = c.outputs.objectScore && outputs[c.outputs.objectScore] ? get(c.outputs.objectScore, 1)[0] : undefined;
	return { iou, masks, objectScore, chosen: bestMaskIndex(iou) };
}

/* ------------------------------------------------------------------ external data */

/** One external-data file a graph reads, and how far into it. */
export interface ExternalDataUse {
	location: string;
	/** The largest offset + length read from it (0 when the graph gives no lengths). */
	bytesNeeded: number;
}

/**
 * The external-data files the graph's initializers refer to (`TensorProto.external_data`
 * `location`, `offset`, `length`), with the bytes each must hold at least.
 */
export function externalDataUses(file: string, bytes: Uint8Array): ExternalDataUse[] {
	const uses = new Map<string, number>();
	try {
		const r = new ProtoReader(bytes);
		for (let f = r.next(); f; f = r.next()) {
			if (f.field !== ModelProto.graph || f.wire !== WIRE_LEN) {
				r.skip(f.wire);
				continue;
			}
			const g = r.message();
			for (let h = g.next(); h; h = g.next()) {
				if (h.field !== GraphProto.initializer || h.wire !== WIRE_LEN) {
					g.skip(h.wire);
					continue;
				}
				const t = g.message();
				const kv = new Map<string, string>();
				let external = false;
				for (let i = t.next(); i; i = t.next()) {
					if (i.field === TENSOR_EXTERNAL_DATA && i.wire === WIRE_LEN) {
						const e = t.message();
						let key = '';
						let value = '';
						for (let j = e.next(); j; j = e.next()) {
							if (j.field === 1 && j.wire === WIRE_LEN) key = e.string();
							else if (j.field === 2 && j.wire === WIRE_LEN) value = e.string();
							else e.skip(j.wire);
						}
						kv.set(key, value);
					} else if (i.field === TensorProto.dataLocation && i.wire === WIRE_VARINT) {
						external = t.int64() === 1;
					} else t.skip(i.wire);
				}
				const location = kv.get('location');
				if (!external || !location) continue;
				const end = (Number(kv.get('offset') ?? 0) || 0) + (Number(kv.get('length') ?? 0) || 0);
				uses.set(location, Math.max(uses.get(location) ?? 0, end));
			}
		}
	} catch (e) {
		if (e instanceof ProtoDecodeError) throw new ModelError(file, `this is not an ONNX model file (${e.message})`);
		throw e;
	}
	return [...uses].map(([location, bytesNeeded]) => ({ location, bytesNeeded }));
}

/** `TensorProto.external_data` (repeated StringStringEntryProto: key 1, value 2). */
const TENSOR_EXTERNAL_DATA = 13;

/* ------------------------------------------------------------------ a set of files */

export interface NamedBytes {
	name: string;
	bytes: Uint8Array;
}

/** One graph with the external-data files it needs, named as the graph refers to them. */
export interface SamGraphFiles {
	name: string;
	bytes: Uint8Array;
	externalData: { path: string; file: string; bytes: Uint8Array }[];
}

export interface SamFileSet {
	contract: SamPairContract;
	encoder: SamGraphFiles;
	decoder: SamGraphFiles;
	/** From `preprocessor_config.json` when given, else 'stretch' (spec A2). */
	resizeMode: ResizeMode;
	/** Which file is what, for the install record. */
	roles: Record<string, 'encoder' | 'decoder' | 'encoder-data' | 'decoder-data' | 'config'>;
}

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/**
 * Sort the files a user picked (or a deployment lists) into encoder, decoder, their external data
 * and an optional `preprocessor_config.json`, in any order; check the pair. Graphs are recognised
 * by content, external data by the names the graphs give.
 */
export function assembleSamFiles(files: readonly NamedBytes[]): SamFileSet {
	if (files.length === 0) throw new ModelError(undefined, 'no files were given: pick the SAM 2.1 encoder and decoder .onnx files');
	const graphs: { f: NamedBytes; m: CheckedSamModel; ext: ExternalDataUse[] }[] = [];
	const others: NamedBytes[] = [];
	let resizeMode: ResizeMode = 'stretch';
	const roles: SamFileSet['roles'] = {};
	for (const f of files) {
		const lower = f.name.toLowerCase();
		if (lower.endsWith('.json')) {
			resizeMode = resizeModeFromConfig(f.name, new TextDecoder().decode(f.bytes));
			roles[f.name] = 'config';
		} else if (lower.endsWith('.onnx')) {
			const m = checkSamModel(f.name, readOnnxModelInfo(f.name, f.bytes));
			graphs.push({ f, m, ext: externalDataUses(f.name, f.bytes) });
		} else others.push(f);
	}
	const pick = (role: SamRole) => {
		const found = graphs.filter((g) => g.m.role === role);
		if (found.length > 1) throw new ModelError(undefined, `${found.map((g) => g.f.name).join(' and ')} are both SAM 2.1 ${role}s; pick one ${role} and one ${role === 'encoder' ? 'decoder' : 'encoder'}`);
		if (found.length === 0) {
			const have = graphs.length ? `${graphs.map((g) => `${g.f.name} is ${g.m.role === 'encoder' ? 'an' : 'a'} ${g.m.role}`).join(', ')}, but` : '';
			throw new ModelError(undefined, `${have} no SAM 2.1 ${role} .onnx file was among the files; pick the encoder and the decoder of one export`.trim());
		}
		return found[0];
	};
	const enc = pick('encoder');
	const dec = pick('decoder');
	const used = new Set<NamedBytes>();
	const withData = (g: { f: NamedBytes; ext: ExternalDataUse[] }, role: 'encoder' | 'decoder'): SamGraphFiles => {
		roles[g.f.name] = role;
		const externalData = g.ext.map((u) => {
			const d = others.find((o) => o.name === u.location || baseName(o.name) === baseName(u.location));
			if (!d) throw new ModelError(g.f.name, `its weights are in a separate file, ${u.location}; pick it together with the .onnx file`);
			if (d.bytes.length < u.bytesNeeded) {
				throw new ModelError(d.name, `the file has ${formatCount(d.bytes.length)} bytes, but ${g.f.name} reads ${formatCount(u.bytesNeeded)} bytes from it (an incomplete download?)`);
			}
			used.add(d);
			roles[d.name] = `${role}-data`;
			return { path: u.location, file: d.name, bytes: d.bytes };
		});
		return { name: g.f.name, bytes: g.f.bytes, externalData };
	};
	const contract = checkSamPair(enc.m, dec.m);
	const encoder = withData(enc, 'encoder');
	const decoder = withData(dec, 'decoder');
	const stray = others.filter((o) => !used.has(o));
	if (stray.length) {
		throw new ModelError(
			stray[0].name,
			'this file is not part of the SAM 2.1 model: neither graph refers to it (expected the encoder and decoder .onnx files, the .onnx_data files they name, and optionally preprocessor_config.json)'
		);
	}
	return { contract, encoder, decoder, resizeMode, roles };
}

/**
 * The resize mode of a Hugging Face `preprocessor_config.json` (spec A2): `do_pad: true` with
 * `size.longest_edge` → 'pad'; `size.height`/`size.width` → 'stretch'; otherwise 'stretch'.
 */
export function resizeModeFromConfig(file: string, text: string): ResizeMode {
	let cfg: unknown;
	try {
		cfg = JSON.parse(text);
	} catch {
		throw new ModelError(file, 'this is not a JSON file (expected preprocessor_config.json of the export)');
	}
	if (!cfg || typeof cfg !== 'object') throw new ModelError(file, 'this JSON file does not hold an object (expected preprocessor_config.json of the export)');
	const c = cfg as { do_pad?: unknown; size?: { longest_edge?: unknown; height?: unknown; width?: unknown } };
	if (c.do_pad === true && typeof c.size?.longest_edge === 'number') return 'pad';
	return 'stretch';
}

/* ------------------------------------------------------------------ deployment manifest */

export interface SamManifestFile {
	/** Path relative to `models/sam2/`. */
	file: string;
	bytes: number;
	sha256: string;
}

export interface SamManifestModel {
	id: string;
	name: string;
	files: SamManifestFile[];
	licence: string | null;
	source: string | null;
}

/**
 * Read `models/sam2/manifest.json`:
 * `{ "formatVersion": 1, "models": [{ "id", "name", "files": [{ "file", "bytes", "sha256" }], "licence"?, "source"? }] }`
 * where `files` lists the encoder and decoder graphs, their `.onnx_data` files and optionally
 * `preprocessor_config.json`, all relative to `models/sam2/`.
 */
export function parseSamManifest(file: string, text: string): SamManifestModel[] {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		throw new ModelError(file, 'this is not a JSON file');
	}
	const bad = (why: string): never => {
		throw new ModelError(file, `the SAM 2.1 model list is not valid: ${why}`);
	};
	if (!json || typeof json !== 'object' || !Array.isArray((json as { models?: unknown }).models)) bad('it has no "models" list');
	const models = (json as { models: unknown[] }).models;
	return models.map((m, k) => {
		const o = (m ?? {}) as Record<string, unknown>;
		const where = `model ${k + 1}`;
		if (typeof o.id !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(o.id)) bad(`${where} has no usable "id" (letters, digits, . _ -)`);
		if (!Array.isArray(o.files) || o.files.length < 2) bad(`${where} ("${String(o.id)}") must list at least the encoder and decoder files`);
		const files = (o.files as unknown[]).map((f, j) => {
			const e = (f ?? {}) as Record<string, unknown>;
			const at = `file ${j + 1} of ${String(o.id)}`;
			if (typeof e.file !== 'string' || e.file === '' || e.file.includes('..') || e.file.startsWith('/') || /^[a-z]+:/i.test(e.file)) bad(`${at} needs a relative "file" path inside models/sam2/`);
			if (typeof e.bytes !== 'number' || !Number.isInteger(e.bytes) || e.bytes < 1) bad(`${at} needs its size in "bytes"`);
			if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) bad(`${at} needs a "sha256" of 64 lower-case hex digits`);
			return { file: e.file as string, bytes: e.bytes as number, sha256: e.sha256 as string };
		});
		return {
			id: o.id as string,
			name: typeof o.name === 'string' && o.name ? o.name : (o.id as string),
			files,
			licence: typeof o.licence === 'string' ? o.licence : null,
			source: typeof o.source === 'string' ? o.source : null
		};
	});
}
