/**
 * What fine-tuning buys: average precision of the built-in model on held-back images before and
 * after 100 epochs of fine-tuning (Cellpose 3.1's `train_seg` defaults: AdamW, learning rate 0.005,
 * batch 8, no validation split, seed 0) on training images of the same set, all from ../shared/data:
 *
 * - `nuclei`: stardist_dsb2018_nuclei img2d cut into four 256² quadrants; trained on the top-left,
 *   top-right and bottom-left ones, measured on the bottom-right one (29 nuclei);
 * - `bacteria`: omnipose_bacteria_phase; trained on caulo_15 and the top half (rows 0–166) of
 *   ec_5I_t141xy5c1, measured on its bottom half (82 cells; its masks are Omnipose output);
 * - `fungal` (not in the default set, ~45 min): mycol_demo_fungal, trained on demo01–07, measured on
 *   demo08–10. The built-in model was itself trained on all ten, so these are not new to it.
 *
 * Segmentation uses each model's defaults (diameter = its `diam_labels`, flow threshold 0.4,
 * cellprob 0); "base at the new diameter" runs the built-in model at the fine-tuned model's
 * `diam_labels`, to separate what the diameter does from what the weights learnt. AP as Cellpose's
 * `metrics.average_precision` at IoU 0.5 / 0.75 / 0.9, summed over the held-back images.
 *
 * Run: `npx tsx bench/finetune.bench.ts [--part nuclei|bacteria|fungal] [--epochs N]`. Prints one JSON object.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { decodeImageFile, decodeLabelFile } from '../src/lib/core/formats/image-file';
import { cropRaster } from '../src/lib/core/cellpose/box-prompt';
import { prepareTrainingSet, type TrainingItem } from '../src/lib/core/cellpose/train/data';
import { trainConfig } from '../src/lib/core/cellpose/train/config';
import { readCellposeModel } from '../src/lib/core/cellpose/weights';
import { prepareCellposeModel, type PreparedModel } from '../src/lib/core/cellpose/model';
import { segment } from '../src/lib/core/cellpose/pipeline';
import type { SegmentParams } from '../src/lib/core/cellpose/params';
import { averagePrecision } from '../src/lib/core/metrics/ap';
import { writeTorchStateDict } from '../src/lib/core/formats/torch-pth-writer';
import { cpnetModuleVersions } from '../src/lib/core/cellpose/train/state-dict';
import type { Labels, Raster } from '../src/lib/core/raster/types';
import { initTfjsBackend } from '../src/lib/runtime/tfjs/backend';
import { CpnetModel } from '../src/lib/runtime/tfjs/cpnet-model';
import { CellposeTrainer } from '../src/lib/runtime/tfjs/train-loop';
import { openNet } from '../cli/models';

const ROOT = resolve(import.meta.dirname, '..');
const DATA = resolve(ROOT, '..', 'shared/data');
const BUILTIN = resolve(ROOT, 'models/mycol-fungal-v1.pth');
const THRESHOLDS = [0.5, 0.75, 0.9];

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
const bytes = (path: string) => {
	const b = readFileSync(path);
	return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};
const image = (rel: string): Raster => decodeImageFile(rel, bytes(resolve(DATA, rel))).raster;
const mask = (rel: string): Labels => decodeLabelFile(rel, bytes(resolve(DATA, rel))).labels;

interface Rect {
	x0: number;
	y0: number;
	x1: number;
	y1: number;
}
function cropLabels(m: Labels, c: Rect): Labels {
	const w = c.x1 - c.x0;
	const h = c.y1 - c.y0;
	const data = new Uint32Array(w * h);
	for (let y = 0; y < h; y++) data.set(m.data.subarray((c.y0 + y) * m.width + c.x0, (c.y0 + y) * m.width + c.x1), y * w);
	return { width: w, height: h, data };
}
function item(name: string, raster: Raster, labels: Labels, rect?: Rect): TrainingItem {
	return rect ? { name, raster: cropRaster(raster, rect), labels: cropLabels(labels, rect) } : { name, raster, labels };
}

/** Training and held-back images of one set. */
function dataset(part: string): { train: TrainingItem[]; held: TrainingItem[] } {
	if (part === 'nuclei') {
		const img = image('stardist_dsb2018_nuclei/images/img2d.tif');
		const m = mask('stardist_dsb2018_nuclei/masks/img2d_masks.tif');
		const q = (x: number, y: number): Rect => ({ x0: x, y0: y, x1: x + 256, y1: y + 256 });
		return {
			train: [item('img2d_q0', img, m, q(0, 0)), item('img2d_q1', img, m, q(256, 0)), item('img2d_q2', img, m, q(0, 256))],
			held: [item('img2d_q3', img, m, q(256, 256))]
		};
	}
	if (part === 'bacteria') {
		const ec = image('omnipose_bacteria_phase/images/ec_5I_t141xy5c1.tif');
		const em = mask('omnipose_bacteria_phase/masks/ec_5I_t141xy5c1_cp_masks.tif');
		const top: Rect = { x0: 0, y0: 0, x1: ec.width, y1: 167 };
		const bottom: Rect = { x0: 0, y0: 167, x1: ec.width, y1: ec.height };
		return {
			train: [item('caulo_15', image('omnipose_bacteria_phase/images/caulo_15.tif'), mask('omnipose_bacteria_phase/masks/caulo_15_cp_masks.tif')), item('ec_top', ec, em, top)],
			held: [item('ec_bottom', ec, em, bottom)]
		};
	}
	if (part === 'fungal') {
		const demo = (k: number) => {
			const s = `demo${String(k).padStart(2, '0')}`;
			return item(s, image(`mycol_demo_fungal/images/${s}.tif`), mask(`mycol_demo_fungal/masks/${s}_masks.tif`));
		};
		return { train: [1, 2, 3, 4, 5, 6, 7].map(demo), held: [8, 9, 10].map(demo) };
	}
	throw new Error(`unknown part "${part}" (nuclei, bacteria, fungal)`);
}

/** Segment the held-back images with a model and sum TP/FP/FN over them into AP per threshold. */
async function evaluate(model: PreparedModel, held: TrainingItem[], diameter?: number) {
	const runner = await openNet(model, { backend: 'auto' });
	const params: SegmentParams = { diamMean: model.diamMean, diamLabels: model.diamLabels, diameter: diameter ?? null, bsize: 224 };
	const tp = [0, 0, 0];
	const fp = [0, 0, 0];
	const fn = [0, 0, 0];
	let cells = 0;
	try {
		for (const h of held) {
			const r = await segment(h.raster, params, runner.net);
			const a = averagePrecision(h.labels!.data, r.masks.data, THRESHOLDS);
			for (let k = 0; k < THRESHOLDS.length; k++) {
				tp[k] += a.tp[k];
				fp[k] += a.fp[k];
				fn[k] += a.fn[k];
			}
			cells += a.tp[0] + a.fp[0];
		}
	} finally {
		await runner.release();
	}
	return { ap: THRESHOLDS.map((_, k) => round(tp[k] / (tp[k] + fp[k] + fn[k] || 1))), tp, fp, fn, cellsFound: cells, diameter: diameter ?? model.diamLabels };
}

async function run(part: string, epochs: number) {
	const { train, held } = dataset(part);
	const config = trainConfig({ nEpochs: epochs, valFraction: 0, seed: 0 });
	const set = prepareTrainingSet(train, config);
	await initTfjsBackend({ prefer: 'wasm' });
	const model = CpnetModel.fromWeights(readCellposeModel('mycol-fungal-v1.pth', bytes(BUILTIN)));
	const trainer = new CellposeTrainer(model, set, config);
	const t0 = performance.now();
	const result = await trainer.run();
	const seconds = (performance.now() - t0) / 1000;
	const pth = writeTorchStateDict(model.stateDict(), { archiveName: 'finetuned', metadata: cpnetModuleVersions(model.nbase.length - 1) });
	trainer.dispose();
	model.dispose();
	const base = prepareCellposeModel('mycol-fungal-v1.pth', bytes(BUILTIN));
	const tuned = prepareCellposeModel('finetuned.pth', pth);
	const heldCells = held.reduce((n, h) => n + new Set(h.labels!.data).size - (h.labels!.data.includes(0) ? 1 : 0), 0);
	return {
		trainImages: train.map((t) => `${t.name} (${t.raster.width}×${t.raster.height})`),
		heldImages: held.map((t) => `${t.name} (${t.raster.width}×${t.raster.height})`),
		heldCells,
		epochs,
		trainingSeconds: round(seconds, 1),
		firstTrainLoss: round(result.epochs[0]?.trainLoss ?? NaN, 4),
		lastTrainLoss: round(result.epochs.at(-1)?.trainLoss ?? NaN, 4),
		imagesPerPass: trainer.imagesPerPass,
		before: await evaluate(base, held),
		baseAtNewDiameter: await evaluate(base, held, tuned.diamLabels),
		after: await evaluate(tuned, held)
	};
}

const arg = (name: string) => {
	const i = process.argv.indexOf(name);
	return i >= 0 ? process.argv[i + 1] : undefined;
};
const epochs = Number(arg('--epochs') ?? 100);
const parts = arg('--part') ? [arg('--part')!] : ['nuclei', 'bacteria'];
const out: Record<string, unknown> = { benchmark: 'finetune', node: process.version, cpus: cpus().length, loadavgStart: loadavg().map((v) => round(v, 2)) };
for (const p of parts) out[p] = await run(p, epochs);
out.loadavg = loadavg().map((v) => round(v, 2));
console.log(JSON.stringify(out));
