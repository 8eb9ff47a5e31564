/**
 * The DenseNet of `core/classify/densenet.ts` as a tfjs LayersModel (functional API, NHWC), built
 * as spec B5 says so that imported torch weights give torch's outputs:
 * - explicit `zeroPadding2d` before the strided conv0 (pad 3) and max-pool (pad 1), both then
 *   'valid': tfjs' 'same' pads asymmetrically for stride 2. Zero padding equals torch's −∞
 *   padding before the max-pool because its input is post-ReLU (≥ 0);
 * - the 3 × 3 dense-layer convolutions use 'same' (stride 1: one pixel on every side, as torch);
 * - BatchNorm epsilon 1e-5, momentum 0.9 (= 1 − torch's 0.1);
 * - every layer named after its torch module with '.' → '_' (`features_denseblock2_denselayer7_conv2`),
 *   so weights move by name, never by order.
 * Output: logits (no softmax).
 */
import * as tf from '@tensorflow/tfjs';
import { BN_EPSILON, BN_MOMENTUM_TORCH, denseNetLayout, tfjsLayerName, type ConvSpec, type DenseNetConfig, type DenseNetLayout, type NormSpec } from '../../core/classify/densenet';
import { tfjsWeightsFromTorch, torchStateFromTfjs, type HostTensor, type TorchStateTensor } from '../../core/classify/weight-transforms';
import { ModelError } from '../../core/formats/errors';

export interface BuildOptions {
	/** S of the S × S × 3 input (default 64); null accepts any size (global pooling makes it possible). */
	inputSize?: number | null;
	/** Seed of the initial weights (He-normal convolutions, as torchvision's `kaiming_normal_`). */
	seed?: number;
}

/** Build the (untrained) model of a configuration. */
export function buildDenseNetModel(config: DenseNetConfig, opts: BuildOptions = {}): tf.LayersModel {
	const layout = denseNetLayout(config);
	const size = opts.inputSize === undefined ? 64 : opts.inputSize;
	let seed = opts.seed ?? 42;
	const nextSeed = () => seed++;
	const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;

	const conv = (x: tf.SymbolicTensor, c: ConvSpec, padding: 'valid' | 'same') =>
		apply(
			tf.layers.conv2d({
				name: tfjsLayerName(c.name),
				filters: c.outChannels,
				kernelSize: c.kernel,
				strides: c.stride,
				padding,
				useBias: false,
				kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() })
			}),
			x
		);
	const norm = (x: tf.SymbolicTensor, n: NormSpec) =>
		apply(tf.layers.batchNormalization({ name: tfjsLayerName(n.name), axis: -1, epsilon: BN_EPSILON, momentum: 1 - BN_MOMENTUM_TORCH }), x);
	const relu = (x: tf.SymbolicTensor, name: string) => apply(tf.layers.reLU({ name: tfjsLayerName(name) }), x);

	const input = tf.input({ shape: [size, size, 3], name: 'input' });
	let x = apply(tf.layers.zeroPadding2d({ padding: layout.conv0.pad, name: 'features_pad0' }), input);
	x = conv(x, layout.conv0, 'valid');
	x = relu(norm(x, layout.norm0), 'features.relu0');
	x = apply(tf.layers.zeroPadding2d({ padding: 1, name: 'features_pad_pool0' }), x);
	x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'features_pool0' }), x);
	for (const block of layout.blocks) {
		for (const l of block.layers) {
			let y = relu(norm(x, l.norm1), `${l.name}.relu1`);
			y = conv(y, l.conv1, 'valid');
			y = relu(norm(y, l.norm2), `${l.name}.relu2`);
			y = conv(y, l.conv2, 'same');
			x = apply(tf.layers.concatenate({ axis: -1, name: tfjsLayerName(`${l.name}.concat`) }), [x, y]);
		}
		const t = block.transition;
		if (t) {
			x = relu(norm(x, t.norm), `${t.name}.relu`);
			x = conv(x, t.conv, 'valid');
			x = apply(tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: tfjsLayerName(`${t.name}.pool`) }), x);
		}
	}
	x = relu(norm(x, layout.norm5), 'features.relu5');
	x = apply(tf.layers.globalAveragePooling2d({ name: 'global_pool' }), x);
	layout.classifier.forEach((l, i) => {
		x = apply(
			tf.layers.dense({
				name: tfjsLayerName(l.name),
				units: l.outFeatures,
				kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
				biasInitializer: 'zeros'
			}),
			x
		);
		if (i < layout.classifier.length - 1) x = relu(x, 'classifier.1');
	});
	return tf.model({ inputs: input, outputs: x, name: 'densenet' });
}

/** Set every weight from torch-layout tensors (canonical keys), by layer name. */
export function loadTorchWeights(model: tf.LayersModel, layout: DenseNetLayout, tensors: ReadonlyMap<string, HostTensor>): void {
	for (const { layer, weights } of tfjsWeightsFromTorch(layout, tensors)) {
		const l = model.getLayer(layer);
		if (l.weights.length !== weights.length) throw new ModelError(undefined, `tfjs layer '${layer}' has ${l.weights.length} weights, not ${weights.length}`);
		const ts = weights.map((w) => tf.tensor(w.data, w.shape, 'float32'));
		try {
			l.setWeights(ts);
		} finally {
			tf.dispose(ts);
		}
	}
}

/** The model's weights per layer (host copies, tfjs layout). */
export function layerWeights(model: tf.LayersModel): Map<string, HostTensor[]> {
	const out = new Map<string, HostTensor[]>();
	for (const l of model.layers) {
		if (l.weights.length === 0) continue;
		// getWeights() returns the variables themselves: read, never dispose.
		out.set(
			l.name,
			l.getWeights().map((t) => ({ shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) }))
		);
	}
	return out;
}

/** The weights as a torch-layout state dict (torchvision key order), for writing a `.pth`. */
export function exportTorchState(model: tf.LayersModel, layout: DenseNetLayout): Map<string, TorchStateTensor> {
	return torchStateFromTfjs(layout, layerWeights(model));
}

/** Parameters torch would count (trainable weights; BatchNorm running statistics excluded). */
export function trainableParameterCount(model: tf.LayersModel): number {
	return model.trainableWeights.reduce((a, w) => a + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);
}

/** Logits [N, C] of NHWC patches [N, S, S, 3], in batches so memory stays bounded. */
export async function predictLogits(model: tf.LayersModel, data: Float32Array, count: number, size: number, batchSize = 32): Promise<Float32Array> {
	const per = size * size * 3;
	if (data.length !== count * per) throw new RangeError(`expected ${count} × ${size} × ${size} × 3 values, got ${data.length}`);
	const outShape = model.outputs[0].shape;
	const k = outShape[outShape.length - 1] ?? 0;
	const out = new Float32Array(count * k);
	for (let from = 0; from < count; from += batchSize) {
		const n = Math.min(batchSize, count - from);
		const y = tf.tidy(() => model.predict(tf.tensor4d(data.subarray(from * per, (from + n) * per), [n, size, size, 3])) as tf.Tensor);
		try {
			out.set((await y.data()) as Float32Array, from * k);
		} finally {
			y.dispose();
		}
	}
	return out;
}

/** Row-wise softmax of [N, C] logits (numerically stable). */
export function softmaxRows(logits: Float32Array, numClasses: number): Float32Array {
	const out = new Float32Array(logits.length);
	for (let r = 0; r < logits.length / numClasses; r++) {
		let max = -Infinity;
		for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[r * numClasses + c]);
		let sum = 0;
		for (let c = 0; c < numClasses; c++) sum += out[r * numClasses + c] = Math.exp(logits[r * numClasses + c] - max);
		for (let c = 0; c < numClasses; c++) out[r * numClasses + c] /= sum;
	}
	return out;
}

/** The tfjs format of a model: `model.json` text and its one weights file. */
export interface TfjsModelFiles {
	modelJson: string;
	weightsBin: Uint8Array;
	/** The name `model.json` gives the weights file. */
	weightsPath: string;
}

/** Save to memory (an IOHandler that keeps the artifacts), with metadata (e.g. class names, preprocessing) in `userDefinedMetadata`. */
export async function saveTfjsModel(model: tf.LayersModel, metadata?: Record<string, unknown>, weightsPath = 'weights.bin'): Promise<TfjsModelFiles> {
	let files: TfjsModelFiles | null = null;
	if (metadata) model.setUserDefinedMetadata(metadata);
	await model.save(
		tf.io.withSaveHandler(async (artifacts) => {
			const weights = artifacts.weightData ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : new Uint8Array(0);
			const json = {
				format: artifacts.format ?? 'layers-model',
				generatedBy: artifacts.generatedBy,
				convertedBy: artifacts.convertedBy ?? null,
				modelTopology: artifacts.modelTopology,
				weightsManifest: [{ paths: [weightsPath], weights: artifacts.weightSpecs ?? [] }],
				...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {})
			};
			files = { modelJson: JSON.stringify(json), weightsBin: weights, weightsPath };
			return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
		})
	);
	if (!files) throw new Error('tfjs did not hand over the model artifacts');
	return files;
}

interface ModelJsonShape {
	modelTopology?: unknown;
	weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
	userDefinedMetadata?: Record<string, unknown>;
	format?: string;
}

/** Load a tfjs Layers model from `model.json` text and its weights (one file, or the shards concatenated in manifest order). */
export async function loadTfjsModel(file: string, modelJson: string, weightsBin: Uint8Array): Promise<tf.LayersModel> {
	let json: ModelJsonShape;
	try {
		json = JSON.parse(modelJson) as ModelJsonShape;
	} catch {
		throw new ModelError(file, 'model.json is not valid JSON');
	}
	if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
		throw new ModelError(file, 'this model.json is not a tfjs Layers model (it lacks modelTopology or weightsManifest)');
	}
	const specs = json.weightsManifest.flatMap((g) => g.weights);
	const buffer = weightsBin.slice().buffer;
	try {
		return await tf.loadLayersModel(
			tf.io.fromMemory({ modelTopology: json.modelTopology as object, weightSpecs: specs, weightData: buffer, userDefinedMetadata: json.userDefinedMetadata })
		);
	} catch (e) {
		throw new ModelError(file, `tfjs could not build the model: ${e instanceof Error ? e.message : String(e)}`);
	}
}
