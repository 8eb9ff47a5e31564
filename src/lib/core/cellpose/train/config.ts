/**
 * Training settings for fine-tuning a Cellpose 3 network, with Cellpose 3.1 `train.train_seg`'s
 * defaults (spec §6.1) and a check that turns every bad value into a plain-sentence ParamError.
 */
import { ParamError } from '../../formats/errors';
import type { CellposeChannels } from '../channels';

export type OptimizerKind = 'adamw' | 'sgd';

export interface TrainConfig {
	/** Epochs to run (`n_epochs`). */
	nEpochs: number;
	/** Peak learning rate of the schedule (`learning_rate`, §6.2). */
	learningRate: number;
	/** AdamW: decoupled decay `p ← p − lr·wd·p`; SGD: `g ← g + wd·p` (`weight_decay`). */
	weightDecay: number;
	/** Images per optimiser step (`batch_size`). */
	batchSize: number;
	/** `SGD=False` → AdamW (β 0.9/0.999, eps 1e-8); `SGD=True` → SGD with momentum. */
	optimizer: OptimizerKind;
	/** SGD momentum (`momentum`, no dampening, no Nesterov). */
	momentum: number;
	/** Images drawn per epoch (`nimg_per_epoch`); null: every training image once, in a random order. */
	nimgPerEpoch: number | null;
	/** Training images with fewer masks are left out (`min_train_masks`). */
	minTrainMasks: number;
	/** Rescale each image so its cells are about `diam_mean` wide (`rescale`). */
	rescale: boolean;
	/** Random zoom range: scale drawn from [1 − r/2, 1 + r/2) (`scale_range`). */
	scaleRange: number;
	/** Side of the square training crops (`bsize`). */
	bsize: number;
	/** Share of the images (with masks) held out for validation, by image. */
	valFraction: number;
	/** Seed of the train/validation split and of every epoch's shuffling and augmentation. */
	seed: number;
	/** Cellpose `channels` ([0, 0] = grey); null: the first two channels as they are. */
	channels: CellposeChannels | null;
	/** Percentile-normalise every image once, up front (`normalize=True`, §6.3). */
	normalize: boolean;
	/** BatchNorm momentum in PyTorch's sense (Cellpose's `batchconv` sets 0.05, spec §6.5). */
	bnMomentum: number;
	/** Validation epochs: null = Cellpose's rule (epoch 5 and every 10th, from 0); N = every N-th epoch and the last. */
	validateEvery: number | null;
	/** A checkpoint is offered every this many epochs (`save_every`) and at the end. */
	saveEvery: number;
}

/** `train_seg`'s own defaults (the first column of spec §6.1), which Mycol uses. */
export const TRAIN_SEG_DEFAULTS: Readonly<TrainConfig> = Object.freeze({
	nEpochs: 2000,
	learningRate: 0.005,
	weightDecay: 1e-5,
	batchSize: 8,
	optimizer: 'adamw',
	momentum: 0.9,
	nimgPerEpoch: null,
	minTrainMasks: 5,
	rescale: true,
	scaleRange: 0.5,
	bsize: 224,
	valFraction: 0.2,
	seed: 42,
	channels: [0, 0] as CellposeChannels,
	normalize: true,
	bnMomentum: 0.05,
	validateEvery: null,
	saveEvery: 100
});

/**
 * The Cellpose GUI's fine-tuning recipe (SGD, lr 0.1, weight decay 1e-4, 100 epochs, no minimum
 * mask count), offered as a preset for fine-tuning cyto3-like models. The GUI also draws
 * max(8, #train) images per epoch; set `nimgPerEpoch` once the image count is known.
 */
export const GUI_PRESET: Readonly<Partial<TrainConfig>> = Object.freeze({
	optimizer: 'sgd',
	learningRate: 0.1,
	weightDecay: 1e-4,
	nEpochs: 100,
	minTrainMasks: 0
});

/** Defaults with `overrides` applied and checked. */
export function trainConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
	const c: TrainConfig = { ...TRAIN_SEG_DEFAULTS, ...stripUndefined(overrides) };
	validateTrainConfig(c);
	return c;
}

function stripUndefined(o: Partial<TrainConfig>): Partial<TrainConfig> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
	return out as Partial<TrainConfig>;
}

/** Largest values accepted (far above any sensible run; they keep typos from allocating or looping forever). */
export const TRAIN_LIMITS = { maxEpochs: 100_000, maxBatch: 256, maxBsize: 1024, maxImagesPerEpoch: 1_000_000 };

/** Throw a ParamError naming the first setting that is out of range. */
export function validateTrainConfig(c: TrainConfig): void {
	const whole = (v: number, what: string, min: number, max: number) => {
		if (!Number.isInteger(v) || v < min || v > max) throw new ParamError(undefined, `${what} must be a whole number from ${min} to ${max.toLocaleString('en-US')}, not ${v}`);
	};
	const real = (v: number, what: string, min: number, max: number, minOpen = false) => {
		if (typeof v !== 'number' || !Number.isFinite(v) || (minOpen ? v <= min : v < min) || v > max) {
			throw new ParamError(undefined, `${what} must be a number ${minOpen ? 'above' : 'from'} ${min}${max === Infinity ? '' : ` ${minOpen ? 'and at most' : 'to'} ${max}`}, not ${v}`);
		}
	};
	whole(c.nEpochs, 'the number of epochs', 1, TRAIN_LIMITS.maxEpochs);
	real(c.learningRate, 'the learning rate', 0, 10, true);
	real(c.weightDecay, 'the weight decay', 0, 1);
	whole(c.batchSize, 'the batch size', 1, TRAIN_LIMITS.maxBatch);
	if (c.optimizer !== 'adamw' && c.optimizer !== 'sgd') throw new ParamError(undefined, `the optimiser must be 'adamw' or 'sgd', not '${String(c.optimizer)}'`);
	real(c.momentum, 'the SGD momentum', 0, 0.999);
	if (c.nimgPerEpoch !== null) whole(c.nimgPerEpoch, 'the number of images per epoch', 1, TRAIN_LIMITS.maxImagesPerEpoch);
	whole(c.minTrainMasks, 'the minimum number of masks per training image', 0, 1_000_000);
	if (typeof c.rescale !== 'boolean') throw new ParamError(undefined, 'rescale must be true or false');
	real(c.scaleRange, 'the scale range', 0, 2);
	whole(c.bsize, 'the training crop size', 16, TRAIN_LIMITS.maxBsize);
	if (c.bsize % 16 !== 0) throw new ParamError(undefined, `the training crop size must be a multiple of 16 (Cellpose uses 224), not ${c.bsize}`);
	real(c.valFraction, 'the validation fraction', 0, 0.9);
	whole(c.seed, 'the seed', 0, 2 ** 32 - 1);
	if (c.channels !== null && (!Array.isArray(c.channels) || c.channels.length !== 2 || !c.channels.every((v) => Number.isInteger(v) && v >= 0))) {
		throw new ParamError(undefined, `the channels must be two whole numbers (0 = grey/none, 1 = first channel, …), not ${JSON.stringify(c.channels)}`);
	}
	if (typeof c.normalize !== 'boolean') throw new ParamError(undefined, 'normalize must be true or false');
	real(c.bnMomentum, 'the BatchNorm momentum', 0, 1, true);
	if (c.validateEvery !== null) whole(c.validateEvery, 'the validation interval', 1, TRAIN_LIMITS.maxEpochs);
	whole(c.saveEvery, 'the checkpoint interval', 1, TRAIN_LIMITS.maxEpochs);
}

/** Whether epoch `e` (0-based) computes a validation loss: Cellpose's `e == 5 or e % 10 == 0`, or every N-th and the last. */
export function isValidationEpoch(c: Pick<TrainConfig, 'validateEvery' | 'nEpochs'>, e: number): boolean {
	if (c.validateEvery === null) return e === 5 || e % 10 === 0;
	return e % c.validateEvery === 0 || e === c.nEpochs - 1;
}
