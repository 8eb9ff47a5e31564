/**
 * DenseNet described without any tensor library, exactly as torchvision builds it
 * (`torchvision.models.densenet.DenseNet`, unchanged from 0.14 to 0.20): the configuration, the
 * variants Mycol offers, every module in torchvision's order with its channel counts, every weight
 * with its state-dict key and torch shape, and parameter counts. The tfjs model
 * (`runtime/tfjs/densenet-model.ts`) and the plain reference forward pass are both built from
 * this one description, so a weight's name and shape are defined in one place.
 */
import { ParamError } from '../formats/errors';

/** The classifier after global average pooling. */
export type ClassifierHead =
	/** torchvision's `classifier = Linear(features, C)`. */
	| { kind: 'linear' }
	/** The original Mycol app's PyTorch head: `Sequential(Linear(features, hidden), ReLU, Linear(hidden, C))`. */
	| { kind: 'mlp'; hidden: number };

export interface DenseNetConfig {
	/** k: channels each dense layer adds. */
	growthRate: number;
	/** Dense layers per block; a transition (halving channels and size) follows every block but the last. */
	blockConfig: readonly number[];
	/** Channels of the stem convolution. */
	numInitFeatures: number;
	/** Bottleneck width factor: each dense layer's 1 × 1 conv gives bnSize·k channels. */
	bnSize: number;
	/** Output classes (logits). */
	numClasses: number;
	head: ClassifierHead;
}

/** BatchNorm epsilon of torch (`nn.BatchNorm2d` default); Keras' own DenseNet uses 1.001e-5. */
export const BN_EPSILON = 1e-5;
/** BatchNorm momentum in torch's sense (weight of the new batch statistic); tfjs' momentum is 1 − this. */
export const BN_MOMENTUM_TORCH = 0.1;

export type DenseNetVariantId = 'densenet121' | 'densenet121-k12' | 'compact-k12' | 'compact-k16';

export interface DenseNetVariant {
	id: DenseNetVariantId;
	label: string;
	growthRate: number;
	blockConfig: readonly number[];
	numInitFeatures: number;
	bnSize: number;
}

/** The variants of spec B5 (same code, other hyper-parameters). */
export const DENSENET_VARIANTS: Readonly<Record<DenseNetVariantId, DenseNetVariant>> = {
	densenet121: { id: 'densenet121', label: 'DenseNet-121', growthRate: 32, blockConfig: [6, 12, 24, 16], numInitFeatures: 64, bnSize: 4 },
	'densenet121-k12': { id: 'densenet121-k12', label: 'DenseNet-121, k = 12', growthRate: 12, blockConfig: [6, 12, 24, 16], numInitFeatures: 24, bnSize: 4 },
	'compact-k12': { id: 'compact-k12', label: 'Compact (3 blocks, k = 12)', growthRate: 12, blockConfig: [6, 12, 8], numInitFeatures: 24, bnSize: 4 },
	'compact-k16': { id: 'compact-k16', label: 'Compact (3 blocks, k = 16)', growthRate: 16, blockConfig: [4, 8, 8], numInitFeatures: 32, bnSize: 4 }
};

/** Trains from scratch in a browser in minutes; DenseNet-121 is offered for parity with Mycol. */
export const DEFAULT_VARIANT: DenseNetVariantId = 'compact-k12';

/** The configuration of a variant with a C-class head. */
export function variantConfig(id: DenseNetVariantId, numClasses: number, head: ClassifierHead = { kind: 'linear' }): DenseNetConfig {
	const v = DENSENET_VARIANTS[id];
	if (!v) throw new ParamError(undefined, `'${String(id)}' is not a DenseNet variant Mycol knows (${Object.keys(DENSENET_VARIANTS).join(', ')})`);
	const config: DenseNetConfig = { growthRate: v.growthRate, blockConfig: [...v.blockConfig], numInitFeatures: v.numInitFeatures, bnSize: v.bnSize, numClasses, head };
	validateConfig(config);
	return config;
}

/** Largest sizes accepted from a file or a setting (far above any real DenseNet). */
const MAX_CHANNELS = 8192;
const MAX_LAYERS = 256;

/** Throw a ParamError unless every hyper-parameter is a positive whole number within limits. */
export function validateConfig(c: DenseNetConfig): void {
	const whole = (v: number, what: string, max: number) => {
		if (!Number.isInteger(v) || v < 1 || v > max) throw new ParamError(undefined, `the DenseNet ${what} must be a whole number from 1 to ${max}, not ${v}`);
	};
	whole(c.growthRate, 'growth rate', MAX_CHANNELS);
	whole(c.numInitFeatures, 'number of initial features', MAX_CHANNELS);
	whole(c.bnSize, 'bottleneck size', 64);
	whole(c.numClasses, 'number of classes', 100_000);
	if (c.blockConfig.length < 1 || c.blockConfig.length > 16) throw new ParamError(undefined, `a DenseNet needs 1 to 16 dense blocks, not ${c.blockConfig.length}`);
	c.blockConfig.forEach((n, b) => whole(n, `number of layers in block ${b + 1}`, MAX_LAYERS));
	if (c.head.kind === 'mlp') whole(c.head.hidden, 'hidden width of the classifier', MAX_CHANNELS);
	let ch = c.numInitFeatures;
	c.blockConfig.forEach((n, b) => {
		ch += n * c.growthRate;
		if (ch > MAX_CHANNELS) throw new ParamError(undefined, `this DenseNet would reach ${ch} channels in block ${b + 1}, more than ${MAX_CHANNELS}`);
		if (b < c.blockConfig.length - 1) ch = Math.floor(ch / 2);
	});
}

export interface ConvSpec {
	/** torch module name, e.g. `features.denseblock1.denselayer1.conv1`. */
	name: string;
	inChannels: number;
	outChannels: number;
	kernel: number;
	stride: number;
	/** Symmetric zero padding (torch `padding`). */
	pad: number;
}

export interface NormSpec {
	name: string;
	channels: number;
}

export interface LinearSpec {
	name: string;
	inFeatures: number;
	outFeatures: number;
}

/** `_DenseLayer`: norm1 → relu1 → conv1 (1 × 1, bnSize·k) → norm2 → relu2 → conv2 (3 × 3, pad 1, k); output = concat(input, new). */
export interface DenseLayerSpec {
	name: string;
	inChannels: number;
	norm1: NormSpec;
	conv1: ConvSpec;
	norm2: NormSpec;
	conv2: ConvSpec;
}

/** `_Transition`: norm → relu → conv (1 × 1, floor(c/2)) → AvgPool 2 × 2, stride 2 (floor mode). */
export interface TransitionSpec {
	name: string;
	norm: NormSpec;
	conv: ConvSpec;
}

export interface DenseBlockSpec {
	name: string;
	inChannels: number;
	outChannels: number;
	layers: DenseLayerSpec[];
	/** The transition after this block (null after the last block). */
	transition: TransitionSpec | null;
}

/**
 * The whole network in forward order. `features`: conv0 (7 × 7, stride 2, pad 3) → norm0 → relu0 →
 * pool0 (MaxPool 3 × 3, stride 2, pad 1) → blocks and transitions → norm5; then ReLU → global
 * average pool → classifier (torchvision's `DenseNet.forward`).
 */
export interface DenseNetLayout {
	config: DenseNetConfig;
	conv0: ConvSpec;
	norm0: NormSpec;
	blocks: DenseBlockSpec[];
	norm5: NormSpec;
	/** Channels entering the classifier (1024 for DenseNet-121). */
	numFeatures: number;
	/** One Linear, or two with a ReLU between them (`head.kind === 'mlp'`). */
	classifier: LinearSpec[];
}

/** The layout of a configuration (validated first). */
export function denseNetLayout(config: DenseNetConfig): DenseNetLayout {
	validateConfig(config);
	const k = config.growthRate;
	const width = config.bnSize * k;
	const conv0: ConvSpec = { name: 'features.conv0', inChannels: 3, outChannels: config.numInitFeatures, kernel: 7, stride: 2, pad: 3 };
	let ch = config.numInitFeatures;
	const blocks: DenseBlockSpec[] = config.blockConfig.map((n, b) => {
		const name = `features.denseblock${b + 1}`;
		const inChannels = ch;
		const layers: DenseLayerSpec[] = [];
		for (let i = 0; i < n; i++) {
			const ln = `${name}.denselayer${i + 1}`;
			const c = inChannels + i * k;
			layers.push({
				name: ln,
				inChannels: c,
				norm1: { name: `${ln}.norm1`, channels: c },
				conv1: { name: `${ln}.conv1`, inChannels: c, outChannels: width, kernel: 1, stride: 1, pad: 0 },
				norm2: { name: `${ln}.norm2`, channels: width },
				conv2: { name: `${ln}.conv2`, inChannels: width, outChannels: k, kernel: 3, stride: 1, pad: 1 }
			});
		}
		ch = inChannels + n * k;
		const outChannels = ch;
		let transition: TransitionSpec | null = null;
		if (b < config.blockConfig.length - 1) {
			const tn = `features.transition${b + 1}`;
			const out = Math.floor(ch / 2);
			transition = { name: tn, norm: { name: `${tn}.norm`, channels: ch }, conv: { name: `${tn}.conv`, inChannels: ch, outChannels: out, kernel: 1, stride: 1, pad: 0 } };
			ch = out;
		}
		return { name, inChannels, outChannels, layers, transition };
	});
	const classifier: LinearSpec[] =
		config.head.kind === 'linear'
			? [{ name: 'classifier', inFeatures: ch, outFeatures: config.numClasses }]
			: [
					{ name: 'classifier.0', inFeatures: ch, outFeatures: config.head.hidden },
					{ name: 'classifier.2', inFeatures: config.head.hidden, outFeatures: config.numClasses }
				];
	return { config, conv0, norm0: { name: 'features.norm0', channels: conv0.outChannels }, blocks, norm5: { name: 'features.norm5', channels: ch }, numFeatures: ch, classifier };
}

/** What a state-dict entry is, which decides how it converts to tfjs. */
export type WeightRole = 'conv' | 'bn-gamma' | 'bn-beta' | 'bn-mean' | 'bn-var' | 'bn-count' | 'linear-weight' | 'linear-bias';

export interface WeightSpec {
	/** State-dict key, e.g. `features.norm0.running_var`. */
	key: string;
	/** The module it belongs to, e.g. `features.norm0`. */
	module: string;
	/** torch shape: conv [O, I, kH, kW], linear [out, in], BN [C], `num_batches_tracked` []. */
	shape: number[];
	role: WeightRole;
	/** A learned parameter (counted by `parameterCount`), not a buffer (running statistics). */
	parameter: boolean;
}

function normSpecs(n: NormSpec): WeightSpec[] {
	const c = n.channels;
	return [
		{ key: `${n.name}.weight`, module: n.name, shape: [c], role: 'bn-gamma', parameter: true },
		{ key: `${n.name}.bias`, module: n.name, shape: [c], role: 'bn-beta', parameter: true },
		{ key: `${n.name}.running_mean`, module: n.name, shape: [c], role: 'bn-mean', parameter: false },
		{ key: `${n.name}.running_var`, module: n.name, shape: [c], role: 'bn-var', parameter: false },
		{ key: `${n.name}.num_batches_tracked`, module: n.name, shape: [], role: 'bn-count', parameter: false }
	];
}

function convSpecs(c: ConvSpec): WeightSpec[] {
	return [{ key: `${c.name}.weight`, module: c.name, shape: [c.outChannels, c.inChannels, c.kernel, c.kernel], role: 'conv', parameter: true }];
}

function linearSpecs(l: LinearSpec): WeightSpec[] {
	return [
		{ key: `${l.name}.weight`, module: l.name, shape: [l.outFeatures, l.inFeatures], role: 'linear-weight', parameter: true },
		{ key: `${l.name}.bias`, module: l.name, shape: [l.outFeatures], role: 'linear-bias', parameter: true }
	];
}

/** Every state-dict entry of the model, in the order torchvision's `state_dict()` lists them. */
export function weightSpecs(layout: DenseNetLayout): WeightSpec[] {
	const out: WeightSpec[] = [...convSpecs(layout.conv0), ...normSpecs(layout.norm0)];
	for (const b of layout.blocks) {
		for (const l of b.layers) out.push(...normSpecs(l.norm1), ...convSpecs(l.conv1), ...normSpecs(l.norm2), ...convSpecs(l.conv2));
		if (b.transition) out.push(...normSpecs(b.transition.norm), ...convSpecs(b.transition.conv));
	}
	out.push(...normSpecs(layout.norm5));
	for (const l of layout.classifier) out.push(...linearSpecs(l));
	return out;
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Learned parameters (as torch's `sum(p.numel() for p in model.parameters())`; running statistics excluded). */
export function parameterCount(config: DenseNetConfig): number {
	return weightSpecs(denseNetLayout(config))
		.filter((w) => w.parameter)
		.reduce((a, w) => a + numel(w.shape), 0);
}

/** Spatial size of the last block's feature map for an S × S input (64 → 2 for DenseNet-121). */
export function featureMapSize(config: DenseNetConfig, inputSize: number): number {
	let s = Math.floor((inputSize + 2 * 3 - 7) / 2) + 1; // conv0
	s = Math.floor((s + 2 - 3) / 2) + 1; // pool0
	for (let b = 0; b < config.blockConfig.length - 1; b++) s = Math.floor(s / 2); // transitions
	return s;
}

/** The tfjs layer name of a torch module: dots become underscores (`features.norm0` → `features_norm0`). */
export function tfjsLayerName(module: string): string {
	return module.replaceAll('.', '_');
}
