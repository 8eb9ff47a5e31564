// `npm run bench`: every benchmark in its own process (so each one's peak memory is its own), their
// JSON collected into bench/results/latest.json (git-ignored) with the load average around each,
// and a summary against the targets of the Cellpose issue (Python Cellpose 3.1 on CPU as anchor).
// `node scripts/bench.js NAME…` reruns some and keeps the other results of the last run.
//
// The machine may be shared: before each benchmark we wait (up to BENCH_QUIET_WAIT_S, default 120 s)
// for the 1-minute load average to drop under BENCH_QUIET_LOAD (default 1.0), and a benchmark whose
// load was high is run again once (BENCH_RERUNS, default 1).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { gitVersion, root } from './ensure.js';

const TSX = join(root, 'node_modules/.bin/tsx');
const QUIET_LOAD = Number(process.env.BENCH_QUIET_LOAD ?? 1.0);
const QUIET_WAIT_S = Number(process.env.BENCH_QUIET_WAIT_S ?? 120);
const RERUNS = Number(process.env.BENCH_RERUNS ?? 1);
const HIGH_LOAD = cpus().length * 0.75;

/** name → [script, args, timeout in seconds] */
const BENCHMARKS = {
	'cellpose.machine': ['bench/cellpose.bench.ts', ['--part', 'machine'], 300],
	'cellpose.net-node': ['bench/cellpose.bench.ts', ['--part', 'net-node'], 300],
	'cellpose.net-wasm': ['bench/cellpose.bench.ts', ['--part', 'net-wasm'], 600],
	'cellpose.net-wasm-2threads': ['bench/cellpose.bench.ts', ['--part', 'net-wasm-2threads'], 600],
	'cellpose.dynamics': ['bench/cellpose.bench.ts', ['--part', 'dynamics'], 600],
	'cellpose.segment-node': ['bench/cellpose.bench.ts', ['--part', 'segment-node'], 900],
	'cellpose.segment-node-batch1': ['bench/cellpose.bench.ts', ['--part', 'segment-node-batch1'], 900],
	'browser.network': ['bench/browser.bench.ts', ['--part', 'network'], 1200],
	'browser.app': ['bench/browser.bench.ts', ['--part', 'app'], 1800],
	'browser.train': ['bench/browser.bench.ts', ['--part', 'train'], 1800],
	measure: ['bench/measure.bench.ts', [], 600],
	viewer: ['bench/viewer.bench.ts', [], 600],
	labels: ['bench/labels.bench.ts', [], 600],
	classify: ['bench/classify.bench.ts', [], 1800],
	train: ['bench/train.bench.ts', [], 3600],
	finetune: ['bench/finetune.bench.ts', [], 5400]
};

const round = (v, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const load = () => loadavg().map((v) => round(v));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitQuiet() {
	const t0 = Date.now();
	while (loadavg()[0] >= QUIET_LOAD && Date.now() - t0 < QUIET_WAIT_S * 1000) await sleep(5000);
	return { waitedS: Math.round((Date.now() - t0) / 1000), loadavg: load() };
}

/** The last line of stdout that parses as a JSON object. */
function lastJson(stdout) {
	const lines = stdout.trim().split('\n').reverse();
	for (const l of lines) {
		try {
			const v = JSON.parse(l);
			if (v && typeof v === 'object') return v;
		} catch {
			/* not JSON */
		}
	}
	return null;
}

async function runOne(name) {
	const [script, args, timeoutS] = BENCHMARKS[name];
	let result = null;
	for (let attempt = 0; attempt <= RERUNS; attempt++) {
		const quiet = await waitQuiet();
		process.stderr.write(`bench: ${name}${attempt ? ' (again: the load was high)' : ''}, load ${quiet.loadavg.join(' ')} …\n`);
		const t0 = Date.now();
		const r = spawnSync(TSX, [script, ...args], { cwd: root, encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 64 * 2 ** 20 });
		const seconds = round((Date.now() - t0) / 1000, 1);
		const after = load();
		const json = lastJson(r.stdout ?? '');
		result = {
			...(json ?? { error: r.error ? String(r.error) : `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-5).join(' | ')}` }),
			run: { seconds, attempt: attempt + 1, loadavgBefore: quiet.loadavg, loadavgAfter: after, waitedForQuietS: quiet.waitedS }
		};
		if (!json) break;
		// Our own run raises the load, so judge by the load before it started.
		if (quiet.loadavg[0] < HIGH_LOAD) break;
	}
	return result;
}

const pick = (o, ...path) => path.reduce((v, k) => (v && typeof v === 'object' ? v[k] : undefined), o);

/** The targets, from the collected numbers. */
function summary(r) {
	const py = pick(r, 'cellpose.segment-node', 'segment-node', 'python') ?? pick(r, 'browser.app', 'python');
	const nodeS = pick(r, 'cellpose.segment-node', 'segment-node', 'endToEndS');
	const chromeS = pick(r, 'browser.app', 'endToEndS');
	const inPage = pick(r, 'browser.network', 'network', 'perTile') ?? [];
	const dyn = pick(r, 'cellpose.dynamics', 'dynamics');
	const net = pick(r, 'cellpose.net-node', 'net-node');
	const wasm = pick(r, 'cellpose.net-wasm', 'net-wasm');
	const wasm2 = pick(r, 'cellpose.net-wasm-2threads', 'net-wasm-2threads');
	const gemm = pick(r, 'cellpose.machine', 'machine', 'gemmGflopsNode');
	const out = {};
	if (py && nodeS !== undefined) {
		out.nodeEndToEnd = { seconds: nodeS, pythonDenseS: py.endToEndDenseS, ratio: round(nodeS / py.endToEndDenseS), target: 'faster than Python (ratio < 1)', met: nodeS < py.endToEndDenseS };
	}
	if (py && chromeS !== undefined) {
		out.chromiumEndToEnd = {
			seconds: chromeS,
			backend: pick(r, 'browser.app', 'backend'),
			pythonDenseS: py.endToEndDenseS,
			ratio: round(chromeS / py.endToEndDenseS),
			target: 'within 1.5× of Python',
			met: chromeS <= 1.5 * py.endToEndDenseS
		};
	}
	if (dyn) out.dynamics = { ms: dyn.ms, msPerMegapixel: dyn.msPerMegapixel, speedupVsPython: dyn.speedupVsPython, target: 'at least 3× faster than Python (~1 s)', met: dyn.speedupVsPython >= 3 };
	if (net) {
		out.network = {
			nodeMsPerTile: net.msPerTile,
			nodeMsPerMegapixel: net.msPerMegapixel,
			nodeGflops: net.gflops,
			wasmMsPerTile: wasm?.msPerTile,
			wasmGflops: wasm?.gflops,
			wasm2ThreadsMsPerTile: wasm2?.msPerTile,
			machineGemmGflops: gemm,
			nodeFractionOfGemm: gemm ? round(net.gflops / gemm) : undefined,
			chromium: inPage.map((t) => {
				const ms = typeof t.msPerTileBatch1 === 'number' ? Math.min(t.msPerTileBatch1, t.msPerTileBatch8 ?? Infinity) : undefined;
				const gflops = ms && net.gmacPerTile ? round((2 * net.gmacPerTile) / (ms / 1000), 1) : undefined;
				return { bundle: t.bundle, ep: t.ep, threads: t.threads, msPerTile: ms, gflops, fractionOfGemm: gflops && gemm ? round(gflops / gemm) : undefined, skipped: t.skipped, error: t.error };
			}),
			note: 'GEMM = onnxruntime-node float32 MatMul 1024³ on this machine, the practical limit for the convolutions'
		};
	}
	const b1 = pick(r, 'cellpose.segment-node-batch1', 'segment-node-batch1', 'endToEndS');
	if (b1 !== undefined) out.nodeEndToEndBatch1 = { seconds: b1, note: 'one tile per network call instead of the app\'s 8: identical masks' };
	const tr = r.train;
	const chromeTrain = pick(r, 'browser.train', 'train');
	if (tr || chromeTrain) {
		out.cellposeTraining = {
			images: '20 × 256², batch 8, built-in model',
			nodeWasmSecondsPerEpoch: tr?.['wasm-full']?.secondsPerEpoch,
			nodeCpuSecondsPerEpochExtrapolated: tr?.['cpu-full']?.secondsPerEpoch,
			chromiumWasmSecondsPerEpoch: chromeTrain?.secondsPerEpoch
		};
	}
	const ft = r.finetune;
	if (ft && !ft.error) {
		out.fineTuning = {};
		for (const part of ['nuclei', 'bacteria', 'fungal']) {
			if (!ft[part]) continue;
			out.fineTuning[part] = { heldImages: ft[part].heldImages, heldCells: ft[part].heldCells, apBefore: ft[part].before.ap, apBaseAtNewDiameter: ft[part].baseAtNewDiameter.ap, apAfter: ft[part].after.ap, improved: ft[part].after.ap[0] > ft[part].before.ap[0] };
		}
	}
	const cl = r.classify;
	if (cl && !cl.error) out.classifier = cl.summary ?? cl;
	out.peakMemoryMiB = {
		nodeSegment: pick(r, 'cellpose.segment-node', 'peakRssMiB'),
		nodeSegmentBatch1: pick(r, 'cellpose.segment-node-batch1', 'peakRssMiB'),
		nodeDynamics: pick(r, 'cellpose.dynamics', 'peakRssMiB'),
		chromiumBrowserProcesses: pick(r, 'browser.app', 'secondRun', 'peakBrowserRssMiB'),
		chromiumPage: pick(r, 'browser.app', 'memory', 'measureUserAgentSpecificMemoryMiB')
	};
	return out;
}

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BENCHMARKS);
for (const n of names) {
	if (!BENCHMARKS[n]) {
		console.error(`unknown benchmark "${n}"; known: ${Object.keys(BENCHMARKS).join(', ')}`);
		process.exit(2);
	}
}
// A subset run updates those benchmarks in latest.json and keeps the others' last results.
const dir = join(root, 'bench/results');
const latest = join(dir, 'latest.json');
const subset = process.argv.slice(2).length > 0;
const results = subset && existsSync(latest) ? (JSON.parse(readFileSync(latest, 'utf8')).results ?? {}) : {};
const started = new Date();
const loadStart = load();
for (const n of names) results[n] = { ...(await runOne(n)), ranAt: new Date().toISOString() };
const report = {
	date: started.toISOString(),
	git: gitVersion(),
	node: process.version,
	cpu: cpus()[0]?.model ?? 'unknown',
	cores: cpus().length,
	memoryGiB: round(totalmem() / 2 ** 30, 1),
	loadavgStart: loadStart,
	loadavgEnd: load(),
	summary: summary(results),
	results
};
mkdirSync(dir, { recursive: true });
writeFileSync(latest, JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2));
