/**
 * The DenseNet cell classifier off the main thread, on tfjs (WebGPU, else WASM, else the JS CPU
 * backend; `runtime/tfjs/backend.ts`): loading a model (Mycol's tfjs files or a PyTorch state
 * dict), classifying every cell of a set of images with progress and cancel, training from
 * labelled patches with a live epoch callback, stop and resume, and exporting the weights (tfjs
 * files and a PyTorch `.pth`) with the training summary. Replies carry user mistakes as
 * `{ ok: false, message }`; anything else is a bug and throws.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { CancelledError } from '../src/lib/core/cellpose/pipeline';
import { parameterCount, type DenseNetConfig } from '../src/lib/core/classify/densenet';
import { extractPatches, type PatchPreprocessing } from '../src/lib/core/classify/patches';
import { trainConfig, type AugmentConfig, type ClassifierTrainConfig } from '../src/lib/core/classify/train/config';
import type { TrainingSummary } from '../src/lib/core/classify/train/history';
import { DEFAULT_CROP, type ClassifierMetadata, type PatchCrop } from '../src/lib/core/classify/train/model-metadata';
import { UserError } from '../src/lib/core/formats/errors';
import type { Labels, Raster } from '../src/lib/core/raster/types';
import type { TfjsBackendName } from '../src/lib/runtime/tfjs/backend';
import { workerTfjsBackend } from '../src/lib/runtime/tfjs/worker-backend';
import { classifyPatches, loadTfjsClassifier, loadTorchClassifier } from '../src/lib/runtime/tfjs/classifier-infer';
import { CLASSIFIER_FILES, ClassifierTrainer, classifierFiles, torchStateDictBytes, type ClassifierFile, type EpochReport } from '../src/lib/runtime/tfjs/classifier-train';

export type Reply<T> = { ok: true; value: T } | { ok: false; cancelled: boolean; message: string };

export interface ClassifierInfo {
	id: string;
	classNames: string[];
	preprocessing: PatchPreprocessing;
	crop: PatchCrop;
	architecture: DenseNetConfig;
	parameters: number;
	/** Where it came from. */
	source: 'trained' | 'tfjs' | 'torch';
	/** Assumptions made while loading (e.g. a checkpoint without class names). */
	notes: string[];
}

/** One image to classify: its pixels and its mask (every cell id > 0 is classified). */
export interface ClassifyItem {
	key: string;
	image: Raster;
	labels: Labels;
}

export interface ClassifiedImage {
	key: string;
	/** Cell ids, ascending. */
	ids: Uint32Array;
	/** Class index (into the model's class names) of each cell. */
	classIndex: Int32Array;
	/** Softmax probability of that class. */
	confidence: Float32Array;
}

export interface ClassifyProgress {
	/** Cells done over all images, and the total. */
	done: number;
	total: number;
	/** Images finished. */
	images: number;
}

/** Labelled patches (`labelledPatches` in core/classify/train), transferred to the worker. */
export interface TrainRequest {
	patches: Float32Array;
	labels: Int32Array;
	size: number;
	classNames: string[];
	/** Overrides of the spec B7 defaults (`trainConfig`). */
	config?: Partial<Omit<ClassifierTrainConfig, 'augment'>> & { augment?: Partial<AugmentConfig> };
	/** How the patches were cropped (stored with the model). */
	crop?: PatchCrop;
}

export interface ClassifyApi {
	/** Start tfjs; returns the backend in use. Called by every other method when needed. */
	init(prefer?: TfjsBackendName | 'auto'): Promise<TfjsBackendName>;
	/**
	 * Load a model under `id` from files: Mycol's `model.json` + `weights.bin` (+ `classifier.json`),
	 * or one PyTorch `.pth`/`.pt` (with `classNames` when known).
	 */
	loadModel(id: string, files: { name: string; bytes: ArrayBuffer }[], classNames?: string[]): Promise<Reply<ClassifierInfo>>;
	unloadModel(id: string): Promise<void>;
	classify(id: string, items: ClassifyItem[], onProgress?: (p: ClassifyProgress) => void): Promise<Reply<ClassifiedImage[]>>;
	/** Stop `classify` before its next batch. */
	cancel(): void;
	/** Train a new model under `id`; `onEpoch` sees every epoch (the live curves). */
	train(id: string, request: TrainRequest, onEpoch?: (e: EpochReport) => void): Promise<Reply<TrainingSummary>>;
	/** Go on training `id` from where it stopped (up to `maxEpochs` epochs in all). */
	resume(id: string, onEpoch?: (e: EpochReport) => void, maxEpochs?: number): Promise<Reply<TrainingSummary>>;
	/** Stop training before the next batch; the best weights so far are kept. */
	stop(): void;
	/** The model's files: 'tfjs' (model.json, weights.bin, classifier.json), 'pth', or 'all' (with the training summary). */
	exportFiles(id: string, which: 'tfjs' | 'pth' | 'all'): Promise<Reply<ClassifierFile[]>>;
}

interface Entry {
	model: tf.LayersModel;
	metadata: ClassifierMetadata;
	source: ClassifierInfo['source'];
	notes: string[];
	trainer?: ClassifierTrainer;
	summary?: TrainingSummary;
}

const models = new Map<string, Entry>();
let abort = { aborted: false };
let stopRequested = false;

const start = workerTfjsBackend;

function entry(id: string): Entry {
	const e = models.get(id);
	if (!e) throw new UserError(undefined, 'this classifier is not loaded any more; load or train it again');
	return e;
}

function drop(id: string): void {
	const e = models.get(id);
	if (!e) return;
	models.delete(id);
	if (e.trainer) e.trainer.dispose();
	else e.model.dispose();
}

function info(id: string, e: Entry): ClassifierInfo {
	return {
		id,
		classNames: [...e.metadata.classNames],
		preprocessing: { ...e.metadata.preprocessing },
		crop: { ...(e.metadata.crop ?? DEFAULT_CROP) },
		architecture: e.metadata.architecture,
		parameters: parameterCount(e.metadata.architecture),
		source: e.source,
		notes: [...e.notes]
	};
}

async function reply<T>(work: () => Promise<T>, transfer: (v: T) => Transferable[] = () => []): Promise<Reply<T>> {
	try {
		const value = await work();
		return Comlink.transfer({ ok: true as const, value }, transfer(value));
	} catch (e) {
		if (e instanceof CancelledError) return { ok: false, cancelled: true, message: 'Classification cancelled.' };
		if (e instanceof UserError) return { ok: false, cancelled: false, message: e.message };
		throw e;
	}
}

const text = (b: ArrayBuffer) => new TextDecoder().decode(b);

const api: ClassifyApi = {
	init: (prefer) => start(prefer),

	loadModel(id, files, classNames) {
		return reply(async () => {
			await start();
			const base = (name: string) => name.split(/[\\/]/).pop() ?? name;
			const byName = new Map(files.map((f) => [base(f.name), f.bytes]));
			const torch = files.find((f) => /\.(pth|pt)$/i.test(f.name));
			const json = files.find((f) => /\.json$/i.test(f.name) && base(f.name) !== CLASSIFIER_FILES.metadata);
			let loaded;
			let source: Entry['source'];
			if (json) {
				const weights = files.filter((f) => /\.bin$/i.test(f.name));
				if (weights.length !== 1) throw new UserError(json.name, `give the weights file with model.json (found ${weights.length} .bin files; give exactly one)`);
				const meta = byName.get(CLASSIFIER_FILES.metadata);
				loaded = await loadTfjsClassifier(json.name, text(json.bytes), new Uint8Array(weights[0].bytes), meta ? text(meta) : undefined);
				source = 'tfjs' as const;
			} else if (torch) {
				loaded = loadTorchClassifier(torch.name, new Uint8Array(torch.bytes), classNames);
				source = 'torch' as const;
			} else {
				throw new UserError(files[0]?.name, 'give a model.json with its weights.bin, or a PyTorch .pth/.pt state dict');
			}
			drop(id);
			const e: Entry = { model: loaded.model, metadata: loaded.metadata, source, notes: loaded.notes };
			models.set(id, e);
			return info(id, e);
		});
	},

	async unloadModel(id) {
		drop(id);
	},

	classify(id, items, onProgress) {
		abort = { aborted: false };
		const signal = abort;
		return reply(
			async () => {
				await start();
				const e = entry(id);
				const crop = e.metadata.crop ?? DEFAULT_CROP;
				const out: ClassifiedImage[] = [];
				// Counting cells first gives an honest total for the progress bar.
				const counts = items.map((it) => {
					const seen = new Set<number>();
					for (const v of it.labels.data) if (v) seen.add(v);
					return seen.size;
				});
				const total = counts.reduce((a, b) => a + b, 0);
				let before = 0;
				for (const [k, it] of items.entries()) {
					if (signal.aborted) throw new CancelledError('classification cancelled');
					const batch = extractPatches(it.image, it.labels, { ...e.metadata.preprocessing, margin: crop.margin, maskBackground: crop.maskBackground });
					const pred = await classifyPatches(e.model, batch.data, batch.count, batch.size, {
						signal,
						onProgress: (done) => onProgress?.({ done: before + done, total, images: k })
					});
					before += counts[k];
					onProgress?.({ done: before, total, images: k + 1 });
					out.push({ key: it.key, ids: batch.ids, classIndex: pred.classIndex, confidence: pred.confidence });
				}
				return out;
			},
			(v) => v.flatMap((r) => [r.ids.buffer, r.classIndex.buffer, r.confidence.buffer] as ArrayBuffer[])
		);
	},

	cancel() {
		abort.aborted = true;
	},

	train(id, request, onEpoch) {
		stopRequested = false;
		return reply(async () => {
			await start();
			const config = trainConfig({ ...request.config, inputSize: request.size });
			const trainer = new ClassifierTrainer({ patches: request.patches, labels: request.labels, size: request.size }, request.classNames, config, { crop: request.crop ?? DEFAULT_CROP });
			drop(id);
			const e: Entry = { model: trainer.model, metadata: trainer.metadata(), source: 'trained', notes: [], trainer };
			models.set(id, e);
			e.summary = await trainer.run({ onEpoch: (r) => onEpoch?.(r), shouldStop: () => stopRequested });
			return e.summary;
		});
	},

	resume(id, onEpoch, maxEpochs) {
		stopRequested = false;
		return reply(async () => {
			const e = entry(id);
			if (!e.trainer) throw new UserError(undefined, 'only a classifier trained in this session can be trained further');
			e.summary = await e.trainer.run({ onEpoch: (r) => onEpoch?.(r), shouldStop: () => stopRequested }, maxEpochs);
			return e.summary;
		});
	},

	stop() {
		stopRequested = true;
	},

	exportFiles(id, which) {
		return reply(
			async () => {
				const e = entry(id);
				if (which === 'pth') return [{ name: CLASSIFIER_FILES.torch, bytes: torchStateDictBytes(e.model, e.metadata) }];
				return classifierFiles(e.model, e.metadata, which === 'all' ? e.summary : undefined, { torch: which === 'all' });
			},
		);
	}
};

Comlink.expose(api);
