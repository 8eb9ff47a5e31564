/**
 * Training the DenseNet cell classifier in tfjs (spec B7): stratified split, class-weighted
 * softmax cross-entropy, Adam, on-the-fly augmentation, the learning rate halved on plateaus,
 * early stopping on the validation loss with the best weights restored, a stop flag checked
 * between batches, and resume (the trainer keeps the model, the optimizer and the counters, so
 * `run` again goes on where it stopped). Memory stays bounded: every batch's tensors are freed,
 * the best weights are kept as host copies, and validation runs in batches; the number of live
 * tensors is the same after every epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { denseNetLayout, variantConfig, type DenseNetConfig } from '../../core/classify/densenet';
import { classificationMetrics } from '../../core/classify/metrics';
import type { PatchPreprocessing } from '../../core/classify/patches';
import { augmentedBatch } from '../../core/classify/train/augment';
import { balancedClassWeights, uniformClassWeights } from '../../core/classify/train/balance';
import type { ClassifierTrainConfig } from '../../core/classify/train/config';
import { EarlyStopping } from '../../core/classify/train/early-stopping';
import { historyCsv, misclassifiedExamples, type EpochRecord, type StopReason, type TrainingSummary } from '../../core/classify/train/history';
import { DEFAULT_CROP, type ClassifierMetadata, type PatchCrop } from '../../core/classify/train/model-metadata';
import { checkTrainable, classCounts, shuffleInPlace, stratifiedSplit, type Split } from '../../core/classify/train/split';
import { seededRandom } from '../../core/example/random';
import { ParamError } from '../../core/formats/errors';
import { writeTorchStateDict } from '../../core/formats/torch-pth-writer';
import { buildDenseNetModel, exportTorchState, predictLogits, saveTfjsModel } from './densenet-model';

/** Labelled patches: N × S × S × 3 (NHWC) on [0, 1], as `extractPatches` cuts them, and a class index each. */
export interface TrainingData {
	patches: Float32Array;
	labels: ArrayLike<number>;
	size: number;
}

export interface EpochReport extends EpochRecord {
	improved: boolean;
	/** 1-based epoch of the best validation loss so far. */
	bestEpoch: number;
	/** The epoch this run stops at at the latest. */
	maxEpochs: number;
}

export interface TrainerOptions {
	/** How the patches were cut (stored with the model, applied at inference); training takes `standardize: 'none'`. */
	preprocessing?: Partial<PatchPreprocessing>;
	/** How cells were cropped (stored with the model). */
	crop?: PatchCrop;
	/** A DenseNet configuration other than the config's variant (its class count is set from the data). */
	architecture?: DenseNetConfig;
}

export interface RunHooks {
	onEpoch?: (report: EpochReport) => void | Promise<void>;
	/** Asked before every batch; true stops the run (it can be resumed). */
	shouldStop?: () => boolean;
}

/** Adam whose learning rate can change between steps (tfjs reads it at every step). */
class AdjustableAdam extends tf.AdamOptimizer {
	setLearningRate(lr: number): void {
		this.learningRate = lr;
	}
}

/** A per-epoch seed, so a resumed run draws what an uninterrupted one would. */
function epochSeed(seed: number, epoch: number): number {
	return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(epoch + 1, 0xc2b2ae35)) >>> 0;
}

/** Let queued events (a worker's stop message, Ctrl+C) run: awaited tensor reads are only microtasks. */
function yieldToEvents(): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Batch boundaries; a last batch of one joins the one before (BatchNorm needs two samples). */
function batchStarts(n: number, batch: number): number[] {
	const starts: number[] = [];
	for (let s = 0; s < n; s += batch) starts.push(s);
	if (starts.length > 1 && n - starts[starts.length - 1] === 1) starts.pop();
	return starts;
}

/** Mean class-weighted cross-entropy and accuracy of logits on the host (the validation numbers). */
export function weightedCrossEntropy(logits: Float32Array, labels: ArrayLike<number>, numClasses: number, weights: ArrayLike<number>): { loss: number; accuracy: number } {
	const n = labels.length;
	let loss = 0;
	let correct = 0;
	for (let i = 0; i < n; i++) {
		const row = i * numClasses;
		let max = -Infinity;
		let arg = 0;
		for (let c = 0; c < numClasses; c++) {
			if (logits[row + c] > max) {
				max = logits[row + c];
				arg = c;
			}
		}
		let sum = 0;
		for (let c = 0; c < numClasses; c++) sum += Math.exp(logits[row + c] - max);
		const t = labels[i];
		loss += weights[t] * (max + Math.log(sum) - logits[row + t]);
		if (arg === t) correct++;
	}
	return { loss: n ? loss / n : NaN, accuracy: n ? correct / n : NaN };
}

function hostWeights(model: tf.LayersModel): Float32Array[] {
	// getWeights() returns the variables' own tensors: copy, never dispose.
	return model.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array));
}

function setHostWeights(model: tf.LayersModel, values: readonly Float32Array[]): void {
	const shapes = model.weights.map((w) => w.shape as number[]);
	const ts = values.map((v, i) => tf.tensor(v, shapes[i], 'float32'));
	try {
		model.setWeights(ts);
	} finally {
		tf.dispose(ts);
	}
}

function pick(labels: ArrayLike<number>, indices: ArrayLike<number>): Int32Array {
	return Int32Array.from({ length: indices.length }, (_, i) => labels[indices[i]]);
}

export class ClassifierTrainer {
	readonly model: tf.LayersModel;
	readonly config: ClassifierTrainConfig;
	readonly architecture: DenseNetConfig;
	readonly classNames: string[];
	readonly preprocessing: PatchPreprocessing;
	readonly crop: PatchCrop;
	readonly split: Split;
	readonly classWeights: Float64Array;
	readonly history: EpochRecord[] = [];
	private readonly data: TrainingData;
	private readonly numClasses: number;
	private readonly optimizer: AdjustableAdam;
	private readonly stopping: EarlyStopping;
	private readonly valPatches: Float32Array;
	private readonly valLabels: Int32Array;
	private readonly customArchitecture: boolean;
	private best: Float32Array[] | null = null;
	/** The latest weights while the model holds the best ones between runs. */
	private latest: Float32Array[] | null = null;
	private stoppedBy: StopReason | null = null;
	private seconds = 0;
	private disposed = false;

	/**
	 * Checks the data (≥ 2 classes, every class labelled, patch size as configured) and builds the
	 * untrained model.
	 */
	constructor(data: TrainingData, classNames: readonly string[], config: ClassifierTrainConfig, options: TrainerOptions = {}) {
		const { preprocessing, crop = DEFAULT_CROP } = options;
		const per = data.size * data.size * 3;
		if (data.size !== config.inputSize) throw new ParamError(undefined, `the patches are ${data.size} × ${data.size} pixels but the model is set to ${config.inputSize}`);
		if (data.patches.length !== data.labels.length * per) {
			throw new ParamError(undefined, `${data.labels.length} labels need ${data.labels.length * per} patch values, not ${data.patches.length}`);
		}
		if (preprocessing?.standardize && preprocessing.standardize !== 'none') {
			throw new ParamError(undefined, 'training from scratch takes unstandardised patches on [0, 1] (standardize: none)');
		}
		checkTrainable(data.labels, classNames);
		this.data = data;
		this.config = config;
		this.classNames = [...classNames];
		this.numClasses = classNames.length;
		this.preprocessing = { size: data.size, intensity: preprocessing?.intensity ?? 'percentile', standardize: preprocessing?.standardize ?? 'none' };
		this.crop = { ...crop };
		this.split = stratifiedSplit(data.labels, this.numClasses, config.validationFraction, config.seed);
		this.classWeights = config.balanceClasses ? balancedClassWeights(data.labels, this.numClasses, this.split.train) : uniformClassWeights(this.numClasses);
		this.valLabels = pick(data.labels, this.split.validation);
		this.valPatches = new Float32Array(this.split.validation.length * per);
		this.split.validation.forEach((s, i) => this.valPatches.set(data.patches.subarray(s * per, (s + 1) * per), i * per));
		this.customArchitecture = !!options.architecture;
		this.architecture = options.architecture ? { ...options.architecture, numClasses: this.numClasses } : variantConfig(config.variant, this.numClasses);
		this.model = buildDenseNetModel(this.architecture, { inputSize: data.size, seed: config.seed });
		this.optimizer = new AdjustableAdam(config.learningRate, 0.9, 0.999, 1e-7);
		this.stopping = new EarlyStopping({
			patience: config.patience,
			lrPatience: config.lrPatience,
			lrFactor: config.lrFactor,
			minLearningRate: config.minLearningRate,
			learningRate: config.learningRate
		});
	}

	/** Epochs trained so far. */
	get epochs(): number {
		return this.history.length;
	}

	/** 1-based epoch of the kept weights (0 before any epoch). */
	get bestEpoch(): number {
		return this.stopping.state.bestEpoch + 1;
	}

	/**
	 * Train until early stopping, `maxEpochs` epochs in all (default: the config's), or
	 * `shouldStop`. Afterwards the model holds the best weights; calling `run` again resumes from
	 * the latest ones (after early stopping, with the patience counted afresh).
	 */
	async run(hooks: RunHooks = {}, maxEpochs = this.config.maxEpochs): Promise<TrainingSummary> {
		if (this.disposed) throw new Error('this trainer was disposed');
		if (this.latest) {
			setHostWeights(this.model, this.latest);
			this.latest = null;
		}
		if (this.stoppedBy === 'early-stopping') this.stopping.resetPatience();
		this.stoppedBy = null;
		const { config, data } = this;
		const per = data.size * data.size * 3;
		const train = Uint32Array.from(this.split.train);
		const starts = batchStarts(train.length, config.batchSize);
		const buffer = new Float32Array(Math.min(train.length, config.batchSize + 1) * per);
		const weights = Float32Array.from(this.classWeights);
		while (this.stoppedBy === null) {
			if (this.epochs >= maxEpochs) {
				this.stoppedBy = 'max-epochs';
				break;
			}
			const t0 = performance.now();
			const epoch = this.epochs;
			const learningRate = this.stopping.state.learningRate;
			this.optimizer.setLearningRate(learningRate);
			const rand = seededRandom(epochSeed(config.seed, epoch));
			// From the split's order every epoch: the batches depend on the epoch alone, so a resumed run draws what an uninterrupted one would.
			train.set(this.split.train);
			shuffleInPlace(train, rand);
			let lossSum = 0;
			let correct = 0;
			let seen = 0;
			for (let b = 0; b < starts.length; b++) {
				await yieldToEvents();
				if (hooks.shouldStop?.()) {
					this.stoppedBy = 'user';
					break;
				}
				const end = b + 1 < starts.length ? starts[b + 1] : train.length;
				const idx = train.subarray(starts[b], end);
				const n = idx.length;
				const x = augmentedBatch(data.patches, idx, data.size, rand, config.augment, buffer);
				const { loss, hits } = await this.step(x, pick(data.labels, idx), weights, n);
				lossSum += loss * n;
				correct += hits;
				seen += n;
			}
			if (this.stoppedBy === 'user') break;
			const trainLoss = lossSum / seen;
			const val = await this.validate();
			const decision = this.stopping.update(val.loss);
			if (decision.improved) this.best = hostWeights(this.model);
			const record: EpochRecord = {
				epoch: epoch + 1,
				trainLoss,
				trainAccuracy: correct / seen,
				valLoss: val.loss,
				valAccuracy: val.accuracy,
				learningRate,
				seconds: (performance.now() - t0) / 1000
			};
			this.history.push(record);
			this.seconds += record.seconds;
			await hooks.onEpoch?.({ ...record, improved: decision.improved, bestEpoch: this.bestEpoch, maxEpochs });
			if (!Number.isFinite(trainLoss)) this.stoppedBy = 'diverged';
			else if (decision.stop) this.stoppedBy = 'early-stopping';
		}
		if (this.best) {
			this.latest = hostWeights(this.model);
			setHostWeights(this.model, this.best);
		}
		return this.summary(this.stoppedBy);
	}

	/** One Adam step on a batch; returns its mean weighted loss and the correct predictions. */
	private async step(x: Float32Array, labels: Int32Array, weights: Float32Array, n: number): Promise<{ loss: number; hits: number }> {
		const S = this.data.size;
		let correct: tf.Tensor | null = null;
		const cost = tf.tidy(() => {
			const xs = tf.tensor4d(x.subarray(0, n * S * S * 3), [n, S, S, 3]);
			const ys = tf.tensor1d(labels, 'int32');
			const onehot = tf.oneHot(ys, this.numClasses);
			const w = tf.gather(tf.tensor1d(weights), ys);
			return this.optimizer.minimize(() => {
				const logits = this.model.apply(xs, { training: true }) as tf.Tensor2D;
				correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), ys), 'int32')));
				return tf.losses.softmaxCrossEntropy(onehot, logits, w) as tf.Scalar;
			}, true) as tf.Scalar;
		});
		const hitsTensor = correct as tf.Tensor | null;
		try {
			// Awaited, not read synchronously: a worker stays responsive (stop) and WebGPU is not stalled.
			const [loss, hits] = await Promise.all([cost.data(), hitsTensor ? hitsTensor.data() : Promise.resolve([0])]);
			return { loss: loss[0], hits: hits[0] };
		} finally {
			cost.dispose();
			hitsTensor?.dispose();
		}
	}

	private async validate(): Promise<{ loss: number; accuracy: number; logits: Float32Array }> {
		const n = this.valLabels.length;
		const logits = await predictLogits(this.model, this.valPatches, n, this.data.size, this.config.batchSize);
		return { ...weightedCrossEntropy(logits, this.valLabels, this.numClasses, this.classWeights), logits };
	}

	/** The summary of the kept weights (validation metrics, misclassified cells, history). */
	private async summary(stoppedBy: StopReason): Promise<TrainingSummary> {
		const val = await this.validate();
		const K = this.numClasses;
		const pred = new Int32Array(this.valLabels.length);
		const conf = new Float64Array(this.valLabels.length);
		for (let i = 0; i < pred.length; i++) {
			let arg = 0;
			for (let c = 1; c < K; c++) if (val.logits[i * K + c] > val.logits[i * K + arg]) arg = c;
			let sum = 0;
			for (let c = 0; c < K; c++) sum += Math.exp(val.logits[i * K + c] - val.logits[i * K + arg]);
			pred[i] = arg;
			conf[i] = 1 / sum;
		}
		return {
			format: 'mycol-classifier-training',
			version: 1,
			classNames: [...this.classNames],
			config: this.config,
			preprocessing: { ...this.preprocessing },
			trainCounts: classCounts(pick(this.data.labels, this.split.train), K),
			validationCounts: classCounts(this.valLabels, K),
			classWeights: Array.from(this.classWeights),
			epochs: this.epochs,
			bestEpoch: this.bestEpoch,
			stoppedBy,
			validationLoss: val.loss,
			metrics: classificationMetrics(this.valLabels, pred, K),
			misclassified: misclassifiedExamples(this.split.validation, this.valLabels, pred, conf),
			history: this.history.map((h) => ({ ...h })),
			seconds: this.seconds,
			backend: tf.getBackend()
		};
	}

	/** The description stored with the weights. */
	metadata(): ClassifierMetadata {
		return { format: 'mycol-classifier', version: 1, classNames: [...this.classNames], preprocessing: { ...this.preprocessing }, architecture: this.architecture, crop: { ...this.crop }, ...(this.customArchitecture ? {} : { variant: this.config.variant }) };
	}

	/** Free the model and the optimizer's state. */
	dispose(): void {
		if (this.disposed) return;
		this.disposed = true;
		this.optimizer.dispose();
		this.model.dispose();
	}
}

/** One file of a saved classifier. */
export interface ClassifierFile {
	name: string;
	bytes: Uint8Array;
}

/** The file names of a saved classifier (see `classifierFiles`). */
export const CLASSIFIER_FILES = {
	modelJson: 'model.json',
	weights: 'weights.bin',
	metadata: 'classifier.json',
	torch: 'model.pth',
	summary: 'training-summary.json',
	history: 'training-history.csv'
} as const;

/**
 * A classifier as files: tfjs' `model.json` (with the metadata under `userDefinedMetadata.mycol`)
 * and `weights.bin`; `classifier.json` (the metadata alone, readable without tfjs); the PyTorch
 * state dict `model.pth` (torchvision key names, loadable with `load_state_dict` into the DenseNet
 * the metadata describes); and, after training, `training-summary.json` and `training-history.csv`.
 */
export async function classifierFiles(model: tf.LayersModel, metadata: ClassifierMetadata, summary?: TrainingSummary, opts: { torch?: boolean } = {}): Promise<ClassifierFile[]> {
	const enc = new TextEncoder();
	const tfjs = await saveTfjsModel(model, { mycol: metadata }, CLASSIFIER_FILES.weights);
	const files: ClassifierFile[] = [
		{ name: CLASSIFIER_FILES.modelJson, bytes: enc.encode(tfjs.modelJson) },
		{ name: CLASSIFIER_FILES.weights, bytes: tfjs.weightsBin },
		{ name: CLASSIFIER_FILES.metadata, bytes: enc.encode(JSON.stringify(metadata, null, 2) + '\n') }
	];
	if (opts.torch ?? true) files.push({ name: CLASSIFIER_FILES.torch, bytes: torchStateDictBytes(model, metadata) });
	if (summary) {
		files.push({ name: CLASSIFIER_FILES.summary, bytes: enc.encode(JSON.stringify(summary, null, 2) + '\n') });
		files.push({ name: CLASSIFIER_FILES.history, bytes: enc.encode(historyCsv(summary.history)) });
	}
	return files;
}

/** The weights as a PyTorch `.pth` state dict (`torch.save(model.state_dict())` of the same DenseNet). */
export function torchStateDictBytes(model: tf.LayersModel, metadata: ClassifierMetadata): Uint8Array {
	const state = exportTorchState(model, denseNetLayout(metadata.architecture));
	return writeTorchStateDict([...state].map(([key, t]) => ({ key, dtype: t.dtype, shape: t.shape, data: t.data })), { archiveName: 'model' });
}
