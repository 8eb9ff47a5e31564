/**
 * What a training run leaves behind: one record per epoch (the live loss and accuracy curves),
 * the misclassified validation cells, and the training summary offered as a download next to the
 * weights (JSON, plus the per-epoch history as CSV).
 */
import { writeCsv } from '../../formats/csv';
import type { ClassificationMetrics } from '../metrics';
import type { PatchPreprocessing } from '../patches';
import type { ClassifierTrainConfig } from './config';

export interface EpochRecord {
	/** 1-based. */
	epoch: number;
	/** Mean class-weighted cross-entropy over the augmented training batches (as Keras reports it). */
	trainLoss: number;
	trainAccuracy: number;
	/** Class-weighted cross-entropy over the validation cells (the early-stopping criterion). */
	valLoss: number;
	valAccuracy: number;
	/** The rate this epoch trained with. */
	learningRate: number;
	/** Wall-clock seconds of the epoch. */
	seconds: number;
}

export type StopReason = 'early-stopping' | 'max-epochs' | 'user' | 'diverged';

/** A validation cell the restored best model gets wrong. */
export interface Misclassified {
	/** Sample index in the training data. */
	index: number;
	trueClass: number;
	predicted: number;
	/** Softmax probability of the predicted class. */
	confidence: number;
}

export interface TrainingSummary {
	format: 'mycol-classifier-training';
	version: 1;
	classNames: string[];
	config: ClassifierTrainConfig;
	preprocessing: PatchPreprocessing;
	/** Cells per class in each split. */
	trainCounts: number[];
	validationCounts: number[];
	classWeights: number[];
	/** Epochs trained in all (resumed runs included). */
	epochs: number;
	/** 1-based epoch whose weights were kept. */
	bestEpoch: number;
	stoppedBy: StopReason;
	/** Of the kept weights, on the validation cells. */
	validationLoss: number;
	metrics: ClassificationMetrics;
	misclassified: Misclassified[];
	history: EpochRecord[];
	seconds: number;
	/** tfjs backend that trained it (webgpu, wasm, cpu, …). */
	backend: string;
}

/** Validation cells whose prediction is wrong, most confident mistakes first (ties by index). */
export function misclassifiedExamples(
	indices: ArrayLike<number>,
	yTrue: ArrayLike<number>,
	yPred: ArrayLike<number>,
	confidence: ArrayLike<number>,
	limit = Infinity
): Misclassified[] {
	const out: Misclassified[] = [];
	for (let i = 0; i < indices.length; i++) {
		if (yTrue[i] !== yPred[i]) out.push({ index: indices[i], trueClass: yTrue[i], predicted: yPred[i], confidence: confidence[i] });
	}
	out.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
	return out.slice(0, limit);
}

export const HISTORY_COLUMNS = ['epoch', 'train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'learning_rate', 'seconds'] as const;

/** The per-epoch history as CSV (one row per epoch). */
export function historyCsv(history: readonly EpochRecord[]): string {
	return writeCsv(
		HISTORY_COLUMNS,
		history.map((h) => [h.epoch, h.trainLoss, h.trainAccuracy, h.valLoss, h.valAccuracy, h.learningRate, h.seconds])
	);
}
