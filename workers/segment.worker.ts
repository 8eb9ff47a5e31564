/**
 * Cellpose segmentation off the main thread: models prepared once (weights → ONNX), one
 * onnxruntime-web session per model and backend, the backend picked by timing one tile on each,
 * progress per batch of tiles, cancel between batches. Masks come back as a transferable.
 */
import * as Comlink from 'comlink';
import { prepareCellposeModel, type PreparedModel } from '../src/lib/core/cellpose/model';
import { cropRaster, imageLowHigh, pickBoxCell, planBoxPrompt } from '../src/lib/core/cellpose/box-prompt';
import type { Raster } from '../src/lib/core/raster/types';
import { CancelledError, estimateSegmentation, segment } from '../src/lib/core/cellpose/pipeline';
import type { SegmentParams } from '../src/lib/core/cellpose/params';
import { UserError } from '../src/lib/core/formats/errors';
import { countLabels } from '../src/lib/core/labels/count';
import { cellposeNetFor, createWebSession, detectBackends, type WebBackend } from '../src/lib/runtime/ort-web';
import type { InferenceSession } from 'onnxruntime-web';
import type { Calibration, SegmentApi, SegmentReply, SegmentSettings } from '../src/lib/runtime/segment-types';

const models = new Map<string, PreparedModel>();
/** The image box prompts work on, with its normalisation range per channel choice. */
let kept: { key: string; raster: Raster; lowhigh: Map<string, [number, number][]> } | null = null;
const sessions = new Map<string, Promise<InferenceSession>>();
let chosen: WebBackend | null = null;
let abort = { aborted: false };

function model(id: string): PreparedModel {
	const m = models.get(id);
	if (!m) throw new UserError(undefined, 'this model is not loaded any more; pick it again');
	return m;
}

function session(id: string, backend: WebBackend): Promise<InferenceSession> {
	const key = `${id}:${backend}`;
	let s = sessions.get(key);
	if (!s) {
		s = createWebSession(model(id), backend);
		sessions.set(key, s);
		s.catch(() => sessions.delete(key));
	}
	return s;
}

function params(m: PreparedModel, settings: SegmentSettings): SegmentParams {
	return {
		...settings,
		diamMean: m.diamMean,
		diamLabels: m.diamLabels,
		bsize: m.tile?.height ?? 224,
		batchSize: m.batch ?? 8
	};
}

async function timeTile(id: string, backend: WebBackend): Promise<number> {
	const m = model(id);
	const s = await session(id, backend);
	const net = cellposeNetFor(s, m);
	const size = m.tile?.height ?? 224;
	const x = new Float32Array(2 * size * size).map((_, i) => Math.sin(i * 0.001));
	await net(x.slice(), 1, size, size); // warm-up: shader compilation, memory planning
	const t0 = performance.now();
	await net(x.slice(), 1, size, size);
	return performance.now() - t0;
}

/** Reject when `p` takes longer than `ms` (the work itself cannot be stopped; its result is dropped). */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
	if (!Number.isFinite(ms)) return p;
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`took longer than ${Math.round(ms)} ms`)), ms);
		p.then(
			(v) => (clearTimeout(t), resolve(v)),
			(e) => (clearTimeout(t), reject(e))
		);
	});
}

const api: SegmentApi = {
	backends: () => detectBackends(),

	async addModel(id, name, bytes) {
		try {
			const m = prepareCellposeModel(name, new Uint8Array(bytes));
			models.set(id, m);
			return {
				ok: true,
				model: { id, name, source: m.source, diamMean: m.diamMean, diamLabels: m.diamLabels, nbase: m.nbase, tile: m.tile, notes: m.notes }
			};
		} catch (e) {
			if (e instanceof UserError) return { ok: false, message: e.message };
			throw e;
		}
	},

	async calibrate(id) {
		const info = await detectBackends();
		const msPerTile: Calibration['msPerTile'] = {};
		// WASM first: its time bounds how long WebGPU may take to prove itself.
		for (const b of [...info.available].reverse()) {
			try {
				const limit = b === 'webgpu' ? Math.max(5000, 10 * (msPerTile.wasm ?? 1000)) : Infinity;
				msPerTile[b] = await withTimeout(timeTile(id, b), limit);
			} catch (e) {
				console.warn(`Mycol: the ${b} backend is not used`, e);
				msPerTile[b] = null;
			}
		}
		const ok = info.available.filter((b) => typeof msPerTile[b] === 'number');
		chosen = ok.sort((a, b) => (msPerTile[a] as number) - (msPerTile[b] as number))[0] ?? 'wasm';
		return { msPerTile, chosen };
	},

	async estimate(id, width, height, settings) {
		try {
			return { ok: true, estimate: estimateSegmentation(width, height, params(model(id), settings)) };
		} catch (e) {
			if (e instanceof UserError) return { ok: false, message: e.reason };
			throw e;
		}
	},

	async segment(request, onProgress): Promise<SegmentReply> {
		abort = { aborted: false };
		const signal = abort;
		const backend = chosen ?? 'wasm';
		try {
			const m = model(request.modelId);
			const net = cellposeNetFor(await session(request.modelId, backend), m);
			const r = await segment(request.raster, params(m, request.settings), net, (p) => onProgress({ ...p }), signal);
			const reply: SegmentReply = {
				ok: true,
				masks: r.masks,
				cellCount: countLabels(r.masks.data),
				rescale: r.rescale,
				niter: r.niter,
				backend,
				timings: r.timings
			};
			return Comlink.transfer(reply, [r.masks.data.buffer as ArrayBuffer]);
		} catch (e) {
			if (e instanceof CancelledError) return { ok: false, cancelled: true, message: 'Segmentation cancelled.' };
			if (e instanceof UserError) return { ok: false, cancelled: false, message: e.reason };
			throw e;
		}
	},

	async hasImage(key) {
		return kept?.key === key;
	},

	async setImage(key, raster) {
		kept = { key, raster, lowhigh: new Map() };
	},

	async box(modelId, key, box, settings) {
		try {
			if (!kept || kept.key !== key) return { ok: false, message: 'the image for box prompts is not loaded; try again' };
			const m = model(modelId);
			const plan = planBoxPrompt(kept.raster.width, kept.raster.height, box.x0, box.y0, box.x1, box.y1);
			const channels = settings.channels ?? [0, 0];
			const ck = channels.join(',');
			let lowhigh = kept.lowhigh.get(ck);
			if (!lowhigh) kept.lowhigh.set(ck, (lowhigh = imageLowHigh(kept.raster, channels)));
			const net = cellposeNetFor(await session(modelId, chosen ?? 'wasm'), m);
			const r = await segment(cropRaster(kept.raster, plan.crop), { ...params(m, settings), diameter: plan.diameter, lowhigh }, net);
			const mask = pickBoxCell(r.masks, plan.box);
			if (!mask) return { ok: true, found: false };
			return Comlink.transfer({ ok: true as const, found: true as const, mask, rect: plan.crop }, [mask.buffer]);
		} catch (e) {
			if (e instanceof UserError) return { ok: false, message: e.reason };
			throw e;
		}
	},

	cancel() {
		abort.aborted = true;
	}
};

Comlink.expose(api);
