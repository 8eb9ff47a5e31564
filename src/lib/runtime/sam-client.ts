/**
 * The page's side of SAM 2.1 box prompts: the worker, and the models installed on this device.
 *
 * A model is installed from the user's files (file picker) or from the deployment's
 * `models/sam2/manifest.json` (format: `parseSamManifest`), fetched from the app's own origin with
 * progress and checked against the manifest's sizes and sha256. Either way the files are checked
 * against the SAM 2.1 contract first, then kept on this device so later visits need no download:
 * in the origin-private file system (OPFS) where the browser can write it, else in Cache Storage
 * (cache 'mycol-models'), else only for this visit. An index (`sam2/index.json`) lists what is
 * installed and which model the box tool uses.
 */
import * as Comlink from 'comlink';
import { Sha256, toHex } from '$lib/core/session/sha256';
import { UserError, formatCount } from '$lib/core/formats/errors';
import type { Raster } from '$lib/core/raster/types';
import type { Rect } from '$lib/core/labels/rect';
import type { Box, ResizeMode } from '$lib/core/sam/prompt';
import { assembleSamFiles, parseSamManifest, type NamedBytes, type SamConvention, type SamManifestModel } from '$lib/core/sam/onnx-contract';
import type { WebBackend } from './ort-web';

/* ------------------------------------------------------------------ worker messages */

export type SamLoadReply = { ok: true; convention: SamConvention; backend: WebBackend; resizeMode: ResizeMode } | { ok: false; message: string };

export type SamEncodeReply = { ok: true; ms: number } | { ok: false; cancelled?: boolean; message: string };

export type SamPromptReply =
	| { ok: true; found: true; mask: Uint8Array; rect: Rect; score: number; chosen: number; ms: number; backend: WebBackend }
	| { ok: true; found: false; reason: 'no-object' | 'empty'; score: number; ms: number }
	| { ok: false; cancelled?: boolean; message: string };

/** workers/sam.worker.ts */
export interface SamApi {
	/** Check the files against the contract and open onnxruntime sessions (the last model loaded replaces the one before). */
	load(id: string, files: { name: string; bytes: ArrayBuffer }[]): Promise<SamLoadReply>;
	loadedId(): Promise<string | null>;
	unload(): Promise<void>;
	hasImage(key: string): Promise<boolean>;
	/** Keep an image for prompts (the last two). */
	setImage(key: string, raster: Raster): Promise<void>;
	/** Encode the whole image ahead of the first box (its embedding is kept). */
	encode(key: string): Promise<SamEncodeReply>;
	/** One box in image pixels → the thresholded mask over `rect` (not yet placed in the label image). */
	prompt(key: string, box: Box): Promise<SamPromptReply>;
	/** Drop the work in progress (its result is not returned). */
	cancel(): void;
}

let remote: Comlink.Remote<SamApi> | null = null;

export function samWorker(): Comlink.Remote<SamApi> {
	if (!remote) {
		const worker = new Worker(new URL('../../../workers/sam.worker.ts', import.meta.url), { type: 'module', name: 'sam' });
		remote = Comlink.wrap<SamApi>(worker);
	}
	return remote;
}

/* ------------------------------------------------------------------ storage */

interface Store {
	kind: 'opfs' | 'cache' | 'memory';
	write(id: string, name: string, bytes: Uint8Array): Promise<void>;
	read(id: string, name: string): Promise<Uint8Array | null>;
	/** Remove one model's folder. */
	remove(id: string): Promise<void>;
}

const INDEX = 'index.json';
/** The index lives in its own "model" folder. */
const META = '_';

function opfsStore(): Store | null {
	const storage = (globalThis.navigator as Navigator | undefined)?.storage;
	const FileHandle = (globalThis as { FileSystemFileHandle?: { prototype: object } }).FileSystemFileHandle;
	if (!storage?.getDirectory || !FileHandle || !('createWritable' in FileHandle.prototype)) return null;
	const dir = async (id: string, create: boolean): Promise<FileSystemDirectoryHandle | null> => {
		try {
			const root = await storage.getDirectory();
			const top = await root.getDirectoryHandle('mycol-models', { create });
			const sam = await top.getDirectoryHandle('sam2', { create });
			return await sam.getDirectoryHandle(id, { create });
		} catch (e) {
			if (!create && (e as DOMException).name === 'NotFoundError') return null;
			throw e;
		}
	};
	return {
		kind: 'opfs',
		async write(id, name, bytes) {
			const fh = await (await dir(id, true))!.getFileHandle(name, { create: true });
			const w = await fh.createWritable();
			await w.write(bytes as Uint8Array<ArrayBuffer>);
			await w.close();
		},
		async read(id, name) {
			const d = await dir(id, false);
			if (!d) return null;
			try {
				return new Uint8Array(await (await (await d.getFileHandle(name)).getFile()).arrayBuffer());
			} catch (e) {
				if ((e as DOMException).name === 'NotFoundError') return null;
				throw e;
			}
		},
		async remove(id) {
			const root = await storage.getDirectory();
			try {
				const sam = await (await root.getDirectoryHandle('mycol-models')).getDirectoryHandle('sam2');
				await sam.removeEntry(id, { recursive: true });
			} catch (e) {
				if ((e as DOMException).name !== 'NotFoundError') throw e;
			}
		}
	};
}

function cacheStore(): Store | null {
	if (typeof caches === 'undefined') return null;
	const url = (id: string, name: string) => new URL(`mycol-models/sam2/${encodeURIComponent(id)}/${encodeURIComponent(name)}`, globalThis.location.origin + '/').href;
	return {
		kind: 'cache',
		async write(id, name, bytes) {
			const c = await caches.open('mycol-models');
			await c.put(url(id, name), new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } }));
		},
		async read(id, name) {
			const hit = await (await caches.open('mycol-models')).match(url(id, name));
			return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
		},
		async remove(id) {
			const c = await caches.open('mycol-models');
			const prefix = url(id, '');
			for (const req of await c.keys()) if (req.url.startsWith(prefix)) await c.delete(req);
		}
	};
}

function memoryStore(): Store {
	const files = new Map<string, Uint8Array>();
	return {
		kind: 'memory',
		async write(id, name, bytes) {
			files.set(`${id}/${name}`, bytes);
		},
		async read(id, name) {
			return files.get(`${id}/${name}`) ?? null;
		},
		async remove(id) {
			for (const k of [...files.keys()]) if (k.startsWith(`${id}/`)) files.delete(k);
		}
	};
}

let store: Store | null = null;

function theStore(): Store {
	store ??= opfsStore() ?? cacheStore() ?? memoryStore();
	return store;
}

/** Where installed models are kept: 'opfs', 'cache' or 'memory' (this visit only). */
export function samStorageKind(): Store['kind'] {
	return theStore().kind;
}

/* ------------------------------------------------------------------ installed models */

export interface InstalledSamFile {
	/** The file's own name (as the user or the manifest named it). */
	name: string;
	bytes: number;
	sha256: string;
	role: string;
}

export interface InstalledSam {
	id: string;
	name: string;
	convention: SamConvention;
	resizeMode: ResizeMode;
	source: 'files' | 'deployment';
	licence: string | null;
	files: InstalledSamFile[];
	installedAt: string;
}

interface Index {
	active: string | null;
	models: InstalledSam[];
}

async function readIndex(): Promise<Index> {
	const bytes = await theStore().read(META, INDEX);
	if (!bytes) return { active: null, models: [] };
	try {
		const idx = JSON.parse(new TextDecoder().decode(bytes)) as Index;
		if (!Array.isArray(idx.models)) throw new Error('no models');
		return idx;
	} catch {
		console.warn('Mycol: the SAM2 model index is damaged; starting a new one');
		return { active: null, models: [] };
	}
}

async function writeIndex(idx: Index): Promise<void> {
	await theStore().write(META, INDEX, new TextEncoder().encode(JSON.stringify(idx)));
	for (const f of listeners) f();
}

const listeners = new Set<() => void>();

/** Call `f` whenever the installed models change; returns the unsubscribe function. */
export function onSamChange(f: () => void): () => void {
	listeners.add(f);
	return () => listeners.delete(f);
}

export async function listInstalledSam(): Promise<InstalledSam[]> {
	return (await readIndex()).models;
}

/** The model the box tool uses (the one installed last, unless another was chosen). */
export async function activeSam(): Promise<InstalledSam | null> {
	const idx = await readIndex();
	return idx.models.find((m) => m.id === idx.active) ?? idx.models[idx.models.length - 1] ?? null;
}

export async function isSamInstalled(): Promise<boolean> {
	return (await activeSam()) !== null;
}

export async function setActiveSam(id: string): Promise<void> {
	const idx = await readIndex();
	if (!idx.models.some((m) => m.id === id)) throw new UserError(undefined, 'that SAM2 model is not installed any more');
	await writeIndex({ ...idx, active: id });
}

/** Remove a model's files and its index entry (and unload it when the worker holds it). */
export async function removeSam(id: string): Promise<void> {
	if (remote && (await remote.loadedId()) === id) await remote.unload();
	await theStore().remove(id);
	const idx = await readIndex();
	await writeIndex({ active: idx.active === id ? null : idx.active, models: idx.models.filter((m) => m.id !== id) });
}

/* ------------------------------------------------------------------ installing */

export interface SamProgress {
	stage: 'reading' | 'downloading' | 'checking' | 'saving' | 'loading';
	/** The file being handled, when there is one. */
	file: string | null;
	/** Fraction of the whole install, 0–1. */
	fraction: number;
}

export type ProgressFn = (p: SamProgress) => void;

export class InstallCancelled extends Error {
	override readonly name = 'InstallCancelled';
}

function checkSignal(signal?: AbortSignal): void {
	if (signal?.aborted) throw new InstallCancelled('Install cancelled.');
}

/** SHA-256 in slices with a pause between them, so a 100 MB file does not freeze the page. */
async function sha256Of(bytes: Uint8Array, onSlice: (done: number) => void, signal?: AbortSignal): Promise<string> {
	const h = new Sha256();
	const SLICE = 8 << 20;
	for (let p = 0; p < bytes.length; p += SLICE) {
		checkSignal(signal);
		h.update(bytes.subarray(p, Math.min(bytes.length, p + SLICE)));
		onSlice(Math.min(bytes.length, p + SLICE));
		await new Promise((r) => setTimeout(r, 0));
	}
	return toHex(h.digest());
}

const VARIANTS = ['tiny', 'small', 'base-plus', 'base_plus', 'large'];

/** A readable name: the SAM 2.1 size and precision when the file names say them, else the encoder's file name. */
function nameFor(files: readonly NamedBytes[], encoder: string): string {
	const all = files.map((f) => f.name.toLowerCase()).join(' ');
	const variant = VARIANTS.find((v) => all.includes(v))?.replace('_', '-');
	const precision = /q4f16|quantized|int8|uint8|fp16/.exec(encoder.toLowerCase())?.[0];
	return variant ? `SAM 2.1 ${variant}${precision ? ` ${precision}` : ''}` : `SAM 2.1 from ${encoder}`;
}

/**
 * Check, keep and load a complete set of model files: the contract (so a wrong file is refused
 * before anything is stored), sha256 and storage per file, then onnxruntime in the worker; a model
 * onnxruntime cannot open is removed again.
 */
async function installBytes(
	files: NamedBytes[],
	meta: { id: string; name?: string; source: InstalledSam['source']; licence: string | null; sha256?: Map<string, string> },
	progress: (stage: SamProgress['stage'], file: string | null, fraction: number) => void,
	signal?: AbortSignal
): Promise<InstalledSam> {
	const set = assembleSamFiles(files);
	const total = files.reduce((s, f) => s + f.bytes.length, 0);
	const s = theStore();
	const record: InstalledSamFile[] = [];
	let done = 0;
	try {
		for (const [k, f] of files.entries()) {
			const sum = meta.sha256?.get(f.name) ?? (await sha256Of(f.bytes, (n) => progress('checking', f.name, (done + n / 2) / total), signal));
			checkSignal(signal);
			progress('saving', f.name, (done + f.bytes.length / 2) / total);
			await s.write(meta.id, `${k}.bin`, f.bytes);
			done += f.bytes.length;
			record.push({ name: f.name, bytes: f.bytes.length, sha256: sum, role: set.roles[f.name] ?? 'other' });
		}
		progress('loading', null, 1);
		checkSignal(signal);
		// The worker gets the buffers (copies only where the store keeps these very arrays, or they are views).
		const reply = await samWorker().load(
			meta.id,
			files.map((f) => {
				const whole = s.kind !== 'memory' && f.bytes.byteOffset === 0 && f.bytes.byteLength === f.bytes.buffer.byteLength;
				const buf = (whole ? f.bytes.buffer : f.bytes.slice().buffer) as ArrayBuffer;
				return Comlink.transfer({ name: f.name, bytes: buf }, [buf]);
			})
		);
		if (!reply.ok) throw new UserError(undefined, reply.message);
		const model: InstalledSam = {
			id: meta.id,
			name: meta.name ?? nameFor(files, set.encoder.name),
			convention: reply.convention,
			resizeMode: reply.resizeMode,
			source: meta.source,
			licence: meta.licence,
			files: record,
			installedAt: new Date().toISOString()
		};
		const idx = await readIndex();
		await writeIndex({ active: model.id, models: [...idx.models.filter((m) => m.id !== model.id), model] });
		return model;
	} catch (e) {
		await s.remove(meta.id).catch(() => undefined);
		// The worker may have dropped the model it held: load the active one again on next use.
		samModelChanged();
		throw e;
	}
}

let nextId = 1;

/** Install from the user's files (encoder and decoder .onnx, their .onnx_data, optionally preprocessor_config.json). */
export async function installSamFromFiles(picked: readonly File[], onProgress: ProgressFn, signal?: AbortSignal): Promise<InstalledSam> {
	const total = picked.reduce((s, f) => s + f.size, 0);
	const files: NamedBytes[] = [];
	let done = 0;
	for (const f of picked) {
		checkSignal(signal);
		onProgress({ stage: 'reading', file: f.name, fraction: done / total });
		files.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
		done += f.size;
	}
	const id = `files-${Date.now().toString(36)}-${nextId++}`;
	return installBytes(files, { id, source: 'files', licence: null }, (stage, file, fraction) => onProgress({ stage, file, fraction }), signal);
}

/** The deployment's folder of SAM2 models, relative to the app. */
export const DEPLOYMENT_DIR = 'models/sam2/';

/**
 * The models the deployment offers in `models/sam2/manifest.json`, or why there are none: the
 * file is absent (HTTP 404, or the static host's HTML fallback page), or not valid.
 */
export async function deploymentSamModels(): Promise<{ models: SamManifestModel[] } | { absent: string }> {
	let res: Response;
	try {
		res = await fetch(`${DEPLOYMENT_DIR}manifest.json`, { cache: 'no-cache' });
	} catch {
		return { absent: `${DEPLOYMENT_DIR}manifest.json could not be fetched (offline?)` };
	}
	const type = res.headers.get('content-type') ?? '';
	if (!res.ok || type.includes('text/html')) return { absent: `this deployment offers no SAM2 model (${DEPLOYMENT_DIR}manifest.json is absent)` };
	return { models: parseSamManifest(`${DEPLOYMENT_DIR}manifest.json`, await res.text()) };
}

/** Fetch one file with progress, into a buffer of the size the manifest gives, hashing as it comes. */
async function download(file: { file: string; bytes: number; sha256: string }, onBytes: (n: number) => void, signal?: AbortSignal): Promise<Uint8Array> {
	const path = `${DEPLOYMENT_DIR}${file.file}`;
	let res: Response;
	try {
		res = await fetch(path, { signal });
	} catch (e) {
		if (signal?.aborted) throw new InstallCancelled('Install cancelled.');
		throw new UserError(path, `the file could not be downloaded (${(e as Error).message})`);
	}
	if (!res.ok || !res.body) throw new UserError(path, `the file could not be downloaded (HTTP ${res.status})`);
	const out = new Uint8Array(file.bytes);
	const h = new Sha256();
	let n = 0;
	const reader = res.body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			if (n + value.length > out.length) throw new UserError(path, `the download is larger than the ${formatCount(file.bytes)} bytes the model list gives`);
			out.set(value, n);
			h.update(value);
			n += value.length;
			onBytes(n);
		}
	} catch (e) {
		if (signal?.aborted) throw new InstallCancelled('Install cancelled.');
		throw e;
	}
	if (n !== out.length) throw new UserError(path, `the download ended after ${formatCount(n)} of ${formatCount(file.bytes)} bytes`);
	if (toHex(h.digest()) !== file.sha256) throw new UserError(path, "the file's checksum does not match the model list (a damaged download, or the list is out of date)");
	return out;
}

/** Download a deployment model (progress per byte), check each file's sha256, keep and load it. */
export async function installSamFromDeployment(m: SamManifestModel, onProgress: ProgressFn, signal?: AbortSignal): Promise<InstalledSam> {
	const total = m.files.reduce((s, f) => s + f.bytes, 0);
	const files: NamedBytes[] = [];
	const sums = new Map<string, string>();
	let done = 0;
	for (const f of m.files) {
		checkSignal(signal);
		const bytes = await download(f, (n) => onProgress({ stage: 'downloading', file: f.file, fraction: (0.9 * (done + n)) / total }), signal);
		const name = f.file.slice(f.file.lastIndexOf('/') + 1);
		files.push({ name, bytes });
		sums.set(name, f.sha256);
		done += f.bytes;
	}
	return installBytes(
		files,
		{ id: `deployment-${m.id}`, name: m.name, source: 'deployment', licence: m.licence, sha256: sums },
		(stage, file, fraction) => onProgress({ stage, file, fraction: 0.9 + 0.1 * fraction }),
		signal
	);
}

/* ------------------------------------------------------------------ using */

export type SamReady =
	| { ok: true; model: InstalledSam; convention: SamConvention; backend: WebBackend; resizeMode: ResizeMode }
	| { ok: false; message: string };

let loading: Promise<SamReady> | null = null;

async function loadActive(): Promise<SamReady> {
	const model = await activeSam();
	if (!model) return { ok: false, message: 'no SAM2 model is installed' };
	const w = samWorker();
	let files: { name: string; bytes: ArrayBuffer }[] = [];
	// Already held by the worker (e.g. just installed): the worker answers without files.
	if ((await w.loadedId()) !== model.id) {
		for (const [k, f] of model.files.entries()) {
			const bytes = await theStore().read(model.id, `${k}.bin`);
			if (!bytes || bytes.length !== f.bytes) {
				return { ok: false, message: `${f.name}: the installed copy of the SAM2 model is missing or damaged; remove it and install it again` };
			}
			files.push(Comlink.transfer({ name: f.name, bytes: bytes.buffer as ArrayBuffer }, [bytes.buffer as ArrayBuffer]));
		}
	}
	const reply = await w.load(model.id, files);
	files = [];
	return reply.ok ? { ...reply, model } : reply;
}

/**
 * Make the worker hold the active model, reading it from this device's storage when it does not
 * (once per visit).
 */
export function ensureSamLoaded(): Promise<SamReady> {
	if (!loading) {
		const p = loadActive();
		loading = p;
		// A failure is tried again next time.
		p.then(
			(r) => {
				if (!r.ok && loading === p) loading = null;
			},
			() => {
				if (loading === p) loading = null;
			}
		);
	}
	return loading;
}

/** Forget which model is loaded (after installing, removing or switching), so the next use loads again. */
export function samModelChanged(): void {
	loading = null;
}
onSamChange(samModelChanged);

/** Drop the prompt in progress. */
export function cancelSamPrompt(): void {
	remote?.cancel();
}
