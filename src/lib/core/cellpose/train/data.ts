/**
 * The training set from a session's images and masks, prepared as Cellpose 3.1
 * `train._process_train_test` does (spec §6.3): the network channels (`convert_image`), percentile
 * normalisation once up front, flow and cellprob targets, each image's cell diameter (floor 5),
 * images with too few masks dropped, and `diam_labels` = the mean training diameter. Mycol adds the
 * split into training and validation images (by image, seeded), which Cellpose leaves to the caller.
 */
import { ParamError } from '../../formats/errors';
import type { Labels, Raster } from '../../raster/types';
import { seededRandom } from '../../example/random';
import { toNetworkChannels, type CellposeChannels } from '../channels';
import { normalizeImage } from '../normalize';
import { trainingTargets } from './targets';
import type { AugmentSource } from './augment';

/** One image of the session, with its mask (null: not annotated). */
export interface TrainingItem {
	name: string;
	raster: Raster;
	labels: Labels | null;
}

/** An image ready for `randomRotateAndResize`, with what the loop and the summary need to know. */
export interface PreparedImage extends AugmentSource {
	name: string;
	/** Distinct non-zero labels. */
	masks: number;
	/** `utils.diameters`, at least 5 (Cellpose's floor). */
	diameter: number;
}

export interface SkippedImage {
	name: string;
	reason: string;
}

export interface TrainingSet {
	train: PreparedImage[];
	validation: PreparedImage[];
	/** Mean diameter of the training images (`net.diam_labels` after training). */
	diamLabels: number;
	skipped: SkippedImage[];
}

/** Cellpose's floor on a training image's diameter (`diam_train[diam_train < 5] = 5`). */
export const MIN_TRAIN_DIAMETER = 5;

/**
 * Indices 0..n−1 split into training and validation, by a seeded shuffle: `ceil(f·n)` images are
 * held out (as scikit-learn's `train_test_split(test_size=f)`, which the original Mycol app used),
 * at least one stays for training.
 */
export function splitByImage(n: number, valFraction: number, seed: number): { train: number[]; validation: number[] } {
	if (!(valFraction >= 0 && valFraction < 1)) throw new ParamError(undefined, `the validation fraction must be from 0 to below 1, not ${valFraction}`);
	const order = Array.from({ length: n }, (_, i) => i);
	const rand = seededRandom(seed);
	for (let i = n - 1; i > 0; i--) {
		const j = Math.floor(rand() * (i + 1));
		const t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	const nVal = valFraction > 0 ? Math.ceil(valFraction * n - 1e-9) : 0;
	if (n > 0 && n - nVal < 1) {
		throw new ParamError(
			undefined,
			`${n === 1 ? 'only one image has' : `only ${n} images have`} a mask, so holding out ${Math.round(valFraction * 100)} % for validation leaves none to train on; annotate more images or set the validation fraction to 0`
		);
	}
	return { validation: order.slice(0, nVal).sort((a, b) => a - b), train: order.slice(nVal).sort((a, b) => a - b) };
}

/** The network input (2, H, W) of one image: channels chosen as Cellpose does, then normalised (or not). */
export function networkInput(item: TrainingItem, channels: CellposeChannels | null, normalize: boolean): Float32Array {
	let img: Float32Array;
	try {
		img = toNetworkChannels(item.raster, channels);
	} catch (e) {
		if (e instanceof ParamError) throw new ParamError(item.name, e.reason);
		throw e;
	}
	if (normalize) normalizeImage(img, 2, item.raster.height, item.raster.width);
	return img;
}

function prepare(item: TrainingItem, labels: Labels, channels: CellposeChannels | null, normalize: boolean): PreparedImage {
	const { width, height } = item.raster;
	if (labels.width !== width || labels.height !== height) {
		throw new ParamError(item.name, `the mask is ${labels.width} × ${labels.height} pixels but the image is ${width} × ${height}; they must be the same size`);
	}
	const t = trainingTargets(labels.data, height, width, item.name);
	return {
		name: item.name,
		image: networkInput(item, channels, normalize),
		target: t.data,
		channels: 2,
		width,
		height,
		masks: t.masks,
		diameter: Math.max(MIN_TRAIN_DIAMETER, t.diameter)
	};
}

export interface PrepareOptions {
	valFraction: number;
	seed: number;
	minTrainMasks: number;
	channels: CellposeChannels | null;
	normalize: boolean;
}

/**
 * Split the annotated images and prepare both sets. Images without a mask are skipped (and
 * listed); training images with fewer than `minTrainMasks` masks are dropped, as Cellpose does.
 * Throws a ParamError when nothing is left to train on.
 */
export function prepareTrainingSet(items: readonly TrainingItem[], opts: PrepareOptions): TrainingSet {
	const skipped: SkippedImage[] = [];
	const annotated: { item: TrainingItem; labels: Labels }[] = [];
	for (const item of items) {
		if (item.labels) annotated.push({ item, labels: item.labels });
		else skipped.push({ name: item.name, reason: 'it has no mask' });
	}
	if (annotated.length === 0) {
		throw new ParamError(undefined, items.length === 0 ? 'there are no images to train on' : 'none of the images has a mask; draw or load masks for the images to train on');
	}
	const split = splitByImage(annotated.length, opts.valFraction, opts.seed);
	const train: PreparedImage[] = [];
	for (const i of split.train) {
		const p = prepare(annotated[i].item, annotated[i].labels, opts.channels, opts.normalize);
		if (p.masks < opts.minTrainMasks) {
			skipped.push({ name: p.name, reason: `it has ${p.masks} mask${p.masks === 1 ? '' : 's'}, fewer than the ${opts.minTrainMasks} a training image needs` });
		} else train.push(p);
	}
	const validation = split.validation.map((i) => prepare(annotated[i].item, annotated[i].labels, opts.channels, opts.normalize));
	if (train.length === 0) {
		throw new ParamError(
			undefined,
			`no training image has at least ${opts.minTrainMasks} masks (Cellpose's minimum per image); annotate more cells or lower the minimum`
		);
	}
	const diamLabels = train.reduce((a, p) => a + p.diameter, 0) / train.length;
	return { train, validation, diamLabels, skipped };
}
