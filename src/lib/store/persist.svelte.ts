/**
 * Autosave and restore. Every change to the session is written to the browser's database a
 * moment later (debounced), off the critical path: masks are packed in the io worker, then one
 * transaction writes only what changed (the state JSON, new files, changed masks, new undo
 * entries). Either the whole save lands or none of it. Reopening the app restores the last
 * session exactly, undo history included.
 */
import { untrack } from 'svelte';
import { ioWorker } from '$lib/runtime/io-client';
import { loadUserModel } from '$lib/runtime/segment-client';
import type { Labels, Raster } from '$lib/core/raster/types';
import { getRecord, lastSessionId, setLastSessionId, writeSession, type RecordRow } from './db';
import { history, type HistoryEntry } from './history.svelte';
import { session } from './session.svelte';
import type { CellClass, ImageRecord, MaskRecord, ModelEntry, SegmentationSettings } from './types';

export const STATE_VERSION = 1;

interface StoredMask {
	name: string;
	cellCount: number;
	editCount: number;
	version: number;
	segmentedWith?: MaskRecord['segmentedWith'];
}

interface StoredImage {
	id: string;
	name: string;
	stem: string;
	format: string;
	pages: number;
	pixelSizeUm: number | null;
	pixelSizeSource: ImageRecord['pixelSizeSource'];
	notes: string[];
	/** 'original': the file's bytes are stored; 'raster': pixels (generated images). */
	file: 'original' | 'raster';
	mask: StoredMask | null;
	cellClasses: [number, string][];
}

interface StoredState {
	version: typeof STATE_VERSION;
	id: string;
	name: string;
	created: string;
	modified: string;
	images: StoredImage[];
	classes: CellClass[];
	models: Omit<ModelEntry, 'bytes'>[];
	modelId: string | null;
	segmentation: SegmentationSettings;
	maskSuffixes: string[];
	selectedId: string | null;
}

export interface SaveStatus {
	/** 'pending': changes made, save scheduled; 'saved': everything made so far is stored. */
	state: 'idle' | 'pending' | 'saving' | 'saved' | 'error';
	lastSaved: string | null;
	error: string | null;
}

export const saveStatus = $state<SaveStatus>({ state: 'idle', lastSaved: null, error: null });

/** What the database already holds for the current session (compared by object identity). */
const saved = {
	sessionId: '',
	files: new Set<string>(),
	masks: new Map<string, MaskRecord | null>(),
	models: new Set<string>(),
	history: new Set<number>()
};

function resetSaved(id: string): void {
	saved.sessionId = id;
	saved.files.clear();
	saved.masks.clear();
	saved.models.clear();
	saved.history.clear();
}

function stateOf(): StoredState {
	return {
		version: STATE_VERSION,
		id: session.id,
		name: session.name,
		created: session.created,
		modified: new Date().toISOString(),
		images: session.images.map((im) => ({
			id: im.id,
			name: im.name,
			stem: im.stem,
			format: im.format,
			pages: im.pages,
			pixelSizeUm: im.pixelSizeUm,
			pixelSizeSource: im.pixelSizeSource,
			notes: im.notes,
			file: im.fileBytes ? 'original' : 'raster',
			mask: im.mask
				? { name: im.mask.name, cellCount: im.mask.cellCount, editCount: im.mask.editCount ?? 0, version: im.mask.version ?? 0, segmentedWith: im.mask.segmentedWith }
				: null,
			cellClasses: [...im.cellClasses]
		})),
		classes: session.classes,
		models: session.models.map(({ bytes: _bytes, ...rest }) => rest),
		modelId: session.modelId,
		segmentation: $state.snapshot(session.segmentation) as SegmentationSettings,
		maskSuffixes: [...session.maskSuffixes],
		selectedId: session.selectedId
	};
}

let timer: ReturnType<typeof setTimeout> | null = null;
let saving: Promise<void> | null = null;
let again = false;

export function scheduleSave(delay = 600): void {
	if (timer) clearTimeout(timer);
	if (saveStatus.state !== 'error') saveStatus.state = 'pending';
	timer = setTimeout(() => {
		timer = null;
		void saveNow();
	}, delay);
}

/** Save now (or right after the save in progress). */
export async function saveNow(): Promise<void> {
	if (saving) {
		again = true;
		return saving;
	}
	saving = (async () => {
		saveStatus.state = 'saving';
		try {
			await writeChanges();
			// A change made while writing has already re-scheduled: stay 'pending' then.
			saveStatus.state = timer || again ? 'pending' : 'saved';
			saveStatus.lastSaved = new Date().toISOString();
			saveStatus.error = null;
		} catch (e) {
			saveStatus.state = 'error';
			saveStatus.error =
				(e as DOMException)?.name === 'QuotaExceededError'
					? 'The browser has no more storage for this site, so the latest changes are not saved. Download the session as a file, or remove images or old sessions.'
					: `The session could not be saved (${(e as Error).message}). Download it as a file to keep your work.`;
		}
	})();
	try {
		await saving;
	} finally {
		saving = null;
		if (again) {
			again = false;
			scheduleSave(0);
		}
	}
}

async function writeChanges(): Promise<void> {
	if (saved.sessionId !== session.id) resetSaved(session.id);
	const puts: RecordRow[] = [];
	const deletes: string[] = [];
	const sid = session.id;
	const images = session.images;
	const wrote = { files: [] as string[], masks: [] as [string, MaskRecord | null][], models: [] as string[], history: [] as number[] };

	for (const im of images) {
		if (!saved.files.has(im.id)) {
			puts.push({ sessionId: sid, key: `file:${im.id}`, value: im.fileBytes ?? { raster: im.raster } });
			wrote.files.push(im.id);
		}
		if (saved.masks.get(im.id) !== im.mask) {
			if (im.mask) puts.push({ sessionId: sid, key: `mask:${im.id}`, value: await ioWorker().pack(im.mask.labels) });
			else deletes.push(`mask:${im.id}`);
			wrote.masks.push([im.id, im.mask]);
		}
	}
	const live = new Set(images.map((im) => im.id));
	for (const id of saved.files) if (!live.has(id)) deletes.push(`file:${id}`, `mask:${id}`);

	for (const m of session.models) {
		if (m.source === 'user' && m.bytes && !saved.models.has(m.id)) {
			puts.push({ sessionId: sid, key: `model:${m.id}`, value: m.bytes });
			wrote.models.push(m.id);
		}
	}
	const liveModels = new Set(session.models.map((m) => m.id));
	for (const id of saved.models) if (!liveModels.has(id)) deletes.push(`model:${id}`);

	const entries = [...history.undoStack, ...history.redoStack];
	for (const e of entries) {
		if (!saved.history.has(e.seq)) {
			puts.push({ sessionId: sid, key: `h:${e.seq}`, value: e });
			wrote.history.push(e.seq);
		}
	}
	const liveSeqs = new Set(entries.map((e) => e.seq));
	for (const seq of saved.history) if (!liveSeqs.has(seq)) deletes.push(`h:${seq}`);
	puts.push({ sessionId: sid, key: 'history', value: { undo: history.undoStack.map((e) => e.seq), redo: history.redoStack.map((e) => e.seq) } });

	const state = stateOf();
	puts.push({ sessionId: sid, key: 'state', value: state });
	const cells = images.reduce((n, im) => n + (im.mask?.cellCount ?? 0), 0);
	await writeSession({ id: sid, name: state.name, created: state.created, modified: state.modified, images: images.length, cells }, puts, deletes);
	await setLastSessionId(sid);

	// Only now that the transaction committed does the database hold these.
	for (const id of wrote.files) saved.files.add(id);
	for (const [id, m] of wrote.masks) saved.masks.set(id, m);
	for (const id of wrote.models) saved.models.add(id);
	for (const seq of wrote.history) saved.history.add(seq);
	for (const id of [...saved.files]) if (!live.has(id)) (saved.files.delete(id), saved.masks.delete(id));
	for (const id of [...saved.models]) if (!liveModels.has(id)) saved.models.delete(id);
	for (const seq of [...saved.history]) if (!liveSeqs.has(seq)) saved.history.delete(seq);
}

/** Start watching the session: any change schedules a save; leaving the page saves at once. */
export function startAutosave(): () => void {
	const stop = $effect.root(() => {
		$effect(() => {
			void [session.id, session.name, session.images, session.classes, session.models, session.modelId, session.selectedId];
			void [JSON.stringify(session.segmentation), session.maskSuffixes.join(','), history.undoStack, history.redoStack];
			// Untracked: scheduling reads the save status, which must not re-run this effect.
			untrack(() => scheduleSave());
		});
	});
	const flush = () => {
		if (document.visibilityState === 'hidden') void saveNow();
	};
	document.addEventListener('visibilitychange', flush);
	return () => {
		stop();
		document.removeEventListener('visibilitychange', flush);
	};
}

/** Open a stored session (replacing the one in memory). Returns false when it does not exist. */
export async function openStored(id: string): Promise<boolean> {
	const state = await getRecord<StoredState>(id, 'state');
	if (!state) return false;
	const io = ioWorker();
	const images: ImageRecord[] = [];
	const problems: string[] = [];
	for (const s of state.images) {
		const file = await getRecord<Uint8Array | { raster: Raster }>(id, `file:${s.id}`);
		if (!file) {
			problems.push(`${s.name}: its stored file is missing`);
			continue;
		}
		let raster: Raster;
		let stats;
		if (file instanceof Uint8Array) {
			const reply = await io.decode(s.name, file.slice().buffer, []);
			if (!reply.ok || reply.kind !== 'image') {
				problems.push(`${s.name}: ${reply.ok ? 'stored as a mask' : reply.message}`);
				continue;
			}
			raster = reply.raster;
			stats = reply.stats;
		} else {
			raster = file.raster;
			stats = await io.stats(raster);
		}
		let mask: MaskRecord | null = null;
		if (s.mask) {
			const packed = await getRecord<Uint8Array>(id, `mask:${s.id}`);
			const labels = packed ? await io.unpack(`mask of ${s.name}`, packed) : { error: `${s.name}: its stored mask is missing` };
			if ('error' in labels) problems.push(labels.error);
			else mask = { ...s.mask, labels: labels as Labels };
		}
		images.push({
			id: s.id,
			name: s.name,
			stem: s.stem,
			format: s.format,
			fileBytes: file instanceof Uint8Array ? file : null,
			raster,
			stats,
			pages: s.pages,
			pixelSizeUm: s.pixelSizeUm,
			pixelSizeSource: s.pixelSizeSource,
			notes: s.notes,
			mask,
			cellClasses: new Map(s.cellClasses)
		});
	}
	const models: ModelEntry[] = [];
	for (const m of state.models) {
		if (m.source === 'builtin') continue; // the app serves these; they are loaded separately
		const bytes = await getRecord<Uint8Array>(id, `model:${m.id}`);
		if (!bytes) {
			problems.push(`${m.name}: the stored model file is missing`);
			continue;
		}
		try {
			await loadUserModel(m.id, m.name, bytes);
			models.push({ ...m, bytes });
		} catch (e) {
			problems.push((e as Error).message);
		}
	}
	const index = (await getRecord<{ undo: number[]; redo: number[] }>(id, 'history')) ?? { undo: [], redo: [] };
	const load = async (seqs: number[]) => (await Promise.all(seqs.map((q) => getRecord<HistoryEntry>(id, `h:${q}`)))).filter((e): e is HistoryEntry => !!e);
	const undo = await load(index.undo);
	const redo = await load(index.redo);

	// Everything is read: now replace the session in one go.
	session.id = state.id;
	session.name = state.name;
	session.created = state.created;
	session.images = images;
	session.classes = state.classes;
	session.models = [...session.models.filter((m) => m.source === 'builtin'), ...models];
	session.modelId = state.modelId;
	session.segmentation = { ...state.segmentation, channels: [...state.segmentation.channels] as [number, number] };
	session.maskSuffixes = state.maskSuffixes;
	session.selectedId = state.selectedId;
	session.messages = problems.map((text) => ({ file: state.name, text, level: 'error' as const }));
	history.load(undo, redo);
	resetSaved(state.id);
	for (const im of images) {
		saved.files.add(im.id);
		saved.masks.set(im.id, im.mask);
	}
	for (const m of models) saved.models.add(m.id);
	for (const e of [...undo, ...redo]) saved.history.add(e.seq);
	await setLastSessionId(id);
	return true;
}

/** Restore the session that was open last, if there is one. */
export async function restoreLast(): Promise<boolean> {
	const id = await lastSessionId();
	return id ? openStored(id) : false;
}
