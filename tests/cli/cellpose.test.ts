/**
 * The Cellpose commands (`net`, `flows`, `dynamics`, `segment`, `ap`) run as a user would, against
 * Python Cellpose 3.1's fixtures (fixtures/cellpose-3.1, README there): the network output and
 * style, the training flows, the masks (identical with --cellpose31-compat), average precision
 * (exact), the whole eval pipeline with the fixtures' tiny net, and the built-in model on a real
 * image, its TIFF read back by our reader and by Python's tifffile. Plus hostile inputs.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../unit/helpers/arrays';
import { decodeLabelFile } from '../../src/lib/core/formats/image-file';
import { readNpy, writeNpy, type NpyArray } from '../../src/lib/core/formats/npy';
import { ModelError } from '../../src/lib/core/formats/errors';
import { GraphBuilder } from '../../src/lib/core/onnx/index';
import { resolveModel } from '../../cli/models';
import { python, root, shared, tempDir, type Result } from './run';

const FIX = 'fixtures/cellpose-3.1/';

/** `mycol …` in a child process without blocking, so independent runs share the two cores. */
function mycolAsync(...args: string[]): Promise<Result> {
	return new Promise((resolve, reject) => {
		const p = spawn(process.execPath, [join(root, 'cli/mycol.js'), ...args], { cwd: root });
		let stdout = '';
		let stderr = '';
		p.stdout.on('data', (d) => (stdout += d));
		p.stderr.on('data', (d) => (stderr += d));
		p.on('error', reject);
		p.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
	});
}

function npyFile(path: string): NpyArray {
	const b = readFileSync(path);
	const a = readNpy(path, new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
	if (a.kind !== 'array') throw new Error(`${path}: not a numeric array`);
	return a;
}

function ok(r: Result): Result {
	if (r.status !== 0) throw new Error(`mycol exited with ${r.status}: ${r.stderr}`);
	expect(r.stderr).toBe('');
	return r;
}

describe('mycol net', () => {
	const cases = ['cpnet_tiny', 'cpnet_mid'].flatMap((m) => ['in_224x224', 'in_160x256'].map((i) => [m, i] as const));

	it('gives Cellpose 3.1 net(x) output (≤ 1e-4) and style (≤ 1e-5) for both fixture nets and inputs', async () => {
		const dir = tempDir();
		const runs = await Promise.all(
			cases.map(([m, i]) =>
				mycolAsync('net', '--model', shared(`${FIX}net/${m}.pth`), '--input', shared(`${FIX}net/${i}.npy`), '--out', join(dir, `${m}_${i}_y.npy`), '--style', join(dir, `${m}_${i}_s.npy`))
			)
		);
		runs.forEach(ok);
		for (const [m, i] of cases) {
			const y = npyFile(join(dir, `${m}_${i}_y.npy`));
			const ref = npyFile(shared(`${FIX}net/${m}_${i}_y.npy`));
			expect(y.dtype).toBe('float32');
			expect(y.shape).toEqual(ref.shape);
			expect(maxAbsDiff(y.data as Float32Array, ref.data as Float32Array)).toBeLessThanOrEqual(1e-4);
			const s = npyFile(join(dir, `${m}_${i}_s.npy`));
			const sref = npyFile(shared(`${FIX}net/${m}_${i}_style.npy`));
			expect(s.shape).toEqual(sref.shape);
			expect(maxAbsDiff(s.data as Float32Array, sref.data as Float32Array)).toBeLessThanOrEqual(1e-5);
		}
	});

	it('runs on onnxruntime-web WASM too, and takes a batch (N, 2, H, W)', async () => {
		const dir = tempDir();
		const x = npyFile(shared(`${FIX}net/in_224x224.npy`)).data as Float32Array;
		const batch = new Float32Array(2 * x.length);
		batch.set(x);
		batch.set(x, x.length);
		writeFileSync(join(dir, 'batch.npy'), writeNpy('float32', [2, 2, 224, 224], batch));
		const [wasm, batched] = await Promise.all([
			mycolAsync('net', '--model', shared(`${FIX}net/cpnet_tiny.pth`), '--input', shared(`${FIX}net/in_160x256.npy`), '--out', join(dir, 'w.npy'), '--backend', 'wasm'),
			mycolAsync('net', '--model', shared(`${FIX}net/cpnet_tiny.pth`), '--input', join(dir, 'batch.npy'), '--out', join(dir, 'b.npy'), '--style', join(dir, 'bs.npy'))
		]);
		ok(wasm);
		ok(batched);
		const ref = npyFile(shared(`${FIX}net/cpnet_tiny_in_160x256_y.npy`)).data as Float32Array;
		expect(maxAbsDiff(npyFile(join(dir, 'w.npy')).data as Float32Array, ref)).toBeLessThanOrEqual(1e-4);
		const b = npyFile(join(dir, 'b.npy'));
		expect(b.shape).toEqual([2, 3, 224, 224]);
		const ref224 = npyFile(shared(`${FIX}net/cpnet_tiny_in_224x224_y.npy`)).data as Float32Array;
		const y = b.data as Float32Array;
		expect(maxAbsDiff(y.subarray(0, ref224.length), ref224)).toBeLessThanOrEqual(1e-4);
		expect(maxAbsDiff(y.subarray(ref224.length), ref224)).toBeLessThanOrEqual(1e-4);
		expect(npyFile(join(dir, 'bs.npy')).shape).toEqual([2, 64]);
	});

	it('refuses inputs of the wrong shape or size with a sentence naming the file', async () => {
		const dir = tempDir();
		writeFileSync(join(dir, 'odd.npy'), writeNpy('float32', [2, 100, 100], new Float32Array(20000)));
		writeFileSync(join(dir, 'nan.npy'), writeNpy('float32', [2, 16, 16], new Float32Array(512).fill(NaN)));
		const tiny = shared(`${FIX}net/cpnet_tiny.pth`);
		const [shape, size, nan, noModel] = await Promise.all([
			mycolAsync('net', '--model', tiny, '--input', shared(`${FIX}pipeline/A_gray_uint16_image.npy`), '--out', join(dir, 'y.npy')),
			mycolAsync('net', '--model', tiny, '--input', join(dir, 'odd.npy'), '--out', join(dir, 'y.npy')),
			mycolAsync('net', '--model', tiny, '--input', join(dir, 'nan.npy'), '--out', join(dir, 'y.npy')),
			mycolAsync('net', '--input', join(dir, 'odd.npy'), '--out', join(dir, 'y.npy'))
		]);
		expect(shape.status).toBe(1);
		expect(shape.stderr).toContain('A_gray_uint16_image.npy: the array has shape (256, 256); the network takes (2, H, W)');
		expect(size.status).toBe(1);
		expect(size.stderr).toContain('odd.npy: the input is 100 × 100 pixels; this network needs a height and width that are multiples of 8');
		expect(nan.status).toBe(1);
		expect(nan.stderr).toContain('nan.npy: the array holds a non-finite value');
		expect(noModel.status).toBe(1);
		expect(noModel.stderr).toContain('give --model, --input and --out');
		expect(existsSync(join(dir, 'y.npy'))).toBe(false);
	});
});

/**
 * An ONNX "Cellpose net" with a fixed batch of 2 and fixed 32 × 32 tiles: y = a 1×1 conv of x
 * (weights below), style = the per-channel mean of x. Its output is easy to compute by hand.
 */
const FIXED_W = [0.5, -1, 2, 0.25, -0.75, 1.5];
const FIXED_B = [0.1, -0.2, 0.3];
function fixedOnnx(): Uint8Array {
	const g = new GraphBuilder('fixed');
	const x = g.input('x', [2, 2, 32, 32]);
	const w = g.initializer('w', [3, 2, 1, 1], Float32Array.from(FIXED_W));
	const b = g.initializer('b', [3], Float32Array.from(FIXED_B));
	g.output(g.node('Conv', [x, w, b], ['y'])[0], [2, 3, 32, 32]);
	const pooled = g.op('GlobalAveragePool', [x]);
	g.output(g.node('Flatten', [pooled], ['style'])[0], [2, 2]);
	return g.toBytes();
}

describe('mycol net with a fixed-size ONNX model', () => {
	it('runs a batch of 3 through a model that takes exactly 2 tiles (the last call padded), as computed by hand', async () => {
		const dir = tempDir();
		writeFileSync(join(dir, 'fixed.onnx'), fixedOnnx());
		const n = 3;
		const P = 32 * 32;
		const x = new Float32Array(n * 2 * P).map((_, i) => Math.sin(i * 0.37) * 2);
		writeFileSync(join(dir, 'x.npy'), writeNpy('float32', [n, 2, 32, 32], x));
		writeFileSync(join(dir, 'small.npy'), writeNpy('float32', [2, 16, 16], new Float32Array(512)));
		const [r, small] = await Promise.all([
			mycolAsync('net', '--model', join(dir, 'fixed.onnx'), '--input', join(dir, 'x.npy'), '--out', join(dir, 'y.npy'), '--style', join(dir, 's.npy')),
			mycolAsync('net', '--model', join(dir, 'fixed.onnx'), '--input', join(dir, 'small.npy'), '--out', join(dir, 'y2.npy'))
		]);
		ok(r);
		const y = npyFile(join(dir, 'y.npy'));
		expect(y.shape).toEqual([n, 3, 32, 32]);
		const style = npyFile(join(dir, 's.npy'));
		expect(style.shape).toEqual([n, 2]);
		const want = new Float32Array(n * 3 * P);
		const wantStyle = new Float32Array(n * 2);
		for (let t = 0; t < n; t++) {
			for (let c = 0; c < 3; c++) {
				for (let i = 0; i < P; i++) want[(t * 3 + c) * P + i] = FIXED_W[2 * c] * x[(t * 2) * P + i] + FIXED_W[2 * c + 1] * x[(t * 2 + 1) * P + i] + FIXED_B[c];
			}
			for (let c = 0; c < 2; c++) {
				let sum = 0;
				for (let i = 0; i < P; i++) sum += x[(t * 2 + c) * P + i];
				wantStyle[t * 2 + c] = sum / P;
			}
		}
		expect(maxAbsDiff(y.data as Float32Array, want)).toBeLessThanOrEqual(1e-5);
		expect(maxAbsDiff(style.data as Float32Array, wantStyle)).toBeLessThanOrEqual(1e-5);
		expect(small.status).toBe(1);
		expect(small.stderr).toContain('small.npy: the input is 16 × 16 pixels, but the model fixed.onnx takes exactly 32 × 32');
	});

	it('segments with it: tiles of its size, batches of its size', async () => {
		const dir = tempDir();
		writeFileSync(join(dir, 'fixed.onnx'), fixedOnnx());
		const r = await mycolAsync('segment', shared(`${FIX}pipeline/A_gray_uint16_image.npy`), '--model', join(dir, 'fixed.onnx'), '--out', dir, '--diameter', '30', '--save-flows');
		expect(JSON.parse(ok(r).stdout)).toMatchObject({ cells: expect.any(Number) });
		// rescale 1 (an ONNX file counts as trained at 30 px): the flows are the tile average of
		// the 1×1 conv of the normalised image, i.e. the 1×1 conv itself (every tile agrees).
		const dP = npyFile(join(dir, 'A_gray_uint16_image_dP.npy'));
		expect(dP.shape).toEqual([2, 256, 256]);
		const img = npyFile(shared(`${FIX}pipeline/A_gray_uint16_image.npy`)).data as Uint16Array;
		const sorted = Float64Array.from(img).sort();
		const pct = (q: number): number => {
			const rank = (sorted.length - 1) * q;
			const i = Math.floor(rank);
			return sorted[i] + (sorted[Math.min(i + 1, sorted.length - 1)] - sorted[i]) * (rank - i);
		};
		const lo = pct(0.01);
		const hi = pct(0.99);
		let worst = 0;
		for (let i = 0; i < img.length; i++) {
			const v = (img[i] - lo) / (hi - lo);
			worst = Math.max(worst, Math.abs((dP.data as Float32Array)[i] - (FIXED_W[0] * v + FIXED_B[0])));
		}
		expect(worst).toBeLessThanOrEqual(1e-4);
	});
});

describe('mycol flows', () => {
	it("gives Cellpose 3.1 masks_to_flows (≤ 1e-4) for the three fixture label images", async () => {
		const dir = tempDir();
		const labs = ['lab0', 'lab1', 'lab2'];
		(await Promise.all(labs.map((l) => mycolAsync('flows', shared(`${FIX}dynamics/${l}_labels.npy`), '--out', join(dir, `${l}.npy`))))).forEach(ok);
		for (const l of labs) {
			const f = npyFile(join(dir, `${l}.npy`));
			const ref = npyFile(shared(`${FIX}dynamics/${l}_flows.npy`));
			expect(f.dtype).toBe('float32');
			expect(f.shape).toEqual(ref.shape);
			expect(maxAbsDiff(f.data as Float32Array, ref.data as Float32Array)).toBeLessThanOrEqual(1e-4);
		}
		ok(await mycolAsync('flows', shared(`${FIX}dynamics/lab2_labels.npy`), '--out', join(dir, 'f64.npy'), '--float64'));
		const f64 = npyFile(join(dir, 'f64.npy'));
		expect(f64.dtype).toBe('float64');
		expect(maxAbsDiff(f64.data as Float64Array, npyFile(shared(`${FIX}dynamics/lab2_flows.npy`)).data as Float32Array)).toBeLessThanOrEqual(1e-4);
	});

	it('refuses an image that is not a label mask', async () => {
		const dir = tempDir();
		const r = await mycolAsync('flows', shared(`${FIX}dynamics/lab0_cellprob.npy`), '--out', join(dir, 'f.npy'));
		expect(r.status).toBe(1);
		expect(r.stderr).toContain('lab0_cellprob.npy: the mask holds fractional values');
	});
});

describe('mycol dynamics', () => {
	const settings: [string, string[]][] = [
		['default', []],
		['flow0', ['--flow-threshold', '0']],
		['cp-1_min-1', ['--cellprob-threshold', '-1', '--min-size', '-1']]
	];

	it('with --cellpose31-compat gives masks identical to Cellpose 3.1 (label numbers too) for every fixture setting', async () => {
		const dir = tempDir();
		const jobs = ['lab0', 'lab1', 'lab2'].flatMap((l) => settings.map(([s, extra]) => ({ l, s, extra })));
		const runs = await Promise.all(
			jobs.map(({ l, s, extra }) =>
				mycolAsync('dynamics', '--dP', shared(`${FIX}dynamics/${l}_dP.npy`), '--cellprob', shared(`${FIX}dynamics/${l}_cellprob.npy`), '--out', join(dir, `${l}_${s}.npy`), '--cellpose31-compat', '--niter', '200', ...extra)
			)
		);
		const meta = JSON.parse(readFileSync(shared(`${FIX}dynamics/dynamics_meta.json`), 'utf8'));
		jobs.forEach(({ l, s }, k) => {
			ok(runs[k]);
			const got = npyFile(join(dir, `${l}_${s}.npy`));
			const ref = npyFile(shared(`${FIX}dynamics/${l}_masks_${s}.npy`));
			expect(got.dtype).toBe('uint16');
			expect(got.shape).toEqual(ref.shape);
			expect(Buffer.from((got.data as Uint16Array).buffer).equals(Buffer.from((ref.data as Uint16Array).buffer))).toBe(true);
			// n_masks in the metadata is masks.max(); "cells" counts the ids present (3.1's hole filling can drop some).
			const present = new Set(ref.data as Uint16Array);
			present.delete(0);
			expect(Math.max(...present)).toBe(meta.images[l].results[s].n_masks);
			expect(JSON.parse(runs[k].stdout).cells).toBe(present.size);
		});
	});

	it('writes a label TIFF that tifffile reads as the same masks', async () => {
		const dir = tempDir();
		const tif = join(dir, 'm.tif');
		ok(await mycolAsync('dynamics', '--dP', shared(`${FIX}dynamics/lab1_dP.npy`), '--cellprob', shared(`${FIX}dynamics/lab1_cellprob.npy`), '--out', tif, '--cellpose31-compat'));
		const ref = shared(`${FIX}dynamics/lab1_masks_default.npy`);
		expect(python(`import numpy as np, tifffile\nprint((tifffile.imread(${JSON.stringify(tif)}) == np.load(${JSON.stringify(ref)})).all())`).trim()).toBe('True');
	});

	it('refuses mismatched or malformed inputs', async () => {
		const dir = tempDir();
		const [size, flows, opt] = await Promise.all([
			mycolAsync('dynamics', '--dP', shared(`${FIX}dynamics/lab0_dP.npy`), '--cellprob', shared(`${FIX}dynamics/lab1_cellprob.npy`), '--out', join(dir, 'm.npy')),
			mycolAsync('dynamics', '--dP', shared(`${FIX}dynamics/lab0_cellprob.npy`), '--cellprob', shared(`${FIX}dynamics/lab0_cellprob.npy`), '--out', join(dir, 'm.npy')),
			mycolAsync('dynamics', '--dP', shared(`${FIX}dynamics/lab0_dP.npy`), '--cellprob', shared(`${FIX}dynamics/lab0_cellprob.npy`), '--out', join(dir, 'm.npy'), '--niter', 'many')
		]);
		expect(size.status).toBe(1);
		expect(size.stderr).toContain('lab1_cellprob.npy: the array has shape (224, 224); the cell probabilities must be (H, W) = (192, 192)');
		expect(flows.status).toBe(1);
		expect(flows.stderr).toContain('lab0_cellprob.npy: the array has shape (192, 192); the flows must be (2, H, W)');
		expect(opt.status).toBe(1);
		expect(opt.stderr).toContain('the option --niter must be a number, not "many"');
	});
});

describe('mycol ap', () => {
	const ref = JSON.parse(readFileSync(shared(`${FIX}metrics/average_precision.json`), 'utf8'));

	it('with --cellpose31-compat gives Cellpose 3.1 average_precision exactly for the three fixture pairs', async () => {
		const pairs = ['pair0', 'pair1', 'pair2'];
		const runs = await Promise.all(pairs.map((p) => mycolAsync('ap', shared(`${FIX}metrics/${p}_gt.npy`), shared(`${FIX}metrics/${p}_pred.npy`), '--cellpose31-compat')));
		pairs.forEach((p, k) => {
			const got = JSON.parse(ok(runs[k]).stdout);
			const { ap, tp, fp, fn } = ref.pairs[p];
			expect(got).toEqual({ ap, tp, fp, fn });
		});
	});

	it('by default counts the labels present (pair2 numbers its 35 predictions 2, 4, …, 400), and takes --thresholds', async () => {
		const [gapped, one] = await Promise.all([
			mycolAsync('ap', shared(`${FIX}metrics/pair2_gt.npy`), shared(`${FIX}metrics/pair2_pred.npy`)),
			mycolAsync('ap', shared(`${FIX}metrics/pair1_gt.npy`), shared(`${FIX}metrics/pair1_pred.npy`), '--thresholds', '0.75')
		]);
		// 35 predictions and 35 true cells present (fixture: pred_n_unique_nonzero, gt_max), tp from the fixture:
		// fp = fn = 35 − tp; ap = float32(tp / (tp + fp + fn)).
		const tp = ref.pairs.pair2.tp as number[];
		expect(JSON.parse(ok(gapped).stdout)).toEqual({
			ap: tp.map((t) => Math.fround(t / (t + 2 * (35 - t)))),
			tp,
			fp: tp.map((t) => 35 - t),
			fn: tp.map((t) => 35 - t)
		});
		const p1 = ref.pairs.pair1;
		expect(JSON.parse(ok(one).stdout)).toEqual({ ap: [p1.ap[1]], tp: [p1.tp[1]], fp: [p1.fp[1]], fn: [p1.fn[1]] });
	});

	it('refuses masks of different sizes and bad thresholds', async () => {
		const [size, th] = await Promise.all([
			mycolAsync('ap', shared(`${FIX}dynamics/lab0_labels.npy`), shared(`${FIX}dynamics/lab1_labels.npy`)),
			mycolAsync('ap', shared(`${FIX}metrics/pair0_gt.npy`), shared(`${FIX}metrics/pair0_pred.npy`), '--thresholds', '0.5,2')
		]);
		expect(size.status).toBe(1);
		expect(size.stderr).toContain('lab1_labels.npy: the predicted masks are 224 × 224 pixels but the true masks');
		expect(th.status).toBe(1);
		expect(th.stderr).toContain('the option --thresholds must be IoU values between 0 and 1');
	});
});

describe('mycol segment', () => {
	// eval kwargs from pipeline/pipeline_meta.json (the non-default ones).
	const CASES: [string, string[]][] = [
		['A_gray_uint16', ['--channels', '0,0', '--diameter', '30', '--flow-threshold', '0.8', '--cellprob-threshold', '-0.3']],
		['B_rgb_cyto_nuc', ['--channels', '2,3', '--diameter', '22', '--tile-overlap', '0.3', '--flow-threshold', '0.6', '--cellprob-threshold', '-0.5']]
	];

	it("reproduces CellposeModel.eval on the pipeline fixtures with the tiny net: masks identical, flows ≤ 1e-4", async () => {
		const dir = tempDir();
		const runs = await Promise.all(
			CASES.map(([c, extra]) =>
				mycolAsync('segment', shared(`${FIX}pipeline/${c}_image.npy`), '--model', shared(`${FIX}net/cpnet_tiny.pth`), '--out', dir, '--save-flows', '--cellpose31-compat', ...extra)
			)
		);
		const meta = JSON.parse(readFileSync(shared(`${FIX}pipeline/pipeline_meta.json`), 'utf8'));
		CASES.forEach(([c], k) => {
			const line = JSON.parse(ok(runs[k]).stdout);
			expect(line).toEqual({ image: shared(`${FIX}pipeline/${c}_image.npy`), cells: meta.cases[c].n_masks, seconds: expect.any(Number) });
			const tif = readFileSync(join(dir, `${c}_image_masks.tif`));
			const masks = decodeLabelFile('masks.tif', new Uint8Array(tif.buffer, tif.byteOffset, tif.byteLength)).labels;
			const ref = npyFile(shared(`${FIX}pipeline/${c}_masks.npy`));
			expect([masks.height, masks.width]).toEqual(ref.shape);
			expect(Array.from(masks.data)).toEqual(Array.from(ref.data as Uint16Array));
			const dP = npyFile(join(dir, `${c}_image_dP.npy`));
			expect(dP.shape).toEqual([2, ...ref.shape]);
			expect(maxAbsDiff(dP.data as Float32Array, npyFile(shared(`${FIX}pipeline/${c}_dP.npy`)).data as Float32Array)).toBeLessThanOrEqual(1e-4);
			const cp = npyFile(join(dir, `${c}_image_cellprob.npy`));
			expect(maxAbsDiff(cp.data as Float32Array, npyFile(shared(`${FIX}pipeline/${c}_cellprob.npy`)).data as Float32Array)).toBeLessThanOrEqual(1e-4);
		});
		// tifffile reads the same masks.
		const script = CASES.map(([c]) => `print((tifffile.imread(${JSON.stringify(join(dir, `${c}_image_masks.tif`))}) == np.load(${JSON.stringify(shared(`${FIX}pipeline/${c}_masks.npy`))})).all())`).join('\n');
		expect(python(`import numpy as np, tifffile\n${script}`).trim()).toBe('True\nTrue');
	});

	it('segments a real fungal image with the built-in model (by name, and by default), readable by our reader and by tifffile', async () => {
		const dir = tempDir();
		const img = shared('data/mycol_demo_fungal/images/demo03.tif');
		const [named, byDefault] = await Promise.all([
			mycolAsync('segment', img, '--model', 'mycol-fungal-v1', '--out', join(dir, 'a')),
			mycolAsync('segment', img, '--out', join(dir, 'b'))
		]);
		const line = JSON.parse(ok(named).stdout);
		expect(line.image).toBe(img);
		expect(line.cells).toBeGreaterThan(0);
		expect(line.seconds).toBeGreaterThan(0);
		expect(JSON.parse(ok(byDefault).stdout).cells).toBe(line.cells);
		const path = join(dir, 'a', 'demo03_masks.tif');
		const bytes = readFileSync(path);
		const ours = decodeLabelFile(path, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).labels;
		expect([ours.width, ours.height]).toEqual([512, 512]);
		const ids = new Set(ours.data);
		ids.delete(0);
		expect(ids.size).toBe(line.cells);
		expect(Math.max(...ids)).toBe(line.cells); // labels 1..N
		const out = python(
			`import numpy as np, tifffile\na = tifffile.imread(${JSON.stringify(path)})\nb = tifffile.imread(${JSON.stringify(join(dir, 'b', 'demo03_masks.tif'))})\n` +
				`print(a.dtype, a.shape, len(np.unique(a)) - 1, (a == b).all())\nprint(','.join(map(str, a.ravel()[::997])))`
		);
		const [head, sample] = out.trim().split('\n');
		expect(head).toBe(`uint16 (512, 512) ${line.cells} True`);
		expect(sample).toBe(Array.from(ours.data.filter((_, i) => i % 997 === 0)).join(','));
	});

	it('reports each unreadable (or repeated) image on stderr, segments the others, and exits 1', async () => {
		const dir = tempDir();
		writeFileSync(join(dir, 'notes.tif'), 'not an image at all\n');
		writeFileSync(join(dir, 'cut.npy'), readFileSync(shared(`${FIX}pipeline/A_gray_uint16_image.npy`)).subarray(0, 300));
		const img = shared(`${FIX}pipeline/A_gray_uint16_image.npy`);
		const r = await mycolAsync('segment', join(dir, 'notes.tif'), join(dir, 'missing.tif'), join(dir, 'cut.npy'), img, img, '--model', shared(`${FIX}net/cpnet_tiny.pth`), '--out', join(dir, 'out'));
		expect(r.status).toBe(1);
		const err = r.stderr.trim().split('\n');
		expect(err).toHaveLength(4);
		expect(err[3]).toBe(`mycol segment: ${img}: an earlier image has the same name, so its A_gray_uint16_image_masks.tif would be overwritten; rename one of them`);
		expect(err[0]).toBe(`mycol segment: ${join(dir, 'notes.tif')}: this is a text file, not an image; Mycol reads TIFF, PNG, JPEG and NumPy .npy images`);
		expect(err[1]).toBe(`mycol segment: ${join(dir, 'missing.tif')}: no such file`);
		expect(err[2]).toContain(`${join(dir, 'cut.npy')}: `);
		expect(err[2]).toMatch(/truncated|ends after/);
		expect(r.stdout.trim().split('\n')).toHaveLength(1);
		expect(existsSync(join(dir, 'out', 'A_gray_uint16_image_masks.tif'))).toBe(true);
		expect(existsSync(join(dir, 'out', 'notes_masks.tif'))).toBe(false);
	});

	it('refuses hostile or missing models with a sentence naming the file', async () => {
		const dir = tempDir();
		writeFileSync(join(dir, 'text.pth'), 'this is not a model\n');
		writeFileSync(join(dir, 'cut.pth'), readFileSync(shared(`${FIX}net/cpnet_tiny.pth`)).subarray(0, 100_000));
		writeFileSync(join(dir, 'empty.onnx'), new Uint8Array());
		writeFileSync(join(dir, 'junk.onnx'), new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff));
		const img = shared(`${FIX}pipeline/A_gray_uint16_image.npy`);
		const models = ['text.pth', 'cut.pth', 'empty.onnx', 'junk.onnx', 'nothing-here.pth', 'cyto9'];
		const runs = await Promise.all(models.map((m) => mycolAsync('segment', img, '--model', m.includes('.') ? join(dir, m) : m, '--out', join(dir, 'out'))));
		const expected = [
			'text.pth: this is not a PyTorch model file',
			'cut.pth: the zip archive has no directory at its end',
			'empty.onnx: the file is empty',
			'junk.onnx: this is not an ONNX model file',
			`${join(dir, 'nothing-here.pth')}: no such file, and not the name of a built-in model (built-in: mycol-fungal-v1)`,
			'cyto9: no such file, and not the name of a built-in model'
		];
		runs.forEach((r, k) => {
			expect(r.status, models[k]).toBe(1);
			expect(r.stderr, models[k]).toContain(expected[k]);
			expect(r.stderr.trim().split('\n'), models[k]).toHaveLength(1);
			expect(r.stdout).toBe('');
		});
		expect(existsSync(join(dir, 'out'))).toBe(false);
	});

	it('refuses a built-in model whose file does not match the manifest checksum', () => {
		const dir = tempDir();
		mkdirSync(join(dir, 'models'));
		const manifest = JSON.parse(readFileSync(join(root, 'models/manifest.json'), 'utf8'));
		writeFileSync(join(dir, 'models/manifest.json'), JSON.stringify(manifest));
		copyFileSync(shared(`${FIX}net/cpnet_tiny.pth`), join(dir, 'models', manifest.models[0].file));
		expect(() => resolveModel('mycol-fungal-v1', join(dir, 'models'))).toThrow(ModelError);
		expect(() => resolveModel('mycol-fungal-v1', join(dir, 'models'))).toThrow("mycol-fungal-v1.pth: the built-in model's checksum does not match");
	});

	it('refuses bad options before reading any image', async () => {
		const dir = tempDir();
		const img = shared(`${FIX}pipeline/A_gray_uint16_image.npy`);
		const tiny = shared(`${FIX}net/cpnet_tiny.pth`);
		const [channels, overlap, rgb, unknown, backend] = await Promise.all([
			mycolAsync('segment', img, '--model', tiny, '--out', dir, '--channels', '1'),
			mycolAsync('segment', img, '--model', tiny, '--out', dir, '--tile-overlap', '2'),
			mycolAsync('segment', shared(`${FIX}pipeline/B_rgb_cyto_nuc_image.npy`), '--model', tiny, '--out', dir, '--channels', '4,0'),
			mycolAsync('segment', img, '--model', tiny, '--out', dir, '--diamter', '30'),
			mycolAsync('segment', img, '--model', tiny, '--out', dir, '--backend', 'cuda')
		]);
		for (const r of [channels, overlap, rgb, unknown, backend]) expect(r.status).toBe(1);
		expect(channels.stderr).toContain('the option --channels must be two whole numbers separated by a comma');
		expect(overlap.stderr).toContain('the tile overlap must be a fraction between 0 and 1, not 2');
		expect(rgb.stderr).toContain('B_rgb_cyto_nuc_image.npy: channel 4 was chosen as the channel to segment, but the image has only 3 channels');
		expect(unknown.stderr).toContain('unknown option --diamter');
		expect(backend.stderr).toContain('the option --backend must be node, wasm or auto');
	});
});
