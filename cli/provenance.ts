/**
 * The provenance record of a CLI export (see src/lib/core/formats/provenance.ts): the app version
 * from package.json, the model and segmentation parameters when the mask says how it was made
 * (a Cellpose `_seg.npy`: Mycol's own `mycol_provenance` key, else the keys the Cellpose GUI
 * writes) or the user names the model, the pixel size with its origin, and the manual edits.
 */
import { ParamError } from '../src/lib/core/formats/errors';
import {
	parseProvenanceJson,
	type ParamValue,
	type PixelSizeOrigin,
	type Provenance,
	type ProvenanceRecord
} from '../src/lib/core/formats/provenance';
import { numpyArrayValues, NumpyArray, type SegNpy } from '../src/lib/core/formats/seg-npy';
import { sequenceItems, type PickleValue } from '../src/lib/core/formats/pickle';
import { APP_VERSION } from '../src/lib/runtime/version';
import { numberOption, stringOption, type Parsed } from './args';

export const APP_NAME = 'Mycol';

/** The options every provenance-carrying command takes. */
export const PROVENANCE_OPTIONS = ['pixel-size', 'model-name', 'model-sha256'] as const;

/** What the user said on the command line about pixel size and model. */
export interface ProvenanceArgs {
	/** `--pixel-size`, µm per pixel. */
	pixelSizeUm: number | null;
	modelName: string | null;
	/** Lower-case hex. */
	modelSha256: string | null;
}

/** Read and check `--pixel-size`, `--model-name`, `--model-sha256`. */
export function provenanceArgs(args: Parsed): ProvenanceArgs {
	const px = numberOption(args, 'pixel-size');
	if (px !== undefined && !(px > 0)) {
		throw new ParamError(undefined, `the option --pixel-size must be a positive number of µm per pixel, not ${px}`);
	}
	const name = stringOption(args, 'model-name');
	if (name !== undefined && name.trim() === '') throw new ParamError(undefined, 'the option --model-name must not be empty');
	const sha = stringOption(args, 'model-sha256');
	if (sha !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha)) {
		throw new ParamError(undefined, `the option --model-sha256 must be 64 hexadecimal digits (a SHA-256 checksum), not "${sha}"`);
	}
	if (sha !== undefined && name === undefined) {
		throw new ParamError(undefined, 'the option --model-sha256 needs --model-name too (the checksum of which model?)');
	}
	return { pixelSizeUm: px ?? null, modelName: name ?? null, modelSha256: sha?.toLowerCase() ?? null };
}

/** What a `_seg.npy` says about how its masks were made. */
export interface SegOrigin {
	model: { name: string; sha256: string | null } | null;
	segmentation: Record<string, ParamValue>;
	/** Known number of manual edits, or null. */
	manualEdits: number | null;
}

function lastPathPart(p: string): string {
	const parts = p.split(/[\\/]/).filter((s) => s.length > 0);
	return parts.length > 0 ? parts[parts.length - 1] : p;
}

function numberValue(file: string, v: PickleValue | undefined): number | null {
	if (typeof v === 'number' && Number.isFinite(v)) return v;
	if (typeof v === 'bigint') return Number(v);
	if (v instanceof NumpyArray && v.size === 1 && v.raw) {
		const x = numpyArrayValues(file, v).data[0];
		const n = typeof x === 'bigint' ? Number(x) : x;
		return Number.isFinite(n) ? n : null;
	}
	return null;
}

/** A record Mycol wrote itself (`mycol_provenance`), or null when absent or unreadable. */
function ownRecord(seg: SegNpy): ProvenanceRecord | null {
	const t = seg.entries.get('mycol_provenance');
	if (typeof t !== 'string') return null;
	try {
		return parseProvenanceJson(t);
	} catch {
		return null;
	}
}

/**
 * How a `_seg.npy`'s masks were made. Mycol's own record wins; otherwise the Cellpose GUI's keys:
 * `model_path` (its last path part names the model; Cellpose stores no checksum), `diameter`,
 * `flow_threshold`, `cellprob_threshold`, `chan_choose` (as Cellpose's `channels`), and the
 * length of `manual_changes` (the GUI's edit log) as the number of manual edits.
 */
export function segOrigin(file: string, seg: SegNpy): SegOrigin {
	const own = ownRecord(seg);
	if (own) {
		return {
			model: own.model ? { name: own.model, sha256: own.model_sha256 && /^[0-9a-f]{64}$/.test(own.model_sha256) ? own.model_sha256 : null } : null,
			segmentation: { ...own.segmentation },
			manualEdits: Number.isSafeInteger(own.manual_edits) && own.manual_edits >= 0 ? own.manual_edits : null
		};
	}
	const mp = seg.entries.get('model_path');
	const modelPath = typeof mp === 'string' ? mp : mp instanceof Uint8Array ? new TextDecoder().decode(mp) : null;
	const segmentation: Record<string, ParamValue> = {};
	if (seg.diameter !== null && Number.isFinite(seg.diameter)) segmentation.diameter = seg.diameter;
	for (const key of ['flow_threshold', 'cellprob_threshold']) {
		const v = numberValue(file, seg.entries.get(key));
		if (v !== null) segmentation[key] = v;
	}
	if (seg.chanChoose && seg.chanChoose.length === 2) segmentation.channels = seg.chanChoose;
	const changes = seg.entries.get('manual_changes');
	const log = changes === undefined ? null : sequenceItems(changes);
	return {
		model: modelPath && modelPath.trim() !== '' ? { name: lastPathPart(modelPath.trim()), sha256: null } : null,
		segmentation,
		manualEdits: log ? log.length : null
	};
}

/** Where the pixel size comes from: the user first, then the image's metadata, then the mask's. */
export function pixelSizeOf(userUm: number | null, imageUm: number | null, maskUm: number | null): { um: number | null; source: PixelSizeOrigin } {
	if (userUm !== null) return { um: userUm, source: 'user' };
	if (imageUm !== null) return { um: imageUm, source: 'metadata' };
	if (maskUm !== null) return { um: maskUm, source: 'metadata' };
	return { um: null, source: 'none' };
}

export interface ProvenanceInput {
	args: ProvenanceArgs;
	/** The `_seg.npy` the mask came from, or null for any other mask file. */
	seg: SegOrigin | null;
	pixelSize: { um: number | null; source: PixelSizeOrigin };
	/** The image the mask belongs to (its file name, or the mask's image stem without one). */
	image: { name: string; width: number; height: number };
}

/** The provenance record of one mask's export. */
export function cliProvenance(input: ProvenanceInput): Provenance {
	const { args, seg } = input;
	let model = seg?.model ?? null;
	if (args.modelName !== null) {
		// The user's name wins; keep the file's checksum only when it names the same model.
		const sha = args.modelSha256 ?? (model && model.name === args.modelName ? model.sha256 : null);
		model = { name: args.modelName, sha256: sha };
	}
	return {
		app: { name: APP_NAME, version: APP_VERSION },
		model,
		segmentation: seg?.segmentation ?? {},
		pixelSize: input.pixelSize,
		manualEdits: seg?.manualEdits ?? 0,
		image: input.image
	};
}
