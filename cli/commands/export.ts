/**
 * `mycol export LABELS --format F [--image IMG] [--pixel-size UM] --out FILE` — one mask in one of
 * the app's export formats, each carrying the provenance where the format allows
 * (PROVENANCE_EMBEDDING): the label TIFF gets a `<name>.provenance.json` sidecar next to it.
 */
import { basename, dirname, extname, join } from 'node:path';
import { ParamError, UserError } from '../../src/lib/core/formats/errors';
import { writeCoco } from '../../src/lib/core/formats/coco';
import { writeGeoJson } from '../../src/lib/core/formats/geojson';
import { writeImageJRoiZip } from '../../src/lib/core/formats/imagej-roi';
import { writeLabelTiff } from '../../src/lib/core/formats/label-tiff';
import { writeOverlayPng } from '../../src/lib/core/formats/overlay-png';
import { provenanceJson, type Provenance } from '../../src/lib/core/formats/provenance';
import { writeSegNpy } from '../../src/lib/core/formats/seg-npy-writer';
import { countLabels } from '../../src/lib/core/labels/count';
import { checkKnown, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { writeOutput } from '../files';
import { PROVENANCE_OPTIONS, provenanceArgs } from '../provenance';
import { loadImageFor, loadMask, maskProvenance, type LoadedImage, type LoadedMask } from './measure';

const FORMATS = ['tiff', 'seg-npy', 'imagej-roi', 'geojson', 'coco', 'overlay-png'] as const;
type Format = (typeof FORMATS)[number];

/** The diameter a `_seg.npy` records when the mask's own is unknown (Cellpose's default, as the app's export). */
const DEFAULT_SEG_DIAMETER = 30;

function parseFormat(text: string | undefined): Format {
	if (text === undefined) throw new ParamError(undefined, `give the format with --format (${FORMATS.join(', ')})`);
	const f = text === 'label-tiff' ? 'tiff' : text;
	if (!(FORMATS as readonly string[]).includes(f)) {
		throw new ParamError(undefined, `unknown format "${text}"; the formats are ${FORMATS.slice(0, -1).join(', ')} and ${FORMATS[FORMATS.length - 1]}`);
	}
	return f as Format;
}

/** `dir/cells_masks.tif` → `dir/cells_masks.provenance.json` (as the app's export names it). */
export function sidecarPath(out: string): string {
	const b = basename(out);
	const e = extname(b);
	return join(dirname(out), `${e ? b.slice(0, -e.length) : b}.provenance.json`);
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** The files of one export: [path, bytes] pairs, the main file first. */
function render(format: Format, out: string, mask: LoadedMask, image: LoadedImage | null, prov: Provenance): [string, Uint8Array][] {
	const labels = mask.labels;
	const imageName = image?.name ?? mask.imageStem;
	switch (format) {
		case 'tiff':
			return [
				[out, writeLabelTiff(labels, { pixelSizeUm: prov.pixelSize.um })],
				[sidecarPath(out), utf8(provenanceJson(prov) + '\n')]
			];
		case 'seg-npy': {
			const d = prov.segmentation.diameter;
			const ch = prov.segmentation.channels;
			const seg = mask.seg;
			let max = 0;
			for (let i = 0; i < labels.data.length; i++) if (labels.data[i] > max) max = labels.data[i];
			const bytes = writeSegNpy({
				masks: labels,
				filename: image?.name ?? seg?.filename ?? imageName,
				diameter: typeof d === 'number' && d >= 0 ? d : DEFAULT_SEG_DIAMETER,
				chanChoose: Array.isArray(ch) && ch.length === 2 ? [ch[0], ch[1]] : undefined,
				ismanual: seg?.ismanual && seg.ismanual.length === max ? seg.ismanual : null,
				provenance: prov
			});
			return [[out, bytes]];
		}
		case 'imagej-roi':
			return [[out, writeImageJRoiZip(labels, { provenance: prov })]];
		case 'geojson':
			return [[out, utf8(writeGeoJson(labels, { imageName, provenance: prov }))]];
		case 'coco':
			return [[out, utf8(writeCoco([{ fileName: imageName, masks: labels }], { provenance: prov }))]];
		case 'overlay-png':
			return [[out, writeOverlayPng(image?.raster ?? null, labels, { provenance: prov })]];
	}
}

export const exportCommand: Command = {
	name: 'export',
	summary: 'export a label mask as label TIFF, _seg.npy, ImageJ ROIs, GeoJSON, COCO or an overlay PNG',
	usage: [
		'Usage: mycol export LABELS --format F --out FILE [--image IMG] [--pixel-size UM]',
		'',
		'Formats (each carries the provenance: app version, model, segmentation parameters, pixel size and',
		'its source, manual edits):',
		'  tiff         label TIFF (uint16, pixel size in µm as ImageJ writes it) + FILE-stem.provenance.json',
		"  seg-npy      Cellpose _seg.npy (the Cellpose GUI opens it; provenance in 'mycol_provenance')",
		"  imagej-roi   ImageJ RoiManager zip, one traced ROI per cell (+ provenance.json inside)",
		"  geojson      QuPath GeoJSON FeatureCollection (top-level 'provenance')",
		"  coco         COCO instances JSON with RLE masks ('info.provenance')",
		'  overlay-png  cells drawn over --image (or over black without it); provenance in iTXt chunks',
		'Prints {"out","format","cells"}.',
		'  --image IMG           the image the mask belongs to (same size): its name and calibration,',
		'                        and the background of overlay-png',
		"  --pixel-size UM       µm per pixel (default: the image's or mask's calibration)",
		'  --model-name NAME     the model that made the masks (default: the one a _seg.npy names)',
		'  --model-sha256 HEX    its SHA-256 checksum'
	].join('\n'),
	async run(argv) {
		const args = parseArgs(argv);
		checkKnown(args, ['format', 'image', 'out', ...PROVENANCE_OPTIONS]);
		const format = parseFormat(stringOption(args, 'format'));
		if (args.positional.length !== 1) {
			throw new UserError(undefined, `give exactly one mask file, e.g. mycol export cells_masks.tif --format ${format} --out …${args.positional.length > 1 ? ` (got ${args.positional.length})` : ''}`);
		}
		const out = stringOption(args, 'out');
		if (out === undefined) throw new ParamError(undefined, 'give the file to write with --out');
		const pargs = provenanceArgs(args);
		const mask = loadMask(args.positional[0]);
		const imagePath = stringOption(args, 'image');
		const image = imagePath === undefined ? null : loadImageFor(imagePath, mask);
		const prov = maskProvenance(mask, image, pargs);
		// Render everything before writing anything, so that a failure leaves no partial export.
		const files = render(format, out, mask, image, prov);
		for (const [path, bytes] of files) writeOutput(path, bytes);
		console.log(JSON.stringify({ out, format, cells: countLabels(mask.labels.data) }));
		return 0;
	}
};
