import { describe, expect, it } from 'vitest';
import {
	builtinModelName,
	cellposeKeyShapes,
	cellposeWeightsFromStateDict,
	readCellposeModel,
	type CellposeWeights
} from '../../../src/lib/core/cellpose/weights';
import { readTorchStateDict, type TorchTensor } from '../../../src/lib/core/formats/torch-pth';
import { ModelError } from '../../../src/lib/core/formats/errors';
import { global, orderedDict, pickle, reduce, tensor, type PB } from '../helpers/pickle-builder';
import { buildZip } from '../helpers/zip-builder';
import { sharedBytes } from '../shared';

const TINY = 'fixtures/cellpose-3.1/net/cpnet_tiny.pth';

function modelError(f: () => unknown): ModelError {
	try {
		f();
	} catch (e) {
		if (e instanceof ModelError) return e;
		throw e;
	}
	throw new Error('expected a ModelError');
}

/** A torch-style zip state dict whose tensors all broadcast one float32 (stride 0), keyed as given. */
function fakeStateDict(keys: [string, number[]][]): Uint8Array {
	const state: PB = orderedDict(...keys.map(([k, shape]): [PB, PB] => [k, tensor('FloatStorage', '0', 1, 0, shape, shape.map(() => 0))]));
	return buildZip([
		{ name: 'fake/data.pkl', data: pickle(state) },
		{ name: 'fake/data/0', data: new Uint8Array(new Float32Array([0.5]).buffer) }
	]);
}

describe('Cellpose weights: fixture and built-in models', () => {
	it('cpnet_tiny: nbase [2, 8, 16, 32, 64], 3 outputs, 3×3 kernels, diam_labels 25 (README)', () => {
		const w = readCellposeModel('cpnet_tiny.pth', sharedBytes(TINY));
		expect(w.nbase).toEqual([2, 8, 16, 32, 64]);
		expect(w.nout).toBe(3);
		expect(w.kernel).toBe(3);
		expect(w.styleChannels).toBe(64);
		expect(w.diamMean).toBe(30);
		expect(w.diamLabels).toBe(25);
		expect(w.diamMeanFromFile && w.diamLabelsFromFile).toBe(true);
		expect(w.builtin).toBeNull();
		// 313 keys in the file, 41 of them BatchNorm num_batches_tracked counters.
		expect(w.tensors.size).toBe(272);
		expect(w.tensors.get('output.2.weight')!.shape).toEqual([3, 8, 1, 1]);
		expect(w.tensors.get('upsample.up.res_up_3.conv.conv_1.full.weight')!.shape).toEqual([64, 64]);
		// README: 418,094 values, 41 of them int64 counters.
		expect([...w.tensors.values()].reduce((a, t) => a + t.data.length, 0)).toBe(418094 - 41);
	});

	it('cpnet_mid: nbase [2, 16, 32, 64, 128], diam_labels 27.5 (README)', () => {
		const w = readCellposeModel('cpnet_mid.pth', sharedBytes('fixtures/cellpose-3.1/net/cpnet_mid.pth'));
		expect(w.nbase).toEqual([2, 16, 32, 64, 128]);
		expect([w.nout, w.kernel, w.diamMean, w.diamLabels]).toEqual([3, 3, 30, 27.5]);
	});

	it('mycol-fungal-v1: the standard CPnet, diam_mean 30, diam_labels 22.7346, 6,600,845 parameters (MODEL_CARD)', () => {
		const w = readCellposeModel('mycol-fungal-v1.pth', sharedBytes('models/mycol-fungal-v1.pth'));
		expect(w.nbase).toEqual([2, 32, 64, 128, 256]);
		expect([w.nout, w.kernel, w.styleChannels, w.diamMean]).toEqual([3, 3, 256, 30]);
		// The float32 in the file, as numpy reads it: 22.734615325927734.
		expect(w.diamLabels).toBe(22.734615325927734);
		expect(w.diamLabels).toBeCloseTo(22.7346, 4);
		const params = [...w.tensors].filter(([k]) => !/running_(mean|var)$/.test(k));
		expect(params.reduce((a, [, t]) => a + t.data.length, 0)).toBe(6600845);
	});

	it('names the same keys and shapes as spec §1.3 lists for nbase [2, 32, 64, 128, 256]', () => {
		const shapes = cellposeKeyShapes([2, 32, 64, 128, 256], 3, 3);
		// Hand-read from the spec table.
		expect(shapes.get('downsample.down.res_down_0.conv.conv_0.2.weight')).toEqual([32, 2, 3, 3]);
		expect(shapes.get('downsample.down.res_down_0.proj.1.weight')).toEqual([32, 2, 1, 1]);
		expect(shapes.get('downsample.down.res_down_3.conv.conv_3.0.running_var')).toEqual([256]);
		expect(shapes.get('upsample.up.res_up_3.conv.conv_0.2.weight')).toEqual([256, 256, 3, 3]);
		expect(shapes.get('upsample.up.res_up_0.conv.conv_0.2.weight')).toEqual([32, 64, 3, 3]);
		expect(shapes.get('upsample.up.res_up_0.proj.1.weight')).toEqual([32, 64, 1, 1]);
		expect(shapes.get('upsample.up.res_up_2.conv.conv_1.full.weight')).toEqual([128, 256]);
		expect(shapes.get('upsample.up.res_up_1.conv.conv_3.conv.2.bias')).toEqual([64]);
		expect(shapes.get('output.0.weight')).toEqual([32]);
		expect(shapes.get('output.2.weight')).toEqual([3, 32, 1, 1]);
		// And exactly the float keys of a real file of that architecture, in its order.
		const file = readTorchStateDict('m.pth', sharedBytes('models/mycol-fungal-v1.pth'));
		const fileKeys = [...file.keys()].filter((k) => !k.endsWith('num_batches_tracked'));
		expect([...shapes.keys()]).toEqual(fileKeys);
		for (const [k, s] of shapes) expect(file.get(k)!.shape, k).toEqual(s);
	});

	it("takes diam_mean of a built-in file from Cellpose's table, not the file (nucleitorch_0 → 17)", () => {
		expect(builtinModelName('/home/me/.cellpose/models/nucleitorch_0')).toBe('nucleitorch_0');
		expect(builtinModelName('nucleitorch_0.pth')).toBeNull();
		const w = readCellposeModel('/home/me/.cellpose/models/nucleitorch_0', sharedBytes(TINY));
		expect([w.diamMean, w.diamLabels, w.builtin, w.diamMeanFromFile]).toEqual([17, 25, 'nucleitorch_0', false]);
	});
});

describe('Cellpose weights: from a state dict', () => {
	const tiny = () => readTorchStateDict('cpnet_tiny.pth', sharedBytes(TINY));

	it('uses 30 for both diameters when the file lacks them (spec §1.4)', () => {
		const sd = tiny();
		sd.delete('diam_mean');
		sd.delete('diam_labels');
		const w: CellposeWeights = cellposeWeightsFromStateDict('old.pth', sd);
		expect([w.diamMean, w.diamLabels, w.diamMeanFromFile, w.diamLabelsFromFile]).toEqual([30, 30, false, false]);
	});

	it('strips the module. prefix that nn.DataParallel adds', () => {
		const sd = new Map([...tiny()].map(([k, t]): [string, TorchTensor] => [`module.${k}`, t]));
		const w = cellposeWeightsFromStateDict('dp.pth', sd);
		expect(w.nbase).toEqual([2, 8, 16, 32, 64]);
		expect(w.tensors.has('output.2.weight')).toBe(true);
	});

	it('names a missing layer and a layer of the wrong shape', () => {
		const sd = tiny();
		sd.delete('upsample.up.res_up_1.conv.conv_2.full.bias');
		expect(modelError(() => cellposeWeightsFromStateDict('gap.pth', sd)).message).toBe(
			"gap.pth: the model lacks 1 of Cellpose's 270 layers, e.g. 'upsample.up.res_up_1.conv.conv_2.full.bias' (an incomplete file, or another network)"
		);
		const sd2 = tiny();
		const proj = sd2.get('downsample.down.res_down_2.proj.1.weight')!;
		sd2.set('downsample.down.res_down_2.proj.1.weight', Object.assign(Object.create(Object.getPrototypeOf(proj)), proj, { shape: [32, 16, 3, 3] }));
		expect(modelError(() => cellposeWeightsFromStateDict('odd.pth', sd2)).message).toBe(
			"odd.pth: the layer 'downsample.down.res_down_2.proj.1.weight' has shape [32, 16, 3, 3] where a Cellpose network with nbase [2, 8, 16, 32, 64] needs [32, 16, 1, 1] (a different Cellpose version or another network?)"
		);
	});
});

describe('Cellpose weights: files that are not Cellpose 3 models', () => {
	it('recognises a Cellpose 4 (Cellpose-SAM) state dict', () => {
		const cp4 = fakeStateDict([
			['encoder.patch_embed.proj.weight', [1024, 3, 8, 8]],
			['encoder.pos_embed', [1, 32, 32, 1024]],
			['out.weight', [192, 256, 1, 1]],
			['W2', [192, 3, 8, 8]],
			['diam_mean', [1]],
			['diam_labels', [1]]
		]);
		expect(modelError(() => readCellposeModel('cpsam', cp4)).message).toBe(
			'cpsam: this is a Cellpose 4 (Cellpose-SAM) model; Mycol runs Cellpose 3 networks (CPnet), such as cyto3 or models trained with Cellpose 3'
		);
		const prefixed = fakeStateDict([
			['module.encoder.neck.0.weight', [256, 1024, 1, 1]],
			['module.W2', [192, 3, 8, 8]]
		]);
		expect(modelError(() => readCellposeModel('cpsam_dp', prefixed)).message).toContain('Cellpose 4');
	});

	it('says a torchvision DenseNet state dict is not a Cellpose model', () => {
		const dense = fakeStateDict([
			['features.conv0.weight', [64, 3, 7, 7]],
			['features.norm0.weight', [64]],
			['features.denseblock1.denselayer1.norm1.weight', [64]],
			['classifier.weight', [1000, 1024]]
		]);
		expect(modelError(() => readCellposeModel('densenet121.pth', dense)).message).toBe(
			"densenet121.pth: this PyTorch file is not a Cellpose model: it has none of Cellpose's network layers (its 4 tensors are named 'features.conv0.weight', 'features.norm0.weight', 'features.denseblock1.denselayer1.norm1.weight', …). It looks like a DenseNet image classifier."
		);
	});

	it('turns every file problem into a ModelError: truncated zip, no data.pkl, a hostile pickle, PNG, text', () => {
		const b = sharedBytes(TINY);
		expect(modelError(() => readCellposeModel('cut.pth', b.subarray(0, 500_000))).message).toContain('probably truncated');
		const noPkl = buildZip([{ name: 'cpnet/data/0', data: new Uint8Array(4) }]);
		expect(modelError(() => readCellposeModel('nopkl.pth', noPkl)).message).toBe('nopkl.pth: this zip archive is not a PyTorch file: it has no data.pkl entry (it holds cpnet/data/0)');
		const evil = buildZip([{ name: 'x/data.pkl', data: pickle(reduce(global('builtins', 'eval'), 'print(1)')) }]);
		expect(modelError(() => readCellposeModel('evil.pth', evil)).message).toContain("the Python global 'builtins.eval', which Mycol does not allow");
		const notDict = buildZip([{ name: 'x/data.pkl', data: pickle(['not', 'weights']) }]);
		expect(modelError(() => readCellposeModel('list.pth', notDict)).message).toContain("not a model's weights");
		const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0, 0, 13]);
		expect(modelError(() => readCellposeModel('cells.png', png)).message).toBe('cells.png: this is not a PyTorch model file: it looks like a PNG image');
		const text = new TextEncoder().encode('just some notes about my model\n');
		expect(modelError(() => readCellposeModel('notes.txt', text)).message).toBe('notes.txt: this is not a PyTorch model file: it looks like a text file');
	});
});
