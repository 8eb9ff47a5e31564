/**
 * SAM 2.1 box prompts off the main thread (spec: docs/sam2-densenet.md A1–A3). One encoder +
 * decoder pair at a time; the encoder runs once per image (or per crop around a box, for large
 * images) on WebGPU when there is a hardware adapter, else WASM; its embedding is kept (a few,
 * least recently used first out) and each box costs one decoder run on WASM (the decoder is small,
 * and fp16 decoders are reported broken on WebGPU). Pre- and post-processing are core/sam.
 */
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web';
import { UserError } from '../src/lib/core/formats/errors';
import type { Raster } from '../src/lib/core/raster/types';
import {
	assembleSamFiles,
	decoderFeeds,
	decoderFetches,
	decoderPrediction,
	encoderFeeds,
	encoderFetches,
	samTensor,
	type SamFileSet,
	type SamGraphFiles,
	type SamTensor
} from '../src/lib/core/sam/onnx-contract';
import { rgbScaling, samPixelValues, type RgbScaling } from '../src/lib/core/sam/preprocess';
import { upsampleMask } from '../src/lib/core/sam/postprocess';
import { boxToFrame, checkBox, promptFrame, SAM_LOWRES, type EncoderFrame } from '../src/lib/core/sam/prompt';
import { detectBackends, type WebBackend } from '../src/lib/runtime/ort-web';
import type { SamApi, SamLoadReply, SamPromptReply } from '../src/lib/runtime/sam-client';

/** Embeddings kept (≈ 16.8 MB each in float32). */
const MAX_EMBEDDINGS = 4;
/** Images kept for prompts. */
const MAX_IMAGES = 2;

interface Loaded {
	id: string;
	set: SamFileSet;
	encoder: ort.InferenceSession;
	encoderBackend: WebBackend;
	decoder: ort.InferenceSession;
}

let loaded: Loaded | null = null;
const images = new Map<string, { raster: Raster; scaling: RgbScaling | null }>();
const embeddings = new Map<string, Record<string, SamTensor>>();
/** Bumped by cancel (and by loading another model): work started before it is dropped. */
let generation = 0;
/** Encoder and decoder runs one at a time. */
let queue: Promise<unknown> = Promise.resolve();

function serial<T>(job: () => Promise<T>): Promise<T> {
	const next = queue.then(job, job);
	queue = next.catch(() => undefined);
	return next;
}

function session(g: SamGraphFiles, backend: WebBackend): Promise<ort.InferenceSession> {
	return ort.InferenceSession.create(g.bytes, {
		executionProviders: [backend],
		graphOptimizationLevel: 'all',
		externalData: g.externalData.map((d) => ({ path: d.path, data: d.bytes }))
	});
}

async function run(s: ort.InferenceSession, feeds: Record<string, SamTensor>, fetches: string[]): Promise<Record<string, SamTensor>> {
	const f: Record<string, ort.Tensor> = {};
	for (const [k, t] of Object.entries(feeds)) f[k] = new ort.Tensor(t.type, t.data, t.dims);
	const out = await s.run(f, fetches);
	const r: Record<string, SamTensor> = {};
	for (const [k, t] of Object.entries(out)) {
		// getData() downloads GPU outputs; CPU outputs come back as they are.
		r[k] = samTensor(t.type, await t.getData(), [...t.dims]);
		t.dispose();
	}
	return r;
}

function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
	map.delete(key);
	map.set(key, value);
	while (map.size > max) map.delete(map.keys().next().value as K);
}

function frameKey(imageKey: string, f: EncoderFrame): string {
	const c = f.crop;
	return `${imageKey}|${f.mode}|${c.x0},${c.y0},${c.x1},${c.y1}`;
}

async function encode(m: Loaded, imageKey: string, frame: EncoderFrame): Promise<Record<string, SamTensor>> {
	const key = frameKey(imageKey, frame);
	const hit = embeddings.get(key);
	if (hit) {
		remember(embeddings, key, hit, MAX_EMBEDDINGS);
		return hit;
	}
	const img = images.get(imageKey);
	if (!img) throw new UserError(undefined, 'the image for box prompts is not loaded; try again');
	img.scaling ??= rgbScaling(img.raster);
	const feeds = encoderFeeds(m.set.contract, samPixelValues(img.raster, frame, img.scaling));
	let out: Record<string, SamTensor>;
	try {
		out = await run(m.encoder, feeds, encoderFetches(m.set.contract));
	} catch (e) {
		if (m.encoderBackend !== 'wasm') {
			// Some exports load on WebGPU but fail to run there: fall back to WASM for good.
			console.warn('Mycol: the SAM2 encoder failed on WebGPU; using WASM', e);
			await m.encoder.release().catch(() => undefined);
			m.encoder = await session(m.set.encoder, 'wasm');
			m.encoderBackend = 'wasm';
			out = await run(m.encoder, feeds, encoderFetches(m.set.contract));
		} else throw e;
	}
	remember(embeddings, key, out, MAX_EMBEDDINGS);
	return out;
}

function message(e: unknown): string {
	if (e instanceof UserError) return e.message;
	return `the SAM2 model could not run (${e instanceof Error ? e.message : String(e)})`;
}

async function release(): Promise<void> {
	const m = loaded;
	loaded = null;
	embeddings.clear();
	if (m) {
		await m.encoder.release().catch(() => undefined);
		await m.decoder.release().catch(() => undefined);
	}
}

const api: SamApi = {
	async load(id, files): Promise<SamLoadReply> {
		generation++;
		return serial(async () => {
			if (loaded?.id === id) return { ok: true, convention: loaded.set.contract.convention, backend: loaded.encoderBackend, resizeMode: loaded.set.resizeMode };
			await release();
			let set: SamFileSet;
			try {
				set = assembleSamFiles(files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })));
			} catch (e) {
				return { ok: false, message: message(e) };
			}
			try {
				const info = await detectBackends();
				let encoderBackend: WebBackend = info.available[0];
				let encoder: ort.InferenceSession;
				try {
					encoder = await session(set.encoder, encoderBackend);
				} catch (e) {
					if (encoderBackend === 'wasm') throw e;
					console.warn('Mycol: the SAM2 encoder does not load on WebGPU; using WASM', e);
					encoderBackend = 'wasm';
					encoder = await session(set.encoder, 'wasm');
				}
				const decoder = await session(set.decoder, 'wasm');
				loaded = { id, set, encoder, encoderBackend, decoder };
				return { ok: true, convention: set.contract.convention, backend: encoderBackend, resizeMode: set.resizeMode };
			} catch (e) {
				return { ok: false, message: `${set.encoder.name} / ${set.decoder.name}: onnxruntime could not load the model (${e instanceof Error ? e.message : String(e)})` };
			}
		});
	},

	async loadedId() {
		return loaded?.id ?? null;
	},

	async unload() {
		generation++;
		await serial(release);
	},

	async hasImage(key) {
		return images.has(key);
	},

	async setImage(key, raster) {
		for (const k of [...embeddings.keys()]) if (k.startsWith(`${key}|`)) embeddings.delete(k);
		remember(images, key, { raster, scaling: null }, MAX_IMAGES);
	},

	async encode(key) {
		const gen = generation;
		return serial(async () => {
			const m = loaded;
			const img = images.get(key);
			if (!m) return { ok: false, message: 'no SAM2 model is loaded' };
			if (!img) return { ok: false, message: 'the image for box prompts is not loaded; try again' };
			if (gen !== generation) return { ok: false, cancelled: true, message: 'Cancelled.' };
			try {
				const t0 = performance.now();
				const frame = promptFrame(img.raster.width, img.raster.height, { x0: 0, y0: 0, x1: img.raster.width, y1: img.raster.height }, { mode: m.set.resizeMode, crop: false });
				await encode(m, key, frame);
				return { ok: true, ms: performance.now() - t0 };
			} catch (e) {
				return { ok: false, message: message(e) };
			}
		});
	},

	async prompt(key, box): Promise<SamPromptReply> {
		const gen = generation;
		return serial(async (): Promise<SamPromptReply> => {
			const m = loaded;
			const img = images.get(key);
			if (!m) return { ok: false, message: 'no SAM2 model is loaded' };
			if (!img) return { ok: false, message: 'the image for box prompts is not loaded; try again' };
			const cancelled = { ok: false as const, cancelled: true, message: 'Cancelled.' };
			if (gen !== generation) return cancelled;
			try {
				const t0 = performance.now();
				const { width: W, height: H } = img.raster;
				const b = checkBox(box, W, H);
				const frame = promptFrame(W, H, b, { mode: m.set.resizeMode });
				const emb = await encode(m, key, frame);
				if (gen !== generation) return cancelled;
				const out = await run(m.decoder, decoderFeeds(m.set.contract, emb, boxToFrame(frame, b)), decoderFetches(m.set.contract));
				const pred = decoderPrediction(m.set.contract, out);
				const ms = performance.now() - t0;
				const score = pred.iou[pred.chosen];
				if (pred.objectScore !== undefined && pred.objectScore < 0) return { ok: true, found: false, reason: 'no-object', score, ms };
				const plane = SAM_LOWRES * SAM_LOWRES;
				const { rect, mask } = upsampleMask(pred.masks.subarray(pred.chosen * plane, (pred.chosen + 1) * plane), frame);
				if (mask.length === 0) return { ok: true, found: false, reason: 'empty', score, ms };
				const reply: SamPromptReply = { ok: true, found: true, mask, rect, score, chosen: pred.chosen, ms, backend: m.encoderBackend };
				return Comlink.transfer(reply, [mask.buffer as ArrayBuffer]);
			} catch (e) {
				return { ok: false, message: message(e) };
			}
		});
	},

	cancel() {
		generation++;
	}
};

Comlink.expose(api);
