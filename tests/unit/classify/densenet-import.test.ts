import { describe, expect, it } from 'vitest';
import { denseNetFromStateDict, importDenseNetCheckpoint, type StateEntry } from '../../../src/lib/core/classify/import';
import { canonicalKey } from '../../../src/lib/core/classify/torch-keys';
import { checkClassCount, defaultClassNames, parseClassNames, parseTypedClassNames } from '../../../src/lib/core/classify/class-names';
import { FormatError, ModelError } from '../../../src/lib/core/formats/errors';
import { sharedBytes } from '../shared';
import { TINY_MLP_HIDDEN, tinyConfig, tinyPth, tinyWeights } from './tiny-densenet';

function modelError(f: () => unknown): ModelError {
	try {
		f();
	} catch (e) {
		if (e instanceof ModelError) return e;
		throw e;
	}
	throw new Error('expected a ModelError');
}

const config = tinyConfig();
const weights = tinyWeights(config);

/** The tiny weights as an in-memory state dict, for hostile edits. */
function stateDict(edit?: (m: Map<string, StateEntry>) => void): Map<string, StateEntry> {
	const m = new Map<string, StateEntry>();
	for (const [k, t] of weights) m.set(k, { dtype: 'float32', shape: [...t.shape], data: t.data });
	edit?.(m);
	return m;
}

describe('checkpoint keys', () => {
	it("strips DataParallel's 'module.' prefix", () => {
		const imp = importDenseNetCheckpoint('dp.pth', tinyPth(config, weights, { rename: (k) => `module.${k}`, batchesTracked: true }));
		expect(imp.config).toEqual(config);
		expect([...imp.tensors.keys()]).toEqual([...weights.keys()]);
		for (const [k, t] of weights) expect(imp.tensors.get(k)!.data).toEqual(t.data);
		expect(imp.notes.join(' ')).toContain("'module.'/'model.' prefix");
	});

	it('reads old torchvision names (norm.1, conv.2) as torchvision does', () => {
		// torchvision < 0.3 named a dense layer's modules 'norm.1', 'relu.1', 'conv.1', 'norm.2', 'conv.2'.
		const old = (k: string) => k.replace(/(denselayer\d+\.(?:norm|conv))([12])\./, '$1.$2.');
		expect(old('features.denseblock1.denselayer2.norm1.running_var')).toBe('features.denseblock1.denselayer2.norm.1.running_var');
		expect(canonicalKey('module.features.denseblock1.denselayer2.norm.1.running_var')).toBe('features.denseblock1.denselayer2.norm1.running_var');
		expect(canonicalKey('features.transition1.norm.weight')).toBe('features.transition1.norm.weight');
		const imp = importDenseNetCheckpoint('old.pth', tinyPth(config, weights, { rename: (k) => `module.${old(k)}` }));
		expect(imp.config).toEqual(config);
		expect(imp.tensors.get('features.denseblock2.denselayer1.conv2.weight')!.data).toEqual(weights.get('features.denseblock2.denselayer1.conv2.weight')!.data);
		expect(imp.notes.join(' ')).toContain('old torchvision names');
	});

	it("loads a Sequential head's single Linear and the Mycol app's Linear–ReLU–Linear head", () => {
		const seq = importDenseNetCheckpoint('seq.pth', tinyPth(config, weights, { rename: (k) => k.replace(/^classifier\./, 'classifier.1.') }));
		expect(seq.config.head).toEqual({ kind: 'linear' });
		expect(seq.tensors.get('classifier.weight')!.data).toEqual(weights.get('classifier.weight')!.data);
		expect(seq.suggestedPreprocessing).toEqual({ size: 64, intensity: 'percentile', standardize: 'imagenet' });

		const mlpConfig = tinyConfig({ kind: 'mlp', hidden: TINY_MLP_HIDDEN });
		const mlp = importDenseNetCheckpoint('mycol.pth', tinyPth(mlpConfig, tinyWeights(mlpConfig)));
		expect(mlp.config).toEqual(mlpConfig);
		expect(mlp.notes.join(' ')).toContain("the Mycol app's head: Linear to 5 features, ReLU, Linear to 3 classes");
		expect(mlp.suggestedPreprocessing).toEqual({ size: 64, intensity: 'mycol', standardize: 'none' });
	});

	it('refuses a head it cannot run, listing its keys', () => {
		const mlpConfig = tinyConfig({ kind: 'mlp', hidden: TINY_MLP_HIDDEN });
		const odd = tinyPth(mlpConfig, tinyWeights(mlpConfig), { rename: (k) => k.replace('classifier.2.', 'classifier.3.') });
		expect(modelError(() => importDenseNetCheckpoint('odd.pth', odd)).message).toBe(
			"odd.pth: the checkpoint's classifier ('classifier.0.weight', 'classifier.0.bias', 'classifier.3.weight' and 'classifier.3.bias') is neither torchvision's Linear nor the Mycol app's Linear–ReLU–Linear head, so Mycol cannot tell how to run it"
		);
		const none = tinyPth(config, weights, { drop: (k) => k.startsWith('classifier') });
		expect(modelError(() => importDenseNetCheckpoint('backbone.pth', none)).message).toContain("has no classifier ('classifier.weight')");
	});
});

describe('wrong checkpoints', () => {
	it('says the Cellpose model is not a DenseNet', () => {
		const e = modelError(() => importDenseNetCheckpoint('mycol-fungal-v1.pth', sharedBytes('models/mycol-fungal-v1.pth')));
		expect(e.message).toBe("mycol-fungal-v1.pth: this checkpoint has no 'features.conv0.weight': it looks like a Cellpose segmentation model, not a DenseNet classifier");
	});

	it('says a truncated file is truncated', () => {
		const whole = tinyPth(config, weights);
		const e = modelError(() => importDenseNetCheckpoint('cut.pth', whole.subarray(0, whole.length >> 1)));
		expect(e.message).toMatch(/^cut\.pth: .*truncated/);
		const cp = sharedBytes('models/mycol-fungal-v1.pth');
		expect(modelError(() => importDenseNetCheckpoint('cp.pth', cp.subarray(0, 5000))).message).toMatch(/truncated/);
	});

	it('names files that are not PyTorch checkpoints', () => {
		const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
		expect(modelError(() => importDenseNetCheckpoint('cells.pth', png)).message).toBe('cells.pth: this is not a PyTorch model file: it looks like a PNG image');
		const h5 = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
		expect(modelError(() => importDenseNetCheckpoint('model.h5', h5)).message).toContain('Keras/HDF5 file');
	});

	it('lists missing and unexpected keys', () => {
		const missing = tinyPth(config, weights, { drop: (k) => k === 'features.denseblock2.denselayer1.conv2.weight' || k === 'features.norm5.running_var' });
		expect(modelError(() => importDenseNetCheckpoint('m.pth', missing)).message).toBe(
			"m.pth: the checkpoint does not match torchvision's DenseNet: it lacks 2 weights of a DenseNet with growth rate 4, blocks (2, 2) and 8 initial features: 'features.denseblock2.denselayer1.conv2.weight' and 'features.norm5.running_var'"
		);
		const extra = stateDict((m) => m.set('features.extra.weight', { dtype: 'float32', shape: [2], data: new Float32Array(2) }));
		expect(modelError(() => denseNetFromStateDict('x.pth', extra)).message).toBe(
			"x.pth: the checkpoint does not match torchvision's DenseNet: it has 1 key such a DenseNet does not use: 'features.extra.weight'"
		);
	});

	it('names weights of the wrong shape, type or value', () => {
		const shape = stateDict((m) => m.set('features.norm5.weight', { dtype: 'float32', shape: [27], data: new Float32Array(27) }));
		expect(modelError(() => denseNetFromStateDict('s.pth', shape)).message).toBe(
			"s.pth: 1 weight does not have the shape of a DenseNet with growth rate 4, blocks (2, 2) and 8 initial features: 'features.norm5.weight' is (27) where (16) is needed"
		);
		const ints = stateDict((m) => m.set('features.norm0.bias', { dtype: 'int64', shape: [8], data: new BigInt64Array(8) }));
		expect(modelError(() => denseNetFromStateDict('i.pth', ints)).message).toBe("i.pth: weight 'features.norm0.bias' is stored as int64, not as floating-point numbers");
		const nan = stateDict((m) => m.set('features.norm0.bias', { dtype: 'float32', shape: [8], data: new Float32Array(8).fill(NaN) }));
		expect(modelError(() => denseNetFromStateDict('n.pth', nan)).message).toContain("weight 'features.norm0.bias' contains NaN values");
		const twice = stateDict((m) => m.set('module.features.norm0.bias', m.get('features.norm0.bias')!));
		expect(modelError(() => denseNetFromStateDict('t.pth', twice)).message).toContain("holds both 'features.norm0.bias' and 'module.features.norm0.bias'");
		const gap = stateDict((m) => {
			for (const k of [...m.keys()]) if (k.startsWith('features.denseblock1.denselayer1.')) m.delete(k);
		});
		expect(modelError(() => denseNetFromStateDict('g.pth', gap)).message).toBe('g.pth: dense block 1 of the checkpoint lacks layer 1 while it has 1 layers; the file is incomplete or not a torchvision DenseNet');
	});
});

describe('class names', () => {
	it('reads JSON arrays, {classes: […]} and index maps', () => {
		expect(parseClassNames('c.json', '["budding", "hyphal", "round"]')).toEqual(['budding', 'hyphal', 'round']);
		expect(parseClassNames('c.json', '{"classes": ["a", "b"], "size": 64}')).toEqual(['a', 'b']);
		expect(parseClassNames('c.json', '{"1": "b", "0": "a", "2": "c"}')).toEqual(['a', 'b', 'c']);
		expect(() => parseClassNames('c.json', '["a", "a"]')).toThrow("c.json: the name 'a' is given to classes 1 and 2; each class needs its own name");
		expect(() => parseClassNames('c.json', '{"0": "a", "2": "c"}')).toThrow('no name is given for class index 1');
		expect(() => parseClassNames('c.json', '{"size": 64}')).toThrow(FormatError);
		expect(() => parseClassNames('c.json', '[1, ')).toThrow('c.json: the file is not valid JSON');
	});

	it("reads CSV: one name per line, with or without a header, and the Mycol app's patch labels", () => {
		expect(parseClassNames('c.csv', 'class\nbudding\nhyphal\n')).toEqual(['budding', 'hyphal']);
		expect(parseClassNames('c.csv', 'budding\r\nhyphal\r\n')).toEqual(['budding', 'hyphal']);
		const mycol = 'filename,label_idx,label\npatch_0001.png,1,hyphal\npatch_0002.png,0,budding\npatch_0003.png,1,hyphal\n';
		expect(parseClassNames('cell_patch_labels.csv', mycol)).toEqual(['budding', 'hyphal']);
		expect(() => parseClassNames('c.csv', 'label_idx,label\n0,a\n0,b\n')).toThrow("class index 0 is named both 'a' and 'b'");
		expect(() => parseClassNames('c.csv', 'x,y\n1,2\n')).toThrow("the CSV has columns 'x', 'y'");
	});

	it('reads typed names and checks the count against the model', () => {
		expect(parseTypedClassNames(' a, b ,c ')).toEqual(['a', 'b', 'c']);
		expect(parseTypedClassNames('a, b\nc\n\n')).toEqual(['a, b', 'c']);
		expect(defaultClassNames(2)).toEqual(['Class 1', 'Class 2']);
		expect(() => checkClassCount('m.pth', ['a', 'b'], 3)).toThrow('m.pth: the model has 3 outputs but 2 class names are given; give exactly one name per output');
	});
});
