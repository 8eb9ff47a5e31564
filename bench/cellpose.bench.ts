/**
 * Cellpose in Node: the network per 224² tile (onnxruntime-node and onnxruntime-web's WASM), the
 * dynamics on the real network output of a 1024² image, and `segment` end to end on that image
 * with the built-in model, against the Python Cellpose 3.1 anchor measured on this kind of
 * machine (fixtures/cellpose-3.1/README.md, "Performance anchor"). The image is the anchor's:
 * demo01, demo02 / demo03, demo04 of data/mycol_demo_fungal tiled 2 × 2, default diameter,
 * channels [0, 0].
 *
 * Run: `npx tsx bench/cellpose.bench.ts [--part NAME]` (parts: machine, net-node, net-wasm,
 * net-wasm-2threads, dynamics, segment-node, segment-node-batch1; default the five without the
 * variants, in this process). Prints one JSON object. `npm run bench`
 * runs each part in its own process, so each part's peak RSS is its own.
 */
import { readFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImageFile } from '../src/lib/core/formats/image-file';
import { prepareCellposeModel, type PreparedModel } from '../src/lib/core/cellpose/model';
import { readCellposeModel } from '../src/lib/core/cellpose/weights';
import { computeMasks, fillHolesAndRemoveSmallMasks, followFlows, getMasks, removeBadFlowMasks, truncatePositions } from '../src/lib/core/cellpose/dynamics';
import { deriveNiter, deriveRescale, resolveParams, type SegmentParams } from '../src/lib/core/cellpose/params';
import { segment, estimateSegmentation, type CellposeNet } from '../src/lib/core/cellpose/pipeline';
import { GraphBuilder } from '../src/lib/core/onnx/index';
import { countLabels } from '../src/lib/core/labels/count';
import type { Raster } from '../src/lib/core/raster/types';
import { createSession, releaseSession, run, type NodeOrtBackend } from '../src/lib/runtime/ort-node';

const ROOT = resolve(import.meta.dirname, '..');
const SHARED = resolve(ROOT, '..', 'shared');
const MODEL_FILE = resolve(ROOT, 'models/mycol-fungal-v1.pth');

/** Python Cellpose 3.1 on CPU, 2 threads, this machine's kind (fixtures/cellpose-3.1/README.md). */
export const PYTHON_ANCHOR = {
	endToEndDenseS: 20.3,
	endToEndMkldnnS: 23.9,
	networkDenseS: 21.2,
	networkMkldnnS: 22.9,
	/** "the dynamics take about a second here" */
	dynamicsS: 1.0
};

const now = (): number => performance.now();
const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;
const median = (a: number[]): number => {
	const s = [...a].sort((x, y) => x - y);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = (): number[] => loadavg().map((v) => round(v, 2));

function bytesOf(path: string): Uint8Array {
	const b = readFileSync(path);
	return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The anchor's 1024² image: demo01 | demo02 over demo03 | demo04 (512² uint8 each). */
export function tiledImage(): Raster {
	const names = ['demo01', 'demo02', 'demo03', 'demo04'];
	const parts = names.map((n) => {
		const path = resolve(SHARED, `data/mycol_demo_fungal/images/${n}.tif`);
		return decodeImageFile(path, bytesOf(path)).raster;
	});
	const s = parts[0].width;
	for (const p of parts) {
		if (p.width !== s || p.height !== s || p.channels !== 1 || p.dtype !== 'uint8') throw new Error('the demo images are not 512² uint8 grey');
	}
	const W = 2 * s;
	const data = new Uint8Array(W * W);
	parts.forEach((p, k) => {
		const oy = (k >> 1) * s;
		const ox = (k & 1) * s;
		for (let y = 0; y < s; y++) data.set((p.data as Uint8Array).subarray(y * s, (y + 1) * s), (oy + y) * W + ox);
	});
	return { width: W, height: W, channels: 1, dtype: 'uint8', data };
}

/** Multiply-accumulates of one CPnet pass on an `h × w` tile, from the weight shapes (convs only). */
export function cpnetMacs(model: { tensors: ReadonlyMap<string, { shape: number[] }> }, h: number, w: number): number {
	let macs = 0;
	for (const [key, t] of model.tensors) {
		if (t.shape.length !== 4) continue;
		const m = /res_(?:down|up)_(\d+)/.exec(key);
		const level = m ? Number(m[1]) : 0; // the output layer runs at full size
		const s = 2 ** level;
		macs += t.shape.reduce((a, b) => a * b, 1) * (h / s) * (w / s);
	}
	return macs;
}

function prepareBuiltin(): { model: PreparedModel; prepareMs: number; macsPerTile: number } {
	const bytes = bytesOf(MODEL_FILE);
	const t0 = now();
	const model = prepareCellposeModel('mycol-fungal-v1.pth', bytes);
	const prepareMs = now() - t0;
	const weights = readCellposeModel('mycol-fungal-v1.pth', bytes);
	return { model, prepareMs, macsPerTile: cpnetMacs(weights as unknown as { tensors: ReadonlyMap<string, { shape: number[] }> }, 224, 224) };
}

async function nodeNet(model: PreparedModel, backend: NodeOrtBackend, threads?: number): Promise<{ net: CellposeNet; backend: NodeOrtBackend; release: () => Promise<void> }> {
	const s = await createSession(model.onnx, { backend, threads });
	return { net: (x, n, h, w) => run(s, x, n, h, w, model.io), backend: s.backend, release: () => releaseSession(s) };
}

/** The practical limit: float32 GEMM (onnxruntime MatMul, 1024 × 1024 × 1024) in GFLOP/s. */
async function gemmGflops(backend: NodeOrtBackend, threads?: number): Promise<number> {
	const N = 1024;
	const g = new GraphBuilder('gemm');
	const a = g.input('a', [N, N]);
	const b = g.initializer('b', [N, N], new Float32Array(N * N).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5));
	g.output(g.node('MatMul', [a, b], ['c'])[0], [N, N]);
	const s = await createSession(g.toBytes(), { backend, threads });
	const x = new Float32Array(N * N).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
	const feed = () => ({ a: new s.ort.Tensor('float32', x, [N, N]) });
	await s.session.run(feed());
	const times: number[] = [];
	for (let k = 0; k < 7; k++) {
		const t0 = now();
		await s.session.run(feed());
		times.push(now() - t0);
	}
	await releaseSession(s);
	return (2 * N ** 3) / (Math.min(...times) / 1000) / 1e9;
}

async function partMachine(): Promise<Record<string, unknown>> {
	return {
		cpu: cpus()[0]?.model ?? 'unknown',
		cores: cpus().length,
		gemmGflopsNode: round(await gemmGflops('node')),
		loadavg: load()
	};
}

async function partNet(backend: NodeOrtBackend, threads?: number): Promise<Record<string, unknown>> {
	const { model, prepareMs, macsPerTile } = prepareBuiltin();
	const t0 = now();
	const r = await nodeNet(model, backend, threads);
	const sessionMs = now() - t0;
	const tile = 224 * 224;
	const x = new Float32Array(8 * 2 * tile).map((_, i) => Math.sin(i * 0.001));
	await r.net(x.slice(0, 2 * tile), 1, 224, 224); // warm-up
	const single: number[] = [];
	for (let k = 0; k < 5; k++) {
		const t = now();
		await r.net(x.slice(0, 2 * tile), 1, 224, 224);
		single.push(now() - t);
	}
	const batch: number[] = [];
	for (let k = 0; k < 2; k++) {
		const t = now();
		await r.net(x.slice(), 8, 224, 224);
		batch.push((now() - t) / 8);
	}
	await r.release();
	const msPerTile = Math.min(median(single), median(batch));
	const gflops = (2 * macsPerTile) / (msPerTile / 1000) / 1e9;
	return {
		backend: r.backend,
		threads: threads ?? 'default',
		prepareModelMs: round(prepareMs),
		sessionMs: round(sessionMs),
		gmacPerTile: round(macsPerTile / 1e9, 2),
		msPerTileBatch1: round(median(single)),
		msPerTileBatch8: round(median(batch)),
		msPerTile: round(msPerTile),
		/** Per megapixel of network input (tile area, before overlap). */
		msPerMegapixel: round(msPerTile / (tile / 1e6)),
		gflops: round(gflops),
		loadavg: load()
	};
}

/** The built-in model's parameters as the app and `mycol segment` use them. */
function appParams(model: PreparedModel, batchSize?: number): SegmentParams {
	return { channels: [0, 0], diamMean: model.diamMean, diamLabels: model.diamLabels, batchSize };
}

async function partDynamics(): Promise<Record<string, unknown>> {
	const { model } = prepareBuiltin();
	const image = tiledImage();
	const r = await nodeNet(model, 'node');
	const seg = await segment(image, appParams(model), r.net);
	await r.release();
	const p = resolveParams(appParams(model));
	const { niter } = deriveNiter(p, deriveRescale(p));
	const H = seg.flowHeight;
	const W = seg.flowWidth;
	const mp = (H * W) / 1e6;
	const opts = { niter, cellprobThreshold: p.cellprobThreshold, flowThreshold: p.flowThreshold, minSize: p.minSize, maxSizeFraction: p.maxSizeFraction };
	const total: number[] = [];
	let cells = 0;
	for (let k = 0; k < 5; k++) {
		const t = now();
		const m = computeMasks(seg.dP, seg.cellprob, H, W, opts);
		total.push(now() - t);
		cells = countLabels(m.data);
	}
	// Stage profile (one run, the same steps computeMasks takes).
	const n = H * W;
	const stage: Record<string, number> = {};
	let t = now();
	const inds: number[] = [];
	const dPm = new Float32Array(2 * n);
	const thr = Math.fround(p.cellprobThreshold);
	for (let i = 0; i < n; i++) {
		if (seg.cellprob[i] > thr) {
			inds.push(i);
			dPm[i] = seg.dP[i] / 5;
			dPm[n + i] = seg.dP[n + i] / 5;
		}
	}
	const idx = Int32Array.from(inds);
	stage.select = now() - t;
	t = now();
	const final = truncatePositions(followFlows(dPm, H, W, idx, niter), W);
	stage.followFlows = now() - t;
	t = now();
	const masks = new Uint32Array(n);
	getMasks(final, idx, H, W, p.maxSizeFraction, masks);
	stage.getMasks = now() - t;
	t = now();
	removeBadFlowMasks(masks, seg.dP, H, W, p.flowThreshold);
	stage.flowQC = now() - t;
	t = now();
	fillHolesAndRemoveSmallMasks(masks, H, W, p.minSize, false);
	stage.fillAndMinSize = now() - t;
	const ms = median(total);
	return {
		image: `${W} × ${H}`,
		niter,
		cells,
		pixelsAboveThreshold: idx.length,
		ms: round(ms),
		msPerMegapixel: round(ms / mp),
		stagesMs: Object.fromEntries(Object.entries(stage).map(([k, v]) => [k, round(v)])),
		pythonDynamicsS: PYTHON_ANCHOR.dynamicsS,
		speedupVsPython: round((PYTHON_ANCHOR.dynamicsS * 1000) / ms, 2),
		loadavg: load()
	};
}

async function partSegment(backend: NodeOrtBackend, runs: number, batchSize?: number): Promise<Record<string, unknown>> {
	const { model, prepareMs } = prepareBuiltin();
	const image = tiledImage();
	const params = appParams(model, batchSize);
	const est = estimateSegmentation(image.width, image.height, params);
	const t0 = now();
	const r = await nodeNet(model, backend);
	const sessionMs = now() - t0;
	const first = now();
	await r.net(new Float32Array(2 * 224 * 224), 1, 224, 224); // warm-up, as the app's backend timing does
	const warmupMs = now() - first;
	const results: { s: number; cells: number; timings: Record<string, number>; loadavg: number[] }[] = [];
	for (let k = 0; k < runs; k++) {
		const la = load();
		const t = now();
		const seg = await segment(image, params, r.net);
		results.push({ s: (now() - t) / 1000, cells: countLabels(seg.masks.data), timings: seg.timings as unknown as Record<string, number>, loadavg: la });
	}
	await r.release();
	const s = median(results.map((x) => x.s));
	const mid = results.find((x) => x.s === s) ?? results[0];
	const mp = (image.width * image.height) / 1e6;
	return {
		backend: r.backend,
		batchSize: resolveParams(params).batchSize,
		image: `${image.width} × ${image.height} (demo01–04 tiled 2 × 2)`,
		rescale: round(est.rescale, 4),
		networkInput: `${est.resizedWidth} × ${est.resizedHeight}`,
		tiles: est.tiles,
		prepareModelMs: round(prepareMs),
		sessionMs: round(sessionMs),
		warmupMs: round(warmupMs),
		runs: results.map((x) => ({ s: round(x.s, 2), cells: x.cells, loadavg: x.loadavg })),
		endToEndS: round(s, 2),
		stagesMs: Object.fromEntries(Object.entries(mid.timings).map(([k, v]) => [k, round(v)])),
		networkMsPerImageMegapixel: round(mid.timings.network / mp),
		networkMsPerTile: round(mid.timings.network / est.tiles),
		dynamicsMsPerMegapixel: round(mid.timings.masks / mp),
		python: PYTHON_ANCHOR,
		speedupVsPythonDense: round(PYTHON_ANCHOR.endToEndDenseS / s, 2),
		speedupVsPythonMkldnn: round(PYTHON_ANCHOR.endToEndMkldnnS / s, 2),
		loadavg: load()
	};
}

const PARTS: Record<string, () => Promise<Record<string, unknown>>> = {
	machine: partMachine,
	'net-node': () => partNet('node'),
	'net-wasm': () => partNet('wasm', 1),
	'net-wasm-2threads': () => partNet('wasm', 2),
	dynamics: partDynamics,
	'segment-node': () => partSegment('node', 3),
	/** The same with one tile per network call: identical masks (onnxruntime's output does not depend on the batch), less memory. */
	'segment-node-batch1': () => partSegment('node', 3, 1)
};

async function main(): Promise<void> {
	const i = process.argv.indexOf('--part');
	const names = i >= 0 ? [process.argv[i + 1]] : Object.keys(PARTS).filter((p) => p !== 'net-wasm-2threads' && p !== 'segment-node-batch1');
	const out: Record<string, unknown> = { benchmark: 'cellpose', node: process.version, loadavgStart: load() };
	for (const name of names) {
		const part = PARTS[name];
		if (!part) throw new Error(`unknown part "${name}" (parts: ${Object.keys(PARTS).join(', ')})`);
		out[name] = await part();
	}
	out.peakRssMiB = round(process.resourceUsage().maxRSS / 1024);
	out.loadavg = load();
	console.log(JSON.stringify(out));
}

// Run only as a script (browser.bench.ts imports the image and the anchor from here).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
