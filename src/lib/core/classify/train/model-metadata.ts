/**
 * What travels with a trained classifier's weights so that inference cuts and scales patches as
 * training did: the class names (output i is class i), the patch preprocessing and the DenseNet
 * configuration. Stored in tfjs' `model.json` as `userDefinedMetadata.mycol` and in the CLI's
 * model folder as `classifier.json`; checked when read back, as any user file.
 */
import { validateConfig, type DenseNetConfig } from '../densenet';
import type { PatchPreprocessing } from '../patches';
import { ModelError, UserError } from '../../formats/errors';

export interface ClassifierMetadata {
	format: 'mycol-classifier';
	version: 1;
	classNames: string[];
	preprocessing: PatchPreprocessing;
	architecture: DenseNetConfig;
	/** How cells are cropped (`extractPatches`' margin and background masking); Mycol's tight, masked crop when absent. */
	crop?: PatchCrop;
	/** The variant it was built from, when it was trained in Mycol. */
	variant?: string;
}

export interface PatchCrop {
	/** Context around the cell's box, as a fraction of its longer side. */
	margin: number;
	/** Pixels outside the cell are zeroed. */
	maskBackground: boolean;
}

export const DEFAULT_CROP: Readonly<PatchCrop> = { margin: 0, maskBackground: true };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Check a parsed JSON value; a ModelError names `file` and the first thing wrong. */
export function parseClassifierMetadata(file: string, v: unknown): ClassifierMetadata {
	if (!isObject(v) || v.format !== 'mycol-classifier') throw new ModelError(file, 'this is not a Mycol classifier description (format "mycol-classifier" is missing)');
	if (v.version !== 1) throw new ModelError(file, `classifier description version ${String(v.version)} is not one this Mycol reads (1); update Mycol`);
	const names = v.classNames;
	if (!Array.isArray(names) || names.length < 1 || !names.every((n) => typeof n === 'string' && n.trim() !== '')) {
		throw new ModelError(file, 'the class names are missing or not a list of non-empty names');
	}
	if (new Set(names).size !== names.length) throw new ModelError(file, 'two classes have the same name');
	const p = v.preprocessing;
	if (!isObject(p) || !Number.isInteger(p.size) || (p.size as number) < 1 || (p.size as number) > 1024) {
		throw new ModelError(file, 'the patch size is missing or not a whole number from 1 to 1024');
	}
	if (p.intensity !== 'percentile' && p.intensity !== 'mycol') throw new ModelError(file, `the intensity scaling '${String(p.intensity)}' is unknown (percentile or mycol)`);
	if (p.standardize !== 'none' && p.standardize !== 'imagenet') throw new ModelError(file, `the standardisation '${String(p.standardize)}' is unknown (none or imagenet)`);
	const a = v.architecture;
	if (!isObject(a) || !Array.isArray(a.blockConfig) || !isObject(a.head)) throw new ModelError(file, 'the DenseNet architecture is missing');
	const head = a.head.kind === 'mlp' ? { kind: 'mlp' as const, hidden: a.head.hidden as number } : a.head.kind === 'linear' ? { kind: 'linear' as const } : null;
	if (!head) throw new ModelError(file, `the classifier head '${String(a.head.kind)}' is unknown (linear or mlp)`);
	const architecture: DenseNetConfig = {
		growthRate: a.growthRate as number,
		blockConfig: (a.blockConfig as unknown[]).map(Number),
		numInitFeatures: a.numInitFeatures as number,
		bnSize: a.bnSize as number,
		numClasses: a.numClasses as number,
		head
	};
	try {
		validateConfig(architecture);
	} catch (e) {
		if (e instanceof UserError) throw new ModelError(file, e.reason);
		throw e;
	}
	let crop: PatchCrop | undefined;
	if (v.crop !== undefined) {
		const c = v.crop;
		if (!isObject(c) || typeof c.margin !== 'number' || !(c.margin >= 0 && c.margin <= 2) || typeof c.maskBackground !== 'boolean') {
			throw new ModelError(file, 'the crop settings must be {"margin": 0…2, "maskBackground": true or false}');
		}
		crop = { margin: c.margin, maskBackground: c.maskBackground };
	}
	if (architecture.numClasses !== names.length) throw new ModelError(file, `the network has ${architecture.numClasses} outputs but ${names.length} class names are given`);
	return {
		format: 'mycol-classifier',
		version: 1,
		classNames: names as string[],
		preprocessing: { size: p.size as number, intensity: p.intensity, standardize: p.standardize },
		architecture,
		...(crop ? { crop } : {}),
		...(typeof v.variant === 'string' ? { variant: v.variant } : {})
	};
}
