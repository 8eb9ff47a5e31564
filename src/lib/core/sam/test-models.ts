/**
 * Tiny stand-ins for the SAM 2.1 ONNX exports (spec: docs/sam2-densenet.md A4): the same input and
 * output names, element types and ranks as each real export (convention H, onnx-community; M,
 * samexporter-style), computing something simple enough to check by hand. SAM2 weights cannot be
 * downloaded where Mycol is built, so these are how the whole box-prompt path (pre-processing →
 * encoder → decoder → choice → upsampling → threshold) is tested, in Node and in the browser.
 *
 * Encoder: the channel mean of the input, average-pooled by 4 / 8 / 16 and repeated over 32 / 64 /
 * 256 channels → the three embeddings. A constant image v gives everywhere
 * mean_c((v/255 − mean_c)/std_c).
 *
 * Decoder: per 256 × 256 cell, with centres GX = (j + 0.5)·4, GY = (i + 0.5)·4 in the 1024 frame,
 * L = min(GX − x0, x1 − GX, GY − y0, y1 − GY) for the prompt box: positive exactly inside the box.
 * The three candidates are L − 16, L, L + 16 with predicted IoUs 0.5, 0.9, 0.7, so choosing the
 * argmax gives the box itself. H reads the box from `input_boxes`; M from the `point_coords` rows
 * labelled 2 (top-left) and 3 (bottom-right), so wrong labels give an empty mask. The embeddings
 * and other prompt inputs enter with weight 0: they must be fed with the declared shapes but do not
 * change the result. The H decoder's `object_score_logits` is a constant (10 unless told).
 *
 * Generated at test time; no binaries are committed.
 */
import { GraphBuilder, attr } from '../onnx/graph-builder';
import { ProtoReader, ProtoWriter, WIRE_FIXED32, WIRE_LEN, WIRE_VARINT } from '../onnx/protobuf';
import { DataType, GraphProto, ModelProto, TensorProto } from '../onnx/schema';
import type { NamedBytes, SamConvention } from './onnx-contract';

export interface TestModelOptions {
	/** Element type of every float input and output; 'float16' mimics an fp16 export's I/O. Default 'float32'. */
	precision?: 'float32' | 'float16';
}

export interface TestDecoderOptions extends TestModelOptions {
	/** Predicted IoU of the three candidates. Default [0.5, 0.9, 0.7]. */
	scores?: readonly [number, number, number];
	/** Added to L for each candidate. Default [−16, 0, 16]. */
	offsets?: readonly [number, number, number];
	/** The H decoder's object-presence logit. Default 10. */
	objectScore?: number;
}

const LOW = 256;

/** A builder with float I/O in the chosen precision (cast to float32 inside). */
class Io {
	readonly fp16: boolean;
	constructor(
		readonly g: GraphBuilder,
		opts: TestModelOptions
	) {
		this.fp16 = opts.precision === 'float16';
	}
	/** Declare a float input; returns a float32 value. */
	in(name: string, dims: (number | string)[]): string {
		this.g.input(name, dims, this.fp16 ? DataType.FLOAT16 : DataType.FLOAT);
		return this.fp16 ? this.g.op('Cast', [name], { to: attr.int(DataType.FLOAT) }, `${name}_f32`) : name;
	}
	/** Make float32 value `v` the output `name`. */
	out(v: string, name: string, dims: (number | string)[]): void {
		this.g.node(this.fp16 ? 'Cast' : 'Identity', [v], [name], this.fp16 ? { to: attr.int(DataType.FLOAT16) } : {});
		this.g.output(name, dims, this.fp16 ? DataType.FLOAT16 : DataType.FLOAT);
	}
	ints(name: string, values: number[]): string {
		return this.g.initializer(name, [values.length], BigInt64Array.from(values, BigInt));
	}
	scalar(name: string, v: number): string {
		return this.g.initializer(name, [], Float32Array.of(v));
	}
}

const EMBEDDING_NAMES: Record<SamConvention, [string, string, string]> = {
	H: ['image_embeddings.0', 'image_embeddings.1', 'image_embeddings.2'],
	M: ['high_res_feats_0', 'high_res_feats_1', 'image_embed']
};
const EMBEDDING_CHANNELS = [32, 64, 256];
const EMBEDDING_POOL = [4, 8, 16];

/** The fake encoder of a convention (see the file comment). */
export function buildTestEncoder(convention: SamConvention, opts: TestModelOptions = {}): Uint8Array {
	const g = new GraphBuilder(`mycol_test_sam2_encoder_${convention}`);
	const io = new Io(g, opts);
	const batch = convention === 'H' ? 'batch_size' : 1;
	const x = io.in(convention === 'H' ? 'pixel_values' : 'image', [batch, 3, 1024, 1024]);
	const mean = g.op('ReduceMean', [x], { axes: attr.ints([1]), keepdims: attr.int(1) }, 'channel_mean');
	EMBEDDING_NAMES[convention].forEach((name, k) => {
		const p = EMBEDDING_POOL[k];
		const c = EMBEDDING_CHANNELS[k];
		const pooled = g.op('AveragePool', [mean], { kernel_shape: attr.ints([p, p]), strides: attr.ints([p, p]) }, `pool${p}`);
		const wide = g.op('Expand', [pooled, io.ints(`expand${k}`, [1, c, 1, 1])], {}, `emb${k}`);
		io.out(wide, name, [batch, c, 1024 / p, 1024 / p]);
	});
	return g.toBytes({ producerName: 'mycol-test-sam2' });
}

/** GX, GY of the decoder: low-resolution cell centres in the 1024 frame, with `lead` leading 1-dims. */
function grids(g: GraphBuilder, lead: number): [string, string] {
	const gx = new Float32Array(LOW * LOW);
	const gy = new Float32Array(LOW * LOW);
	for (let i = 0; i < LOW; i++) {
		for (let j = 0; j < LOW; j++) {
			gx[i * LOW + j] = (j + 0.5) * 4;
			gy[i * LOW + j] = (i + 0.5) * 4;
		}
	}
	const dims = [...Array(lead).fill(1), LOW, LOW];
	return [g.initializer('GX', dims, gx), g.initializer('GY', dims, gy)];
}

/** L = min(GX − x0, x1 − GX, GY − y0, y1 − GY) and the three candidates concatenated on `axis`. */
function boxLogits(g: GraphBuilder, io: Io, corners: string[], lead: number, axis: number, offsets: readonly number[]): string {
	const [gx, gy] = grids(g, lead);
	const [x0, y0, x1, y1] = corners;
	const d = [g.op('Sub', [gx, x0]), g.op('Sub', [x1, gx]), g.op('Sub', [gy, y0]), g.op('Sub', [y1, gy])];
	const l = g.op('Min', d, {}, 'L');
	const cands = offsets.map((o, k) => g.op('Add', [l, io.scalar(`offset${k}`, o)], {}, `cand${k}`));
	return g.op('Concat', cands, { axis: attr.int(axis) }, 'candidates');
}

/** 0 · (mean of every embedding): the embeddings enter the graph without changing the result. */
function embeddingZero(g: GraphBuilder, io: Io, convention: SamConvention, batch: number | string): string {
	const means = EMBEDDING_NAMES[convention].map((name, k) => {
		const p = EMBEDDING_POOL[k];
		const v = io.in(name, [batch, EMBEDDING_CHANNELS[k], 1024 / p, 1024 / p]);
		return g.op('ReduceMean', [v], { keepdims: attr.int(0) }, `mean_${k}`);
	});
	return g.op('Mul', [g.op('Sum', means), io.scalar('zero', 0)], {}, 'emb_zero');
}

/** The fake decoder of a convention (see the file comment). */
export function buildTestDecoder(convention: SamConvention, opts: TestDecoderOptions = {}): Uint8Array {
	const scores = opts.scores ?? [0.5, 0.9, 0.7];
	const offsets = opts.offsets ?? [-16, 0, 16];
	const g = new GraphBuilder(`mycol_test_sam2_decoder_${convention}`);
	const io = new Io(g, opts);
	const iouConst = (dims: number[]) => g.initializer('scores', dims, Float32Array.from(scores));
	if (convention === 'H') {
		const zero = embeddingZero(g, io, 'H', 'batch_size');
		io.in('input_points', ['batch_size', 'point_batch_size', 'num_points', 2]);
		g.input('input_labels', ['batch_size', 'point_batch_size', 'num_points'], DataType.INT64);
		const boxes = io.in('input_boxes', ['batch_size', 'num_boxes', 4]);
		const parts = ['x0', 'y0', 'x1', 'y1'];
		g.node('Split', [boxes, io.ints('split4', [1, 1, 1, 1])], parts, { axis: attr.int(2) });
		const axes = io.ints('axes34', [3, 4]);
		const corners = parts.map((p) => g.op('Unsqueeze', [p, axes], {}, `${p}_5d`));
		const masks = boxLogits(g, io, corners, 3, 2, offsets);
		io.out(masks, 'pred_masks', ['batch_size', 'point_batch_size', 3, LOW, LOW]);
		const z = g.op('Add', [g.op('Mul', [g.op('ReduceMean', [boxes], { axes: attr.ints([2]), keepdims: attr.int(1) }), io.scalar('zero_b', 0)]), zero], {}, 'z');
		io.out(g.op('Add', [z, iouConst([1, 1, 3])]), 'iou_scores', ['batch_size', 'point_batch_size', 3]);
		io.out(g.op('Add', [z, io.scalar('object', opts.objectScore ?? 10)]), 'object_score_logits', ['batch_size', 'point_batch_size', 1]);
	} else {
		const zero = embeddingZero(g, io, 'M', 'num_labels');
		const coords = io.in('point_coords', ['num_labels', 'num_points', 2]);
		const labels = io.in('point_labels', ['num_labels', 'num_points']);
		const maskIn = io.in('mask_input', ['num_labels', 1, LOW, LOW]);
		const hasMask = io.in('has_mask_input', ['num_labels']);
		// The corner labelled 2 and the one labelled 3: Σ coords · (label == k) over the points.
		const corner = (k: number): string => {
			const is = g.op('Cast', [g.op('Equal', [labels, io.scalar(`label${k}`, k)])], { to: attr.int(DataType.FLOAT) }, `is${k}`);
			const w = g.op('Unsqueeze', [is, io.ints(`axis2_${k}`, [2])]);
			return g.op('ReduceSum', [g.op('Mul', [coords, w]), io.ints(`axis1_${k}`, [1])], { keepdims: attr.int(0) }, `corner${k}`);
		};
		g.node('Split', [corner(2), io.ints('split_tl', [1, 1])], ['x0', 'y0'], { axis: attr.int(1) });
		g.node('Split', [corner(3), io.ints('split_br', [1, 1])], ['x1', 'y1'], { axis: attr.int(1) });
		const axes = io.ints('axes23', [2, 3]);
		const corners = ['x0', 'y0', 'x1', 'y1'].map((p) => g.op('Unsqueeze', [p, axes], {}, `${p}_4d`));
		io.out(boxLogits(g, io, corners, 2, 1, offsets), 'masks', ['num_labels', 3, LOW, LOW]);
		// [L, 1] zeros that depend on every other input.
		const zc = g.op('ReduceMean', [coords], { axes: attr.ints([1, 2]), keepdims: attr.int(0) });
		const zm = g.op('ReduceMean', [maskIn], { axes: attr.ints([1, 2, 3]), keepdims: attr.int(0) });
		const sum = g.op('Add', [g.op('Add', [zc, zm]), hasMask]);
		const z = g.op('Add', [g.op('Mul', [g.op('Unsqueeze', [sum, io.ints('axis1', [1])]), io.scalar('zero_m', 0)]), zero], {}, 'z');
		io.out(g.op('Add', [z, iouConst([1, 3])]), 'iou_predictions', ['num_labels', 3]);
	}
	return g.toBytes({ producerName: 'mycol-test-sam2' });
}

/**
 * Move a model's initializers of at least `minBytes` into an external-data file named `location`
 * (as `onnx.save(..., save_as_external_data=True)` does), the layout of the onnx-community
 * exports: `TensorProto.external_data` {location, offset, length}, `data_location` EXTERNAL.
 */
export function externalizeInitializers(model: Uint8Array, location: string, minBytes = 1024): { model: Uint8Array; data: Uint8Array } {
	const chunks: Uint8Array[] = [];
	let offset = 0;
	const copy = (r: ProtoReader, w: ProtoWriter, field: number, wire: number): void => {
		if (wire === WIRE_VARINT) w.varint(field, r.varintBig());
		else if (wire === WIRE_LEN) w.bytes(field, r.bytes());
		else if (wire === WIRE_FIXED32) w.float32(field, r.float32());
		else throw new Error(`externalizeInitializers: wire type ${wire} is not copied`);
	};
	const tensor = (r: ProtoReader): ProtoWriter => {
		const w = new ProtoWriter();
		let raw: Uint8Array | null = null;
		const fields: [number, number, Uint8Array | bigint | number][] = [];
		for (let f = r.next(); f; f = r.next()) {
			if (f.field === TensorProto.rawData && f.wire === WIRE_LEN) raw = r.bytes();
			else if (f.wire === WIRE_VARINT) fields.push([f.field, f.wire, r.varintBig()]);
			else if (f.wire === WIRE_LEN) fields.push([f.field, f.wire, r.bytes()]);
			else fields.push([f.field, f.wire, r.float32()]);
		}
		for (const [field, wire, v] of fields) {
			if (wire === WIRE_VARINT) w.varint(field, v as bigint);
			else if (wire === WIRE_LEN) w.bytes(field, v as Uint8Array);
			else w.float32(field, v as number);
		}
		if (raw && raw.length >= minBytes) {
			const entry = (k: string, v: string) => new ProtoWriter().string(1, k).string(2, v);
			w.message(13, entry('location', location));
			w.message(13, entry('offset', String(offset)));
			w.message(13, entry('length', String(raw.length)));
			w.varint(TensorProto.dataLocation, 1);
			chunks.push(raw);
			offset += raw.length;
			const pad = (64 - (offset % 64)) % 64;
			if (pad) {
				chunks.push(new Uint8Array(pad));
				offset += pad;
			}
		} else if (raw) w.bytes(TensorProto.rawData, raw);
		return w;
	};
	const out = new ProtoWriter();
	const r = new ProtoReader(model);
	for (let f = r.next(); f; f = r.next()) {
		if (f.field !== ModelProto.graph || f.wire !== WIRE_LEN) {
			copy(r, out, f.field, f.wire);
			continue;
		}
		const gr = r.message();
		const gw = new ProtoWriter();
		for (let h = gr.next(); h; h = gr.next()) {
			if (h.field === GraphProto.initializer && h.wire === WIRE_LEN) gw.message(h.field, tensor(gr.message()));
			else copy(gr, gw, h.field, h.wire);
		}
		out.message(ModelProto.graph, gw);
	}
	const data = new Uint8Array(offset);
	let at = 0;
	for (const c of chunks) {
		data.set(c, at);
		at += c.length;
	}
	return { model: out.finish(), data };
}

export interface TestFileOptions extends TestModelOptions {
	/** Put the decoder's weights in a sibling `.onnx_data` file, as the onnx-community export does. */
	externalData?: boolean;
	decoder?: TestDecoderOptions;
}

/**
 * A complete set of test files named as each export names them: H `vision_encoder.onnx` +
 * `prompt_encoder_mask_decoder.onnx` (+ `.onnx_data`); M `sam2.1_hiera_tiny.encoder.onnx` +
 * `sam2.1_hiera_tiny.decoder.onnx`.
 */
export function testSamFiles(convention: SamConvention, opts: TestFileOptions = {}): NamedBytes[] {
	const encoder = buildTestEncoder(convention, opts);
	const decoder = buildTestDecoder(convention, { precision: opts.precision, ...opts.decoder });
	const [en, dn] = convention === 'H' ? ['vision_encoder.onnx', 'prompt_encoder_mask_decoder.onnx'] : ['sam2.1_hiera_tiny.encoder.onnx', 'sam2.1_hiera_tiny.decoder.onnx'];
	if (!opts.externalData) return [{ name: en, bytes: encoder }, { name: dn, bytes: decoder }];
	const ext = externalizeInitializers(decoder, `${dn}_data`);
	return [
		{ name: en, bytes: encoder },
		{ name: dn, bytes: ext.model },
		{ name: `${dn}_data`, bytes: ext.data }
	];
}
