/**
 * Settings of one classifier training run, with spec B7's defaults for training a DenseNet from
 * scratch on a few hundred patches: Adam lr 1e-3 halved after 5 epochs without a better
 * validation loss (down to 1e-5), batch 32, at most 100 epochs, early stopping after 15 such
 * epochs with the best weights restored, stratified 20 % validation split with a fixed seed,
 * balanced class weights, flips + 90° rotations + brightness/contrast augmentation.
 */
import { DENSENET_VARIANTS, DEFAULT_VARIANT, type DenseNetVariantId } from '../densenet';
import { DEFAULT_PATCH_SIZE } from '../patches';
import { ParamError } from '../../formats/errors';

export interface AugmentConfig {
	/** Random horizontal and vertical flips (each with p = 0.5). */
	flips: boolean;
	/** A random multiple of 90° (exact, no resampling). */
	rotate90: boolean;
	/** Contrast factor a ~ U(1 − contrast, 1 + contrast) in x·a + b (0 = off; B7: 0.2). */
	contrast: number;
	/** Brightness offset b ~ U(−brightness, brightness) on [0, 1] data (0 = off; B7: 0.1). */
	brightness: number;
}

export interface ClassifierTrainConfig {
	variant: DenseNetVariantId;
	/** S of the S × S patches. */
	inputSize: number;
	batchSize: number;
	/** Epochs of this run at most (a resumed run counts on from where it stopped). */
	maxEpochs: number;
	learningRate: number;
	/** The learning rate is multiplied by `lrFactor` after `lrPatience` epochs without improvement… */
	lrPatience: number;
	lrFactor: number;
	/** …but never below this. */
	minLearningRate: number;
	/** Stop after this many epochs without a lower validation loss (0 = never stop early). */
	patience: number;
	/** Fraction of each class held out for validation. */
	validationFraction: number;
	/** Seeds the split, the weight initialisation, the batch order and the augmentation. */
	seed: number;
	/** Weight the loss by w_c = N / (K · n_c) (computed on the training split). */
	balanceClasses: boolean;
	augment: AugmentConfig;
}

export const DEFAULT_AUGMENT: Readonly<AugmentConfig> = { flips: true, rotate90: true, contrast: 0.2, brightness: 0.1 };

export const DEFAULT_TRAIN_CONFIG: Readonly<ClassifierTrainConfig> = {
	variant: DEFAULT_VARIANT,
	inputSize: DEFAULT_PATCH_SIZE,
	batchSize: 32,
	maxEpochs: 100,
	learningRate: 1e-3,
	lrPatience: 5,
	lrFactor: 0.5,
	minLearningRate: 1e-5,
	patience: 15,
	validationFraction: 0.2,
	seed: 42,
	balanceClasses: true,
	augment: DEFAULT_AUGMENT
};

function whole(v: number, what: string, min: number, max: number): void {
	if (!Number.isInteger(v) || v < min || v > max) throw new ParamError(undefined, `${what} must be a whole number from ${min} to ${max}, not ${v}`);
}

function between(v: number, what: string, min: number, max: number, openMin = false): void {
	if (!Number.isFinite(v) || v > max || (openMin ? v <= min : v < min)) {
		throw new ParamError(undefined, `${what} must be ${openMin ? 'above' : 'at least'} ${min} and at most ${max}, not ${v}`);
	}
}

/** The defaults overridden by `partial`, checked; throws a ParamError naming the first bad setting. */
export function trainConfig(partial: Partial<Omit<ClassifierTrainConfig, 'augment'>> & { augment?: Partial<AugmentConfig> } = {}): ClassifierTrainConfig {
	const c: ClassifierTrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...partial, augment: { ...DEFAULT_AUGMENT, ...partial.augment } };
	if (!Object.hasOwn(DENSENET_VARIANTS, c.variant)) {
		throw new ParamError(undefined, `'${String(c.variant)}' is not a DenseNet variant Mycol knows (${Object.keys(DENSENET_VARIANTS).join(', ')})`);
	}
	// Below 16 px the compact variants' feature map shrinks to nothing.
	whole(c.inputSize, 'the patch size', 16, 512);
	whole(c.batchSize, 'the batch size', 1, 1024);
	whole(c.maxEpochs, 'the number of epochs', 1, 10_000);
	between(c.learningRate, 'the learning rate', 0, 1, true);
	whole(c.lrPatience, 'the learning-rate patience', 1, 10_000);
	between(c.lrFactor, 'the learning-rate factor', 0, 1, true);
	between(c.minLearningRate, 'the smallest learning rate', 0, c.learningRate);
	whole(c.patience, 'the early-stopping patience', 0, 10_000);
	between(c.validationFraction, 'the validation fraction', 0, 0.9, true);
	whole(c.seed, 'the seed', 0, 2 ** 32 - 1);
	if (typeof c.balanceClasses !== 'boolean') throw new ParamError(undefined, 'class balancing must be on or off');
	if (typeof c.augment.flips !== 'boolean' || typeof c.augment.rotate90 !== 'boolean') throw new ParamError(undefined, 'flips and rotations must each be on or off');
	between(c.augment.contrast, 'the contrast range', 0, 1);
	between(c.augment.brightness, 'the brightness range', 0, 1);
	return c;
}
