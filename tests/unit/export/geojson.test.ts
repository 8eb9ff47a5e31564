import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../../src/lib/core/formats/npy';
import { cellUuid, geoJsonCollection, readGeoJson, writeGeoJson } from '../../../src/lib/core/formats/geojson';
import type { Provenance } from '../../../src/lib/core/formats/provenance';
import type { Labels } from '../../../src/lib/core/raster/types';
import { awkwardLabels, LABEL_FIXTURES, labelsFromNpy, labelsFromRows, pixelCounts, python, sharedPath, tempDir } from './helpers';

const provenance: Provenance = {
	app: { name: 'Mycol', version: '0.1.0' },
	model: { name: 'cyto3', sha256: 'a'.repeat(64) },
	segmentation: { diameter: 30, flow_threshold: 0.4, cellprob_threshold: 0, channels: [0, 0] },
	pixelSize: { um: 0.65, source: 'metadata' },
	manualEdits: 3
};

const classes = [
	{ name: 'Hyphae', color: [230, 159, 0] as const },
	{ name: 'Spore', color: [86, 180, 233] as const }
];
const opts = (imageName: string) => ({
	imageName,
	provenance,
	classOf: (l: number) => (l % 3 === 0 ? null : classes[l % 2]),
	measurementsOf: (l: number) => ({ 'Area µm^2': l * 0.4225 })
});

describe('GeoJSON export', () => {
	it('round-trips through JSON with QuPath-style properties and provenance', () => {
		const labels = labelsFromRows(['11.2', '1..2', '.3.2']);
		const text = writeGeoJson(labels, opts('a.tif'));
		const back = readGeoJson('a.geojson', text);
		expect(back).toEqual(geoJsonCollection(labels, opts('a.tif')));
		expect(back.features.map((f) => f.properties.measurements.Label)).toEqual([1, 2, 3]);
		const f1 = back.features[0];
		expect(f1.geometry).toEqual({ type: 'Polygon', coordinates: [[[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2], [0, 0]]] });
		expect(f1.properties).toEqual({
			objectType: 'detection',
			name: 'cell 1',
			classification: { name: 'Spore', color: [86, 180, 233] },
			measurements: { Label: 1, 'Area px^2': 3, 'Area µm^2': 0.4225 }
		});
		expect(back.features[2].properties.classification).toBeUndefined();
		expect(back.provenance).toMatchObject({ app: 'Mycol', app_version: '0.1.0', model: 'cyto3', pixel_size_um: 0.65, pixel_size_source: 'metadata', manual_edits: 3 });
		expect(f1.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
		expect(cellUuid('a.tif', 1)).not.toBe(cellUuid('b.tif', 1));
	});

	it('writes a cell of several 4-connected pieces as a MultiPolygon', () => {
		const fc = geoJsonCollection(labelsFromRows(['1.', '.1']), opts('x'));
		expect(fc.features[0].geometry.type).toBe('MultiPolygon');
		expect(fc.features[0].geometry.coordinates).toHaveLength(2);
	});

	it('refuses a file that is not a FeatureCollection, naming it', () => {
		expect(() => readGeoJson('cells.geojson', '{"type":"Feature"}')).toThrow(/cells\.geojson: .*not a GeoJSON FeatureCollection/);
		expect(() => readGeoJson('cells.geojson', '{')).toThrow(/cells\.geojson: the file is not valid JSON/);
	});
});

const SHAPELY_CHECK = `
import json, sys
import numpy as np
from shapely.geometry import shape
from shapely.validation import explain_validity
out = []
args = sys.argv[1:]
for gj, npy in zip(args[0::2], args[1::2]):
    labels = np.load(npy)
    ids, counts = np.unique(labels[labels > 0], return_counts=True)
    truth = {int(i): int(c) for i, c in zip(ids, counts)}
    fc = json.load(open(gj))
    for f in fc['features']:
        g = shape(f['geometry'])
        label = int(f['properties']['measurements']['Label'])
        out.append({'file': npy, 'label': label, 'valid': bool(g.is_valid), 'why': explain_validity(g),
                    'area': g.area, 'pixels': truth.pop(label, None)})
    for label, c in truth.items():
        out.append({'file': npy, 'label': label, 'valid': False, 'why': 'missing', 'area': 0, 'pixels': c})
print(json.dumps(out))
`;

describe("GeoJSON read by shapely (Debian's python3-shapely)", () => {
	const tmp = tempDir('geojson');
	afterAll(tmp.cleanup);

	it('finds every polygon valid, with its area equal to the mask pixel count', () => {
		const args: string[] = [];
		const add = (name: string, labels: Labels, npyPath?: string) => {
			const gj = join(tmp.dir, `${name}.geojson`);
			writeFileSync(gj, writeGeoJson(labels, opts(name)));
			let p = npyPath;
			if (!p) {
				p = join(tmp.dir, `${name}.npy`);
				writeFileSync(p, writeNpy('uint32', [labels.height, labels.width], labels.data));
			}
			args.push(gj, p);
		};
		LABEL_FIXTURES.forEach((rel, i) => add(`fixture${i}`, labelsFromNpy(rel), sharedPath(rel)));
		for (let seed = 1; seed <= 10; seed++) add(`awkward${seed}`, awkwardLabels(seed));
		add('pinch', labelsFromRows(['.111', '1..1', '1111']));
		const rows = JSON.parse(python(SHAPELY_CHECK, args, tmp.dir)) as { file: string; label: number; valid: boolean; why: string; area: number; pixels: number | null }[];
		const expected = LABEL_FIXTURES.reduce((n, rel) => n + pixelCounts(labelsFromNpy(rel)).size, 0);
		expect(rows.length).toBeGreaterThanOrEqual(expected);
		const bad = rows.filter((r) => !r.valid || r.area !== r.pixels);
		expect(bad).toEqual([]);
	});
});
