/**
 * Cellpose in Chromium: the built app (`vite preview`, cross-origin isolated so WASM has threads)
 * segments the anchor's 1024² image (demo01, demo02 / demo03, demo04 tiled 2 × 2, written to a
 * temporary TIFF and given to the Data page) with the built-in model, as a user would: Annotate →
 * "Segment image", timed until the status line says "Segmented". The first run includes the app's
 * one-off backend timing and session creation; the second is the steady state. WebGPU is used by
 * the app only when the adapter is a hardware one (a software adapter is slower than WASM).
 * Peak memory: the RSS of the browser's processes sampled from /proc (Linux), and the page's
 * `performance.measureUserAgentSpecificMemory()` / `performance.memory` where the browser has them.
 *
 * Also the network alone in a bare page (onnxruntime-web from node_modules), per 224² tile, for the
 * app's onnxruntime-web build (JSEP, WebGPU-capable), the WASM-only build and WebGPU.
 *
 * And fine-tuning in the app (`--part train`): the Train page trains the built-in model for 2 epochs
 * on 20 synthetic 256² images with exact masks (the Node training benchmark's set), no validation,
 * Cellpose's batch of 8; seconds per epoch as the page reports them (the mean of the 2 epochs, so
 * the first epoch's kernel compilation is included).
 *
 * Run: `npx tsx bench/browser.bench.ts [--part network|app|train]` (the app part builds first when build/
 * is missing or older than the sources). Prints one JSON object.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { writeTiff } from '../src/lib/core/formats/tiff-writer';
import { writeLabelTiff } from '../src/lib/core/formats/label-tiff';
import { syntheticNuclei } from '../src/lib/core/example/synthetic';
import { prepareCellposeModel } from '../src/lib/core/cellpose/model';
import { tiledImage, PYTHON_ANCHOR } from './cellpose.bench';

const ROOT = resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const now = (): number => performance.now();
const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;
const load = (): number[] => loadavg().map((v) => round(v, 2));

/** Newest modification time under `path` (files only; node_modules and dot folders skipped). */
function newest(path: string): number {
	if (!existsSync(path)) return 0;
	const st = statSync(path);
	if (!st.isDirectory()) return st.mtimeMs;
	let m = 0;
	for (const e of readdirSync(path)) {
		if (e === 'node_modules' || e.startsWith('.')) continue;
		m = Math.max(m, newest(join(path, e)));
	}
	return m;
}

/** `npm run build` when build/ is missing or older than what goes into it. */
function ensureBuild(): { built: boolean; seconds: number } {
	const index = join(ROOT, 'build/index.html');
	const inputs = ['src', 'workers', 'static', 'models', 'vite.config.ts', 'svelte.config.js', 'package-lock.json'].map((p) => newest(join(ROOT, p)));
	if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...inputs)) return { built: false, seconds: 0 };
	const t0 = now();
	const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	if (r.status !== 0) throw new Error('npm run build failed');
	return { built: true, seconds: round((now() - t0) / 1000) };
}

async function startPreview(port: number): Promise<ChildProcess> {
	const p = spawn(join(ROOT, 'node_modules/.bin/vite'), ['preview', '--port', String(port), '--strictPort'], { cwd: ROOT, stdio: 'ignore', detached: false });
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		try {
			const r = await fetch(`http://localhost:${port}/`);
			if (r.ok) return p;
		} catch {
			/* not up yet */
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	p.kill();
	throw new Error(`vite preview did not start on port ${port}`);
}

/** RSS (bytes) of every process under `root`, except the subtree of `exclude`. */
function treeRss(root: number, exclude: number | undefined): number {
	const children = new Map<number, number[]>();
	const rss = new Map<number, number>();
	for (const e of readdirSync('/proc')) {
		if (!/^\d+$/.test(e)) continue;
		try {
			const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			const ppid = Number(fields[1]);
			const pages = Number(fields[21]);
			const pid = Number(e);
			rss.set(pid, pages * 4096);
			if (!children.has(ppid)) children.set(ppid, []);
			children.get(ppid)?.push(pid);
		} catch {
			/* the process ended */
		}
	}
	let total = 0;
	const stack = [...(children.get(root) ?? [])];
	while (stack.length) {
		const pid = stack.pop() as number;
		if (pid === exclude) continue;
		total += rss.get(pid) ?? 0;
		stack.push(...(children.get(pid) ?? []));
	}
	return total;
}

/** Sample the browser's RSS every 200 ms until stopped; returns the peak. */
function rssSampler(exclude: number | undefined): { stop: () => number } {
	let peak = treeRss(process.pid, exclude);
	const timer = setInterval(() => (peak = Math.max(peak, treeRss(process.pid, exclude))), 200);
	return {
		stop: () => {
			clearInterval(timer);
			return Math.max(peak, treeRss(process.pid, exclude));
		}
	};
}

async function pageMemory(page: Page): Promise<Record<string, number | string | null>> {
	return page.evaluate(async () => {
		const perf = performance as Performance & {
			measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
			memory?: { usedJSHeapSize: number; totalJSHeapSize: number };
		};
		let uaBytes: number | null = null;
		let note: string | null = null;
		if (typeof perf.measureUserAgentSpecificMemory === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) {
			try {
				const r = await Promise.race([perf.measureUserAgentSpecificMemory(), new Promise<null>((res) => setTimeout(() => res(null), 30_000))]);
				if (r) uaBytes = r.bytes;
				else note = 'measureUserAgentSpecificMemory did not answer within 30 s';
			} catch (e) {
				note = String(e);
			}
		} else note = 'measureUserAgentSpecificMemory is not available here';
		return {
			measureUserAgentSpecificMemoryMiB: uaBytes === null ? null : Math.round(uaBytes / 2 ** 20),
			jsHeapUsedMiB: perf.memory ? Math.round(perf.memory.usedJSHeapSize / 2 ** 20) : null,
			note
		};
	});
}

async function webgpuInfo(page: Page): Promise<Record<string, unknown>> {
	return page.evaluate(async () => {
		const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
		if (!gpu) return { available: false, adapter: null, software: null };
		const a = await gpu.requestAdapter();
		if (!a) return { available: false, adapter: null, software: null };
		const info = a.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
		return { available: true, adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(), software: info.isFallbackAdapter ?? null };
	});
}

/** Press "Segment image" and wait for "Segmented …"; wall seconds and the status line. */
async function segmentOnce(page: Page, exclude: number | undefined): Promise<Record<string, unknown>> {
	const status = page.getByRole('status').filter({ hasText: 'Segmented' });
	const la = load();
	const sampler = rssSampler(exclude);
	const t0 = now();
	await page.getByTestId('segment-image').click();
	await page.getByTestId('progress').waitFor({ state: 'visible', timeout: 60_000 });
	await status.waitFor({ state: 'visible', timeout: 600_000 });
	const seconds = (now() - t0) / 1000;
	const peak = sampler.stop();
	const text = (await status.innerText()).trim();
	const error = await page.getByTestId('error-message').allInnerTexts();
	return {
		seconds: round(seconds, 2),
		statusLine: text,
		backend: (await page.getByTestId('backend').innerText()).trim(),
		cells: Number(await page.getByTestId('cell-count').innerText()),
		peakBrowserRssMiB: Math.round(peak / 2 ** 20),
		errors: error,
		loadavg: la
	};
}

/**
 * A bare page (no app) with onnxruntime-web loaded from node_modules, served cross-origin isolated:
 * the network alone, per 224² tile, for each onnxruntime-web build the app could use.
 */
function startOrtServer(onnx: Uint8Array): Promise<{ server: Server; port: number }> {
	const dist = join(ROOT, 'node_modules/onnxruntime-web/dist');
	const types: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
	const server = createServer((req, res) => {
		res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
		res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
		res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
		const url = (req.url ?? '/').split('?')[0];
		if (url === '/') {
			res.setHeader('Content-Type', 'text/html');
			res.end('<!doctype html><title>ort</title><p>ort bench</p>');
		} else if (url === '/model.onnx') {
			res.setHeader('Content-Type', 'application/octet-stream');
			res.end(onnx);
		} else if (url.startsWith('/ort/') && /^[\w.-]+$/.test(url.slice(5)) && existsSync(join(dist, url.slice(5)))) {
			res.setHeader('Content-Type', types[extname(url)] ?? 'application/octet-stream');
			res.end(readFileSync(join(dist, url.slice(5))));
		} else {
			res.statusCode = 404;
			res.end();
		}
	});
	return new Promise((res) => server.listen(0, '127.0.0.1', () => res({ server, port: (server.address() as AddressInfo).port })));
}

/** ms per tile of the built-in network in the page, for one onnxruntime-web build and EP (best of the runs: the machine may be shared). */
async function ortInPage(page: Page, bundle: string, ep: 'wasm' | 'webgpu', threads: number): Promise<Record<string, unknown>> {
	return page.evaluate(
		async ({ bundle, ep, threads }) => {
			type Ort = typeof import('onnxruntime-web');
			const ort = (await import(`/ort/${bundle}`)) as Ort;
			ort.env.wasm.wasmPaths = '/ort/';
			ort.env.wasm.numThreads = threads;
			ort.env.logLevel = 'error';
			const model = new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer());
			const t0 = performance.now();
			const s = await ort.InferenceSession.create(model, { executionProviders: [ep], graphOptimizationLevel: 'all' });
			const sessionMs = performance.now() - t0;
			const tile = 224 * 224;
			const x = new Float32Array(8 * 2 * tile).map((_, i) => Math.sin(i * 0.001));
			const runOnce = async (n: number): Promise<number> => {
				const t = performance.now();
				const out = await s.run({ x: new ort.Tensor('float32', x.slice(0, n * 2 * tile), [n, 2, 224, 224]) });
				for (const v of Object.values(out)) v.dispose();
				return performance.now() - t;
			};
			await runOnce(1); // warm-up (shader compilation, thread pool, memory planning)
			if (ep !== 'webgpu') await runOnce(1);
			const single: number[] = [];
			const batch: number[] = [];
			for (let k = 0; k < (ep === 'webgpu' ? 1 : 3); k++) single.push(await runOnce(1));
			if (ep !== 'webgpu') for (let k = 0; k < 2; k++) batch.push((await runOnce(8)) / 8);
			await s.release();
			single.sort((a, b) => a - b);
			batch.sort((a, b) => a - b);
			return {
				bundle,
				ep,
				threads: ort.env.wasm.numThreads,
				sessionMs: Math.round(sessionMs),
				msPerTileBatch1: Math.round(single[0]),
				msPerTileBatch8: batch.length ? Math.round(batch[0]) : null,
				runsMs: { batch1: single.map(Math.round), batch8PerTile: batch.map(Math.round) }
			};
		},
		{ bundle, ep, threads }
	);
}

/** The network alone in Chromium: WASM (the app's build and the WASM-only build) and WebGPU. */
async function networkInChromium(): Promise<Record<string, unknown>> {
	const bytes = readFileSync(join(ROOT, 'models/mycol-fungal-v1.pth'));
	const model = prepareCellposeModel('mycol-fungal-v1.pth', new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
	const { server, port } = await startOrtServer(model.onnx);
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--enable-unsafe-webgpu'] });
	const results: Record<string, unknown>[] = [];
	try {
		// A fresh page per build: onnxruntime-web sets its WASM threads once per page.
		const cases: [string, 'wasm' | 'webgpu', number, string][] = [
			['ort.bundle.min.mjs', 'wasm', 2, "the app's build (onnxruntime-web's default export: the JSEP/WebGPU-capable WASM)"],
			['ort.wasm.min.mjs', 'wasm', 2, 'the WASM-only build (onnxruntime-web/wasm)'],
			['ort.wasm.min.mjs', 'wasm', 1, 'the WASM-only build, one thread'],
			['ort.bundle.min.mjs', 'webgpu', 0, 'WebGPU (software adapter here: SwiftShader)']
		];
		for (const [bundle, ep, threads, what] of cases) {
			const page = await browser.newPage();
			// tsx keeps function names with an `__name` helper that the evaluated code then calls.
			await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
			try {
				await page.goto(`http://127.0.0.1:${port}/`);
				if (ep === 'webgpu') {
					const info = await webgpuInfo(page);
					if (!info.available) {
						results.push({ bundle, ep, what, skipped: 'no WebGPU adapter' });
						continue;
					}
				}
				const la = load();
				const r = await Promise.race([ortInPage(page, bundle, ep, threads), new Promise<null>((res) => setTimeout(() => res(null), 240_000))]);
				const row: Record<string, unknown> = r ? { ...r, what, loadavg: la } : { bundle, ep, what, skipped: 'took longer than 240 s' };
				if (typeof row.msPerTileBatch1 === 'number') {
					const best = Math.min(row.msPerTileBatch1, (row.msPerTileBatch8 as number | null) ?? Infinity);
					row.msPerMegapixel = Math.round(best / (224 * 224 / 1e6));
				}
				results.push(row);
			} catch (e) {
				results.push({ bundle, ep, what, error: String(e).split('\n')[0] });
			} finally {
				await page.close();
			}
		}
	} finally {
		await browser.close();
		server.close();
	}
	return { perTile: results };
}

/** Fine-tuning in the built app: 20 synthetic 256² images, 2 epochs, batch 8, no validation. */
async function trainInChromium(port: number): Promise<Record<string, unknown>> {
	const dir = mkdtempSync(join(tmpdir(), 'mycol-bench-train-'));
	const files: string[] = [];
	for (let i = 0; i < 20; i++) {
		// The same images as bench/train.bench.ts.
		const e = syntheticNuclei(`bench${i}.tif`, 100 + i, 256, 256, 25, 11);
		files.push(join(dir, `bench${i}.tif`), join(dir, `bench${i}_masks.tif`));
		writeFileSync(files.at(-2)!, writeTiff(e.raster));
		writeFileSync(files.at(-1)!, writeLabelTiff(e.labels));
	}
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--enable-unsafe-webgpu'] });
	try {
		const page = await browser.newPage();
		await page.goto(`http://localhost:${port}/#/data`);
		await page.getByRole('heading', { name: 'Images and masks' }).waitFor({ timeout: 60_000 });
		await page.getByTestId('file-input').setInputFiles(files);
		await page.waitForFunction(() => !document.body.textContent?.includes('Reading '), null, { timeout: 120_000 });
		await page.getByRole('link', { name: 'Train' }).click();
		await page.getByLabel('Epochs', { exact: true }).fill('2');
		await page.getByLabel('Validation share', { exact: true }).first().fill('0');
		const la = load();
		const t0 = now();
		await page.getByTestId('train-start').click();
		const summary = page.getByTestId('train-summary');
		await summary.waitFor({ state: 'visible', timeout: 1_500_000 });
		const seconds = (now() - t0) / 1000;
		const text = (await summary.innerText()).replace(/\s+/g, ' ').trim();
		const perEpoch = Number(/\(([\d.]+) s per epoch/.exec(text)?.[1] ?? NaN);
		const errors = await page.getByTestId('error-message').allInnerTexts();
		return { images: 20, imageSize: 256, epochs: 2, batchSize: 8, secondsPerEpoch: perEpoch, wallSeconds: round(seconds, 1), summary: text, errors, loadavg: la };
	} finally {
		await browser.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

async function main(): Promise<void> {
	const out: Record<string, unknown> = { benchmark: 'browser', chromium: CHROMIUM, loadavgStart: load() };
	const i = process.argv.indexOf('--part');
	const part = i >= 0 ? process.argv[i + 1] : 'all';
	if (part === 'all' || part === 'network') out.network = await networkInChromium();
	if (part !== 'all' && part !== 'network' && part !== 'app' && part !== 'train') throw new Error(`unknown part "${part}" (network, app, train)`);
	if (part === 'network') {
		out.loadavg = load();
		console.log(JSON.stringify(out));
		return;
	}
	out.build = ensureBuild();
	if (part === 'train') {
		const port = 4300 + (process.pid % 500);
		const preview = await startPreview(port);
		try {
			out.train = await trainInChromium(port);
		} finally {
			preview.kill();
		}
		out.loadavg = load();
		console.log(JSON.stringify(out));
		return;
	}
	const dir = mkdtempSync(join(tmpdir(), 'mycol-bench-'));
	const tif = join(dir, 'demo01-04_tiled_1024.tif');
	writeFileSync(tif, writeTiff(tiledImage()));
	const port = 4300 + (process.pid % 500);
	const preview = await startPreview(port);
	// ForceEagerMeasureMemory: measureUserAgentSpecificMemory answers at once instead of at the next GC.
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--enable-unsafe-webgpu', '--enable-blink-features=ForceEagerMeasureMemory'] });
	try {
		const page = await browser.newPage();
		await page.goto(`http://localhost:${port}/#/data`);
		await page.getByRole('heading', { name: 'Images and masks' }).waitFor({ timeout: 60_000 });
		out.crossOriginIsolated = await page.evaluate(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true);
		out.hardwareConcurrency = await page.evaluate(() => navigator.hardwareConcurrency);
		out.webgpu = await webgpuInfo(page);
		await page.getByTestId('file-input').setInputFiles([tif]);
		await page.waitForFunction(() => !document.body.textContent?.includes('Reading '), null, { timeout: 60_000 });
		await page.getByRole('link', { name: 'Annotate' }).click();
		await page.waitForFunction(() => (document.querySelector('[data-testid="model-picker"]') as HTMLSelectElement | null)?.value === 'mycol-fungal-v1', null, { timeout: 120_000 });
		const first = await segmentOnce(page, preview.pid);
		const second = await segmentOnce(page, preview.pid);
		out.firstRun = first;
		out.secondRun = second;
		out.memory = await pageMemory(page);
		const s = second.seconds as number;
		out.endToEndS = s;
		out.backend = second.backend;
		out.python = PYTHON_ANCHOR;
		out.ratioToPythonDense = round(s / PYTHON_ANCHOR.endToEndDenseS, 2);
		out.ratioToPythonMkldnn = round(s / PYTHON_ANCHOR.endToEndMkldnnS, 2);
		out.withinTarget = s <= 1.5 * PYTHON_ANCHOR.endToEndDenseS;
	} finally {
		await browser.close();
		preview.kill();
		rmSync(dir, { recursive: true, force: true });
	}
	out.loadavg = load();
	console.log(JSON.stringify(out));
}

await main();
