/**
 * "Download session": a SessionData written as a versioned zip, streamed entry by entry. Entries,
 * in order: the original image files (`images/…`), masks as label TIFF (`masks/<stem>_masks.tif`,
 * made one at a time, when reached), models (`models/…`), `classes.csv`, `cell-classes.csv`,
 * `parameters.json`, `hyperparameters.csv`, `histories.json`, `ui.json`, and last `manifest.json`,
 * which lists every other entry with its size and SHA-256 (computed as the entries stream past,
 * so nothing is read twice or held back).
 */
import { SessionError } from '../formats/errors';
import { writeLabelTiff } from '../formats/label-tiff';
import { writeTiff } from '../formats/tiff-writer';
import { countLabels } from '../labels/count';
import { fileExtension, fileStem } from '../dataset/pairing';
import type { Raster } from '../raster/types';
import { hyperparametersFromSettings, writeHyperparameterCsv } from './hyperparameter-csv';
import { writeCellClassesCsv, writeClassesCsv } from './parts';
import { SESSION_FORMAT_VERSION, type BlobRef, type ImageEntry, type ModelEntry, type SessionData, type SessionManifest, type SessionParts } from './schema';
import { Sha256, toHex } from './sha256';
import { MANIFEST_NAME } from './validate';
import { ZipStream, collectZip, type ZipEntryInput, type ZipStreamOptions, type ZipStreamStats } from './zip-stream';

export interface SessionZipOptions {
	/** The Mycol version writing the file. */
	appVersion: string;
	/** When the file is written (default: now); also the entries' modification time. */
	now?: Date;
	/** Deflate level (default 1, see ZipStreamOptions). */
	level?: ZipStreamOptions['level'];
	/** Write zip64 records even for a small session. */
	forceZip64?: boolean;
}

/** Names of the fixed parts. */
export const PART_NAMES: Record<keyof SessionParts, string> = {
	classes: 'classes.csv',
	cellClasses: 'cell-classes.csv',
	parameters: 'parameters.json',
	hyperparameters: 'hyperparameters.csv',
	histories: 'histories.json',
	ui: 'ui.json'
};

/** Image formats whose files are already compressed: stored as they are, not deflated again. */
const COMPRESSED_FORMATS = new Set(['png', 'jpeg']);

/** A session zip being written: iterate it for the chunks; `manifest` is set once it is done. */
export class SessionZipStream implements AsyncIterable<Uint8Array> {
	manifest: SessionManifest | null = null;
	private readonly zip: ZipStream;

	constructor(session: SessionData, opts: SessionZipOptions) {
		checkSession(session);
		const now = opts.now ?? new Date();
		const hashes = new Map<string, BlobRef>();
		const onEntry = (name: string, data: Uint8Array): void => {
			hashes.set(name, { path: name, size: data.length, sha256: toHex(new Sha256().update(data).digest()) });
		};
		this.zip = new ZipStream(this.entries(session, opts, now, hashes), { mtime: now, level: opts.level, forceZip64: opts.forceZip64, onEntry });
	}

	get stats(): ZipStreamStats {
		return this.zip.stats;
	}

	[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
		return this.zip[Symbol.asyncIterator]();
	}

	private *entries(session: SessionData, opts: SessionZipOptions, now: Date, hashes: Map<string, BlobRef>): Generator<ZipEntryInput> {
		const names = new EntryNames();
		const enc = new TextEncoder();
		const ref = (path: string): BlobRef => {
			const r = hashes.get(path);
			if (!r) throw new Error(`SessionZipStream: ${path} was not written`);
			return r;
		};
		const images: { path: string; maskPath: string | null; cells: number }[] = [];
		for (const im of session.images) {
			const path = names.take('images/', safeFileName(im.name));
			yield { name: path, data: im.bytes, deflate: !COMPRESSED_FORMATS.has(im.format) };
			const entry: { path: string; maskPath: string | null; cells: number } = { path, maskPath: null, cells: 0 };
			images.push(entry);
			if (im.mask) {
				const mask = im.mask;
				entry.maskPath = names.take('masks/', `${fileStem(path)}_masks.tif`);
				yield {
					name: entry.maskPath,
					// Made only when reached, so one mask TIFF exists at a time; already deflated inside.
					data: () => {
						entry.cells = countLabels(mask.labels.data);
						return writeLabelTiff(mask.labels, { pixelSizeUm: im.pixelSizeUm });
					},
					deflate: false
				};
			}
		}
		const modelPaths: string[] = [];
		for (const m of session.models) {
			const path = names.take('models/', safeFileName(m.fileName));
			modelPaths.push(path);
			yield { name: path, data: m.bytes, deflate: false };
		}
		const json = (v: unknown): Uint8Array => enc.encode(`${JSON.stringify(v, null, 2)}\n`);
		yield { name: PART_NAMES.classes, data: () => enc.encode(writeClassesCsv(session.classes)), deflate: true };
		yield { name: PART_NAMES.cellClasses, data: () => enc.encode(writeCellClassesCsv(session.images)), deflate: true };
		yield { name: PART_NAMES.parameters, data: () => json(session.parameters), deflate: true };
		yield {
			name: PART_NAMES.hyperparameters,
			data: () => enc.encode(writeHyperparameterCsv([hyperparametersFromSettings(session.parameters.segmentation)])),
			deflate: true
		};
		yield { name: PART_NAMES.histories, data: () => json(session.histories), deflate: true };
		yield { name: PART_NAMES.ui, data: () => json(session.ui), deflate: true };
		yield {
			name: MANIFEST_NAME,
			data: () => {
				const manifest: SessionManifest = {
					formatVersion: SESSION_FORMAT_VERSION,
					appVersion: opts.appVersion,
					created: now.toISOString(),
					session: { id: session.id, name: session.name, created: session.created, modified: session.modified },
					images: session.images.map((im, i): ImageEntry => {
						const e = images[i];
						return {
							id: im.id,
							name: im.name,
							stem: im.stem,
							format: im.format,
							file: ref(e.path),
							original: im.original,
							width: im.width,
							height: im.height,
							channels: im.channels,
							dtype: im.dtype,
							pages: im.pages,
							pixelSizeUm: im.pixelSizeUm,
							pixelSizeSource: im.pixelSizeSource,
							notes: im.notes,
							mask: im.mask && e.maskPath ? { file: ref(e.maskPath), sourceName: im.mask.sourceName, editCount: im.mask.editCount, cells: e.cells } : null
						};
					}),
					models: session.models.map((m, i): ModelEntry => ({ id: m.id, name: m.name, kind: m.kind, fileName: m.fileName, file: ref(modelPaths[i]), card: m.card })),
					parts: {
						classes: ref(PART_NAMES.classes),
						cellClasses: ref(PART_NAMES.cellClasses),
						parameters: ref(PART_NAMES.parameters),
						hyperparameters: ref(PART_NAMES.hyperparameters),
						histories: ref(PART_NAMES.histories),
						ui: ref(PART_NAMES.ui)
					}
				};
				this.manifest = manifest;
				return json(manifest);
			},
			deflate: true
		};
	}
}

/** Stream a session as a zip (iterate the result for its chunks, in order). */
export function writeSessionZip(session: SessionData, opts: SessionZipOptions): SessionZipStream {
	return new SessionZipStream(session, opts);
}

/** The whole session zip in memory (for small sessions and tests; pipe `writeSessionZip` otherwise). */
export async function writeSessionZipBytes(session: SessionData, opts: SessionZipOptions): Promise<Uint8Array> {
	return collectZip(writeSessionZip(session, opts));
}

/** The file to store for an image that has no original file (generated): a lossless TIFF. */
export function losslessImageFile(raster: Raster, pixelSizeUm: number | null): Uint8Array {
	return writeTiff(raster, { pixelSizeUm });
}

/**
 * What must hold for the zip to open again: unique ids, masks the size of their images, class
 * assignments to existing classes. A failure is the caller's state, named in a sentence.
 */
function checkSession(s: SessionData): void {
	const unique = (ids: string[], what: string): void => {
		const seen = new Set<string>();
		for (const id of ids) {
			if (id === '') throw new SessionError(undefined, `cannot save the session: a ${what} has an empty id`);
			if (seen.has(id)) throw new SessionError(undefined, `cannot save the session: two ${what}s have the id "${id}"`);
			seen.add(id);
		}
	};
	unique(s.images.map((im) => im.id), 'image');
	unique(s.models.map((m) => m.id), 'model');
	unique(s.classes.map((c) => c.id), 'class');
	const classIds = new Set(s.classes.map((c) => c.id));
	for (const im of s.images) {
		const l = im.mask?.labels;
		if (l && (l.width !== im.width || l.height !== im.height || l.data.length !== l.width * l.height)) {
			throw new SessionError(im.name, `cannot save the session: the mask is ${l.width} × ${l.height} pixels but the image is ${im.width} × ${im.height}`);
		}
		for (const [label, classId] of im.cellClasses) {
			if (!classIds.has(classId)) throw new SessionError(im.name, `cannot save the session: cell ${label} is assigned to class "${classId}", which does not exist`);
			if (!Number.isInteger(label) || label < 1) throw new SessionError(im.name, `cannot save the session: ${label} is not a cell id`);
		}
	}
}

/** A file name safe as a zip entry and on every file system when unpacked. */
export function safeFileName(name: string): string {
	const s = name.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_').trim();
	return s === '' || s === '.' || s === '..' ? 'file' : s;
}

/** Entry paths handed out once each (case-insensitively, for case-insensitive file systems). */
class EntryNames {
	private readonly used = new Set<string>([MANIFEST_NAME, ...Object.values(PART_NAMES)]);

	take(folder: string, name: string): string {
		const ext = fileExtension(name);
		const stem = ext ? name.slice(0, -(ext.length + 1)) : name;
		for (let k = 1; ; k++) {
			const candidate = `${folder}${k === 1 ? name : `${stem} (${k})${ext ? `.${name.slice(-ext.length)}` : ''}`}`;
			if (!this.used.has(candidate.toLowerCase())) {
				this.used.add(candidate.toLowerCase());
				return candidate;
			}
		}
	}
}
