/**
 * Cellpose 3.1 `train.train_seg` over the tfjs CPnet (spec §6.4–6.6): per epoch a seeded shuffle
 * (Cellpose seeds numpy with the epoch number; we seed our generator with (seed, epoch)), the
 * epoch's learning rate from the schedule, batches augmented by `random_rotate_and_resize`, one
 * optimiser step per batch on `_loss_fn_seg`, the mean training loss per image, and on validation
 * epochs the same augmentation and loss in eval mode with a fixed seed (Cellpose's 42), averaged
 * per image. `diam_labels` becomes the training images' mean diameter.
 *
 * Memory is bounded: each step's tensors live in `tf.tidy`/`variableGrads` scopes and are disposed
 * before the next (a test checks that `tf.memory().numTensors` stays flat across epochs). Between
 * batches the loop yields to the event loop, so a worker can take a stop request; stopping takes
 * effect after the current batch and the unfinished epoch is not recorded. A checkpoint holds the
 * weights (a full state dict), the optimiser state and the history, and resumes at the next epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { isValidationEpoch, validateTrainConfig, type TrainConfig } from '../../core/cellpose/train/config';
import { learningRateSchedule } from '../../core/cellpose/train/schedule';
import { randomRotateAndResize } from '../../core/cellpose/train/augment';
import type { PreparedImage } from '../../core/cellpose/train/data';
import type { EpochRecord } from '../../core/cellpose/train/history';
import type { TorchTensorOut } from '../../core/formats/torch-pth-writer';
import type { CellposeTensor } from '../../core/cellpose/weights';
import { seededRandom } from '../../core/example/random';
import { CpnetModel } from './cpnet-model';
import { CpnetOptimizer, type OptimizerState } from './cpnet-optimizer';
import { segmentationLossTf } from './cpnet-loss';

/** The images to train and validate on (see `prepareTrainingSet`). */
export interface TrainImages {
	train: readonly PreparedImage[];
	validation: readonly PreparedImage[];
	/** Mean training diameter, written into the model as `diam_labels`. */
	diamLabels: number;
}

export interface TrainCheckpoint {
	format: 'mycol-cellpose-checkpoint';
	version: 1;
	config: TrainConfig;
	/** The epoch to run next. */
	nextEpoch: number;
	history: EpochRecord[];
	/** The model's full state dict (torch layout), as `CpnetModel.stateDict()`. */
	state: TorchTensorOut[];
	nbase: number[];
	nout: number;
	kernel: number;
	optimizer: OptimizerState;
	/** Training seconds so far. */
	seconds: number;
}

export interface TrainProgress {
	epoch: number;
	phase: 'train' | 'validation';
	/** Batches done in this phase, and their number. */
	batch: number;
	batches: number;
}

export interface TrainHooks {
	onEpoch?(record: EpochRecord): void | Promise<void>;
	onProgress?(p: TrainProgress): void;
	/** Checked before each batch; true stops the run after the current batch. */
	shouldStop?(): boolean;
	/** Called every `saveEvery` epochs (e > 0) and after the last epoch. */
	onCheckpoint?(c: TrainCheckpoint): void | Promise<void>;
}

export interface TrainResult {
	epochs: EpochRecord[];
	stopped: boolean;
	nextEpoch: number;
	seconds: number;
}

/** A seed for epoch e (or −1 for validation) from the run's seed, mixed so nearby values differ. */
export function epochSeed(seed: number, epoch: number): number {
	let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
	h = Math.imul(h ^ (epoch + 0x632be5ab), 0xc2b2ae35);
	return (h ^ (h >>> 16)) >>> 0;
}

/** A seeded permutation of 0..n−1 (Fisher–Yates), as `np.random.permutation`. */
export function permutation(n: number, rand: () => number): number[] {
	const p = Array.from({ length: n }, (_, i) => i);
	for (let i = n - 1; i > 0; i--) {
		const j = Math.floor(rand() * (i + 1));
		const t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	return p;
}

/** (N, C, H, W) → (N, H, W, C). */
export function toNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
	const hw = h * w;
	const out = new Float32Array(x.length);
	for (let b = 0; b < n; b++)
		for (let k = 0; k < c; k++) {
			const src = (b * c + k) * hw;
			const dst = b * hw * c + k;
			for (let i = 0; i < hw; i++) out[dst + i * c] = x[src + i];
		}
	return out;
}

/**
 * Images per forward/backward pass on the wasm backend at `bsize`: tfjs keeps every activation of
 * the forward pass until the backward pass ends, and wasm's heap stops at 4 GiB, where a full CPnet
 * batch of 6 at 224² already aborts. 4 at 224² fits, and the need scales with the crop's area.
 */
export function wasmMaxChunk(bsize: number): number {
	return Math.max(1, Math.floor(4 * (224 / bsize) ** 2));
}

/**
 * One optimiser step on an NHWC batch; returns the batch loss (before the step). A batch larger
 * than `maxChunk` runs as several forward/backward passes whose gradients add up, each weighted
 * by its share of the batch, before the one step: the batch-mean loss and its gradient are
 * Cellpose's, except that BatchNorm normalises each pass by its own statistics (and moves its
 * running statistics once per pass).
 */
export function trainStep(model: CpnetModel, optimizer: CpnetOptimizer, x: tf.Tensor4D, target: tf.Tensor4D, lr: number, maxChunk = Infinity): number {
	const n = x.shape[0];
	const vars = model.trainableVariables();
	if (n <= maxChunk) {
		const { value, grads } = tf.variableGrads(() => segmentationLossTf(model.forward(x, true).y, target), vars);
		try {
			optimizer.apply(model.params, grads, lr);
			return (value.dataSync() as Float32Array)[0];
		} finally {
			value.dispose();
			tf.dispose(grads);
		}
	}
	let total: tf.NamedTensorMap = {};
	let loss = 0;
	try {
		for (let s = 0; s < n; s += maxChunk) {
			const m = Math.min(maxChunk, n - s);
			const w = m / n;
			const xs = tf.slice(x, [s, 0, 0, 0], [m, -1, -1, -1]);
			const ts = tf.slice(target, [s, 0, 0, 0], [m, -1, -1, -1]);
			const { value, grads } = tf.variableGrads(() => segmentationLossTf(model.forward(xs, true).y, ts), vars);
			loss += (value.dataSync() as Float32Array)[0] * w;
			const next: tf.NamedTensorMap = {};
			for (const [k, g] of Object.entries(grads)) next[k] = tf.tidy(() => (total[k] ? tf.add(total[k], tf.mul(g, w)) : tf.mul(g, w)));
			tf.dispose([xs, ts, value, grads, total]);
			total = next;
		}
		optimizer.apply(model.params, total, lr);
		return loss;
	} finally {
		tf.dispose(total);
	}
}

/** The eval-mode loss of an NHWC batch, in passes of at most `maxChunk` images (exact: eval mode has no batch statistics). */
export function evalLoss(model: CpnetModel, x: tf.Tensor4D, target: tf.Tensor4D, maxChunk = Infinity): number {
	const n = x.shape[0];
	let loss = 0;
	for (let s = 0; s < n; s += Math.min(n, maxChunk)) {
		const m = Math.min(maxChunk, n - s);
		const v = tf.tidy(() => segmentationLossTf(model.forward(m === n ? x : tf.slice(x, [s, 0, 0, 0], [m, -1, -1, -1]), false).y, m === n ? target : tf.slice(target, [s, 0, 0, 0], [m, -1, -1, -1])));
		try {
			loss += (v.dataSync() as Float32Array)[0] * (m / n);
		} finally {
			v.dispose();
		}
	}
	return loss;
}

const nextTick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The model of a checkpoint (weights, BatchNorm counters, diameters). */
export function modelFromCheckpoint(c: TrainCheckpoint): CpnetModel {
	const tensors = new Map<string, CellposeTensor>();
	const counts = new Map<string, bigint>();
	for (const t of c.state) {
		if (t.dtype === 'int64') counts.set(t.key.slice(0, -'.num_batches_tracked'.length), (t.data as BigInt64Array)[0]);
		else tensors.set(t.key, { shape: [...t.shape], data: t.data as Float32Array });
	}
	const diam = (k: string) => tensors.get(k)?.data[0] ?? 30;
	return CpnetModel.fromWeights(
		{ nbase: c.nbase, nout: c.nout, kernel: c.kernel, tensors, diamMean: diam('diam_mean'), diamLabels: diam('diam_labels') },
		{ bnMomentum: c.config.bnMomentum, batchesTracked: counts }
	);
}

/** Runs `train_seg` epochs on one model; holds the optimiser and the history between runs. */
export class CellposeTrainer {
	readonly config: TrainConfig;
	readonly schedule: Float64Array;
	readonly optimizer: CpnetOptimizer;
	/** Images per forward/backward pass (see `trainStep`): bounded on wasm by its 4 GiB heap. */
	readonly maxChunk: number;
	history: EpochRecord[] = [];
	nextEpoch = 0;
	seconds = 0;

	constructor(
		readonly model: CpnetModel,
		readonly images: TrainImages,
		config: TrainConfig,
		resume?: TrainCheckpoint
	) {
		validateTrainConfig(config);
		if (images.train.length === 0) throw new RangeError('CellposeTrainer: no training images');
		this.config = config;
		this.schedule = learningRateSchedule(config.learningRate, config.nEpochs);
		this.optimizer = new CpnetOptimizer(config.optimizer, config.weightDecay, config.momentum);
		this.maxChunk = tf.getBackend() === 'wasm' ? wasmMaxChunk(config.bsize) : Infinity;
		model.bnMomentum = config.bnMomentum;
		model.diamLabels = images.diamLabels;
		if (resume) {
			this.optimizer.setState(resume.optimizer);
			this.history = resume.history.map((r) => ({ ...r }));
			this.nextEpoch = resume.nextEpoch;
			this.seconds = resume.seconds;
		}
	}

	/** Images per pass when a batch is split to fit memory, or null when a batch runs in one pass. */
	get imagesPerPass(): number | null {
		return this.maxChunk < this.config.batchSize ? this.maxChunk : null;
	}

	private rescale(img: PreparedImage): number {
		return this.config.rescale ? img.diameter / this.model.diamMean : 1;
	}

	/** Augment one batch and put it in NHWC tensors. */
	private batch(imgs: readonly PreparedImage[], rand: () => number): [tf.Tensor4D, tf.Tensor4D] {
		const { bsize, scaleRange } = this.config;
		const b = randomRotateAndResize(imgs, imgs.map((i) => this.rescale(i)), scaleRange, bsize, rand);
		const n = imgs.length;
		const c = imgs[0].channels;
		return [tf.tensor4d(toNhwc(b.x, n, c, bsize, bsize), [n, bsize, bsize, c]), tf.tensor4d(toNhwc(b.y, n, 3, bsize, bsize), [n, bsize, bsize, 3])];
	}

	/** Mean eval-mode loss over the validation images (fixed augmentation seed), or null without any. */
	async validate(epoch: number, hooks: TrainHooks = {}): Promise<number | null> {
		const val = this.images.validation;
		if (val.length === 0) return null;
		const rand = seededRandom(epochSeed(this.config.seed, -1));
		const order = permutation(val.length, rand);
		const bs = this.config.batchSize;
		const batches = Math.ceil(order.length / bs);
		let sum = 0;
		for (let k = 0; k < order.length; k += bs) {
			const imgs = order.slice(k, k + bs).map((i) => val[i]);
			const [x, t] = this.batch(imgs, rand);
			try {
				sum += evalLoss(this.model, x, t, this.maxChunk) * imgs.length;
			} finally {
				tf.dispose([x, t]);
			}
			hooks.onProgress?.({ epoch, phase: 'validation', batch: k / bs + 1, batches });
			await nextTick();
		}
		return sum / order.length;
	}

	/** Run from `nextEpoch` to the last epoch, or until `shouldStop`. */
	async run(hooks: TrainHooks = {}): Promise<TrainResult> {
		const { nEpochs, batchSize: bs, seed, nimgPerEpoch, saveEvery } = this.config;
		const train = this.images.train;
		let stopped = false;
		for (let e = this.nextEpoch; e < nEpochs && !stopped; e++) {
			const t0 = performance.now();
			const rand = seededRandom(epochSeed(seed, e));
			const order = nimgPerEpoch === null ? permutation(train.length, rand) : Array.from({ length: nimgPerEpoch }, () => Math.floor(rand() * train.length));
			const lr = this.schedule[e];
			const batches = Math.ceil(order.length / bs);
			let sum = 0;
			for (let k = 0; k < order.length; k += bs) {
				if (hooks.shouldStop?.()) {
					stopped = true;
					break;
				}
				const imgs = order.slice(k, k + bs).map((i) => train[i]);
				const [x, t] = this.batch(imgs, rand);
				try {
					sum += trainStep(this.model, this.optimizer, x, t, lr, this.maxChunk) * imgs.length;
				} finally {
					tf.dispose([x, t]);
				}
				hooks.onProgress?.({ epoch: e, phase: 'train', batch: k / bs + 1, batches });
				await nextTick();
			}
			if (stopped) break;
			const validationLoss = isValidationEpoch(this.config, e) ? await this.validate(e, hooks) : null;
			const seconds = (performance.now() - t0) / 1000;
			this.seconds += seconds;
			const record: EpochRecord = { epoch: e, learningRate: lr, trainLoss: sum / order.length, validationLoss, seconds };
			this.history.push(record);
			this.nextEpoch = e + 1;
			await hooks.onEpoch?.(record);
			if (hooks.onCheckpoint && ((e > 0 && e % saveEvery === 0) || e === nEpochs - 1)) await hooks.onCheckpoint(this.checkpoint());
			stopped = stopped || (hooks.shouldStop?.() ?? false);
		}
		return { epochs: this.history, stopped: stopped && this.nextEpoch < nEpochs, nextEpoch: this.nextEpoch, seconds: this.seconds };
	}

	/** Everything needed to resume at `nextEpoch` (copies; the trainer can go on). */
	checkpoint(): TrainCheckpoint {
		return {
			format: 'mycol-cellpose-checkpoint',
			version: 1,
			config: { ...this.config },
			nextEpoch: this.nextEpoch,
			history: this.history.map((r) => ({ ...r })),
			state: this.model.stateDict(),
			nbase: [...this.model.nbase],
			nout: this.model.nout,
			kernel: this.model.kernel,
			optimizer: this.optimizer.getState(),
			seconds: this.seconds
		};
	}

	dispose(): void {
		this.optimizer.dispose();
	}
}
