/** `mycol convert IN OUT` — any supported image or mask file to `.npy` or `.tif`. */
import { extname } from 'node:path';
import { ParamError, UserError } from '../../src/lib/core/formats/errors';
import { writeLabelTiff } from '../../src/lib/core/formats/label-tiff';
import { writeNpy, type NpyDType, type NpyData } from '../../src/lib/core/formats/npy';
import { openFile } from '../../src/lib/core/formats/open-file';
import { writeTiff } from '../../src/lib/core/formats/tiff-writer';
import type { Labels, Raster } from '../../src/lib/core/raster/types';
import { checkKnown, parseArgs } from '../args';
import type { Command } from '../command';
import { readInput, writeOutput } from '../files';

/** Channel-planar (C,H,W) to channels-last (H,W,C), as NumPy images are usually stored. */
function interleave(r: Raster): NpyData {
	const n = r.width * r.height;
	const out = new (r.data.constructor as { new (len: number): NpyData })(r.data.length);
	for (let c = 0; c < r.channels; c++) for (let i = 0; i < n; i++) out[i * r.channels + c] = r.data[c * n + i];
	return out;
}

/** Label ids in the dtype they were stored as, when it holds them (else uint32). */
function labelArray(labels: Labels, dtype: string): { dtype: Exclude<NpyDType, 'float16'>; data: NpyData } {
	const ids = labels.data;
	switch (dtype) {
		case 'uint8':
			return { dtype, data: Uint8Array.from(ids) };
		case 'uint16':
			return { dtype, data: Uint16Array.from(ids) };
		case 'int32':
			if (ids.every((v) => v <= 0x7fffffff)) return { dtype, data: Int32Array.from(ids) };
			break;
		case 'int64':
			return { dtype, data: BigInt64Array.from(ids, (v) => BigInt(v)) };
		case 'uint64':
			return { dtype, data: BigUint64Array.from(ids, (v) => BigInt(v)) };
	}
	return { dtype: 'uint32', data: ids };
}

export const convert: Command = {
	name: 'convert',
	summary: 'convert an image or mask file to .npy or .tif',
	usage: [
		'Usage: mycol convert IN OUT',
		'',
		'IN: any image or mask Mycol reads (TIFF, PNG, JPEG, .npy, Cellpose _seg.npy).',
		'OUT: .npy (C order; (H, W) for one channel, (H, W, C) otherwise; dtype kept) or .tif/.tiff',
		'(masks as label TIFF; images keep dtype and channels; the pixel size is kept).'
	].join('\n'),
	async run(argv) {
		const args = parseArgs(argv);
		checkKnown(args, []);
		if (args.positional.length !== 2) throw new UserError(undefined, 'give an input and an output file, e.g. mycol convert cells_seg.npy cells_masks.tif');
		const [input, output] = args.positional;
		const ext = extname(output).toLowerCase();
		if (ext !== '.npy' && ext !== '.tif' && ext !== '.tiff') {
			throw new ParamError(output, 'the output must end in .npy, .tif or .tiff');
		}
		const { name, bytes } = readInput(input);
		const f = openFile(name, bytes);
		let out: Uint8Array;
		if (f.kind === 'labels') {
			if (ext === '.npy') {
				const a = labelArray(f.labels, f.sourceDtype);
				out = writeNpy(a.dtype, [f.labels.height, f.labels.width], a.data);
			} else out = writeLabelTiff(f.labels, { pixelSizeUm: f.pixelSizeUm });
		} else {
			const r = f.raster;
			if (ext === '.npy') {
				const shape = r.channels === 1 ? [r.height, r.width] : [r.height, r.width, r.channels];
				out = writeNpy(r.dtype, shape, r.channels === 1 ? r.data : interleave(r));
			} else out = writeTiff(r, { pixelSizeUm: f.pixelSizeUm });
		}
		writeOutput(output, out);
		return 0;
	}
};
