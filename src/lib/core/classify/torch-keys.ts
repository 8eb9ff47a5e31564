/**
 * State-dict keys of a user's PyTorch DenseNet checkpoint → the canonical keys of `densenet.ts`,
 * and the configuration read off the keys and shapes instead of assuming DenseNet-121 (spec B8):
 * - a leading `module.` (DataParallel) or `model.` prefix is stripped;
 * - old torchvision names `…denselayerN.norm.1.weight` become `…norm1.weight`, by the regular
 *   expression torchvision's own `_load_state_dict` uses;
 * - `num_batches_tracked` entries are ignored;
 * - the classifier may be `classifier.{weight,bias}` (torchvision), a Sequential holding one Linear
 *   (e.g. `classifier.1.*` after a Dropout; loaded as a plain Linear), or the original Mycol app's
 *   `Sequential(Linear(1024, 128), ReLU, Linear(128, C))` saved as `classifier.0.*` and
 *   `classifier.2.*`; any other head is refused with its keys listed.
 */
import { ModelError, ParamError } from '../formats/errors';
import { validateConfig, type ClassifierHead, type DenseNetConfig } from './densenet';

/** torchvision `densenet._load_state_dict`'s pattern for pre-0.3 key names. */
const OLD_LAYER_KEY = /^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var|num_batches_tracked))$/;

/** `module.` (DataParallel) and `model.` wrappers, possibly nested. */
const WRAPPER_PREFIX = /^(?:module\.|model\.)+/;

/** A key without wrapper prefixes and with old-style layer names modernised. */
export function canonicalKey(key: string): string {
	const k = key.replace(WRAPPER_PREFIX, '');
	const m = OLD_LAYER_KEY.exec(k);
	return m ? m[1] + m[2] : k;
}

/** "a, b, c and 4 more" for messages. */
export function listKeys(keys: readonly string[], max = 6): string {
	const shown = keys.slice(0, max).map((k) => `'${k}'`);
	if (keys.length > max) return `${shown.join(', ')} and ${keys.length - max} more`;
	if (shown.length <= 1) return shown.join('');
	return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

export interface DenseNetKeyMap {
	config: DenseNetConfig;
	/** Canonical key → the key in the file. */
	canonical: Map<string, string>;
	/** Keys in the file that carry nothing the model needs (`num_batches_tracked`). */
	ignored: string[];
	/** Plain sentences about what was adapted (prefix stripped, old names, head). */
	notes: string[];
}

/** A guess at what a non-DenseNet state dict is, from its keys. */
function whatModelIs(keys: readonly string[]): string {
	const has = (p: string) => keys.some((k) => k.startsWith(p));
	if (has('downsample.') && (has('output.') || has('upsample.'))) return 'it looks like a Cellpose segmentation model, not a DenseNet classifier';
	if (has('image_encoder.') || has('sam_mask_decoder.')) return 'it looks like a SAM model, not a DenseNet classifier';
	if (has('layer1.') && has('fc.')) return 'it looks like a ResNet, not a DenseNet';
	if (has('features.') && !keys.some((k) => k.includes('denseblock'))) return 'its features have no dense blocks, so it is not a DenseNet (VGG, MobileNet, …?)';
	return `it is not a torchvision DenseNet (its first keys are ${listKeys(keys, 3)})`;
}

const LAYER_KEY = /^features\.denseblock(\d+)\.denselayer(\d+)\./;
const CLASSIFIER_SEQ = /^classifier\.(\d+)\.(weight|bias)$/;

/**
 * Map a checkpoint's keys (with their shapes) to the canonical DenseNet keys and infer its
 * configuration: init features = dim 0 of `features.conv0.weight`; layers per block = count of
 * `denselayerN` per `denseblockB`; k = dim 0 of a `conv2.weight`; bn_size = dim 0 of `conv1.weight` / k;
 * C = dim 0 of the last classifier weight. Shapes are checked against this configuration later.
 */
export function mapDenseNetKeys(file: string, shapes: ReadonlyMap<string, readonly number[]>): DenseNetKeyMap {
	const original = [...shapes.keys()];
	const canonical = new Map<string, string>();
	const ignored: string[] = [];
	const notes: string[] = [];
	let prefixed = 0;
	let renamed = 0;
	for (const key of original) {
		const c = canonicalKey(key);
		if (c.endsWith('.num_batches_tracked')) {
			ignored.push(key);
			continue;
		}
		const unprefixed = key.replace(WRAPPER_PREFIX, '');
		if (unprefixed !== key) prefixed++;
		if (OLD_LAYER_KEY.test(unprefixed)) renamed++;
		const before = canonical.get(c);
		if (before !== undefined) throw new ModelError(file, `the checkpoint holds both '${before}' and '${key}', which are the same weight; it cannot be loaded unambiguously`);
		canonical.set(c, key);
	}
	if (prefixed) notes.push(`The 'module.'/'model.' prefix of ${prefixed} keys was removed.`);
	if (renamed) notes.push(`${renamed} weights had old torchvision names (e.g. 'norm.1'), read as the current ones ('norm1').`);

	const shapeOf = (c: string) => shapes.get(canonical.get(c)!)!;
	if (!canonical.has('features.conv0.weight')) {
		throw new ModelError(file, `this checkpoint has no 'features.conv0.weight': ${whatModelIs(original)}`);
	}

	// Blocks and layers: denseblock1…B, each with denselayer1…n.
	const layers = new Map<number, Set<number>>();
	for (const c of canonical.keys()) {
		const m = LAYER_KEY.exec(c);
		if (!m) continue;
		const b = Number(m[1]);
		const i = Number(m[2]);
		if (!layers.has(b)) layers.set(b, new Set());
		layers.get(b)!.add(i);
	}
	if (layers.size === 0) throw new ModelError(file, `this checkpoint has no dense blocks ('features.denseblock1.…'): ${whatModelIs(original)}`);
	const blockConfig: number[] = [];
	for (let b = 1; b <= layers.size; b++) {
		const set = layers.get(b);
		if (!set) throw new ModelError(file, `the checkpoint's dense blocks are not numbered 1 to ${layers.size} (block ${b} is missing), so it is not a torchvision DenseNet`);
		for (let i = 1; i <= set.size; i++) {
			if (!set.has(i)) throw new ModelError(file, `dense block ${b} of the checkpoint lacks layer ${i} while it has ${set.size} layers; the file is incomplete or not a torchvision DenseNet`);
		}
		blockConfig.push(set.size);
	}

	const conv0 = shapeOf('features.conv0.weight');
	const conv1 = canonical.has('features.denseblock1.denselayer1.conv1.weight') ? shapeOf('features.denseblock1.denselayer1.conv1.weight') : null;
	const conv2 = canonical.has('features.denseblock1.denselayer1.conv2.weight') ? shapeOf('features.denseblock1.denselayer1.conv2.weight') : null;
	if (!conv1 || !conv2 || conv1.length !== 4 || conv2.length !== 4 || conv0.length !== 4) {
		throw new ModelError(file, "the checkpoint's first dense layer lacks 4-dimensional 'conv1.weight'/'conv2.weight' tensors, so it is not a torchvision DenseNet");
	}
	const growthRate = conv2[0];
	const bnSize = conv1[0] / growthRate;
	if (!Number.isInteger(bnSize)) {
		throw new ModelError(file, `the checkpoint's bottleneck width (${conv1[0]}) is not a multiple of its growth rate (${growthRate}), so it is not a torchvision DenseNet`);
	}

	const { head, numClasses } = mapClassifier(file, canonical, shapes, notes);
	const config: DenseNetConfig = { growthRate, blockConfig, numInitFeatures: conv0[0], bnSize, numClasses, head };
	try {
		validateConfig(config);
	} catch (e) {
		if (e instanceof ParamError) throw new ModelError(file, `the checkpoint describes an unusable network: ${e.reason}`);
		throw e;
	}
	return { config, canonical, ignored, notes };
}

/** Find the head, rename its keys to the canonical ones (in place), return its kind and C. */
function mapClassifier(file: string, canonical: Map<string, string>, shapes: ReadonlyMap<string, readonly number[]>, notes: string[]): { head: ClassifierHead; numClasses: number } {
	const keys = [...canonical.keys()].filter((k) => k === 'classifier' || k.startsWith('classifier.'));
	if (keys.length === 0) {
		throw new ModelError(file, "the checkpoint has no classifier ('classifier.weight'); Mycol imports whole classifiers, not a backbone alone");
	}
	const shapeOf = (c: string) => shapes.get(canonical.get(c)!)!;
	const refuse = (): never => {
		throw new ModelError(
			file,
			`the checkpoint's classifier (${listKeys(keys)}) is neither torchvision's Linear nor the Mycol app's Linear–ReLU–Linear head, so Mycol cannot tell how to run it`
		);
	};
	if (keys.every((k) => k === 'classifier.weight' || k === 'classifier.bias')) {
		if (keys.length !== 2 || shapeOf('classifier.weight').length !== 2) refuse();
		return { head: { kind: 'linear' }, numClasses: shapeOf('classifier.weight')[0] };
	}
	const indices = new Map<number, string[]>();
	for (const k of keys) {
		const m = CLASSIFIER_SEQ.exec(k);
		if (!m) refuse();
		const i = Number(m![1]);
		if (!indices.has(i)) indices.set(i, []);
		indices.get(i)!.push(k);
	}
	const sorted = [...indices.keys()].sort((a, b) => a - b);
	for (const i of sorted) {
		if (!canonical.has(`classifier.${i}.weight`) || !canonical.has(`classifier.${i}.bias`) || shapeOf(`classifier.${i}.weight`).length !== 2) refuse();
	}
	const rename = (from: string, to: string) => {
		const orig = canonical.get(from)!;
		canonical.delete(from);
		canonical.set(to, orig);
	};
	if (sorted.length === 1) {
		const i = sorted[0];
		rename(`classifier.${i}.weight`, 'classifier.weight');
		rename(`classifier.${i}.bias`, 'classifier.bias');
		notes.push(`The classifier is the Linear layer 'classifier.${i}' of a Sequential; it is used as a plain Linear (Dropout and similar layers do nothing at inference).`);
		return { head: { kind: 'linear' }, numClasses: shapeOf('classifier.weight')[0] };
	}
	if (sorted.length === 2 && sorted[0] === 0 && sorted[1] === 2) {
		const hidden = shapeOf('classifier.0.weight')[0];
		notes.push(`The classifier is the Mycol app's head: Linear to ${hidden} features, ReLU, Linear to ${shapeOf('classifier.2.weight')[0]} classes.`);
		return { head: { kind: 'mlp', hidden }, numClasses: shapeOf('classifier.2.weight')[0] };
	}
	return refuse();
}
