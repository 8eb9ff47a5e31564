/**
 * `mycol search --images DIR --masks DIR --out params.csv` — the segmentation parameter search of
 * the app's fine-tuning page (core: cellpose/search): the network once per image per diameter,
 * the dynamics parameters scored on its cached output by mean AP at IoU 0.5. Writes the
 * hyperparameter CSV (the original app's `hyperparameter_search.csv` columns plus `diameter`),
 * best row first, which the app and `loadHyperparameterCsv` read back and apply.
 */
import { FormatError, ParamError, UserError, formatCount } from '../../src/lib/core/formats/errors';
import { decodeImageFile, decodeLabelFile } from '../../src/lib/core/formats/image-file';
import {
	defaultSearchSpace,
	originalSearchSpace,
	rankRows,
	searchCsv,
	searchParameters,
	truthDiameter,
	type SearchFixedParams,
	type SearchImage,
	type SearchProgress,
	type SearchRow,
	type SearchSpace,
	type SearchStrategy
} from '../../src/lib/core/cellpose/search';
import { checkKnown, numberOption, parseArgs, stringOption, type Parsed } from '../args';
import type { Command } from '../command';
import { readInput, writeOutput } from '../files';
import { maskedPairs } from '../pairs';
import { fileStem } from '../../src/lib/core/dataset/pairing';
import { DEFAULT_MODEL, backendOptions, openNet, resolveModel } from '../models';
import { parseChannels } from './segment';

const FLAGS = ['augment', 'cellpose31-compat'] as const;
const OPTIONS = [
	'images',
	'masks',
	'model',
	'out',
	'space',
	'strategy',
	'diameters',
	'cellprob',
	'flow-threshold',
	'niter',
	'min-size',
	'channels',
	'top',
	'backend',
	'threads',
	...FLAGS
];

/** A comma-separated list of numbers for one axis. */
function listOption(args: Parsed, name: string): number[] | undefined {
	const text = stringOption(args, name);
	if (text === undefined) return undefined;
	const parts = text.split(',').map((s) => s.trim());
	const values = parts.map(Number);
	if (parts.some((s) => s === '') || !values.every(Number.isFinite)) {
		throw new ParamError(undefined, `the option --${name} must be numbers separated by commas, e.g. --${name} ${name === 'cellprob' ? '-1,0,1' : '0,15,30'}, not "${text}"`);
	}
	return values;
}

const fmt = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : '–');

function tableLines(rows: readonly { label: string; row: SearchRow }[]): string[] {
	const head = ['rank', 'diameter', 'cellprob', 'flow_threshold', 'niter', 'min_size', 'ap@0.5', 'ap@0.75', 'ap@0.9'];
	const body = rows.map(({ label, row: r }) => [label, String(r.diameter), String(r.cellprob), String(r.flowThreshold), r.niter === 0 ? `0 (${r.niterUsed})` : String(r.niter), String(r.minSize), fmt(r.ap50), fmt(r.ap75), fmt(r.ap90)]);
	const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
	return [head, ...body].map((cells) => cells.map((s, c) => s.padStart(widths[c])).join('  '));
}

export const search: Command = {
	name: 'search',
	summary: 'search segmentation parameters on annotated images (mean AP at IoU 0.5), writing a CSV',
	usage: [
		'Usage: mycol search --images DIR --masks DIR --out params.csv [--model M] [options]',
		'',
		'Pairs each image of --images with its mask in --masks (same stem, or stem + _masks, _cp_masks, _seg,',
		'_labels), runs the network once per image and diameter, and scores cellprob threshold, niter, flow',
		'threshold and min size on that output by the mean over images of Cellpose\'s average precision at IoU',
		'0.5 (0.75 and 0.9 are shown too). Writes one CSV row per setting tried, best first, with the columns',
		'cellprob,flow_threshold,niter,min_size,ap_iou_0.5,diameter (the original app\'s hyperparameter_search.csv',
		'plus diameter; loading it in Mycol applies the best row). Prints the best rows and Cellpose\'s defaults.',
		'  --model M               a Cellpose .pth, an .onnx export, or a built-in model name',
		`                          (default ${DEFAULT_MODEL})`,
		'  --space default|original  default: diameters 0 (the model\'s own) and 0.8×, 1× and 1.25× the masks\'',
		'                          median diameter, cellprob -2..2 step 0.5, niter 0 (derived) or 400, flow',
		'                          threshold 0..1 step 0.1, min size 0, 15 and ~10/25/50 % of a cell\'s area;',
		'                          original: the original app\'s Optuna space (cellprob and flow -0.2..0.6 step',
		'                          0.2, niter 100..1000 step 100, min size 0..500 step 50, diameter None)',
		'  --diameters LIST        comma-separated values replacing one axis of the space (0 = the model\'s',
		'  --cellprob LIST         own diameter; niter 0 = derived from the diameter; min size 0 = off;',
		'  --flow-threshold LIST   flow threshold 0 or less = off)',
		'  --niter LIST',
		'  --min-size LIST',
		'  --strategy coarse-to-fine|grid  coarse-to-fine (default): every other cellprob and niter first,',
		'                          then the neighbours of the best; grid: every setting',
		'  --channels C1,C2        channel to segment and nuclear channel (default 0,0 = grey)',
		'  --augment               test-time augmentation',
		"  --cellpose31-compat     Cellpose 3.1's mask quirks, and AP counting cells as the largest label",
		'  --top N                 rows of the table printed (default 10)',
		'  --backend node|wasm     onnxruntime-node (default, where it loads) or onnxruntime-web WASM',
		'  --threads N             network threads'
	].join('\n'),
	async run(argv) {
		const args = parseArgs(argv, FLAGS);
		checkKnown(args, OPTIONS);
		if (args.positional.length > 0) throw new UserError(undefined, `unexpected argument "${args.positional[0]}"; give the folders with --images and --masks`);
		const imagesDir = stringOption(args, 'images');
		const masksDir = stringOption(args, 'masks');
		const out = stringOption(args, 'out');
		if (!imagesDir || !masksDir || !out) {
			throw new UserError(undefined, 'give --images, --masks and --out, e.g. mycol search --images images --masks masks --out params.csv');
		}
		const preset = stringOption(args, 'space') ?? 'default';
		if (preset !== 'default' && preset !== 'original') throw new ParamError(undefined, `the option --space must be default or original, not "${preset}"`);
		const strategy = (stringOption(args, 'strategy') ?? 'coarse-to-fine') as SearchStrategy;
		if (strategy !== 'coarse-to-fine' && strategy !== 'grid') throw new ParamError(undefined, `the option --strategy must be coarse-to-fine or grid, not "${strategy}"`);
		const top = numberOption(args, 'top') ?? 10;
		if (!Number.isInteger(top) || top < 0) throw new ParamError(undefined, `the option --top must be a whole number, not ${top}`);
		const axes = {
			diameters: listOption(args, 'diameters'),
			cellprob: listOption(args, 'cellprob'),
			flowThreshold: listOption(args, 'flow-threshold'),
			niter: listOption(args, 'niter'),
			minSize: listOption(args, 'min-size')
		};
		const channelsText = stringOption(args, 'channels');
		const fixed: SearchFixedParams = {
			channels: channelsText === undefined ? [0, 0] : parseChannels(channelsText),
			augment: args.options.has('augment'),
			cellpose31Compat: args.options.has('cellpose31-compat')
		};
		const opts = backendOptions(stringOption(args, 'backend'), numberOption(args, 'threads'));

		const pairs = maskedPairs(imagesDir, masksDir, 'search');
		const images: SearchImage[] = pairs.map(({ image, mask }) => {
			const raster = decodeImageFile(image, readInput(image).bytes).raster;
			const truth = decodeLabelFile(mask, readInput(mask).bytes).labels;
			return { name: image, raster, truth };
		});

		const model = resolveModel(stringOption(args, 'model') ?? DEFAULT_MODEL);
		const m = model.prepared;
		const diameters = { diamMean: m.diamMean, diamLabels: m.diamLabels, builtin: model.cellposeBuiltin };
		fixed.bsize = m.tile?.height ?? 224;
		if (m.batch !== null) fixed.batchSize = m.batch;
		const base: SearchSpace = preset === 'original' ? originalSearchSpace() : defaultSearchSpace(diameters, truthDiameter(images.map((i) => i.truth)));
		const space: SearchSpace = {
			diameters: axes.diameters ?? base.diameters,
			cellprob: axes.cellprob ?? base.cellprob,
			flowThreshold: axes.flowThreshold ?? base.flowThreshold,
			niter: axes.niter ?? base.niter,
			minSize: axes.minSize ?? base.minSize
		};

		const runner = await openNet(m, opts);
		const tty = process.stderr.isTTY === true;
		let last = 0;
		const onProgress = (p: SearchProgress): void => {
			const now = performance.now();
			if (!tty || now - last < 250) return;
			last = now;
			const what = p.phase === 'network' ? `network, image ${p.image + 1}/${p.images}` : `masks, ${formatCount(p.settingsDone)} settings scored`;
			process.stderr.write(`\rdiameter ${p.diameterIndex + 1}/${p.diameters} (${p.diameter || 'model'}): ${what}${p.best ? `; best AP@0.5 ${fmt(p.best.ap50)}` : ''}    `);
		};
		const t0 = performance.now();
		let result;
		try {
			result = await searchParameters(images, runner.net, { model: diameters, fixed, space, strategy, preset }, onProgress);
		} finally {
			if (tty) process.stderr.write('\n');
			await runner.release();
		}
		const seconds = (performance.now() - t0) / 1000;
		writeOutput(out, new TextEncoder().encode(searchCsv(result.rows)));

		const ranked = rankRows(result.rows);
		const shown = ranked.slice(0, top).map((row, i) => ({ label: String(i + 1), row }));
		shown.push({ label: 'default', row: result.defaults });
		const b = result.best;
		const names = pairs.map((p) => fileStem(p.image)).join(', ');
		console.log(
			`Searched ${images.length} image${images.length === 1 ? '' : 's'} (${names}) with ${m.name}: ${formatCount(result.rows.length)} settings at ${result.space.diameters.length} diameter${result.space.diameters.length === 1 ? '' : 's'} in ${seconds.toFixed(1)} s (network ${(result.networkMs / 1000).toFixed(1)} s, masks ${(result.masksMs / 1000).toFixed(1)} s). The masks' median cell diameter is ${result.cellDiameter.toFixed(1)} px.`
		);
		console.log('');
		for (const line of tableLines(shown)) console.log(line);
		console.log('');
		console.log(`Best: --diameter ${b.diameter} --cellprob-threshold ${b.cellprob} --flow-threshold ${b.flowThreshold} --niter ${b.niter} --min-size ${b.minSize} (AP@0.5 ${fmt(b.ap50)}; Cellpose's defaults ${fmt(result.defaults.ap50)})`);
		console.log(`Wrote ${out} (${formatCount(result.rows.length)} rows, best first).`);
		return 0;
	}
};
