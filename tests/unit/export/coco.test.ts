import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cocoDataset, readCoco, rleDecode, rleFromString, rleToString, writeCoco, type CocoRle } from '../../../src/lib/core/formats/coco';
import type { Provenance } from '../../../src/lib/core/formats/provenance';
import { labelPolygons } from '../../../src/lib/core/labels/contours';
import type { Labels } from '../../../src/lib/core/raster/types';
import { awkwardLabels, LABEL_FIXTURES, labelsFromNpy, labelsFromRows, python, rasterize, sharedPath, tempDir } from './helpers';

const provenance: Provenance = {
	app: { name: 'Mycol', version: '0.1.0' },
	model: { name: 'cyto3', sha256: 'e'.repeat(64) },
	segmentation: { diameter: 30 },
	pixelSize: { um: null, source: 'none' },
	manualEdits: 0,
	created: '2026-11-27T12:00:00Z'
};

/**
 * A mask encoded by pycocotools `mask.encode` (50 × 70), published in the README of
 * armengot/COCOtoolsFORK (python/README.md) as an example of the standard library's output.
 */
const PYCOCOTOOLS_SAMPLE = {
	size: [50, 70] as [number, number],
	counts:
		'0g05b08J4M2N2NA^O1`0OCO=0E090H080IO68DH;>@C>a0_O_O`0j0OWOF<:CM72I24NL43JM92FN;1ENKO72L0LO91J0MO92INO0NO122OO0M031O000NO31OO11MO40N011MO41MO21L06OL021L06OL021L06OL021L060J040L060J040L060J040L060J040L060J040L060J040L060KO31L060KO31L06OL021L06OL021L06OL021MO41MO21MO40N100NO310O00M0310O00NO1220NO92IONO91KOMO72M0<1EO:2GN63KM34OLM73JF<;=1G_O_Ob0=AC`07EH=1IO71H090F0:1DO>1_O1b0>2N2N3L6H]O'
};

const maskOf = (labels: Labels, l: number) => labels.data.map((v) => (v === l ? 1 : 0));

describe('COCO RLE', () => {
	it('counts column-major runs starting with zeros (hand-worked 3 × 2 mask)', () => {
		// Columns top to bottom: [0,1,0], [1,1,0] → 0 | 1 | 0 | 1 1 | 0 → [1, 1, 1, 2, 1]
		const ds = cocoDataset([{ fileName: 'a.tif', masks: labelsFromRows(['.1', '11', '..']) }], { provenance });
		const a = ds.annotations[0];
		expect(a.segmentation).toEqual({ size: [3, 2], counts: [1, 1, 1, 2, 1] });
		expect(a.bbox).toEqual([0, 0, 2, 2]);
		expect(a.area).toBe(3);
		// rleToString by hand: 1,1,1 as themselves; then 2−1 = 1 and 1−1 = 0 → "11110".
		expect(rleToString([1, 1, 1, 2, 1])).toBe('11110');
	});

	it("reproduces pycocotools' compressed string for a published pycocotools mask", () => {
		const counts = rleFromString('sample', PYCOCOTOOLS_SAMPLE.counts);
		expect(counts.reduce((a, b) => a + b, 0)).toBe(50 * 70);
		expect(rleToString(counts)).toBe(PYCOCOTOOLS_SAMPLE.counts);
		// Encode the decoded mask ourselves, from pixels: the same string.
		const mask = rleDecode('sample', PYCOCOTOOLS_SAMPLE);
		const labels: Labels = { width: 70, height: 50, data: Uint32Array.from(mask) };
		const ds = cocoDataset([{ fileName: 's', masks: labels }], { provenance, segmentation: 'compressed-rle' });
		expect((ds.annotations[0].segmentation as CocoRle).counts).toBe(PYCOCOTOOLS_SAMPLE.counts);
	});

	it('round-trips every cell (RLE, compressed RLE, polygons) through JSON and our decoder', () => {
		for (const labels of [labelsFromNpy(LABEL_FIXTURES[4]), awkwardLabels(11)]) {
			for (const segmentation of ['rle', 'compressed-rle', 'polygon'] as const) {
				const text = writeCoco([{ fileName: 'x.tif', masks: labels, classOf: (l) => (l % 2 ? 'Hyphae' : null) }], { provenance, segmentation });
				const ds = readCoco('x.json', text);
				expect(ds).toEqual(cocoDataset([{ fileName: 'x.tif', masks: labels, classOf: (l) => (l % 2 ? 'Hyphae' : null) }], { provenance, segmentation }));
				const cells = labelPolygons(labels);
				expect(ds.annotations.map((a) => a.label)).toEqual(cells.map((c) => c.label));
				for (const a of ds.annotations) {
					const truth = maskOf(labels, a.label);
					expect(a.area).toBe(truth.reduce((s, v) => s + v, 0));
					if (segmentation === 'polygon') {
						const cell = cells.find((c) => c.label === a.label)!;
						const rings = (a.segmentation as number[][]).map((r) => Int32Array.from(r));
						const holes = cell.polygons.flatMap((p) => p.holes);
						const filled = rasterize([...rings, ...holes], labels.width, labels.height);
						expect(Array.from(filled)).toEqual(Array.from(truth));
					} else {
						expect(Array.from(rleDecode('x.json', a.segmentation as CocoRle))).toEqual(Array.from(truth));
					}
				}
				expect(ds.categories).toEqual([
					{ id: 1, name: 'Hyphae', supercategory: 'cell' },
					{ id: 2, name: 'cell', supercategory: 'cell' }
				]);
				expect(ds.info.provenance.model_sha256).toBe('e'.repeat(64));
				expect(ds.info.year).toBe(2026);
			}
		}
	});

	it('refuses broken RLE and non-COCO JSON with the file name', () => {
		expect(() => rleDecode('a.json', { size: [2, 2], counts: [1, 1] })).toThrow(/a\.json: the RLE runs add up to 2 pixels, not the 2 × 2 = 4/);
		expect(() => rleFromString('a.json', '1\u00ff')).toThrow(/a\.json: the compressed RLE string has the character/);
		expect(() => readCoco('a.json', '{"images":[]}')).toThrow(/a\.json: the file is JSON but not a COCO dataset/);
		expect(() =>
			cocoDataset([{ fileName: 'a', masks: labelsFromRows(['1']), classOf: () => 'X' }], { provenance, classes: ['Y'] })
		).toThrow(/class "X" is not among the categories/);
	});
});

describe('numpy decodes our uncompressed COCO RLE (Fortran order) to the fixture masks', () => {
	const tmp = tempDir('coco');
	afterAll(tmp.cleanup);

	it('for every annotation, with bbox and area from the pixels', () => {
		const args: string[] = [];
		LABEL_FIXTURES.forEach((rel, k) => {
			const p = join(tmp.dir, `c${k}.json`);
			writeFileSync(p, writeCoco([{ fileName: rel, masks: labelsFromNpy(rel) }], { provenance }));
			args.push(p, sharedPath(rel));
		});
		const script = `
import json, sys
import numpy as np
bad, n = [], 0
for js, npy in zip(sys.argv[1::2], sys.argv[2::2]):
    labels = np.load(npy)
    ds = json.load(open(js))
    seen = set()
    for a in ds['annotations']:
        h, w = a['segmentation']['size']
        flat = np.zeros(h * w, np.uint8)
        pos, val = 0, 0
        for c in a['segmentation']['counts']:
            flat[pos:pos + c] = val; pos += c; val ^= 1
        m = flat.reshape((h, w), order='F').astype(bool)
        truth = labels == a['label']
        ys, xs = np.nonzero(truth)
        bbox = [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]
        if pos != h * w or not np.array_equal(m, truth) or a['area'] != int(truth.sum()) or a['bbox'] != bbox:
            bad.append([npy, a['label']])
        seen.add(a['label']); n += 1
    missing = set(np.unique(labels[labels > 0]).tolist()) - seen
    if missing: bad.append([npy, 'missing', sorted(missing)])
print(json.dumps({'bad': bad, 'n': n}))
`;
		const r = JSON.parse(python(script, args, tmp.dir));
		expect(r.bad).toEqual([]);
		expect(r.n).toBe(LABEL_FIXTURES.reduce((s, rel) => s + labelPolygons(labelsFromNpy(rel)).length, 0));
	});
});
