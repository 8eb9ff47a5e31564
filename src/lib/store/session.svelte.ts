/**
 * The session's state, shared by every page. Large arrays live in plain objects held by
 * `$state.raw` lists that are replaced, never mutated, so Svelte does not proxy pixel data.
 */
import { DEFAULT_MASK_SUFFIXES } from '$lib/core/dataset/pairing';
import { DEFAULT_SEGMENTATION, type CellClass, type FileMessage, type ImageRecord, type MaskRecord, type ModelEntry, type SegmentationSettings } from './types';

export function newSessionId(): string {
	return `s-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

class Session {
	/** Identity of the session in the browser's database and in session files. */
	id = $state(newSessionId());
	name = $state('Untitled session');
	created = $state(new Date().toISOString());
	images = $state.raw<ImageRecord[]>([]);
	/** Cell classes, in display order. */
	classes = $state.raw<CellClass[]>([]);
	/** Segmentation models: built-in first, then the user's. */
	models = $state.raw<ModelEntry[]>([]);
	modelId = $state<string | null>(null);
	segmentation = $state<SegmentationSettings>({ ...DEFAULT_SEGMENTATION, channels: [0, 0] });
	/** Messages from the last files the user gave, newest first. */
	messages = $state.raw<FileMessage[]>([]);
	maskSuffixes = $state<string[]>([...DEFAULT_MASK_SUFFIXES]);
	selectedId = $state<string | null>(null);
	/** Files being read right now (for a progress line). */
	loading = $state(0);

	get selected(): ImageRecord | null {
		return this.images.find((im) => im.id === this.selectedId) ?? this.images[0] ?? null;
	}

	addImages(records: ImageRecord[]): void {
		if (records.length === 0) return;
		this.images = [...this.images, ...records];
		if (!this.selectedId) this.selectedId = records[0].id;
	}

	updateImage(id: string, change: Partial<ImageRecord>): void {
		this.images = this.images.map((im) => (im.id === id ? { ...im, ...change } : im));
	}

	/** Replace an image's mask; its cells' classes go with the old mask. */
	setMask(id: string, mask: MaskRecord | null): void {
		this.updateImage(id, { mask, cellClasses: new Map() });
	}

	className(id: string | undefined): string | null {
		return id === undefined ? null : (this.classes.find((c) => c.id === id)?.name ?? null);
	}

	removeImages(ids: ReadonlySet<string>): void {
		this.images = this.images.filter((im) => !ids.has(im.id));
		if (this.selectedId && ids.has(this.selectedId)) this.selectedId = this.images[0]?.id ?? null;
	}

	/** Set the pixel size (µm) of one image, or of all when `id` is null. */
	setPixelSize(id: string | null, um: number | null): void {
		this.images = this.images.map((im) =>
			id === null || im.id === id ? { ...im, pixelSizeUm: um, pixelSizeSource: um === null ? null : 'user' } : im
		);
	}

	get model(): ModelEntry | null {
		return this.models.find((m) => m.id === this.modelId) ?? this.models[0] ?? null;
	}

	addModel(m: ModelEntry): void {
		this.models = [...this.models.filter((x) => x.id !== m.id), m];
	}

	/** Empty the session (a new one), keeping nothing but the model list. */
	reset(id = newSessionId(), name = 'Untitled session'): void {
		this.id = id;
		this.name = name;
		this.created = new Date().toISOString();
		this.images = [];
		this.classes = [];
		this.messages = [];
		this.selectedId = null;
		this.models = this.models.filter((m) => m.source === 'builtin');
		this.modelId = this.models[0]?.id ?? null;
		this.segmentation = { ...DEFAULT_SEGMENTATION, channels: [0, 0] };
		this.maskSuffixes = [...DEFAULT_MASK_SUFFIXES];
	}

	report(messages: FileMessage[]): void {
		this.messages = messages;
	}
}

export const session = new Session();
