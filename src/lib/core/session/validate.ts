/**
 * Checking parsed JSON against the schema, field by field, so that a damaged or hand-edited
 * manifest is refused with a sentence naming the field ("images[2].width is "abc"; it must be a
 * whole number of at least 1") instead of failing later somewhere else.
 */
import { LIMITS, SessionError, formatCount } from '../formats/errors';
import {
	DTYPES,
	MODEL_KINDS,
	PIXEL_SIZE_SOURCES,
	SESSION_FORMAT_VERSION,
	type BlobRef,
	type ImageEntry,
	type JsonObject,
	type JsonValue,
	type MaskEntry,
	type ModelEntry,
	type SessionManifest,
	type SessionParts
} from './schema';
import { unsafeNameReason } from './zip-format';

/** The manifest's own entry name. */
export const MANIFEST_NAME = 'manifest.json';

/** Reads fields of one JSON file, throwing a SessionError that names the file and field. */
export class JsonReader {
	constructor(readonly file: string) {}

	fail(path: string, what: string): never {
		throw new SessionError(this.file, `${path} ${what}`);
	}

	show(v: unknown): string {
		if (v === undefined) return 'missing';
		const s = JSON.stringify(v);
		return `${s.length > 40 ? `${s.slice(0, 37)}…` : s}`;
	}

	object(v: unknown, path: string): Record<string, unknown> {
		if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `is ${this.show(v)}; it must be an object`);
		return v as Record<string, unknown>;
	}

	array(v: unknown, path: string): unknown[] {
		if (!Array.isArray(v)) this.fail(path, `is ${this.show(v)}; it must be a list`);
		return v;
	}

	string(v: unknown, path: string, nonEmpty = false): string {
		if (typeof v !== 'string' || (nonEmpty && v.length === 0)) this.fail(path, `is ${this.show(v)}; it must be ${nonEmpty ? 'a non-empty' : 'a'} text`);
		return v;
	}

	boolean(v: unknown, path: string): boolean {
		if (typeof v !== 'boolean') this.fail(path, `is ${this.show(v)}; it must be true or false`);
		return v;
	}

	/** A whole number in [min, max]. */
	integer(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
		if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
			this.fail(path, `is ${this.show(v)}; it must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${formatCount(min)}` : `from ${formatCount(min)} to ${formatCount(max)}`}`);
		}
		return v;
	}

	/** A finite number. */
	number(v: unknown, path: string): number {
		if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, `is ${this.show(v)}; it must be a number`);
		return v;
	}

	date(v: unknown, path: string): string {
		const s = this.string(v, path, true);
		if (Number.isNaN(Date.parse(s))) this.fail(path, `is ${this.show(v)}; it must be a date and time (ISO 8601)`);
		return s;
	}

	oneOf<T>(v: unknown, path: string, allowed: readonly T[]): T {
		if (!allowed.includes(v as T)) this.fail(path, `is ${this.show(v)}; it must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
		return v as T;
	}

	strings(v: unknown, path: string): string[] {
		return this.array(v, path).map((s, i) => this.string(s, `${path}[${i}]`));
	}

	/** Any JSON object (free-form content such as a model card or UI settings). */
	jsonObject(v: unknown, path: string): JsonObject {
		return this.object(v, path) as JsonObject;
	}

	blobRef(v: unknown, path: string): BlobRef {
		const o = this.object(v, path);
		const p = this.string(o.path, `${path}.path`, true);
		const unsafe = unsafeNameReason(p);
		if (unsafe) this.fail(`${path}.path`, `is ${this.show(p)}, which ${unsafe}`);
		if (p === MANIFEST_NAME || p.endsWith('/')) this.fail(`${path}.path`, `is ${this.show(p)}, which cannot hold a part of the session`);
		return {
			path: p,
			size: this.integer(o.size, `${path}.size`, 0, LIMITS.maxZipEntryBytes),
			sha256: this.sha256(o.sha256, `${path}.sha256`)
		};
	}

	sha256(v: unknown, path: string): string {
		if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) this.fail(path, `is ${this.show(v)}; it must be a SHA-256 checksum (64 lower-case hex digits)`);
		return v;
	}
}

/** Parsed JSON text, or a SessionError saying where it breaks. */
export function parseJson(file: string, text: string): JsonValue {
	try {
		return JSON.parse(text) as JsonValue;
	} catch (e) {
		throw new SessionError(file, `the file is not valid JSON (${(e as Error).message})`);
	}
}

/** A current-version manifest from parsed JSON, every field checked. */
export function validateManifest(json: unknown, file = MANIFEST_NAME): SessionManifest {
	const r = new JsonReader(file);
	const o = r.object(json, 'the manifest');
	if (o.formatVersion !== SESSION_FORMAT_VERSION) r.fail('formatVersion', `is ${r.show(o.formatVersion)}; expected ${SESSION_FORMAT_VERSION}`);
	const s = r.object(o.session, 'session');
	const manifest: SessionManifest = {
		formatVersion: SESSION_FORMAT_VERSION,
		appVersion: r.string(o.appVersion, 'appVersion'),
		created: r.date(o.created, 'created'),
		session: {
			id: r.string(s.id, 'session.id', true),
			name: r.string(s.name, 'session.name'),
			created: r.date(s.created, 'session.created'),
			modified: r.date(s.modified, 'session.modified')
		},
		images: r.array(o.images, 'images').map((v, i) => imageEntry(r, v, `images[${i}]`)),
		models: r.array(o.models ?? [], 'models').map((v, i) => modelEntry(r, v, `models[${i}]`)),
		parts: parts(r, o.parts ?? {})
	};
	unique(r, manifest.images.map((im) => im.id), 'images', 'id');
	unique(r, manifest.models.map((m) => m.id), 'models', 'id');
	const paths = blobRefs(manifest).map((b) => b.ref.path);
	unique(r, paths, 'the manifest', 'file path');
	return manifest;
}

function unique(r: JsonReader, values: string[], where: string, what: string): void {
	const seen = new Set<string>();
	for (const v of values) {
		if (seen.has(v)) throw new SessionError(r.file, `the ${what} ${JSON.stringify(v)} is used twice in ${where}; each must be unique`);
		seen.add(v);
	}
}

function imageEntry(r: JsonReader, v: unknown, path: string): ImageEntry {
	const o = r.object(v, path);
	const width = r.integer(o.width, `${path}.width`, 1);
	const height = r.integer(o.height, `${path}.height`, 1);
	if (width * height > LIMITS.maxPixels) {
		r.fail(path, `declares ${formatCount(width)} × ${formatCount(height)} pixels, more than the limit of ${formatCount(LIMITS.maxPixels)} pixels per image`);
	}
	const pixelSizeUm = o.pixelSizeUm === null ? null : r.number(o.pixelSizeUm, `${path}.pixelSizeUm`);
	if (pixelSizeUm !== null && !(pixelSizeUm > 0)) r.fail(`${path}.pixelSizeUm`, `is ${pixelSizeUm}; a pixel size must be above 0 µm (or null)`);
	return {
		id: r.string(o.id, `${path}.id`, true),
		name: r.string(o.name, `${path}.name`, true),
		stem: r.string(o.stem, `${path}.stem`),
		format: r.string(o.format, `${path}.format`, true),
		file: r.blobRef(o.file, `${path}.file`),
		original: r.boolean(o.original, `${path}.original`),
		width,
		height,
		channels: r.integer(o.channels, `${path}.channels`, 1, 4096),
		dtype: r.oneOf(o.dtype, `${path}.dtype`, DTYPES),
		pages: r.integer(o.pages, `${path}.pages`, 1),
		pixelSizeUm,
		pixelSizeSource: r.oneOf(o.pixelSizeSource ?? null, `${path}.pixelSizeSource`, PIXEL_SIZE_SOURCES),
		notes: r.strings(o.notes ?? [], `${path}.notes`),
		mask: o.mask === null || o.mask === undefined ? null : maskEntry(r, o.mask, `${path}.mask`)
	};
}

function maskEntry(r: JsonReader, v: unknown, path: string): MaskEntry {
	const o = r.object(v, path);
	return {
		file: r.blobRef(o.file, `${path}.file`),
		sourceName: r.string(o.sourceName, `${path}.sourceName`),
		editCount: r.integer(o.editCount, `${path}.editCount`, 0),
		cells: r.integer(o.cells, `${path}.cells`, 0)
	};
}

function modelEntry(r: JsonReader, v: unknown, path: string): ModelEntry {
	const o = r.object(v, path);
	return {
		id: r.string(o.id, `${path}.id`, true),
		name: r.string(o.name, `${path}.name`),
		kind: r.oneOf(o.kind, `${path}.kind`, MODEL_KINDS),
		fileName: r.string(o.fileName, `${path}.fileName`, true),
		file: r.blobRef(o.file, `${path}.file`),
		card: r.jsonObject(o.card ?? {}, `${path}.card`)
	};
}

const PART_KEYS = ['classes', 'cellClasses', 'parameters', 'hyperparameters', 'histories', 'ui'] as const;

function parts(r: JsonReader, v: unknown): SessionParts {
	const o = r.object(v, 'parts');
	const out = {} as SessionParts;
	for (const k of PART_KEYS) out[k] = o[k] === null || o[k] === undefined ? null : r.blobRef(o[k], `parts.${k}`);
	return out;
}

/** Every file a manifest references, with what it is (for messages). */
export function blobRefs(m: SessionManifest): { ref: BlobRef; what: string }[] {
	const out: { ref: BlobRef; what: string }[] = [];
	for (const im of m.images) {
		out.push({ ref: im.file, what: `image ${im.name}` });
		if (im.mask) out.push({ ref: im.mask.file, what: `mask of ${im.name}` });
	}
	for (const md of m.models) out.push({ ref: md.file, what: `model ${md.name || md.fileName}` });
	for (const k of PART_KEYS) {
		const ref = m.parts[k];
		if (ref) out.push({ ref, what: k });
	}
	return out;
}
