/** `mycol info FILE...` — what each file holds, one JSON object per line. */
import { openFile } from '../../src/lib/core/formats/open-file';
import { countLabels } from '../../src/lib/core/labels/count';
import { UserError } from '../../src/lib/core/formats/errors';
import { checkKnown, parseArgs } from '../args';
import type { Command } from '../command';
import { readInput } from '../files';

export const info: Command = {
	name: 'info',
	summary: 'describe image and mask files (one JSON line each)',
	usage: [
		'Usage: mycol info FILE...',
		'',
		'Prints one JSON object per file:',
		'  {"file","kind":"image"|"labels","width","height","channels","dtype","pages","pixelSizeUm","nLabels"?}',
		'A file is "labels" when its name ends in a mask suffix (_masks, _seg, _cp_masks, _labels) or it is a',
		'Cellpose _seg.npy; nLabels counts its distinct non-zero ids. Unreadable files are reported on stderr',
		'and make the exit status 1; the others are still described.'
	].join('\n'),
	async run(argv) {
		const args = parseArgs(argv);
		checkKnown(args, []);
		if (args.positional.length === 0) throw new UserError(undefined, 'give at least one file, e.g. mycol info cells.tif');
		let status = 0;
		for (const path of args.positional) {
			try {
				const { name, bytes } = readInput(path);
				const f = openFile(name, bytes);
				const line =
					f.kind === 'labels'
						? {
								file: path,
								kind: 'labels',
								width: f.labels.width,
								height: f.labels.height,
								channels: 1,
								dtype: f.sourceDtype,
								pages: f.pages,
								pixelSizeUm: f.pixelSizeUm,
								nLabels: countLabels(f.labels.data)
							}
						: {
								file: path,
								kind: 'image',
								width: f.raster.width,
								height: f.raster.height,
								channels: f.raster.channels,
								dtype: f.raster.dtype,
								pages: f.pages,
								pixelSizeUm: f.pixelSizeUm
							};
				console.log(JSON.stringify(line));
			} catch (e) {
				if (!(e instanceof UserError)) throw e;
				console.error(`mycol info: ${e.message}`);
				status = 1;
			}
		}
		return status;
	}
};
