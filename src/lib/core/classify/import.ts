/**
 * Importing a user's PyTorch DenseNet checkpoint (spec B8): a `.pth`/`.pt` state dict of
 * torchvision's `densenet*` with its classifier replaced (as the original Mycol app saves it),
 * read with our torch reader (no code runs), keys mapped (`torch-keys.ts`), the configuration
 * inferred and every weight's shape checked against it. The result is torch-layout float32
 * tensors under canonical keys; `weight-transforms.ts` turns them into tfjs weights.
 */
import { FormatError, ModelError } from '../formats/errors';
import { readTorchStateDict, type TorchDType, type TorchData } from '../formats/torch-pth';
import { denseNetLayout, weightSpecs, type DenseNetConfig, type DenseNetLayout } from './densenet';
import { listKeys, mapDenseNetKeys } from './torch-keys';
import type { HostTensor } from './weight-transforms';
import type { PatchPreprocessing } from './patches';

/** A state-dict entry as read from a file (a `TorchTensor` fits). */
export interface StateEntry {
	dtype: TorchDType;
	shape: number[];
	data: TorchData;
}

export interface ImportedDenseNet {
	config: DenseNetConfig;
	layout: DenseNetLayout;
	/** Canonical torch key → float32 tensor in torch layout (every weight but `num_batches_tracked`). */
	tensors: Map<string, HostTensor>;
	/**
	 * How to make its input: the training preprocessing is not in the file. The Mycol app's head
	 * means Mycol's own preprocessing (`normalize_image`, then /255); otherwise RGB/255 with the
	 * ImageNet mean/std, as torchvision models expect. 64 px, Mycol's default. The user can change it.
	 */
	suggestedPreprocessing: PatchPreprocessing;
	/** Plain sentences about what was adapted while reading. */
	notes: string[];
}

const FLOAT_TYPES: ReadonlySet<TorchDType> = new Set(['float32', 'float64', 'float16', 'bfloat16']);

const shapeText = (s: readonly number[]) => `(${s.join(', ')})`;

/** A sentence-friendly guess at what a file that is not a torch checkpoint is, where we know better than the torch reader. */
function notTorch(bytes: Uint8Array): string | null {
	if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x48 && bytes[2] === 0x44 && bytes[3] === 0x46) {
		return 'this is a Keras/HDF5 file (.h5), which Mycol cannot import; save the PyTorch model with torch.save(model.state_dict(), "model.pth"), or load a tfjs model.json';
	}
	if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) {
		// A .keras file is a zip of config.json, metadata.json and model.weights.h5.
		const tail = new TextDecoder('latin1').decode(bytes.subarray(Math.max(0, bytes.length - 65536)));
		if (tail.includes('model.weights.h5') && tail.includes('config.json')) {
			return 'this is a Keras model (.keras), which Mycol cannot import; the original Mycol app\'s Keras models must be re-trained here or exported from PyTorch';
		}
	}
	return null;
}

/** Read the state dict, turning the reader's FormatError into a ModelError with the same sentence. */
function readState(file: string, bytes: Uint8Array): Map<string, StateEntry> {
	const special = notTorch(bytes);
	if (special) throw new ModelError(file, special);
	try {
		return readTorchStateDict(file, bytes);
	} catch (e) {
		if (e instanceof FormatError) throw new ModelError(file, e.reason);
		throw e;
	}
}

/** Read a DenseNet checkpoint file (`torch.save(model.state_dict())`, zip or legacy format). */
export function importDenseNetCheckpoint(file: string, bytes: Uint8Array): ImportedDenseNet {
	return denseNetFromStateDict(file, readState(file, bytes));
}

/** Float32 copy of a tensor's values (copied: the reader's arrays may be views into the file). */
function toFloat32(file: string, key: string, e: StateEntry): Float32Array {
	if (!FLOAT_TYPES.has(e.dtype)) throw new ModelError(file, `weight '${key}' is stored as ${e.dtype}, not as floating-point numbers`);
	const src = e.data as Float32Array | Float64Array;
	const out = Float32Array.from(src);
	for (let i = 0; i < out.length; i++) {
		if (!Number.isFinite(out[i])) throw new ModelError(file, `weight '${key}' contains ${Number.isNaN(out[i]) ? 'NaN' : 'infinite'} values; the model was saved after training diverged`);
	}
	return out;
}

/** Check a state dict (already read) against the DenseNet it describes and collect its weights. */
export function denseNetFromStateDict(file: string, state: ReadonlyMap<string, StateEntry>): ImportedDenseNet {
	const shapes = new Map<string, number[]>();
	for (const [k, e] of state) shapes.set(k, e.shape);
	const { config, canonical, notes } = mapDenseNetKeys(file, shapes);
	const layout = denseNetLayout(config);
	const specs = weightSpecs(layout).filter((w) => w.role !== 'bn-count');
	const expected = new Set(specs.map((w) => w.key));
	const missing = specs.filter((w) => !canonical.has(w.key)).map((w) => w.key);
	const unexpected = [...canonical.keys()].filter((k) => !expected.has(k)).map((k) => canonical.get(k)!);
	const describe = `a DenseNet with growth rate ${config.growthRate}, blocks (${config.blockConfig.join(', ')}) and ${config.numInitFeatures} initial features`;
	if (missing.length || unexpected.length) {
		const parts: string[] = [];
		if (missing.length) parts.push(`it lacks ${missing.length} weight${missing.length > 1 ? 's' : ''} of ${describe}: ${listKeys(missing)}`);
		if (unexpected.length) parts.push(`it has ${unexpected.length} key${unexpected.length > 1 ? 's' : ''} such a DenseNet does not use: ${listKeys(unexpected)}`);
		throw new ModelError(file, `the checkpoint does not match torchvision's DenseNet: ${parts.join('; and ')}`);
	}
	const wrong = specs.filter((w) => {
		const s = shapes.get(canonical.get(w.key)!)!;
		return s.length !== w.shape.length || s.some((v, i) => v !== w.shape[i]);
	});
	if (wrong.length) {
		const list = wrong.slice(0, 4).map((w) => `'${canonical.get(w.key)}' is ${shapeText(shapes.get(canonical.get(w.key)!)!)} where ${shapeText(w.shape)} is needed`);
		throw new ModelError(
			file,
			`${wrong.length} weight${wrong.length > 1 ? 's do' : ' does'} not have the shape of ${describe}: ${list.join('; ')}${wrong.length > 4 ? `; and ${wrong.length - 4} more` : ''}`
		);
	}
	const tensors = new Map<string, HostTensor>();
	for (const w of specs) {
		const key = canonical.get(w.key)!;
		tensors.set(w.key, { shape: [...w.shape], data: toFloat32(file, key, state.get(key)!) });
	}
	const suggestedPreprocessing: PatchPreprocessing =
		config.head.kind === 'mlp' ? { size: 64, intensity: 'mycol', standardize: 'none' } : { size: 64, intensity: 'percentile', standardize: 'imagenet' };
	return { config, layout, tensors, suggestedPreprocessing, notes };
}
