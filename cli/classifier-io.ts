/**
 * A cell classifier on disk, and the image/mask folders the classifier commands read.
 *
 * Layout of a saved classifier — a folder, or the same files in one `.zip` (when the path ends in
 * `.zip`):
 *   model.json             tfjs Layers model (topology + weights manifest); its
 *                          `userDefinedMetadata.mycol` holds the description below
 *   weights.bin            the tfjs weights (float32, manifest order)
 *   classifier.json        the description alone: {"format": "mycol-classifier", "version": 1,
 *                          "classNames": [...] (output i is class i), "preprocessing": {"size",
 *                          "intensity", "standardize"} (how patches are cut, see
 *                          core/classify/patches.ts), "architecture": the DenseNet configuration,
 *                          "variant"}
 *   model.pth              the same weights as a PyTorch state dict (torchvision key names):
 *                          `torchvision.models.DenseNet(growth_rate, block_config, num_init_features,
 *                          bn_size, num_classes=len(classNames)).load_state_dict(torch.load(...))`
 *   training-summary.json  after training: split, class weights, epochs, stop reason, validation
 *                          metrics (accuracy, per-class precision/recall/F1, confusion matrix),
 *                          misclassified cells, per-epoch history
 *   training-history.csv   the per-epoch history (loss and accuracy curves)
 * `--model` also accepts a `model.json` file (metadata inside it, or `classifier.json` next to it)
 * and a PyTorch DenseNet checkpoint (`.pth`/`.pt`, spec B8).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { FormatError, LIMITS, ModelError, ParamError, formatCount } from '../src/lib/core/formats/errors';
import { decodeImageFile, decodeLabelFile } from '../src/lib/core/formats/image-file';
import type { Labels, Raster } from '../src/lib/core/raster/types';
import { pairFolders } from './pairs';
import { initTfjsBackend, type TfjsBackendName } from '../src/lib/runtime/tfjs/backend';
import { loadTfjsClassifier, loadTorchClassifier, type LoadedClassifier } from '../src/lib/runtime/tfjs/classifier-infer';
import { CLASSIFIER_FILES, type ClassifierFile } from '../src/lib/runtime/tfjs/classifier-train';
import { readInput, writeOutput } from './files';

/** Start tfjs on `name` ('wasm' by default: about 20× faster than 'cpu' in Node). */
export async function startTfjs(name: string | undefined): Promise<TfjsBackendName> {
	const prefer = name ?? 'wasm';
	if (prefer !== 'wasm' && prefer !== 'cpu') throw new ParamError(undefined, `the option --backend must be wasm or cpu, not "${prefer}"`);
	return initTfjsBackend({ prefer });
}

/** Write a classifier's files into a folder (created if needed) or, for a path ending in `.zip`, one zip. */
export function saveClassifier(out: string, files: readonly ClassifierFile[]): void {
	if (extname(out).toLowerCase() === '.zip') {
		writeOutput(out, zipSync(Object.fromEntries(files.map((f) => [f.name, f.bytes])), { level: 6 }));
		return;
	}
	if (existsSync(out) && !statSync(out).isDirectory()) throw new FormatError(out, 'this is a file; give a folder (or a path ending in .zip) for the classifier');
	try {
		mkdirSync(out, { recursive: true });
	} catch (e) {
		throw new FormatError(out, `cannot create the folder (${(e as Error).message})`);
	}
	for (const f of files) writeOutput(join(out, f.name), f.bytes);
}

function readZip(path: string, bytes: Uint8Array): Map<string, Uint8Array> {
	let files: Record<string, Uint8Array>;
	try {
		files = unzipSync(bytes, {
			filter: (f) => {
				if (f.originalSize > LIMITS.maxZipEntryBytes || (f.size > 0 && f.originalSize / f.size > LIMITS.maxCompressionRatio)) {
					throw new FormatError(path, `the zip entry ${f.name} would unpack to ${formatCount(f.originalSize)} bytes, more than allowed`);
				}
				return true;
			}
		});
	} catch (e) {
		if (e instanceof FormatError) throw e;
		throw new FormatError(path, `the file is not a readable zip archive (${(e as Error).message})`);
	}
	// Entries may sit in one top folder (a zipped classifier folder).
	const out = new Map<string, Uint8Array>();
	for (const [name, data] of Object.entries(files)) out.set(basename(name), data);
	return out;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The weights file `model.json` names (one file; shards are concatenated in manifest order). */
function weightPaths(path: string, modelJson: string): string[] {
	let json: { weightsManifest?: { paths?: unknown }[] };
	try {
		json = JSON.parse(modelJson) as typeof json;
	} catch {
		throw new ModelError(path, 'model.json is not valid JSON');
	}
	const paths = (json.weightsManifest ?? []).flatMap((g) => (Array.isArray(g.paths) ? g.paths : []));
	if (!paths.length || !paths.every((p): p is string => typeof p === 'string' && p !== '' && !p.includes('..'))) {
		throw new ModelError(path, 'model.json names no weights file');
	}
	return paths;
}

function concat(parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) (out.set(p, o), (o += p.length));
	return out;
}

async function fromFiles(path: string, get: (name: string) => Uint8Array | undefined): Promise<LoadedClassifier> {
	const mj = get(CLASSIFIER_FILES.modelJson);
	if (!mj) throw new ModelError(path, `there is no ${CLASSIFIER_FILES.modelJson} here; a Mycol classifier has model.json, weights.bin and classifier.json`);
	const modelJson = text(mj);
	const weights = weightPaths(path, modelJson).map((p) => {
		const b = get(p);
		if (!b) throw new ModelError(path, `model.json names the weights file ${p}, which is missing`);
		return b;
	});
	const meta = get(CLASSIFIER_FILES.metadata);
	return loadTfjsClassifier(path, modelJson, concat(weights), meta ? text(meta) : undefined);
}

/** Load a classifier: folder, `.zip`, `model.json` or PyTorch `.pth`/`.pt` (see the file comment). */
export async function loadClassifier(path: string, classNames?: readonly string[]): Promise<LoadedClassifier> {
	if (!existsSync(path)) throw new FormatError(path, 'no such file or folder');
	if (statSync(path).isDirectory()) {
		return fromFiles(path, (name) => (existsSync(join(path, name)) ? readInput(join(path, name)).bytes : undefined));
	}
	const { bytes } = readInput(path);
	const ext = extname(path).toLowerCase();
	if (ext === '.zip' && !isTorchZip(bytes)) {
		const files = readZip(path, bytes);
		return fromFiles(path, (name) => files.get(basename(name)));
	}
	if (ext === '.json') {
		const dir = dirname(path);
		return fromFiles(path, (name) => (name === CLASSIFIER_FILES.modelJson ? bytes : existsSync(join(dir, name)) ? readInput(join(dir, name)).bytes : undefined));
	}
	return loadTorchClassifier(path, bytes, classNames);
}

/** torch.save's zip has entries under `<archive>/data.pkl`; tell it from a zipped classifier folder. */
function isTorchZip(bytes: Uint8Array): boolean {
	const head = text(bytes.subarray(0, Math.min(bytes.length, 4096)));
	return head.includes('data.pkl') && !head.includes(CLASSIFIER_FILES.modelJson);
}

export interface ImageWithMask {
	/** The image's file name. */
	name: string;
	image: Raster;
	labels: Labels;
}

/**
 * Every image of `imagesDir` with its mask from `masksDir`, paired by name: the mask's stem is
 * the image's stem, or that plus a mask suffix (`_masks`, `_cp_masks`, `_seg`, `_labels`).
 * Images without a mask are left out and named in `missing`.
 */
export function readImagesWithMasks(imagesDir: string, masksDir: string): { pairs: ImageWithMask[]; missing: string[] } {
	const all = pairFolders(imagesDir, masksDir);
	const missing = all.filter((p) => p.mask === null).map((p) => basename(p.image));
	const pairs: ImageWithMask[] = [];
	for (const p of all) {
		if (p.mask === null) continue;
		const name = basename(p.image);
		const image = decodeImageFile(name, readInput(p.image).bytes).raster;
		const labels = decodeLabelFile(basename(p.mask), readInput(p.mask).bytes).labels;
		if (labels.width !== image.width || labels.height !== image.height) {
			throw new FormatError(p.mask, `the mask is ${labels.width} × ${labels.height} pixels but its image ${name} is ${image.width} × ${image.height}`);
		}
		pairs.push({ name, image, labels });
	}
	if (pairs.length === 0) throw new ParamError(masksDir, `no mask matches an image of ${imagesDir}; name each mask like its image, e.g. cells.tif → cells_masks.tif`);
	return { pairs, missing };
}
