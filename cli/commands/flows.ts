/** `mycol flows LABELS --out F.npy` — Cellpose's training flows of a label image. */
import { extname } from 'node:path';
import { ParamError, UserError } from '../../src/lib/core/formats/errors';
import { decodeLabelFile } from '../../src/lib/core/formats/image-file';
import { writeNpy } from '../../src/lib/core/formats/npy';
import { masksToFlowsCpu } from '../../src/lib/core/cellpose/flows';
import { checkKnown, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { readInput, writeOutput } from '../files';

export const flows: Command = {
	name: 'flows',
	summary: 'compute the Cellpose training flows (2, H, W) of a label image',
	usage: [
		'Usage: mycol flows LABELS --out F.npy [--float64]',
		'',
		'LABELS: a label mask (TIFF, PNG, .npy or a Cellpose _seg.npy), 0 = background.',
		'Writes the unit flows [dY, dX] as Cellpose 3.1 `dynamics.masks_to_flows` on the CPU (heat diffusion',
		'from each cell\'s centre), as float32 (2, H, W); --float64 keeps Cellpose\'s own float64.'
	].join('\n'),
	async run(argv) {
		const args = parseArgs(argv, ['float64']);
		checkKnown(args, ['out', 'float64']);
		if (args.positional.length !== 1) throw new UserError(undefined, 'give one label image, e.g. mycol flows cells_masks.tif --out cells_flows.npy');
		const out = stringOption(args, 'out');
		if (!out) throw new UserError(undefined, 'give the output file with --out, e.g. --out cells_flows.npy');
		if (extname(out).toLowerCase() !== '.npy') throw new ParamError(out, 'the output must be a .npy file');
		const path = args.positional[0];
		const { bytes } = readInput(path);
		const { labels } = decodeLabelFile(path, bytes);
		const mu = masksToFlowsCpu(labels.data, labels.height, labels.width);
		const shape = [2, labels.height, labels.width];
		writeOutput(out, args.options.has('float64') ? writeNpy('float64', shape, mu) : writeNpy('float32', shape, Float32Array.from(mu)));
		return 0;
	}
};
