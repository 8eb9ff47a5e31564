/** `mycol dynamics` — masks from network flows and cell probabilities, as Cellpose 3.1's dynamics. */
import { extname } from 'node:path';
import { FormatError, ParamError, UserError } from '../../src/lib/core/formats/errors';
import { writeLabelTiff } from '../../src/lib/core/formats/label-tiff';
import { writeNpy } from '../../src/lib/core/formats/npy';
import { computeMasks } from '../../src/lib/core/cellpose/dynamics';
import { countLabels } from '../../src/lib/core/labels/count';
import type { Labels } from '../../src/lib/core/raster/types';
import { checkKnown, numberOption, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { writeOutput } from '../files';
import { readFloat32Npy } from './net';

/** Label ids as Cellpose stores masks: uint16, uint32 from 65,536 masks on. */
export function masksNpy(labels: Labels): Uint8Array {
	let max = 0;
	for (let i = 0; i < labels.data.length; i++) if (labels.data[i] > max) max = labels.data[i];
	const shape = [labels.height, labels.width];
	return max > 0xffff ? writeNpy('uint32', shape, labels.data) : writeNpy('uint16', shape, Uint16Array.from(labels.data));
}

/** Write masks as `.npy` or label `.tif`, by the output's extension. */
export function writeMasks(path: string, labels: Labels, pixelSizeUm: number | null = null): void {
	const ext = extname(path).toLowerCase();
	if (ext === '.npy') writeOutput(path, masksNpy(labels));
	else if (ext === '.tif' || ext === '.tiff') writeOutput(path, writeLabelTiff(labels, { pixelSizeUm }));
	else throw new ParamError(path, 'the output must end in .npy, .tif or .tiff');
}

export const dynamics: Command = {
	name: 'dynamics',
	summary: 'masks from flows and cell probabilities (Cellpose 3.1 dynamics)',
	usage: [
		'Usage: mycol dynamics --dP D.npy --cellprob C.npy --out M.npy [options]',
		'',
		'As Cellpose 3.1 `dynamics.resize_and_compute_masks` on a 2-D image: Euler steps along the flows,',
		'seeds and growth, flow-error check, hole filling and small-mask removal.',
		'  --dP D                  float32 (2, H, W) = [dY, dX] at the network\'s scale (Cellpose\'s flows[1])',
		'  --cellprob C            float32 (H, W) cell probability logits (flows[2])',
		'  --out M                 .npy (uint16, uint32 above 65,535 masks) or .tif label mask',
		'  --flow-threshold F      flow-error limit; 0 turns the check off (default 0.4)',
		'  --cellprob-threshold C  pixels above this logit take part (default 0)',
		'  --min-size N            masks with fewer pixels are removed; -1 keeps all (default 15)',
		'  --max-size-fraction F   masks larger than this fraction of the image are removed (default 0.4)',
		'  --niter N               Euler steps (default 200)',
		'  --cellpose31-compat     reproduce Cellpose 3.1\'s quirks exactly (small-mask removal by list',
		'                          position, seed tie order), for parity with Python',
		'Prints {"masks","cells"} as one JSON line.'
	].join('\n'),
	async run(argv) {
		const args = parseArgs(argv, ['cellpose31-compat']);
		checkKnown(args, ['dP', 'cellprob', 'out', 'flow-threshold', 'cellprob-threshold', 'min-size', 'max-size-fraction', 'niter', 'cellpose31-compat']);
		if (args.positional.length > 0) throw new UserError(undefined, `unexpected argument "${args.positional[0]}"; give the inputs with --dP and --cellprob`);
		const dPPath = stringOption(args, 'dP');
		const cpPath = stringOption(args, 'cellprob');
		const out = stringOption(args, 'out');
		if (!dPPath || !cpPath || !out) {
			throw new UserError(undefined, 'give --dP, --cellprob and --out, e.g. mycol dynamics --dP dP.npy --cellprob cellprob.npy --out masks.npy');
		}
		const ext = extname(out).toLowerCase();
		if (ext !== '.npy' && ext !== '.tif' && ext !== '.tiff') throw new ParamError(out, 'the output must end in .npy, .tif or .tiff');
		const params = {
			flowThreshold: numberOption(args, 'flow-threshold'),
			cellprobThreshold: numberOption(args, 'cellprob-threshold'),
			minSize: numberOption(args, 'min-size'),
			maxSizeFraction: numberOption(args, 'max-size-fraction'),
			niter: numberOption(args, 'niter'),
			cellpose31Compat: args.options.has('cellpose31-compat')
		};
		if (params.niter !== undefined && (!Number.isInteger(params.niter) || params.niter < 0)) {
			throw new ParamError(undefined, `the option --niter must be a whole number of steps, not ${params.niter}`);
		}
		if (params.maxSizeFraction !== undefined && params.maxSizeFraction < 0) {
			throw new ParamError(undefined, `the option --max-size-fraction must be 0 or more, not ${params.maxSizeFraction}`);
		}
		const dP = readFloat32Npy(dPPath);
		if (dP.shape.length !== 3 || dP.shape[0] !== 2) {
			throw new FormatError(dPPath, `the array has shape (${dP.shape.join(', ')}); the flows must be (2, H, W) = [dY, dX]`);
		}
		const [, H, W] = dP.shape;
		const cp = readFloat32Npy(cpPath);
		if (cp.shape.length !== 2 || cp.shape[0] !== H || cp.shape[1] !== W) {
			throw new FormatError(cpPath, `the array has shape (${cp.shape.join(', ')}); the cell probabilities must be (H, W) = (${H}, ${W}), the size of the flows`);
		}
		if (H < 1 || W < 1) throw new FormatError(dPPath, 'the flows are empty');
		const masks = computeMasks(dP.data, cp.data, H, W, params);
		writeMasks(out, masks);
		console.log(JSON.stringify({ masks: out, cells: countLabels(masks.data) }));
		return 0;
	}
};
