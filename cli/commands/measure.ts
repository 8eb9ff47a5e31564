/**
 * `mycol measure LABELS... [--image IMG] [--pixel-size UM] --out CELLS.csv` — the per-cell table
 * of conventions §5.2 (scikit-image 0.19.3 `regionprops` definitions, sizes in µm when a pixel
 * size is known) for one or more masks, in one CSV with `#` provenance lines before the header.
 * Also the mask and image loading that `mycol export` shares.
 */
import { nameRole } from '../../src/lib/core/dataset/pairing';
import { ParamError, UserError } from '../../src/lib/core/formats/errors';
import { decodeImageFile, decodeLabelFile } from '../../src/lib/core/formats/image-file';
import { provenanceLines, type Provenance } from '../../src/lib/core/formats/provenance';
import { readSegNpy, type SegNpy } from '../../src/lib/core/formats/seg-npy';
import { measureCells } from '../../src/lib/core/measure/descriptors';
import { joinedCsv, joinTables, type ImageCells } from '../../src/lib/core/measure/joined';
import type { Labels, Raster } from '../../src/lib/core/raster/types';
import { APP_VERSION } from '../../src/lib/runtime/version';
import { checkKnown, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { readInput, writeOutput } from '../files';
import {
	APP_NAME,
	PROVENANCE_OPTIONS,
	cliProvenance,
	pixelSizeOf,
	provenanceArgs,
	segOrigin,
	type ProvenanceArgs,
	type SegOrigin
} from '../provenance';

/** A mask file as the export commands use it. */
export interface LoadedMask {
	path: string;
	/** The file name. */
	name: string;
	/** The stem of the image it belongs to (file stem minus its mask suffix). */
	imageStem: string;
	labels: Labels;
	/** From the file's own metadata, or null. */
	pixelSizeUm: number | null;
	/** The `_seg.npy` dict, when the file is one. */
	seg: SegNpy | null;
	origin: SegOrigin | null;
}

/** An intensity image checked against its mask. */
export interface LoadedImage {
	path: string;
	name: string;
	raster: Raster;
	pixelSizeUm: number | null;
}

/** Read a mask file (any name: a LABELS argument is a mask whatever its suffix). */
export function loadMask(path: string): LoadedMask {
	const { name, bytes } = readInput(path);
	const d = decodeLabelFile(name, bytes);
	const seg = d.format === 'seg-npy' ? readSegNpy(name, bytes) : null;
	return {
		path,
		name,
		imageStem: nameRole(name).imageStem,
		labels: d.labels,
		pixelSizeUm: d.pixelSizeUm,
		seg,
		origin: seg ? segOrigin(name, seg) : null
	};
}

/** Read `--image` and require the mask's size: a mask is never stretched to fit its image. */
export function loadImageFor(path: string, mask: LoadedMask): LoadedImage {
	const { name, bytes } = readInput(path);
	const d = decodeImageFile(name, bytes);
	const r = d.raster;
	const m = mask.labels;
	if (r.width !== m.width || r.height !== m.height) {
		throw new ParamError(
			mask.name,
			`the mask is ${m.width} × ${m.height} pixels but the image ${name} is ${r.width} × ${r.height}; a mask must have its image's size (Mycol never stretches one to fit the other)`
		);
	}
	return { path, name, raster: r, pixelSizeUm: d.pixelSizeUm };
}

/** The provenance of one mask (with its image, when given). */
export function maskProvenance(mask: LoadedMask, image: LoadedImage | null, args: ProvenanceArgs): Provenance {
	return cliProvenance({
		args,
		seg: mask.origin,
		pixelSize: pixelSizeOf(args.pixelSizeUm, image?.pixelSizeUm ?? null, mask.pixelSizeUm),
		image: { name: image?.name ?? mask.imageStem, width: mask.labels.width, height: mask.labels.height }
	});
}

/** Several masks in one table need one unit: refuse a mix of calibrated and uncalibrated files. */
function checkOneUnit(masks: readonly LoadedMask[], provs: readonly Provenance[]): void {
	const withSize = provs.findIndex((p) => p.pixelSize.um !== null);
	const without = provs.findIndex((p) => p.pixelSize.um === null);
	if (withSize >= 0 && without >= 0) {
		throw new ParamError(
			masks[without].name,
			`the mask has no pixel size but ${masks[withSize].name} has one (${provs[withSize].pixelSize.um} µm), so their sizes would be in different units; give --pixel-size or measure them separately`
		);
	}
}

export const measure: Command = {
	name: 'measure',
	summary: 'per-cell measurements of label masks (µm with a pixel size) to one CSV',
	usage: [
		'Usage: mycol measure LABELS... --out CELLS.csv [--image IMG] [--pixel-size UM]',
		'',
		'Measures every cell of each mask (scikit-image 0.19.3 regionprops definitions) and writes one CSV:',
		'columns image, label, then area_px2 perimeter_px … bbox_max_col (conventions §5.2); "image" is the',
		"mask's name without its mask suffix (demo01_masks.tif → demo01). Lines starting with # before the",
		'header record the provenance (pandas: comment="#"). Prints {"out","images","cells","unit"}.',
		'  --image IMG           the intensity image of a single mask (same size): adds mean, median, min,',
		'                        max, std and integrated intensity per channel (…_intensity_c0, _c1, …)',
		'  --pixel-size UM       µm per pixel; sizes become area_um2, perimeter_um, … (default: the',
		"                        image's or mask's calibration; without one sizes stay in pixels)",
		'  --model-name NAME     the model that made the masks, for the provenance lines',
		'  --model-sha256 HEX    its SHA-256 checksum'
	].join('\n'),
	async run(argv) {
		const args = parseArgs(argv);
		checkKnown(args, ['image', 'out', ...PROVENANCE_OPTIONS]);
		if (args.positional.length === 0) throw new UserError(undefined, 'give at least one mask file, e.g. mycol measure cells_masks.tif --out cells.csv');
		const out = stringOption(args, 'out');
		if (out === undefined) throw new ParamError(undefined, 'give the CSV file to write with --out, e.g. --out cells.csv');
		const imagePath = stringOption(args, 'image');
		if (imagePath !== undefined && args.positional.length > 1) {
			throw new ParamError(undefined, `--image gives the intensity image of one mask, but ${args.positional.length} masks were given; measure each mask with its image separately`);
		}
		const pargs = provenanceArgs(args);
		const masks = args.positional.map(loadMask);
		const image = imagePath === undefined ? null : loadImageFor(imagePath, masks[0]);
		const provs = masks.map((m) => maskProvenance(m, image, pargs));
		checkOneUnit(masks, provs);
		const parts: ImageCells[] = masks.map((m, i) => ({
			image: m.imageStem,
			table: measureCells(m.labels, { intensity: image?.raster, pixelSizeUm: provs[i].pixelSize.um, file: m.name })
		}));
		const joined = joinTables(parts);
		const comments = [`${APP_NAME} ${APP_VERSION}: per-cell measurements (scikit-image regionprops definitions)`];
		for (const p of provs) comments.push(...provenanceLines(p));
		writeOutput(out, new TextEncoder().encode(joinedCsv(joined, comments)));
		console.log(JSON.stringify({ out, images: masks.length, cells: joined.rowCount, unit: provs[0].pixelSize.um === null ? 'px' : 'um' }));
		return 0;
	}
};
