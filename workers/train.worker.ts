/**
 * Fine-tuning Cellpose off the main thread (comlink): the images and masks are transferred in,
 * prepared as Cellpose 3.1 `train_seg` does, and trained on tfjs (WebGPU, else single-threaded
 * WASM, else the JS CPU backend; `runtime/tfjs/backend.ts`) with a live epoch callback, stop
 * within one batch (the loop yields between batches, so `stop` messages get through), resume
 * from a checkpoint, and export as a `.pth` that Python Cellpose loads. User mistakes come back as
 * `{ ok: false, message }`; anything else is a bug and throws.
 */
import * as Comlink from 'comlink';
import { UserError } from '../src/lib/core/formats/errors';
import { readCellposeModel } from '../src/lib/core/cellpose/weights';
import { trainConfig, type TrainConfig } from '../src/lib/core/cellpose/train/config';
import { prepareTrainingSet, type TrainingItem, type TrainingSet } from '../src/lib/core/cellpose/train/data';
import { validationSummary, type TrainingSummary } from '../src/lib/core/cellpose/train/history';
import { cpnetModuleVersions, readBatchesTracked } from '../src/lib/core/cellpose/train/state-dict';
import { writeTorchStateDict } from '../src/lib/core/formats/torch-pth-writer';
import { workerTfjsBackend } from '../src/lib/runtime/tfjs/worker-backend';
import { CpnetModel } from '../src/lib/runtime/tfjs/cpnet-model';
import { CellposeTrainer, modelFromCheckpoint, type TrainCheckpoint, type TrainResult } from '../src/lib/runtime/tfjs/train-loop';
import type { TrainApi, TrainReply, TrainRunResult, TrainStartModel } from '../src/lib/runtime/train-types';

let stopRequested = false;
let state: { model: CpnetModel; trainer: CellposeTrainer; set: TrainingSet; base: string; result: TrainResult | null } | null = null;

const init = workerTfjsBackend;

async function reply<T>(work: () => Promise<T>, transfer: (v: T) => Transferable[] = () => []): Promise<TrainReply<T>> {
	try {
		const value = await work();
		return Comlink.transfer({ ok: true as const, value }, transfer(value));
	} catch (e) {
		if (e instanceof UserError) return { ok: false, message: e.message };
		throw e;
	}
}

function release(): void {
	state?.trainer.dispose();
	state?.model.dispose();
	state = null;
}

function startModel(m: TrainStartModel, config: TrainConfig): { model: CpnetModel; base: string } {
	if (m.kind === 'scratch') return { model: CpnetModel.random(m.nbase ?? [2, 32, 64, 128, 256], { seed: m.seed ?? config.seed, bnMomentum: config.bnMomentum }), base: 'scratch' };
	const bytes = new Uint8Array(m.bytes);
	const w = readCellposeModel(m.name, bytes);
	return { model: CpnetModel.fromWeights(w, { bnMomentum: config.bnMomentum, batchesTracked: readBatchesTracked(m.name, bytes) }), base: m.name };
}

function summaryOf(): TrainingSummary {
	if (!state) throw new UserError(undefined, 'no Cellpose model has been trained yet');
	const { model, trainer, set, base } = state;
	const epochs = trainer.history;
	const { last, bestEpoch } = validationSummary(epochs);
	return {
		kind: 'cellpose',
		baseModel: base,
		nbase: [...model.nbase],
		diamMean: model.diamMean,
		diamLabels: model.diamLabels,
		config: trainer.config,
		trainImages: set.train.map((p) => p.name),
		validationImages: set.validation.map((p) => p.name),
		skipped: set.skipped,
		trainMasks: set.train.reduce((a, p) => a + p.masks, 0),
		backend: 'unknown',
		imagesPerPass: trainer.imagesPerPass,
		epochsRun: epochs.length,
		stopped: state.result?.stopped ?? false,
		finalTrainLoss: epochs.at(-1)?.trainLoss ?? null,
		finalValidationLoss: last,
		bestValidationEpoch: bestEpoch,
		seconds: trainer.seconds,
		secondsPerEpoch: epochs.length ? trainer.seconds / epochs.length : 0,
		epochs: epochs.map((e) => ({ ...e }))
	};
}

async function runTrainer(onEpoch?: Parameters<TrainApi['start']>[1], onProgress?: Parameters<TrainApi['start']>[2]): Promise<TrainRunResult> {
	const s = state!;
	stopRequested = false;
	s.result = await s.trainer.run({ onEpoch: (r) => onEpoch?.(r), onProgress: (p) => onProgress?.(p), shouldStop: () => stopRequested });
	const summary = { ...summaryOf(), backend: await init() };
	return { summary, checkpoint: s.trainer.checkpoint() };
}

const api: TrainApi = {
	init: (prefer) => init(prefer),

	start(request, onEpoch, onProgress) {
		return reply(async () => {
			await init();
			release();
			const config = trainConfig(request.config);
			const set = prepareTrainingSet(request.items, config);
			const { model, base } = startModel(request.model, config);
			state = { model, trainer: new CellposeTrainer(model, set, config), set, base, result: null };
			return runTrainer(onEpoch, onProgress);
		});
	},

	resume(checkpoint: TrainCheckpoint, items: TrainingItem[] | null, onEpoch, onProgress) {
		return reply(async () => {
			await init();
			if (checkpoint?.format !== 'mycol-cellpose-checkpoint' || checkpoint.version !== 1) throw new UserError(undefined, 'this is not a Mycol Cellpose training checkpoint');
			const set = items ? prepareTrainingSet(items, checkpoint.config) : state?.set;
			if (!set) throw new UserError(undefined, 'give the images to resume training on');
			const base = state?.base ?? 'checkpoint';
			release();
			const model = modelFromCheckpoint(checkpoint);
			state = { model, trainer: new CellposeTrainer(model, set, checkpoint.config, checkpoint), set, base, result: null };
			return runTrainer(onEpoch, onProgress);
		});
	},

	stop() {
		stopRequested = true;
	},

	exportPth(name = 'cellpose_finetuned') {
		return reply(
			async () => {
				if (!state) throw new UserError(undefined, 'no Cellpose model has been trained yet');
				const archive = name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'archive';
				const bytes = writeTorchStateDict(state.model.stateDict(), { archiveName: archive, metadata: cpnetModuleVersions(state.model.nbase.length - 1) });
				return { name: `${archive}.pth`, bytes, summary: { ...summaryOf(), backend: await init() } };
			},
			(v) => [v.bytes.buffer]
		);
	},

	dispose() {
		release();
	}
};

Comlink.expose(api);
