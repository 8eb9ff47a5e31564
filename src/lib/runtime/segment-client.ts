/**
 * The page's side of segmentation: one worker, the built-in models fetched from the app's own
 * origin (checked against their sha256), user models added from files, one-off backend timing.
 */
import * as Comlink from 'comlink';
import type { Labels, Raster } from '$lib/core/raster/types';
import type { Calibration, ModelSummary, SegmentApi, SegmentProgressMessage, SegmentReply, SegmentSettings } from './segment-types';

let remote: Comlink.Remote<SegmentApi> | null = null;

export function segmentWorker(): Comlink.Remote<SegmentApi> {
	if (!remote) {
		const worker = new Worker(new URL('../../../workers/segment.worker.ts', import.meta.url), { type: 'module', name: 'segment' });
		remote = Comlink.wrap<SegmentApi>(worker);
	}
	return remote;
}

/** A built-in model as `models/manifest.json` describes it. */
export interface BuiltinModelCard {
	id: string;
	name: string;
	kind: string;
	file: string;
	card: string;
	bytes: number;
	sha256: string;
	nbase: number[];
	diamMean: number;
	diamLabels: number;
	trainingData: string;
	trainedWith: string;
	licence: string;
	measuredAP: Record<string, { images: number; cells: number; ap50: number; ap75: number; ap90: number }>;
	useFor: string;
	doNotExpect: string;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
	return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function builtinCards(): Promise<BuiltinModelCard[]> {
	// no-store: skip the HTTP cache, whose per-URL lock can stall this request for as long as the
	// service worker's first-visit precache of the same file takes (the service worker still serves
	// these from its own cache when offline).
	const res = await fetch('models/manifest.json', { cache: 'no-store' });
	if (!res.ok) throw new Error(`the model list could not be read (HTTP ${res.status})`);
	const manifest = (await res.json()) as { models: BuiltinModelCard[] };
	return manifest.models.filter((m) => m.kind === 'cellpose');
}

/** Fetch a built-in model from the app's origin, check its checksum, and give it to the worker. */
export async function loadBuiltin(card: BuiltinModelCard): Promise<ModelSummary> {
	const res = await fetch(`models/${card.file}`, { cache: 'no-store' });
	if (!res.ok) throw new Error(`${card.file}: the built-in model could not be read (HTTP ${res.status})`);
	const bytes = new Uint8Array(await res.arrayBuffer());
	const sum = await sha256Hex(bytes);
	if (sum !== card.sha256) throw new Error(`${card.file}: the file's checksum does not match the model list (damaged download?)`);
	const reply = await segmentWorker().addModel(card.id, card.name, Comlink.transfer(bytes.buffer, [bytes.buffer]));
	if (!reply.ok) throw new Error(reply.message);
	return reply.model;
}

/** Give a user's model file to the worker; the bytes stay with the caller (the session keeps them). */
export async function loadUserModel(id: string, name: string, bytes: Uint8Array): Promise<{ model: ModelSummary; sha256: string }> {
	const sha256 = await sha256Hex(bytes);
	const copy = bytes.slice();
	const reply = await segmentWorker().addModel(id, name, Comlink.transfer(copy.buffer, [copy.buffer]));
	if (!reply.ok) throw new Error(reply.message);
	return { model: reply.model, sha256 };
}

let calibration: Promise<Calibration> | null = null;

/** Time one tile per backend once per session and keep the faster. */
export function calibrate(modelId: string): Promise<Calibration> {
	if (!calibration) {
		calibration = segmentWorker().calibrate(modelId);
		calibration.catch(() => (calibration = null));
	}
	return calibration;
}

export function runSegmentation(
	modelId: string,
	raster: Raster,
	settings: SegmentSettings,
	onProgress: (p: SegmentProgressMessage) => void
): Promise<SegmentReply> {
	// The worker gets a copy of the pixels: the viewer keeps showing the image meanwhile.
	return segmentWorker().segment({ modelId, raster, settings: { ...settings } }, Comlink.proxy(onProgress));
}

export function cancelSegmentation(): Promise<void> {
	return segmentWorker().cancel();
}

export type { Labels };
