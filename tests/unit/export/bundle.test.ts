import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { bundle, exportFiles, type ExportImage } from '../../../src/lib/core/formats/export-bundle';
import { decodeImageFile, decodeLabelFile } from '../../../src/lib/core/formats/image-file';
import { readImageJRoiZip } from '../../../src/lib/core/formats/imagej-roi';
import { readSegNpy } from '../../../src/lib/core/formats/seg-npy';
import { readGeoJson } from '../../../src/lib/core/formats/geojson';
import { sharedBytes } from '../shared';

const provenance = { app: { name: 'Mycol', version: 'test' }, model: null, segmentation: {}, pixelSize: { um: 0.5, source: 'user' as const }, manualEdits: 2 };

function demo(stem: string): ExportImage {
	return {
		name: `${stem}.tif`,
		stem,
		labels: decodeLabelFile('m.tif', sharedBytes(`data/mycol_demo_fungal/masks/${stem}_masks.tif`)).labels,
		raster: decodeImageFile('i.tif', sharedBytes(`data/mycol_demo_fungal/images/${stem}.tif`)).raster,
		pixelSizeUm: 0.5,
		provenance,
		classes: new Map([[1, { name: 'budding', colour: [230, 159, 0] }]]),
		diameter: 25
	};
}

describe('export bundles (the Export page)', () => {
	it('writes one file per image per format, readable by our readers, with provenance', () => {
		const a = demo('demo01');
		const tif = exportFiles('label-tiff', [a]);
		expect(tif.map((f) => f.name)).toEqual(['demo01_masks.tif', 'demo01_masks.provenance.json']);
		const back = decodeLabelFile('x.tif', tif[0].bytes);
		expect(back.labels.data).toEqual(a.labels.data);
		expect(back.pixelSizeUm).toBe(0.5);
		expect(JSON.parse(new TextDecoder().decode(tif[1].bytes)).manual_edits).toBe(2);
		const seg = readSegNpy('x_seg.npy', exportFiles('seg-npy', [a])[0].bytes);
		expect(seg.masks.data).toEqual(a.labels.data);
		const rois = readImageJRoiZip('r.zip', exportFiles('imagej-roi', [a])[0].bytes);
		expect(rois.rois.length).toBe(9);
		expect(rois.provenance).toContain('"manual_edits": 2');
		const geo = readGeoJson('g.geojson', new TextDecoder().decode(exportFiles('geojson', [a])[0].bytes));
		expect(geo.features.length).toBe(9);
		expect(geo.features.filter((f) => f.properties.classification?.name === 'budding').length).toBe(1);
	});

	it('bundles several images in one zip, and COCO in one file', () => {
		const files = exportFiles('overlay-png', [demo('demo01'), demo('demo02')]);
		expect(files.map((f) => f.name)).toEqual(['demo01_overlay.png', 'demo02_overlay.png']);
		const z = bundle(files, 'overlays.zip');
		expect(Object.keys(unzipSync(z.bytes))).toEqual(['demo01_overlay.png', 'demo02_overlay.png']);
		const coco = exportFiles('coco', [demo('demo01'), demo('demo02')]);
		expect(coco.length).toBe(1);
		const json = JSON.parse(new TextDecoder().decode(coco[0].bytes));
		// demo01 has 9 cells and demo02 7 (counted with tifffile + numpy).
		expect(json.images.length).toBe(2);
		expect(json.annotations.length).toBe(16);
	});
});
