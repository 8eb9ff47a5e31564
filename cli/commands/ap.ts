/** `mycol ap GT PRED` — average precision of predicted masks against true ones, as Cellpose 3.1. */
import { ParamError, UserError } from '../../src/lib/core/formats/errors';
import { decodeLabelFile } from '../../src/lib/core/formats/image-file';
import { averagePrecision } from '../../src/lib/core/metrics/ap';
import { checkKnown, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { readInput } from '../files';

/** "0.5,0.75,0.9" → thresholds in (0, 1]. */
export function parseThresholds(text: string): number[] {
	const parts = text.split(',').map((s) => s.trim());
	const values = parts.map(Number);
	if (parts.length === 0 || parts.some((s) => s === '') || values.some((v) => !Number.isFinite(v) || v <= 0 || v > 1)) {
		throw new ParamError(undefined, `the option --thresholds must be IoU values between 0 and 1 separated by commas (e.g. 0.5,0.75,0.9), not "${text}"`);
	}
	return values;
}

/** A Float32Array as JSON numbers (the exact float32 values; NaN → null). */
const list = (a: Float32Array): (number | null)[] => Array.from(a, (v) => (Number.isNaN(v) ? null : v));

export const ap: Command = {
	name: 'ap',
	summary: 'average precision of predicted masks against true masks (Cellpose metrics)',
	usage: [
		'Usage: mycol ap GT PRED [--thresholds 0.5,0.75,0.9] [--cellpose31-compat]',
		'',
		'GT, PRED: label masks of the same size (TIFF, PNG, .npy, Cellpose _seg.npy).',
		'Prints {"ap":[…],"tp":[…],"fp":[…],"fn":[…]}, one value per IoU threshold, as Cellpose 3.1',
		'`metrics.average_precision` (optimal matching; float32 values; null where ap is 0/0).',
		'  --cellpose31-compat  count cells as the largest label, as Cellpose 3.1 does (gaps in the',
		'                       numbering then count as missed or false cells); default: labels present'
	].join('\n'),
	async run(argv) {
		const args = parseArgs(argv, ['cellpose31-compat']);
		checkKnown(args, ['thresholds', 'cellpose31-compat']);
		if (args.positional.length !== 2) throw new UserError(undefined, 'give the true and the predicted masks, e.g. mycol ap truth_masks.tif cells_masks.tif');
		const text = stringOption(args, 'thresholds');
		const thresholds = text === undefined ? [0.5, 0.75, 0.9] : parseThresholds(text);
		const [gtPath, predPath] = args.positional;
		const read = (path: string) => decodeLabelFile(path, readInput(path).bytes).labels;
		const gt = read(gtPath);
		const pred = read(predPath);
		if (gt.width !== pred.width || gt.height !== pred.height) {
			throw new ParamError(predPath, `the predicted masks are ${pred.width} × ${pred.height} pixels but the true masks (${gtPath}) are ${gt.width} × ${gt.height}`);
		}
		const r = averagePrecision(gt.data, pred.data, thresholds, { cellpose31Compat: args.options.has('cellpose31-compat') });
		console.log(JSON.stringify({ ap: list(r.ap), tp: list(r.tp), fp: list(r.fp), fn: list(r.fn) }));
		return 0;
	}
};
