/**
 * What a training run records: one entry per epoch (Cellpose's `train_losses` / `test_losses`,
 * with the learning rate and time) and a JSON summary of the run, stored in the session's
 * training histories and written by `mycol train --summary`.
 */
import type { JsonObject } from '../../session/schema';
import type { TrainConfig } from './config';
import type { SkippedImage } from './data';

export interface EpochRecord {
	/** 0-based epoch. */
	epoch: number;
	/** The learning rate of this epoch (`LR[e]`). */
	learningRate: number;
	/** Mean loss over the epoch's training images (`train_losses[e]`). */
	trainLoss: number;
	/** Mean loss over the validation images, or null on epochs without validation (Cellpose stores 0 there). */
	validationLoss: number | null;
	/** Seconds this epoch took (training and validation). */
	seconds: number;
}

export interface TrainingSummary {
	kind: 'cellpose';
	/** The model trained from (file name, or the built-in model's id). */
	baseModel: string;
	nbase: number[];
	diamMean: number;
	/** Mean diameter of the training cells, written into the model (`diam_labels`). */
	diamLabels: number;
	config: TrainConfig;
	trainImages: string[];
	validationImages: string[];
	skipped: SkippedImage[];
	/** Masks over the training images. */
	trainMasks: number;
	backend: string;
	/** Images per forward/backward pass when a batch is split to fit memory (wasm), else null. */
	imagesPerPass: number | null;
	epochsRun: number;
	/** True when the run was stopped before its last epoch. */
	stopped: boolean;
	finalTrainLoss: number | null;
	/** The last validation loss computed, or null without validation images. */
	finalValidationLoss: number | null;
	/** The epoch with the lowest validation loss, or null. */
	bestValidationEpoch: number | null;
	seconds: number;
	secondsPerEpoch: number;
	epochs: EpochRecord[];
}

/** The last validation loss and the epoch of the lowest one. */
export function validationSummary(epochs: readonly EpochRecord[]): { last: number | null; bestEpoch: number | null } {
	let last: number | null = null;
	let best = Infinity;
	let bestEpoch: number | null = null;
	for (const e of epochs) {
		if (e.validationLoss === null) continue;
		last = e.validationLoss;
		if (e.validationLoss < best) {
			best = e.validationLoss;
			bestEpoch = e.epoch;
		}
	}
	return { last, bestEpoch };
}

/** The summary as free JSON for the session's `TrainingRun` list (id and kind added by the store). */
export function summaryJson(s: TrainingSummary): JsonObject {
	return JSON.parse(JSON.stringify(s)) as JsonObject;
}
