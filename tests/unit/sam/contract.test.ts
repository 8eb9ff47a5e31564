/**
 * SAM 2.1 ONNX contract: recognising the two export conventions by their I/O (spec
 * docs/sam2-densenet.md A1), refusing other files with sentences that list what they have, sorting
 * a set of files into encoder / decoder / external data, float16 conversion (values from numpy),
 * the decoder feeds of each convention and the deployment manifest.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder, DataType, readOnnxModelInfo } from '../../../src/lib/core/onnx';
import { ModelError } from '../../../src/lib/core/formats/errors';
import {
	asFloatType,
	assembleSamFiles,
	checkSamModel,
	checkSamPair,
	decoderFeeds,
	decoderPrediction,
	encoderFeeds,
	externalDataUses,
	fromHalf,
	parseSamManifest,
	resizeModeFromConfig,
	toHalf,
	type SamTensor
} from '../../../src/lib/core/sam/onnx-contract';
import { buildTestDecoder, buildTestEncoder, externalizeInitializers, testSamFiles } from '../../../src/lib/core/sam/test-models';

const check = (name: string, bytes: Uint8Array) => checkSamModel(name, readOnnxModelInfo(name, bytes));

/** A model with the given inputs and outputs (outputs are Identity copies of the first input). */
function model(inputs: [string, (number | string)[], number?][], outputs: [string, (number | string)[], number?][]): Uint8Array {
	const g = new GraphBuilder('m');
	for (const [n, d, t] of inputs) g.input(n, d, t ?? DataType.FLOAT);
	for (const [n, d, t] of outputs) {
		g.node('Identity', [inputs[0][0]], [n]);
		g.output(n, d, t ?? DataType.FLOAT);
	}
	return g.toBytes();
}

function thrown(f: () => unknown): ModelError {
	try {
		f();
	} catch (e) {
		expect(e).toBeInstanceOf(ModelError);
		return e as ModelError;
	}
	throw new Error('expected a ModelError');
}

const H_EMB: [string, number[]][] = [
	['image_embeddings.0', [1, 32, 256, 256]],
	['image_embeddings.1', [1, 64, 128, 128]],
	['image_embeddings.2', [1, 256, 64, 64]]
];

describe('recognising one model', () => {
	it('recognises the test models of both conventions by their names (spec A1 tables)', () => {
		expect(check('e.onnx', buildTestEncoder('H'))).toMatchObject({ convention: 'H', role: 'encoder' });
		expect(check('d.onnx', buildTestDecoder('H'))).toMatchObject({ convention: 'H', role: 'decoder' });
		expect(check('e.onnx', buildTestEncoder('M'))).toMatchObject({ convention: 'M', role: 'encoder' });
		expect(check('d.onnx', buildTestDecoder('M'))).toMatchObject({ convention: 'M', role: 'decoder' });
		expect(check('e16.onnx', buildTestEncoder('H', { precision: 'float16' })).types.pixel_values).toBe(DataType.FLOAT16);
	});

	it('refuses a model matching neither convention and lists the names found', () => {
		const e = thrown(() => check('cyto3.onnx', model([['x', ['N', 2, 'H', 'W']]], [['y', ['N', 3, 'H', 'W']], ['style', ['N', 256]]])));
		expect(e.file).toBe('cyto3.onnx');
		expect(e.message).toContain('not a SAM 2.1 encoder or decoder');
		expect(e.message).toContain('x (float32 [N, 2, H, W])');
		expect(e.message).toContain('outputs y, style');
	});

	it('says when a file is a SAM 1 export', () => {
		const sam1 = model(
			[
				['image_embeddings', [1, 256, 64, 64]],
				['point_coords', [1, 'n', 2]],
				['point_labels', [1, 'n']],
				['mask_input', [1, 1, 256, 256]],
				['has_mask_input', [1]],
				['orig_im_size', [2]]
			],
			[['masks', [1, 1, 'h', 'w']], ['iou_predictions', [1, 4]]]
		);
		expect(thrown(() => check('sam_vit_b_decoder.onnx', sam1)).message).toContain('SAM 1 export');
	});

	it('names a wrong encoder input shape', () => {
		const e = thrown(() => check('enc.onnx', model([['pixel_values', [1, 3, 512, 512]]], H_EMB)));
		expect(e.message).toContain('pixel_values (float32 [1, 3, 512, 512])');
		expect(e.message).toContain('[?, 3, 1024, 1024]');
	});

	it('names a wrong element type (H input_labels must be int64)', () => {
		const dec = model(
			[...H_EMB, ['input_points', [1, 1, 'n', 2]], ['input_labels', [1, 1, 'n']], ['input_boxes', [1, 'm', 4]]],
			[['iou_scores', [1, 1, 3]], ['pred_masks', [1, 1, 3, 256, 256]]]
		);
		const e = thrown(() => check('dec.onnx', dec));
		expect(e.message).toBe('dec.onnx: input input_labels is float32; the onnx-community (transformers.js) export declares it int64');
	});

	it('names a missing input, and an input Mycol cannot feed', () => {
		const noBoxes = model([...H_EMB, ['input_points', [1, 1, 'n', 2]]], [['iou_scores', [1, 1, 3]], ['pred_masks', [1, 1, 3, 256, 256]]]);
		const e = thrown(() => check('dec.onnx', noBoxes));
		expect(e.message).toContain('lacks the inputs input_labels, input_boxes');
		const withSize = model(
			[
				['image_embed', [1, 256, 64, 64]],
				['high_res_feats_0', [1, 32, 256, 256]],
				['high_res_feats_1', [1, 64, 128, 128]],
				['point_coords', ['l', 'n', 2]],
				['point_labels', ['l', 'n']],
				['mask_input', ['l', 1, 256, 256]],
				['has_mask_input', ['l']],
				['orig_im_size', [2], DataType.INT32]
			],
			[['masks', ['l', 3, 256, 256]], ['iou_predictions', ['l', 3]]]
		);
		expect(thrown(() => check('d.onnx', withSize)).message).toContain('also needs the input orig_im_size (int32 [2])');
	});
});

describe('pairs and file sets', () => {
	it('refuses an encoder and a decoder of different conventions', () => {
		const e = thrown(() => checkSamPair(check('vision_encoder.onnx', buildTestEncoder('H')), check('sam2.decoder.onnx', buildTestDecoder('M'))));
		expect(e.message).toContain('vision_encoder.onnx and sam2.decoder.onnx do not belong together');
	});

	it('sorts files given in any order, with the decoder weights in a .onnx_data file', () => {
		const files = testSamFiles('H', { externalData: true }).reverse();
		const set = assembleSamFiles(files);
		expect(set.contract.convention).toBe('H');
		expect(set.encoder.name).toBe('vision_encoder.onnx');
		expect(set.decoder.name).toBe('prompt_encoder_mask_decoder.onnx');
		expect(set.decoder.externalData.map((d) => [d.path, d.file])).toEqual([['prompt_encoder_mask_decoder.onnx_data', 'prompt_encoder_mask_decoder.onnx_data']]);
		expect(set.roles).toEqual({
			'vision_encoder.onnx': 'encoder',
			'prompt_encoder_mask_decoder.onnx': 'decoder',
			'prompt_encoder_mask_decoder.onnx_data': 'decoder-data'
		});
		expect(set.resizeMode).toBe('stretch');
		expect(set.contract.outputs).toEqual({ iou: 'iou_scores', masks: 'pred_masks', objectScore: 'object_score_logits' });
	});

	it('says which file is missing or wrong', () => {
		const [enc, dec, data] = testSamFiles('H', { externalData: true });
		expect(thrown(() => assembleSamFiles([enc, dec])).message).toBe(
			'prompt_encoder_mask_decoder.onnx: its weights are in a separate file, prompt_encoder_mask_decoder.onnx_data; pick it together with the .onnx file'
		);
		expect(thrown(() => assembleSamFiles([enc, dec, { name: data.name, bytes: data.bytes.subarray(0, 1000) }])).message).toBe(
			'prompt_encoder_mask_decoder.onnx_data: the file has 1,000 bytes, but prompt_encoder_mask_decoder.onnx reads 524,288 bytes from it (an incomplete download?)'
		);
		expect(thrown(() => assembleSamFiles([enc])).message).toBe('vision_encoder.onnx is an encoder, but no SAM 2.1 decoder .onnx file was among the files; pick the encoder and the decoder of one export');
		expect(thrown(() => assembleSamFiles([enc, enc, dec, data])).message).toContain('are both SAM 2.1 encoders');
		expect(thrown(() => assembleSamFiles([enc, dec, data, { name: 'notes.txt', bytes: new Uint8Array(3) }])).file).toBe('notes.txt');
		expect(thrown(() => assembleSamFiles([{ name: 'x.onnx', bytes: new Uint8Array([1, 2, 3]) }, dec])).message).toContain('x.onnx: this is not an ONNX model file');
	});

	it('reads the resize mode from preprocessor_config.json (spec A2)', () => {
		const files = testSamFiles('M');
		const cfg = (o: unknown) => ({ name: 'preprocessor_config.json', bytes: new TextEncoder().encode(JSON.stringify(o)) });
		expect(assembleSamFiles([...files, cfg({ do_pad: true, size: { longest_edge: 1024 } })]).resizeMode).toBe('pad');
		expect(assembleSamFiles([...files, cfg({ do_pad: false, size: { height: 1024, width: 1024 } })]).resizeMode).toBe('stretch');
		expect(resizeModeFromConfig('p.json', '{"size": {"height": 1024, "width": 1024}}')).toBe('stretch');
		expect(() => resizeModeFromConfig('p.json', 'not json')).toThrow('p.json: this is not a JSON file');
	});
});

describe('external data', () => {
	it('finds the location and extent the graph reads (GX and GY: 2 × 256² float32)', () => {
		const { model: m, data } = externalizeInitializers(buildTestDecoder('H'), 'w.bin');
		// Two 262,144-byte tensors, the second at offset 262,144 (already 64-byte aligned).
		expect(externalDataUses('d.onnx', m)).toEqual([{ location: 'w.bin', bytesNeeded: 524288 }]);
		expect(data.length).toBe(524288);
		expect(readOnnxModelInfo('d.onnx', m).externalInitializers.length).toBe(2);
		expect(externalDataUses('d.onnx', buildTestDecoder('H'))).toEqual([]);
	});
});

describe('float16', () => {
	it('rounds as numpy does (values from np.float32(v).astype(np.float16))', () => {
		const cases: [number, number][] = [
			[1, 0x3c00],
			[65504, 0x7bff],
			[65520, 0x7c00],
			[70000, 0x7c00],
			[2 ** -24, 0x0001],
			[2 ** -25, 0x0000],
			[3 * 2 ** -26, 0x0001],
			[-2, 0xc000],
			[0.1, 0x2e66],
			[1 / 3, 0x3555],
			[0.5 + 2 ** -12, 0x3800],
			[1 + 2 ** -11, 0x3c00],
			[1 + 3 * 2 ** -11, 0x3c02],
			[1e-8, 0]
		];
		for (const [v, h] of cases) expect([v, toHalf(v)]).toEqual([v, h]);
		expect(fromHalf(0x3555)).toBe(0.333251953125);
		expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
	});

	it('round-trips every finite half exactly', () => {
		for (let h = 0; h < 0x10000; h++) {
			if ((h & 0x7c00) === 0x7c00) continue;
			if (toHalf(fromHalf(h)) !== h) expect([h, toHalf(fromHalf(h))]).toEqual([h, h]);
		}
	});

	it('converts tensors to the declared type and back', () => {
		const t: SamTensor = { type: 'float32', data: Float32Array.of(1, -2, 0.1), dims: [3] };
		const h = asFloatType(t, DataType.FLOAT16);
		expect(h.type).toBe('float16');
		expect(Array.from(h.data as Uint16Array)).toEqual([0x3c00, 0xc000, 0x2e66]);
		expect(Array.from(asFloatType(h, DataType.FLOAT).data as Float32Array)).toEqual([1, -2, 0.0999755859375]);
		expect(asFloatType(t, DataType.FLOAT)).toBe(t);
	});
});

describe('feeds and outputs', () => {
	const emb = (c: number, s: number): SamTensor => ({ type: 'float32', data: new Float32Array(c * s * s), dims: [1, c, s, s] });

	it('H: input_boxes [1, 1, 4], empty points [1, 1, 0, 2] and int64 labels [1, 1, 0] (as transformers.js)', () => {
		const set = assembleSamFiles(testSamFiles('H'));
		const e = { 'image_embeddings.0': emb(32, 256), 'image_embeddings.1': emb(64, 128), 'image_embeddings.2': emb(256, 64) };
		const f = decoderFeeds(set.contract, e, [5.12, 20.48, 56.32, 225.28]);
		expect(Object.keys(f).sort()).toEqual(['image_embeddings.0', 'image_embeddings.1', 'image_embeddings.2', 'input_boxes', 'input_labels', 'input_points']);
		expect(f.input_boxes.dims).toEqual([1, 1, 4]);
		expect(Array.from(f.input_boxes.data as Float32Array)).toEqual(Array.from(Float32Array.of(5.12, 20.48, 56.32, 225.28)));
		expect([f.input_points.dims, f.input_points.data.length]).toEqual([[1, 1, 0, 2], 0]);
		expect([f.input_labels.type, f.input_labels.dims]).toEqual(['int64', [1, 1, 0]]);
		expect(f['image_embeddings.1']).toBe(e['image_embeddings.1']);
		expect(Object.keys(encoderFeeds(set.contract, new Float32Array(3 * 1024 * 1024)))).toEqual(['pixel_values']);
	});

	it('M: corners labelled 2 and 3, no previous mask; float16 where the decoder declares it', () => {
		const files = [{ name: 'e.onnx', bytes: buildTestEncoder('M') }, { name: 'd.onnx', bytes: buildTestDecoder('M', { precision: 'float16' }) }];
		const set = assembleSamFiles(files);
		const e = { high_res_feats_0: emb(32, 256), high_res_feats_1: emb(64, 128), image_embed: emb(256, 64) };
		const f = decoderFeeds(set.contract, e, [10, 20, 30, 40]);
		expect(f.point_coords.dims).toEqual([1, 2, 2]);
		expect(f.point_coords.type).toBe('float16');
		expect(Array.from(asFloatType(f.point_coords, DataType.FLOAT).data as Float32Array)).toEqual([10, 20, 30, 40]);
		expect(Array.from(asFloatType(f.point_labels, DataType.FLOAT).data as Float32Array)).toEqual([2, 3]);
		expect(f.mask_input.dims).toEqual([1, 1, 256, 256]);
		expect(Array.from(asFloatType(f.has_mask_input, DataType.FLOAT).data as Float32Array)).toEqual([0]);
		expect(f.image_embed.type).toBe('float16');
	});

	it('reads the prediction and refuses outputs that are too small', () => {
		const set = assembleSamFiles(testSamFiles('M'));
		const masks = new Float32Array(3 * 256 * 256);
		masks[2 * 65536] = 7;
		const p = decoderPrediction(set.contract, {
			iou_predictions: { type: 'float32', data: Float32Array.of(0.1, 0.3, 0.8), dims: [1, 3] },
			masks: { type: 'float32', data: masks, dims: [1, 3, 256, 256] }
		});
		expect([p.chosen, p.objectScore, p.masks[2 * 65536]]).toEqual([2, undefined, 7]);
		const e = thrown(() => decoderPrediction(set.contract, { iou_predictions: { type: 'float32', data: Float32Array.of(1, 2, 3), dims: [1, 3] }, masks: { type: 'float32', data: new Float32Array(10), dims: [10] } }));
		expect(e.message).toContain("the decoder's masks has 10 values");
	});
});

describe('deployment manifest', () => {
	const sha = 'ab'.repeat(32);
	it('reads a valid list', () => {
		const m = parseSamManifest(
			'manifest.json',
			JSON.stringify({ formatVersion: 1, models: [{ id: 'sam2.1-tiny', name: 'SAM 2.1 tiny', licence: 'Apache-2.0', files: [{ file: 'a.onnx', bytes: 10, sha256: sha }, { file: 'b.onnx', bytes: 5, sha256: sha }] }] })
		);
		expect(m).toEqual([{ id: 'sam2.1-tiny', name: 'SAM 2.1 tiny', licence: 'Apache-2.0', source: null, files: [{ file: 'a.onnx', bytes: 10, sha256: sha }, { file: 'b.onnx', bytes: 5, sha256: sha }] }]);
	});

	it('refuses lists it cannot use, saying why', () => {
		const bad = (o: unknown) => thrown(() => parseSamManifest('manifest.json', JSON.stringify(o))).message;
		expect(thrown(() => parseSamManifest('manifest.json', '<html>')).message).toBe('manifest.json: this is not a JSON file');
		expect(bad({})).toContain('it has no "models" list');
		expect(bad({ models: [{ id: 'x', files: [{ file: '../secret', bytes: 1, sha256: sha }, { file: 'b', bytes: 1, sha256: sha }] }] })).toContain('relative "file" path');
		expect(bad({ models: [{ id: 'x', files: [{ file: 'a', bytes: 1, sha256: 'XYZ' }, { file: 'b', bytes: 1, sha256: sha }] }] })).toContain('"sha256"');
		expect(bad({ models: [{ id: 'x y', files: [] }] })).toContain('no usable "id"');
	});
});
