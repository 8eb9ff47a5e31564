/**
 * The Cellpose training worker's API (`workers/train.worker.ts`), as the page sees it through
 * comlink. Types only, so the page does not load tfjs.
 */
import type { TrainConfig } from '../core/cellpose/train/config';
import type { TrainingItem } from '../core/cellpose/train/data';
import type { EpochRecord, TrainingSummary } from '../core/cellpose/train/history';
import type { TfjsBackendName } from './tfjs/backend';
import type { TrainCheckpoint, TrainProgress } from './tfjs/train-loop';

export type TrainReply<T> = { ok: true; value: T } | { ok: false; message: string };

/** The model to start from: a Cellpose `.pth` (a user's file or the built-in model), or a fresh network. */
export type TrainStartModel = { kind: 'file'; name: string; bytes: ArrayBuffer } | { kind: 'scratch'; nbase?: number[]; seed?: number };

export interface TrainStartRequest {
	model: TrainStartModel;
	/** Overrides of `train_seg`'s defaults (`trainConfig`). */
	config?: Partial<TrainConfig>;
	/** The session's images with their masks (null: not annotated), transferred to the worker. */
	items: TrainingItem[];
}

export interface TrainRunResult {
	summary: TrainingSummary;
	/** Where to go on from (pass to `resume`; store it to resume after a reload). */
	checkpoint: TrainCheckpoint;
}

export interface TrainApi {
	/** Start tfjs (WebGPU → WASM → CPU unless `prefer`); returns the backend in use. */
	init(prefer?: TfjsBackendName | 'auto'): Promise<TfjsBackendName>;
	/** Prepare the data and train; `onEpoch` gets every epoch's losses (the live curve). */
	start(request: TrainStartRequest, onEpoch?: (e: EpochRecord) => void, onProgress?: (p: TrainProgress) => void): Promise<TrainReply<TrainRunResult>>;
	/** Go on from a checkpoint (of this run, or one stored earlier) with the same images. */
	resume(checkpoint: TrainCheckpoint, items: TrainingItem[] | null, onEpoch?: (e: EpochRecord) => void, onProgress?: (p: TrainProgress) => void): Promise<TrainReply<TrainRunResult>>;
	/** Stop after the current batch; `start`/`resume` then resolve with what was done. */
	stop(): void;
	/** The current model as a Cellpose `.pth` (file name `<name>.pth`), with the run's summary. */
	exportPth(name?: string): Promise<TrainReply<{ name: string; bytes: Uint8Array; summary: TrainingSummary }>>;
	/** Free the model and the data. */
	dispose(): void;
}
