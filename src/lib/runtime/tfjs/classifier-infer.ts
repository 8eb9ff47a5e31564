/**
 * Batched classification of cell patches: each cell gets the class of its largest logit and, as
 * its confidence, that class' softmax probability. Progress is reported after every batch and a
 * cancel flag is checked before each, so memory stays at one batch of tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { CancelledError } from '../../core/cellpose/pipeline';
import { checkClassCount, defaultClassNames } from '../../core/classify/class-names';
import { importDenseNetCheckpoint } from '../../core/classify/import';
import type { PatchPreprocessing } from '../../core/classify/patches';
import { parseClassifierMetadata, type ClassifierMetadata } from '../../core/classify/train/model-metadata';
import { ModelError, ParamError } from '../../core/formats/errors';
import { buildDenseNetModel, loadTfjsModel, loadTorchWeights } from './densenet-model';

export interface CellPredictions {
	numClasses: number;
	/** Class index per cell (argmax of the logits; the first one on ties). */
	classIndex: Int32Array;
	/** Softmax probability of that class. */
	confidence: Float32Array;
	/** count × numClasses softmax probabilities. */
	probabilities: Float32Array;
}

export interface ClassifyOptions {
	batchSize?: number;
	/** Called after every batch with the cells done so far. */
	onProgress?: (done: number, total: number) => void;
	/** Checked before every batch; when aborted, a CancelledError is thrown. */
	signal?: { aborted: boolean };
}

/** Class and confidence from logits [count, K] (softmax computed stably, in float64). */
export function predictionsFromLogits(logits: Float32Array, numClasses: number): CellPredictions {
	const count = logits.length / numClasses;
	if (!Number.isInteger(count)) throw new RangeError(`${logits.length} logits are not a whole number of rows of ${numClasses}`);
	const classIndex = new Int32Array(count);
	const confidence = new Float32Array(count);
	const probabilities = new Float32Array(logits.length);
	for (let i = 0; i < count; i++) {
		const row = i * numClasses;
		let arg = 0;
		for (let c = 1; c < numClasses; c++) if (logits[row + c] > logits[row + arg]) arg = c;
		const max = logits[row + arg];
		let sum = 0;
		for (let c = 0; c < numClasses; c++) sum += Math.exp(logits[row + c] - max);
		for (let c = 0; c < numClasses; c++) probabilities[row + c] = Math.exp(logits[row + c] - max) / sum;
		classIndex[i] = arg;
		confidence[i] = 1 / sum;
	}
	return { numClasses, classIndex, confidence, probabilities };
}

/** Classify `count` NHWC patches of S × S × 3. */
export async function classifyPatches(model: tf.LayersModel, patches: Float32Array, count: number, size: number, opts: ClassifyOptions = {}): Promise<CellPredictions> {
	const per = size * size * 3;
	if (patches.length !== count * per) throw new ParamError(undefined, `expected ${count} patches of ${size} × ${size} × 3 values, got ${patches.length} values`);
	const inShape = model.inputs[0].shape;
	if (inShape[1] !== null && inShape[1] !== size) throw new ParamError(undefined, `the model takes ${inShape[1]} × ${inShape[2]} pixel patches, not ${size} × ${size}`);
	const outShape = model.outputs[0].shape;
	const K = outShape[outShape.length - 1] ?? 0;
	const batch = Math.max(1, Math.floor(opts.batchSize ?? 64));
	const logits = new Float32Array(count * K);
	for (let from = 0; from < count; from += batch) {
		if (opts.signal?.aborted) throw new CancelledError('classification cancelled');
		const n = Math.min(batch, count - from);
		const y = tf.tidy(() => model.predict(tf.tensor4d(patches.subarray(from * per, (from + n) * per), [n, size, size, 3])) as tf.Tensor);
		try {
			logits.set((await y.data()) as Float32Array, from * K);
		} finally {
			y.dispose();
		}
		opts.onProgress?.(from + n, count);
	}
	return predictionsFromLogits(logits, K);
}

/** Indices of the cells whose confidence is below `threshold`, least confident first (for review). */
export function lowConfidenceCells(confidence: ArrayLike<number>, threshold: number): Uint32Array {
	const out: number[] = [];
	for (let i = 0; i < confidence.length; i++) if (confidence[i] < threshold) out.push(i);
	out.sort((a, b) => confidence[a] - confidence[b] || a - b);
	return Uint32Array.from(out);
}

export interface LoadedClassifier {
	model: tf.LayersModel;
	metadata: ClassifierMetadata;
	/** Plain sentences about assumptions made while loading. */
	notes: string[];
}

function outputsOf(model: tf.LayersModel): number {
	const shape = model.outputs[0].shape;
	return shape[shape.length - 1] ?? 0;
}

/**
 * A classifier saved by Mycol in tfjs format: `model.json` text and its weights. The description
 * (class names, patch settings) comes from `userDefinedMetadata.mycol` in model.json, or else from
 * the `classifier.json` text saved with it.
 */
export async function loadTfjsClassifier(file: string, modelJson: string, weights: Uint8Array, metadataJson?: string): Promise<LoadedClassifier> {
	let meta: unknown;
	try {
		meta = (JSON.parse(modelJson) as { userDefinedMetadata?: { mycol?: unknown } }).userDefinedMetadata?.mycol;
	} catch {
		throw new ModelError(file, 'model.json is not valid JSON');
	}
	if (meta === undefined && metadataJson !== undefined) {
		try {
			meta = JSON.parse(metadataJson);
		} catch {
			throw new ModelError(file, 'classifier.json is not valid JSON');
		}
	}
	if (meta === undefined) throw new ModelError(file, 'this model.json carries no Mycol class names or patch settings; add the classifier.json saved with it');
	const metadata = parseClassifierMetadata(file, meta);
	const model = await loadTfjsModel(file, modelJson, weights);
	if (outputsOf(model) !== metadata.classNames.length) {
		model.dispose();
		throw new ModelError(file, `the network has ${outputsOf(model)} outputs but ${metadata.classNames.length} class names are given`);
	}
	return { model, metadata, notes: [] };
}

/**
 * A PyTorch DenseNet state dict (spec B8), with class names when known (else Class 1…n) and its
 * suggested preprocessing unless one is given.
 */
export function loadTorchClassifier(file: string, bytes: Uint8Array, classNames?: readonly string[], preprocessing?: PatchPreprocessing): LoadedClassifier {
	const imported = importDenseNetCheckpoint(file, bytes);
	const names = classNames ? [...classNames] : defaultClassNames(imported.config.numClasses);
	checkClassCount(file, names, imported.config.numClasses);
	const pre = preprocessing ?? imported.suggestedPreprocessing;
	const model = buildDenseNetModel(imported.config, { inputSize: pre.size });
	try {
		loadTorchWeights(model, imported.layout, imported.tensors);
	} catch (e) {
		model.dispose();
		throw e;
	}
	const notes = [...imported.notes];
	if (!classNames) notes.push(`the checkpoint names no classes; its ${names.length} outputs are called ${names.join(', ')}`);
	if (!preprocessing) notes.push(`patches are cut as ${pre.size} × ${pre.size} px, '${pre.intensity}' intensities, '${pre.standardize}' standardisation (the checkpoint does not say how it was trained)`);
	return { model, metadata: { format: 'mycol-classifier', version: 1, classNames: names, preprocessing: pre, architecture: imported.config }, notes };
}
