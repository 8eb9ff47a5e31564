/**
 * The session as a file: the store's state to the session format (core/session) and back. The zip
 * itself is written and read in the io worker (streamed to disk where the browser allows).
 */
import { losslessImageFile } from '$lib/core/session/zip-writer';
import type { JsonObject, SessionData } from '$lib/core/session/schema';
import { ioWorker } from '$lib/runtime/io-client';
import { loadUserModel } from '$lib/runtime/segment-client';
import { history } from './history.svelte';
import { session } from './session.svelte';
import { DEFAULT_SEGMENTATION, type ImageRecord, type ModelEntry, type SegmentationSettings } from './types';

/** The current session in the session format (copies nothing large: the worker gets clones). */
export function currentSessionData(): SessionData {
	return {
		id: session.id,
		name: session.name,
		created: session.created,
		modified: new Date().toISOString(),
		images: session.images.map((im) => ({
			id: im.id,
			name: im.name,
			stem: im.stem,
			format: im.format,
			bytes: im.fileBytes ?? losslessImageFile(im.raster, im.pixelSizeUm),
			original: im.fileBytes !== null,
			width: im.raster.width,
			height: im.raster.height,
			channels: im.raster.channels,
			dtype: im.raster.dtype,
			pages: im.pages,
			pixelSizeUm: im.pixelSizeUm,
			pixelSizeSource: im.pixelSizeSource,
			notes: im.notes,
			mask: im.mask ? { labels: im.mask.labels, sourceName: im.mask.name, editCount: im.mask.editCount ?? 0 } : null,
			cellClasses: new Map(im.cellClasses)
		})),
		classes: session.classes.map((c, order) => ({ ...c, order })),
		models: session.models
			.filter((m): m is ModelEntry & { bytes: Uint8Array } => m.source === 'user' && m.bytes !== null)
			.map((m) => ({
				id: m.id,
				name: m.name,
				kind: 'cellpose',
				fileName: m.name,
				bytes: m.bytes,
				card: { format: m.format, diamMean: m.diamMean, diamLabels: m.diamLabels, sha256: m.sha256 ?? '' } as JsonObject
			})),
		parameters: { segmentation: JSON.parse(JSON.stringify(session.segmentation)) as JsonObject, maskSuffixes: [...session.maskSuffixes] },
		histories: [],
		ui: { modelId: session.modelId, selectedId: session.selectedId }
	};
}

function segmentationFrom(json: JsonObject): SegmentationSettings {
	const s = { ...DEFAULT_SEGMENTATION, ...(json as Partial<SegmentationSettings>) };
	return { ...s, channels: Array.isArray(s.channels) && s.channels.length === 2 ? [Number(s.channels[0]), Number(s.channels[1])] : [0, 0] };
}

/**
 * Replace the session with a restored one. Every image is decoded first; only when all of it is
 * ready does anything in the current session change.
 */
export async function applySessionData(data: SessionData): Promise<void> {
	const io = ioWorker();
	const images: ImageRecord[] = [];
	for (const im of data.images) {
		const reply = await io.decode(im.name, im.bytes.slice().buffer, []);
		if (!reply.ok || reply.kind !== 'image') throw new Error(`${im.name}: ${reply.ok ? 'this is a mask, not an image' : reply.message}`);
		images.push({
			id: im.id,
			name: im.name,
			stem: im.stem,
			format: im.format,
			fileBytes: im.original ? im.bytes : null,
			raster: reply.raster,
			stats: reply.stats,
			pages: im.pages,
			pixelSizeUm: im.pixelSizeUm,
			pixelSizeSource: im.pixelSizeSource,
			notes: im.notes,
			mask: im.mask ? { name: im.mask.sourceName, labels: im.mask.labels, cellCount: 0, editCount: im.mask.editCount } : null,
			cellClasses: im.cellClasses
		});
	}
	const { countLabels } = await import('$lib/core/labels/count');
	for (const im of images) if (im.mask) im.mask.cellCount = countLabels(im.mask.labels.data);
	const models: ModelEntry[] = [];
	for (const m of data.models) {
		const { model, sha256 } = await loadUserModel(m.id, m.fileName, m.bytes);
		models.push({ id: m.id, name: m.name, source: 'user', bytes: m.bytes, sha256, format: model.source, diamMean: model.diamMean, diamLabels: model.diamLabels, nbase: model.nbase, notes: model.notes, card: null });
	}
	session.id = data.id;
	session.name = data.name;
	session.created = data.created;
	session.images = images;
	session.classes = [...data.classes].sort((a, b) => a.order - b.order).map(({ id, name, colour }) => ({ id, name, colour }));
	session.models = [...session.models.filter((m) => m.source === 'builtin'), ...models];
	const ui = data.ui as { modelId?: string | null; selectedId?: string | null };
	session.modelId = ui.modelId ?? session.models[0]?.id ?? null;
	session.selectedId = ui.selectedId ?? images[0]?.id ?? null;
	session.segmentation = segmentationFrom(data.parameters.segmentation);
	session.maskSuffixes = data.parameters.maskSuffixes.length > 0 ? data.parameters.maskSuffixes : session.maskSuffixes;
	session.messages = [];
	history.clear();
}
