/**
 * The whole SAM 2.1 box-prompt path on the tiny same-interface models (spec docs/sam2-densenet.md
 * A4), run by onnxruntime (node CPU and web WASM): pre-processing → encoder → decoder feeds →
 * argmax choice → upsampling → threshold, compared with what the fake models compute by hand: the
 * encoder's constant-image value, the block means of the encoder input, and the box rectangle.
 */
import { describe, expect, it } from 'vitest';
import type * as Ort from 'onnxruntime-web';
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
} from '../../../src/lib/core/sam/onnx-contract';
import { testSamFiles, type TestFileOptions } from '../../../src/lib/core/sam/test-models';
import { samPixelValues, SAM_MEAN, SAM_STD } from '../../../src/lib/core/sam/preprocess';
import { upsampleMask } from '../../../src/lib/core/sam/postprocess';
import { boxToFrame, checkBox, promptFrame, type Box, type EncoderFrame, type ResizeMode } from '../../../src/lib/core/sam/prompt';
import type { Raster } from '../../../src/lib/core/raster/types';
import type { SamConvention } from '../../../src/lib/core/sam/onnx-contract';

type Backend = 'node' | 'wasm';

async function ortFor(backend: Backend): Promise<typeof Ort> {
	return (backend === 'node' ? await import('onnxruntime-node') : await import('onnxruntime-web')) as unknown as typeof Ort;
}

interface Pair {
	set: SamFileSet;
	run(which: 'encoder' | 'decoder', feeds: Record<string, SamTensor>, fetches: string[]): Promise<Record<string, SamTensor>>;
	release(): Promise<void>;
}

async function open(backend: Backend, convention: SamConvention, opts: TestFileOptions = {}): Promise<Pair> {
	const ort = await ortFor(backend);
	const set = assembleSamFiles(testSamFiles(convention, opts));
	const make = (g: SamGraphFiles) =>
		ort.InferenceSession.create(g.bytes, {
			executionProviders: [backend === 'node' ? 'cpu' : 'wasm'],
			externalData: g.externalData.map((d) => ({ path: d.path, data: d.bytes }))
		});
	const sessions = { encoder: await make(set.encoder), decoder: await make(set.decoder) };
	return {
		set,
		async run(which, feeds, fetches) {
			const f: Record<string, Ort.Tensor> = {};
			for (const [k, t] of Object.entries(feeds)) f[k] = new ort.Tensor(t.type, t.data, t.dims);
			const out = await sessions[which].run(f, fetches);
			const r: Record<string, SamTensor> = {};
			for (const [k, t] of Object.entries(out)) r[k] = samTensor(t.type, t.data, t.dims);
			return r;
		},
		async release() {
			await sessions.encoder.release();
			await sessions.decoder.release();
		}
	};
}

/** The box prompt as the worker runs it; returns the image mask (0/1) and the chosen candidate. */
async function prompt(p: Pair, raster: Raster, box: Box, mode: ResizeMode = 'stretch', frame?: EncoderFrame) {
	const b = checkBox(box, raster.width, raster.height);
	const f = frame ?? promptFrame(raster.width, raster.height, b, { mode });
	const emb = await p.run('encoder', encoderFeeds(p.set.contract, samPixelValues(raster, f)), encoderFetches(p.set.contract));
	const out = await p.run('decoder', decoderFeeds(p.set.contract, emb, boxToFrame(f, b)), decoderFetches(p.set.contract));
	const pred = decoderPrediction(p.set.contract, out);
	const { rect, mask } = upsampleMask(pred.masks.subarray(pred.chosen * 65536, (pred.chosen + 1) * 65536), f);
	const full = new Uint8Array(raster.width * raster.height);
	const w = rect.x1 - rect.x0;
	for (let k = 0; k < mask.length; k++) if (mask[k]) full[(rect.y0 + Math.floor(k / w)) * raster.width + rect.x0 + (k % w)] = 1;
	return { full, pred, frame: f };
}

/** Bounding box of a 0/1 mask (pixel edges) and its IoU with the pixels whose centres lie in `box`. */
function compare(mask: Uint8Array, W: number, box: Box) {
	let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, inter = 0, union = 0;
	for (let i = 0; i < mask.length; i++) {
		const x = i % W;
		const y = Math.floor(i / W);
		const inBox = x + 0.5 > box.x0 && x + 0.5 < box.x1 && y + 0.5 > box.y0 && y + 0.5 < box.y1;
		if (mask[i]) {
			x0 = Math.min(x0, x);
			y0 = Math.min(y0, y);
			x1 = Math.max(x1, x + 1);
			y1 = Math.max(y1, y + 1);
		}
		if (inBox && mask[i]) inter++;
		if (inBox || mask[i]) union++;
	}
	return { bbox: { x0, y0, x1, y1 }, iou: inter / union };
}

function expectBox(mask: Uint8Array, W: number, box: Box, tol = 1) {
	const { bbox, iou } = compare(mask, W, box);
	expect(iou).toBeGreaterThanOrEqual(0.98);
	expect(Math.abs(bbox.x0 - box.x0)).toBeLessThanOrEqual(tol);
	expect(Math.abs(bbox.y0 - box.y0)).toBeLessThanOrEqual(tol);
	expect(Math.abs(bbox.x1 - box.x1)).toBeLessThanOrEqual(tol);
	expect(Math.abs(bbox.y1 - box.y1)).toBeLessThanOrEqual(tol);
}

/** An 8-bit RGB image (values as-is, spec A2) with a bright square top-left, so a transposition shows. */
function rgb(W: number, H: number, f: (x: number, y: number, c: number) => number): Raster {
	const data = new Uint8Array(3 * W * H);
	for (let c = 0; c < 3; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[(c * H + y) * W + x] = f(x, y, c);
	return { width: W, height: H, channels: 3, dtype: 'uint8', data };
}

describe('fake encoder', () => {
	for (const convention of ['H', 'M'] as const) {
		it(`${convention}: a constant image v gives mean_c((v/255 − mean_c)/std_c) everywhere (spec A4)`, async () => {
			const p = await open('node', convention);
			const v = 200;
			const raster = rgb(640, 480, () => v);
			const f = promptFrame(640, 480, { x0: 0, y0: 0, x1: 640, y1: 480 });
			const emb = await p.run('encoder', encoderFeeds(p.set.contract, samPixelValues(raster, f)), encoderFetches(p.set.contract));
			// (200/255 − 0.485)/0.229 = 1.30700…, (… − 0.456)/0.224 = 1.46577…, (… − 0.406)/0.225 = 1.68135…
			const want = [0, 1, 2].reduce((s, c) => s + (v / 255 - SAM_MEAN[c]) / SAM_STD[c], 0) / 3;
			expect(want).toBeCloseTo(1.48471, 4);
			const names = encoderFetches(p.set.contract);
			const dims = names.map((n) => emb[n].dims);
			expect(dims).toEqual([
				[1, 32, 256, 256],
				[1, 64, 128, 128],
				[1, 256, 64, 64]
			]);
			for (const n of names) {
				const d = emb[n].data as Float32Array;
				let lo = Infinity, hi = -Infinity;
				for (let i = 0; i < d.length; i++) (lo = Math.min(lo, d[i])), (hi = Math.max(hi, d[i]));
				expect(lo).toBeCloseTo(want, 5);
				expect(hi).toBeCloseTo(want, 5);
			}
			await p.release();
		});
	}

	it('its 64 × 64 embedding is the 16 × 16 block mean of the channel-mean input (layout check)', async () => {
		const p = await open('node', 'H');
		const raster = rgb(512, 512, (x, y, c) => (x < 128 && y < 64 ? 255 : (x * 3 + y * 7 + c * 50) % 256));
		const f = promptFrame(512, 512, { x0: 0, y0: 0, x1: 512, y1: 512 });
		const px = samPixelValues(raster, f);
		const emb = await p.run('encoder', encoderFeeds(p.set.contract, px), encoderFetches(p.set.contract));
		const e2 = emb['image_embeddings.2'].data as Float32Array;
		const N = 1024 * 1024;
		for (const [by, bx] of [[0, 0], [3, 20], [40, 5], [63, 63]]) {
			let s = 0;
			for (let y = by * 16; y < by * 16 + 16; y++) for (let x = bx * 16; x < bx * 16 + 16; x++) s += px[y * 1024 + x] + px[N + y * 1024 + x] + px[2 * N + y * 1024 + x];
			const want = s / (3 * 256);
			expect(e2[by * 64 + bx]).toBeCloseTo(want, 4);
			expect(e2[100 * 4096 + by * 64 + bx]).toBeCloseTo(want, 4); // channel 100 repeats it
		}
		await p.release();
	});
});

describe('box prompt end to end', () => {
	const W = 640;
	const H = 480;
	const raster = rgb(W, H, (x, y) => (x + y) % 256);
	const box = { x0: 100.5, y0: 80.25, x1: 300.75, y1: 260 };

	for (const [backend, convention, opts] of [
		['node', 'H', {}],
		['node', 'M', {}],
		['node', 'H', { externalData: true }],
		['node', 'H', { precision: 'float16' }],
		['node', 'M', { precision: 'float16' }],
		['wasm', 'H', { externalData: true }],
		['wasm', 'M', {}]
	] as [Backend, SamConvention, TestFileOptions][]) {
		it(`${convention} on ${backend} ${JSON.stringify(opts)}: the mask is the box (±1 px, IoU ≥ 0.98), candidate 1 chosen`, async () => {
			const p = await open(backend, convention, opts);
			const { full, pred } = await prompt(p, raster, box);
			expect(pred.chosen).toBe(1);
			expect(pred.iou[1]).toBeCloseTo(0.9, 2);
			if (convention === 'H') expect(pred.objectScore).toBe(10);
			expectBox(full, W, box);
			await p.release();
		});
	}

	it("pad mode (SAM 1 style): the box maps through s = 1024 / max(W, H) and comes back", async () => {
		const p = await open('node', 'H');
		const { full, frame } = await prompt(p, raster, box, 'pad');
		expect(frame.contentHeight).toBe(768);
		expectBox(full, W, box);
		await p.release();
	});

	it('a small box on a large image is answered in a crop around it, at the crop’s finer scale', async () => {
		const p = await open('node', 'M');
		const big: Raster = { width: 3000, height: 2000, channels: 1, dtype: 'uint16', data: new Uint16Array(3000 * 2000).map((_, i) => (i * 37) % 4000) };
		const small = { x0: 2010.4, y0: 1500.6, x1: 2050.2, y1: 1531.9 };
		const { full, frame } = await prompt(p, big, small);
		// 40 × 31 px box: side = max(256, ceil(39.8 · 3)) = 256, centred on the box.
		expect(frame.crop).toEqual({ x0: 1902, y0: 1388, x1: 2158, y1: 1644 });
		expectBox(full, 3000, small);
		await p.release();
	});

	it('choosing candidate 0 instead would shrink the mask by 16/1024 of the image per side', async () => {
		// The decoder ranks candidate 0 (L − 16) first: the mask is the box inset by 16·W/1024 = 10 px in x, 16·H/1024 = 7.5 px in y.
		const p = await open('node', 'H', { decoder: { scores: [0.95, 0.5, 0.7] } });
		const { full, pred } = await prompt(p, raster, box);
		expect(pred.chosen).toBe(0);
		expectBox(full, W, { x0: box.x0 + 10, y0: box.y0 + 7.5, x1: box.x1 - 10, y1: box.y1 - 7.5 });
		await p.release();
	});

	it('passes the object-presence logit on (negative: no object)', async () => {
		const p = await open('wasm', 'H', { decoder: { objectScore: -3 } });
		const { pred } = await prompt(p, raster, box);
		expect(pred.objectScore).toBe(-3);
		await p.release();
	});

	it('M: the corners must carry labels 2 and 3 (other labels give no box, hence no mask)', async () => {
		const p = await open('node', 'M');
		const f = promptFrame(W, H, box);
		const emb = await p.run('encoder', encoderFeeds(p.set.contract, samPixelValues(raster, f)), encoderFetches(p.set.contract));
		const feeds = decoderFeeds(p.set.contract, emb, boxToFrame(f, box));
		feeds.point_labels = { type: 'float32', data: Float32Array.of(1, 1), dims: [1, 2] };
		const pred = decoderPrediction(p.set.contract, await p.run('decoder', feeds, decoderFetches(p.set.contract)));
		const { rect } = upsampleMask(pred.masks.subarray(65536, 131072), f);
		expect(rect).toEqual({ x0: 0, y0: 0, x1: 0, y1: 0 });
		await p.release();
	});
});
