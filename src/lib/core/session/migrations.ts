/**
 * Manifests of older format versions, brought up to the current one step by step
 * (0 → 1 → … → SESSION_FORMAT_VERSION). A newer or unknown version is refused with a sentence
 * saying so, before anything else is read.
 *
 * Version 0 is the pre-release format: `{"version": 0, "app", "saved", "images": [...]}`, where
 * each image has `file`, `bytes`, `sha256`, `size` ([height, width]), `channels`, `dtype`,
 * `umPerPixel` and an optional `mask` (`file`, `bytes`, `sha256`, `cells`). It stored images and
 * masks only: no ids, names, classes, models, parameters or settings.
 */
import { SessionError } from '../formats/errors';
import { fileExtension, fileStem } from '../dataset/pairing';
import { DTYPES, SESSION_FORMAT_VERSION, type JsonObject, type JsonValue, type SessionManifest } from './schema';
import { JsonReader, MANIFEST_NAME, validateManifest } from './validate';

/** The oldest format version that can still be opened. */
export const OLDEST_FORMAT_VERSION = 0;

/** One step: a manifest of version v (already checked) → version v + 1. */
type Step = (json: Record<string, unknown>, r: JsonReader) => JsonObject;

const STEPS: Record<number, Step> = {
	0: v0to1
};

/** The format version a parsed manifest declares (0 for the pre-release `version` key). */
export function formatVersionOf(json: unknown, file = MANIFEST_NAME): number {
	const r = new JsonReader(file);
	const o = r.object(json, 'the manifest');
	if ('formatVersion' in o) {
		const v = o.formatVersion;
		if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
			throw new SessionError(file, `formatVersion is ${r.show(v)}, which is not a session format version Mycol knows (a whole number such as ${SESSION_FORMAT_VERSION})`);
		}
		return v;
	}
	if (o.version === 0) return 0;
	throw new SessionError(file, 'the manifest has no formatVersion, so this is not a Mycol session');
}

/** A manifest of any supported version as the current one, with the version it came from. */
export function migrateWithInfo(json: unknown, file = MANIFEST_NAME): { manifest: SessionManifest; from: number } {
	const from = formatVersionOf(json, file);
	if (from > SESSION_FORMAT_VERSION) {
		throw new SessionError(
			file,
			`this session was saved by a newer Mycol (session format ${from}; this Mycol opens formats up to ${SESSION_FORMAT_VERSION}); update Mycol to open it`
		);
	}
	if (from < OLDEST_FORMAT_VERSION || (from < SESSION_FORMAT_VERSION && !STEPS[from])) {
		throw new SessionError(file, `session format ${from} is no longer supported; this Mycol opens formats ${OLDEST_FORMAT_VERSION} to ${SESSION_FORMAT_VERSION}`);
	}
	const r = new JsonReader(file);
	let current = json as Record<string, unknown>;
	for (let v = from; v < SESSION_FORMAT_VERSION; v++) current = STEPS[v](current, r);
	return { manifest: validateManifest(current, file), from };
}

/** A manifest of any supported version as the current one. */
export function migrate(json: unknown, file = MANIFEST_NAME): SessionManifest {
	return migrateWithInfo(json, file).manifest;
}

const FORMAT_BY_EXTENSION: Record<string, string> = { tif: 'tiff', tiff: 'tiff', png: 'png', jpg: 'jpeg', jpeg: 'jpeg', npy: 'npy' };

function baseName(path: string): string {
	return path.split('/').pop() ?? path;
}

/** Version 0 → 1: names, ids and stems from the file paths; the parts v0 lacked are empty. */
function v0to1(o: Record<string, unknown>, r: JsonReader): JsonObject {
	const saved = r.date(o.saved, 'saved');
	const images = r.array(o.images, 'images').map((v, i): JsonObject => {
		const path = `images[${i}]`;
		const im = r.object(v, path);
		const file = r.string(im.file, `${path}.file`, true);
		const size = r.array(im.size, `${path}.size`);
		if (size.length !== 2) r.fail(`${path}.size`, `is ${r.show(size)}; it must be [height, width]`);
		const um = im.umPerPixel === null || im.umPerPixel === undefined ? null : r.number(im.umPerPixel, `${path}.umPerPixel`);
		const name = baseName(file);
		let mask: JsonValue = null;
		if (im.mask !== null && im.mask !== undefined) {
			const m = r.object(im.mask, `${path}.mask`);
			const maskFile = r.string(m.file, `${path}.mask.file`, true);
			mask = {
				file: { path: maskFile, size: m.bytes as JsonValue, sha256: m.sha256 as JsonValue },
				sourceName: baseName(maskFile),
				editCount: 0,
				cells: m.cells as JsonValue
			};
		}
		return {
			id: `image-${i + 1}`,
			name,
			stem: fileStem(name),
			format: FORMAT_BY_EXTENSION[fileExtension(name)] ?? fileExtension(name),
			file: { path: file, size: im.bytes as JsonValue, sha256: im.sha256 as JsonValue },
			original: true,
			width: size[1] as JsonValue,
			height: size[0] as JsonValue,
			channels: im.channels as JsonValue,
			dtype: r.oneOf(im.dtype, `${path}.dtype`, DTYPES),
			pages: 1,
			pixelSizeUm: um,
			// Version 0 kept a pixel size without saying where it came from.
			pixelSizeSource: um === null ? null : 'user',
			notes: um === null ? [] : ['The pixel size comes from a pre-release Mycol session, which did not record its source.'],
			mask
		};
	});
	return {
		formatVersion: 1,
		appVersion: r.string(o.app, 'app'),
		created: saved,
		session: { id: `session-${saved}`, name: `Session of ${saved.slice(0, 10)}`, created: saved, modified: saved },
		images,
		models: [],
		parts: { classes: null, cellClasses: null, parameters: null, hyperparameters: null, histories: null, ui: null }
	};
}
