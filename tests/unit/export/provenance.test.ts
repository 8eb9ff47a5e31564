import { describe, expect, it } from 'vitest';
import {
	PROVENANCE_EMBEDDING,
	parseProvenanceJson,
	provenanceJson,
	provenanceLines,
	provenanceRecord,
	provenanceSentence,
	type Provenance
} from '../../../src/lib/core/formats/provenance';

const base: Provenance = {
	app: { name: 'Mycol', version: '0.1.0' },
	model: { name: 'mycol-fungal-v1', sha256: '0123456789abcdef'.repeat(4) },
	segmentation: { diameter: 22.73, flow_threshold: 0.4, cellprob_threshold: 0, channels: [0, 0], augment: false },
	pixelSize: { um: 0.108, source: 'metadata' },
	manualEdits: 12,
	image: { name: 'demo01.tif', width: 512, height: 512 },
	created: '2026-11-27T10:00:00Z'
};

describe('provenance', () => {
	it('has every field a methods section needs, in a fixed order, and survives JSON', () => {
		const r = provenanceRecord(base);
		expect(Object.keys(r)).toEqual([
			'app',
			'app_version',
			'model',
			'model_sha256',
			'segmentation',
			'pixel_size_um',
			'pixel_size_source',
			'manual_edits',
			'image',
			'image_width',
			'image_height',
			'created'
		]);
		expect(parseProvenanceJson(provenanceJson(base))).toEqual(r);
		expect(r.segmentation).toEqual(base.segmentation);
	});

	it('writes one-line key: value comments', () => {
		expect(provenanceLines(base)).toEqual([
			'app: Mycol 0.1.0',
			'model: mycol-fungal-v1',
			`model_sha256: ${'0123456789abcdef'.repeat(4)}`,
			'diameter: 22.73',
			'flow_threshold: 0.4',
			'cellprob_threshold: 0',
			'channels: [0, 0]',
			'augment: false',
			'pixel_size_um: 0.108',
			'pixel_size_source: metadata',
			'manual_edits: 12',
			'image: demo01.tif (512 x 512 px)',
			'created: 2026-11-27T10:00:00Z'
		]);
		const odd = provenanceLines({ ...base, image: { name: 'a\nb.tif', width: 1, height: 1 } });
		expect(odd.every((l) => !/[\r\n]/.test(l))).toBe(true);
	});

	it('says it in a sentence, including unknown pixel size and imported masks', () => {
		expect(provenanceSentence(base)).toBe(
			`Cells were segmented in Mycol 0.1.0 with the model "mycol-fungal-v1" (sha256 ${'0123456789abcdef'.repeat(4)}), with diameter = 22.73, ` +
				'flow_threshold = 0.4, cellprob_threshold = 0, channels = [0, 0], augment = false. The pixel size is 0.108 µm (from the image metadata). 12 manual edits were made after segmentation.'
		);
		const imported = provenanceSentence({ ...base, model: null, segmentation: {}, pixelSize: { um: null, source: 'none' }, manualEdits: 1 });
		expect(imported).toBe('The masks were made without a segmentation model (imported or drawn) and exported by Mycol 0.1.0. The pixel size is unknown, so sizes are in pixels. 1 manual edit was made after segmentation.');
	});

	it('refuses records that would mislead, with a plain sentence', () => {
		expect(() => provenanceRecord({ ...base, model: { name: 'x', sha256: 'ABC' } })).toThrow(/the model sha256 "ABC" is not 64 lowercase hex digits/);
		expect(() => provenanceRecord({ ...base, pixelSize: { um: -1, source: 'user' } })).toThrow(/-1 µm is not a valid pixel size/);
		expect(() => provenanceRecord({ ...base, pixelSize: { um: null, source: 'user' } })).toThrow(/unknown but its source is given as "user"/);
		expect(() => provenanceRecord({ ...base, manualEdits: 1.5 })).toThrow(/1\.5 is not a number of manual edits/);
		expect(() => provenanceRecord({ ...base, app: { name: 'Mycol', version: '' } })).toThrow(/app name and version are required/);
		expect(() => parseProvenanceJson('{"a":1}')).toThrow(/not a Mycol provenance record/);
	});

	it('says how each export format carries it', () => {
		expect(Object.keys(PROVENANCE_EMBEDDING).sort()).toEqual(['coco', 'csv', 'geojson', 'imagej-roi-zip', 'label-tiff', 'overlay-png', 'seg-npy']);
	});
});
