/**
 * The Export page's formats for one or more images: which writer, which file name, and how the
 * provenance travels (see provenance.ts). Several per-image files are zipped together.
 */
import { zipSync } from 'fflate';
import type { Labels, Raster } from '../raster/types';
import { writeCoco } from './coco';
import { writeGeoJson } from './geojson';
import { writeImageJRoiZip } from './imagej-roi';
import { writeLabelTiff } from './label-tiff';
import { cellColor, writeOverlayPng } from './overlay-png';
import { provenanceJson, type Provenance } from './provenance';
import { writeSegNpy } from './seg-npy-writer';

export type ExportFormat = 'label-tiff' | 'seg-npy' | 'imagej-roi' | 'geojson' | 'coco' | 'overlay-png';

export const EXPORT_FORMATS: readonly { format: ExportFormat; label: string; opens: string }[] = [
	{ format: 'label-tiff', label: 'Label TIFF', opens: 'Fiji/ImageJ, napari, CellProfiler, Cellpose, QuPath (pixel size in µm)' },
	{ format: 'seg-npy', label: 'Cellpose _seg.npy', opens: 'the Cellpose GUI and Python (numpy)' },
	{ format: 'imagej-roi', label: 'ImageJ ROI zip', opens: "Fiji/ImageJ's ROI Manager (areas equal the mask's)" },
	{ format: 'geojson', label: 'GeoJSON (QuPath)', opens: 'QuPath (classes become classifications), Python/shapely' },
	{ format: 'coco', label: 'COCO instances JSON', opens: 'detection/segmentation trainers (one file for all images)' },
	{ format: 'overlay-png', label: 'Overlay PNG', opens: 'slides, notebooks, reports' }
];

export interface ExportImage {
	name: string;
	stem: string;
	labels: Labels;
	raster: Raster | null;
	pixelSizeUm: number | null;
	provenance: Provenance;
	/** Class name and colour per cell id (cells without a class are absent). */
	classes: Map<number, { name: string; colour: [number, number, number] }>;
	diameter: number | null;
}

export interface ExportedFile {
	name: string;
	bytes: Uint8Array;
}

function asClass(c: { name: string; colour: [number, number, number] } | null) {
	return c ? { name: c.name, color: c.colour } : null;
}

function one(format: ExportFormat, im: ExportImage): ExportedFile[] {
	const classOf = (l: number) => im.classes.get(l) ?? null;
	switch (format) {
		case 'label-tiff':
			return [
				{ name: `${im.stem}_masks.tif`, bytes: writeLabelTiff(im.labels, { pixelSizeUm: im.pixelSizeUm }) },
				{ name: `${im.stem}_masks.provenance.json`, bytes: new TextEncoder().encode(provenanceJson(im.provenance)) }
			];
		case 'seg-npy':
			return [{ name: `${im.stem}_seg.npy`, bytes: writeSegNpy({ masks: im.labels, filename: im.name, diameter: im.diameter ?? 30, provenance: im.provenance }) }];
		case 'imagej-roi':
			return [
				{ name: `${im.stem}_rois.zip`, bytes: writeImageJRoiZip(im.labels, { provenance: im.provenance, classOf: (l) => asClass(classOf(l)) }) }
			];
		case 'geojson':
			return [
				{
					name: `${im.stem}.geojson`,
					bytes: new TextEncoder().encode(
						writeGeoJson(im.labels, { imageName: im.name, provenance: im.provenance, classOf: (l) => asClass(classOf(l)) })
					)
				}
			];
		case 'overlay-png':
			// Class colours where cells have a class, the usual per-cell colours elsewhere.
			return [{ name: `${im.stem}_overlay.png`, bytes: writeOverlayPng(im.raster, im.labels, { provenance: im.provenance, colorOf: (l) => classOf(l)?.colour ?? cellColor(l) }) }];
		case 'coco':
			return [];
	}
}

/** The files of one export; several images (or COCO's single file) → one download. */
export function exportFiles(format: ExportFormat, images: readonly ExportImage[]): ExportedFile[] {
	if (format === 'coco') {
		const text = writeCoco(
			images.map((im) => ({ fileName: im.name, masks: im.labels, classOf: (l: number) => im.classes.get(l)?.name ?? null })),
			{ provenance: images[0].provenance }
		);
		return [{ name: images.length === 1 ? `${images[0].stem}_coco.json` : 'cells_coco.json', bytes: new TextEncoder().encode(text) }];
	}
	return images.flatMap((im) => one(format, im));
}

/** One file to download: the file itself, or a zip of several. */
export function bundle(files: readonly ExportedFile[], zipName: string): ExportedFile {
	if (files.length === 1) return files[0];
	const entries: Record<string, Uint8Array> = {};
	for (const f of files) entries[f.name] = f.bytes;
	return { name: zipName, bytes: zipSync(entries, { level: 6 }) };
}
