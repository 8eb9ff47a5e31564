/**
 * "Open session": a session zip read back, validation first. The zip's structure, every entry's
 * name, size and compression ratio are checked before anything is inflated (zip-directory.ts);
 * then the manifest is read and migrated to the current format; then the entries must be exactly
 * the files the manifest lists; then each is inflated (capped at its declared size) and checked
 * against its CRC-32 and the manifest's size and SHA-256; masks are decoded and must match their
 * images. Only a session that passes all of it is returned; any failure throws a SessionError
 * with a plain sentence, and since nothing is changed before returning, the caller's current
 * session stays as it was.
 */
import { SessionError, UserError, formatCount } from '../formats/errors';
import { decodeLabelFile, inspectImage } from '../formats/image-file';
import { countLabels } from '../labels/count';
import type { Labels } from '../raster/types';
import { readHyperparameterCsv } from './hyperparameter-csv';
import { migrateWithInfo } from './migrations';
import { defaultParameters, readCellClassesCsv, readClassesCsv, readHistories, readParameters, readUi } from './parts';
import type { BlobRef, CellClass, JsonObject, SessionData, SessionImage, SessionManifest, SessionModel, SessionParameters, TrainingRun } from './schema';
import { sha256Hex } from './sha256';
import { MANIFEST_NAME, blobRefs, parseJson } from './validate';
import { bytesSource, readZipDirectory, readZipEntry, type ByteSource, type ZipEntry } from './zip-directory';

/** The largest manifest read (a session of many thousand images stays far below). */
const MAX_MANIFEST_BYTES = 64 * 2 ** 20;

export interface SessionSummary {
	/** The format version the file was written in (before migration). */
	formatVersion: number;
	appVersion: string;
	images: number;
	masks: number;
	/** Cells in all masks. */
	cells: number;
	classes: number;
	/** Cells with a class. */
	classifiedCells: number;
	models: number;
	trainingRuns: number;
}

export interface RestoredSession {
	session: SessionData;
	/** The manifest, migrated to the current format. */
	manifest: SessionManifest;
	/** The version migrated from, or null when the file was already current. */
	migratedFrom: number | null;
	summary: SessionSummary;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Run a check of one part; its error becomes the zip's, naming the part. */
function within<T>(file: string, fn: () => T): T {
	try {
		return fn();
	} catch (e) {
		if (e instanceof SessionError && e.file === file) throw e;
		if (e instanceof UserError) throw new SessionError(file, e.message);
		throw e;
	}
}

function text(file: string, part: string, bytes: Uint8Array): string {
	try {
		return utf8.decode(bytes);
	} catch {
		throw new SessionError(file, `${part}: the file is not UTF-8 text`);
	}
}

/** Read and check a whole session zip (see the module comment); `file` names it in messages. */
export async function readSessionZip(file: string, zip: ByteSource | Uint8Array): Promise<RestoredSession> {
	const src = zip instanceof Uint8Array ? bytesSource(zip) : zip;
	const entries = await readZipDirectory(file, src);
	const byName = new Map<string, ZipEntry>();
	for (const e of entries) if (!e.isFolder) byName.set(e.name, e);

	// The manifest, migrated, before any other entry is touched.
	const manifestEntry = byName.get(MANIFEST_NAME);
	if (!manifestEntry) {
		const some = [...byName.keys()].slice(0, 3).join(', ');
		throw new SessionError(file, `the zip has no ${MANIFEST_NAME}, so it is not a Mycol session${some ? ` (it holds ${some}${byName.size > 3 ? ', …' : ''})` : ' (it is empty)'}`);
	}
	if (manifestEntry.size > MAX_MANIFEST_BYTES) {
		throw new SessionError(file, `${MANIFEST_NAME} is ${formatCount(manifestEntry.size)} bytes, more than a session's manifest can be (${formatCount(MAX_MANIFEST_BYTES)})`);
	}
	const manifestBytes = await readZipEntry(file, src, manifestEntry);
	const { manifest, from } = within(file, () => migrateWithInfo(parseJson(MANIFEST_NAME, text(file, MANIFEST_NAME, manifestBytes)), MANIFEST_NAME));

	// Exactly the listed entries: none missing, none extra, each the size the manifest says.
	const refs = blobRefs(manifest);
	for (const { ref, what } of refs) {
		const e = byName.get(ref.path);
		if (!e) throw new SessionError(file, `the session lists ${ref.path} (the ${what}) but the zip has no such entry (an incomplete or edited file?)`);
		if (e.size !== ref.size) {
			throw new SessionError(file, `${ref.path} is ${formatCount(e.size)} bytes but the manifest says ${formatCount(ref.size)} (the file was damaged or changed)`);
		}
	}
	const listed = new Set(refs.map((r) => r.ref.path));
	for (const name of byName.keys()) {
		if (name !== MANIFEST_NAME && !listed.has(name)) {
			throw new SessionError(file, `the zip holds ${name}, which the session's manifest does not list (an edited or foreign file?)`);
		}
	}

	/** An entry's bytes, CRC- and SHA-256-checked. */
	const part = async (ref: BlobRef): Promise<Uint8Array> => {
		const bytes = await readZipEntry(file, src, byName.get(ref.path)!);
		if (sha256Hex(bytes) !== ref.sha256) {
			throw new SessionError(file, `${ref.path} does not match its SHA-256 checksum in the manifest (the file was damaged or changed)`);
		}
		return bytes;
	};

	const images: SessionImage[] = [];
	for (const im of manifest.images) {
		const bytes = await part(im.file);
		const info = within(file, () => inspectImage(im.file.path, bytes));
		if (info.width !== im.width || info.height !== im.height) {
			throw new SessionError(file, `${im.file.path} is ${info.width} × ${info.height} pixels but the manifest says ${im.width} × ${im.height}`);
		}
		let mask: SessionImage['mask'] = null;
		if (im.mask) {
			const m = im.mask;
			const maskBytes = await part(m.file);
			const labels: Labels = within(file, () => decodeLabelFile(m.file.path, maskBytes).labels);
			if (labels.width !== im.width || labels.height !== im.height) {
				throw new SessionError(file, `${m.file.path} is ${labels.width} × ${labels.height} pixels but its image ${im.name} is ${im.width} × ${im.height}`);
			}
			const cells = countLabels(labels.data);
			if (cells !== m.cells) throw new SessionError(file, `${m.file.path} holds ${formatCount(cells)} cells but the manifest says ${formatCount(m.cells)}`);
			mask = { labels, sourceName: m.sourceName, editCount: m.editCount };
		}
		const { file: _file, mask: _mask, ...meta } = im;
		images.push({ ...meta, notes: [...im.notes], bytes, mask, cellClasses: new Map() });
	}

	const models: SessionModel[] = [];
	for (const m of manifest.models) {
		models.push({ id: m.id, name: m.name, kind: m.kind, fileName: m.fileName, card: m.card, bytes: await part(m.file) });
	}

	// The small parts, each read, checked and parsed; an absent one is its empty default.
	const p = manifest.parts;
	const read = async <T>(ref: BlobRef | null, parse: (name: string, text: string) => T, empty: T): Promise<T> => {
		if (!ref) return empty;
		const t = text(file, ref.path, await part(ref));
		return within(file, () => parse(ref.path, t));
	};
	const json =
		<T>(parse: (name: string, json: unknown) => T) =>
		(name: string, t: string): T =>
			parse(name, parseJson(name, t));
	const classes: CellClass[] = await read(p.classes, readClassesCsv, []);
	const imageIds = new Set(images.map((im) => im.id));
	const classIds = new Set(classes.map((c) => c.id));
	const assigned = await read(p.cellClasses, (name, t) => readCellClassesCsv(name, t, imageIds, classIds), new Map<string, Map<number, string>>());
	for (const im of images) im.cellClasses = assigned.get(im.id) ?? new Map();
	const parameters: SessionParameters = await read(p.parameters, json(readParameters), defaultParameters());
	await read(p.hyperparameters, readHyperparameterCsv, []);
	const histories: TrainingRun[] = await read(p.histories, json(readHistories), []);
	const ui: JsonObject = await read(p.ui, json(readUi), {});

	const session: SessionData = { ...manifest.session, images, classes, models, parameters, histories, ui };
	return { session, manifest, migratedFrom: from === manifest.formatVersion ? null : from, summary: summarise(session, from, manifest.appVersion) };
}

/** Counts for a one-line description of a session. */
export function summarise(s: SessionData, formatVersion: number, appVersion: string): SessionSummary {
	let masks = 0;
	let cells = 0;
	let classified = 0;
	for (const im of s.images) {
		if (im.mask) {
			masks++;
			cells += countLabels(im.mask.labels.data);
		}
		classified += im.cellClasses.size;
	}
	return {
		formatVersion,
		appVersion,
		images: s.images.length,
		masks,
		cells,
		classes: s.classes.length,
		classifiedCells: classified,
		models: s.models.length,
		trainingRuns: s.histories.length
	};
}
