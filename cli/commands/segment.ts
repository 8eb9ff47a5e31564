/**
 * `mycol segment IMAGE... --out DIR` — Cellpose segmentation of image files with the same core as
 * the app (`segment` in pipeline.ts), the network on onnxruntime-node or onnxruntime-web's WASM.
 * Defaults are the app's: the built-in model, channels [0, 0] (grey, the model card's and
 * Cellpose's CLI default) and Cellpose 3.1 `CellposeModel.eval`'s defaults for everything else.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { ParamError, UserError } from '../../src/lib/core/formats/errors';
import { decodeImageFile } from '../../src/lib/core/formats/image-file';
import { writeNpy } from '../../src/lib/core/formats/npy';
import type { CellposeChannels } from '../../src/lib/core/cellpose/channels';
import { resolveParams, type SegmentParams } from '../../src/lib/core/cellpose/params';
import { segment as segmentImage } from '../../src/lib/core/cellpose/pipeline';
import { countLabels } from '../../src/lib/core/labels/count';
import { checkKnown, numberOption, parseArgs, stringOption, type Parsed } from '../args';
import type { Command } from '../command';
import { readInput, writeOutput } from '../files';
import { DEFAULT_MODEL, backendOptions, openNet, resolveModel } from '../models';
import { writeMasks } from './dynamics';

const FLAGS = ['augment', 'save-flows', 'cellpose31-compat'] as const;
const OPTIONS = [
	'model',
	'out',
	'diameter',
	'flow-threshold',
	'cellprob-threshold',
	'min-size',
	'niter',
	'channels',
	'tile-overlap',
	'batch-size',
	'backend',
	'threads',
	...FLAGS
];

/** "C1,C2" → Cellpose channels (checked against each image by the pipeline). */
export function parseChannels(text: string): CellposeChannels {
	const parts = text.split(',').map((s) => s.trim());
	const v = parts.map(Number);
	if (parts.length !== 2 || parts.some((s) => s === '') || !v.every((c) => Number.isInteger(c) && c >= 0)) {
		throw new ParamError(undefined, `the option --channels must be two whole numbers separated by a comma (0 = grey/none, 1 = first channel, …), e.g. 0,0 or 2,3, not "${text}"`);
	}
	return [v[0], v[1]];
}

/** The user's settings from the command line, before the model's diameters are known. */
export function segmentSettings(args: Parsed): Omit<SegmentParams, 'diamMean' | 'diamLabels'> {
	const channelsText = stringOption(args, 'channels');
	const batchSize = numberOption(args, 'batch-size');
	return {
		channels: channelsText === undefined ? [0, 0] : parseChannels(channelsText),
		diameter: numberOption(args, 'diameter'),
		flowThreshold: numberOption(args, 'flow-threshold'),
		cellprobThreshold: numberOption(args, 'cellprob-threshold'),
		minSize: numberOption(args, 'min-size'),
		niter: numberOption(args, 'niter'),
		tileOverlap: numberOption(args, 'tile-overlap'),
		batchSize,
		augment: args.options.has('augment'),
		cellpose31Compat: args.options.has('cellpose31-compat')
	};
}

/** `dir/name.tif` → `name` (the last extension dropped, as Cellpose's `os.path.splitext`). */
export function stem(path: string): string {
	const b = basename(path);
	const e = extname(b);
	return e ? b.slice(0, -e.length) : b;
}

export const segment: Command = {
	name: 'segment',
	summary: 'segment images with a Cellpose model, writing label masks',
	usage: [
		'Usage: mycol segment IMAGE... --out DIR [--model M] [options]',
		'',
		'Segments each image as Cellpose 3.1 `CellposeModel.eval` and writes DIR/<stem>_masks.tif (uint16',
		'label TIFF, pixel size kept). Prints one JSON line per image: {"image","cells","seconds"}.',
		'An image that cannot be read is reported on stderr (exit status 1); the others are still segmented.',
		'  --model M               a Cellpose .pth, an .onnx export, or a built-in model name',
		`                          (default ${DEFAULT_MODEL})`,
		"  --diameter D            cell diameter in pixels; 0 or absent = the model's own",
		'  --flow-threshold F      flow-error limit; 0 turns the check off (default 0.4)',
		'  --cellprob-threshold C  cell probability logit threshold (default 0)',
		'  --min-size N            masks with fewer pixels are removed; -1 keeps all (default 15)',
		'  --channels C1,C2        channel to segment and nuclear channel, 1-based; 0,0 = grey, the mean',
		'                          of all channels (default 0,0)',
		'  --niter N               Euler steps; 0 or absent = 200 / rescale factor',
		'  --augment               test-time augmentation (flipped, 50 % overlapping tiles)',
		'  --tile-overlap F        tile overlap fraction (default 0.1)',
		'  --batch-size N          tiles per network call (default 8, as the app); the masks do not depend',
		'                          on it, and 1 needs about a third of the memory',
		"  --cellpose31-compat     reproduce Cellpose 3.1's mask quirks exactly, for parity with Python",
		'  --save-flows            also write DIR/<stem>_dP.npy (2, H, W) and DIR/<stem>_cellprob.npy (H, W)',
		'  --backend node|wasm     onnxruntime-node (default, where it loads) or onnxruntime-web WASM',
		'  --threads N             network threads'
	].join('\n'),
	async run(argv) {
		const args = parseArgs(argv, FLAGS);
		checkKnown(args, OPTIONS);
		if (args.positional.length === 0) throw new UserError(undefined, 'give at least one image, e.g. mycol segment cells.tif --out results');
		const outDir = stringOption(args, 'out');
		if (!outDir) throw new UserError(undefined, 'give the output folder with --out, e.g. --out results');
		const settings = segmentSettings(args);
		const opts = backendOptions(stringOption(args, 'backend'), numberOption(args, 'threads'));
		const saveFlows = args.options.has('save-flows');

		const model = resolveModel(stringOption(args, 'model') ?? DEFAULT_MODEL);
		const m = model.prepared;
		const params: SegmentParams = {
			...settings,
			diamMean: m.diamMean,
			diamLabels: m.diamLabels,
			builtin: model.cellposeBuiltin,
			// An ONNX file with a fixed tile size sets the tile size (bsize), as in the app.
			bsize: m.tile?.height ?? 224,
			batchSize: settings.batchSize ?? m.batch ?? undefined
		};
		resolveParams(params); // refuse bad settings before loading the network or reading images

		if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new ParamError(outDir, 'the output is a file, not a folder');
		try {
			mkdirSync(outDir, { recursive: true });
		} catch (e) {
			throw new ParamError(outDir, `the output folder cannot be created (${(e as Error).message})`);
		}

		const runner = await openNet(m, opts);
		let status = 0;
		const stems = new Set<string>();
		try {
			for (const path of args.positional) {
				const t0 = performance.now();
				try {
					if (stems.has(stem(path))) throw new ParamError(path, `an earlier image has the same name, so its ${stem(path)}_masks.tif would be overwritten; rename one of them`);
					stems.add(stem(path));
					const { bytes } = readInput(path);
					const image = decodeImageFile(path, bytes);
					const r = await segmentImage(image.raster, params, runner.net);
					const base = join(outDir, stem(path));
					writeMasks(`${base}_masks.tif`, r.masks, image.pixelSizeUm);
					if (saveFlows) {
						writeOutput(`${base}_dP.npy`, writeNpy('float32', [2, r.flowHeight, r.flowWidth], r.dP));
						writeOutput(`${base}_cellprob.npy`, writeNpy('float32', [r.flowHeight, r.flowWidth], r.cellprob));
					}
					const seconds = Math.round(performance.now() - t0) / 1000;
					console.log(JSON.stringify({ image: path, cells: countLabels(r.masks.data), seconds }));
				} catch (e) {
					if (!(e instanceof UserError)) throw e;
					console.error(`mycol segment: ${e.file ? e.message : `${path}: ${e.reason}`}`);
					status = 1;
				}
			}
		} finally {
			await runner.release();
		}
		return status;
	}
};
