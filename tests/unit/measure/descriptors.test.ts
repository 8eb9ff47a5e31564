import { describe, expect, it } from 'vitest';
import { readNpy, type NpyArray } from '../../../src/lib/core/formats/npy';
import { ParamError } from '../../../src/lib/core/formats/errors';
import type { Labels, Raster } from '../../../src/lib/core/raster/types';
import { measureCells, tableRow, type CellTable } from '../../../src/lib/core/measure';
import { sharedBytes } from '../shared';

const DIR = 'fixtures/cellpose-3.1/regionprops';

function npy(rel: string): NpyArray {
	const r = readNpy(rel, sharedBytes(rel));
	if (r.kind !== 'array') throw new Error(`${rel}: expected a numeric array`);
	return r;
}

function fixture(k: number): { labels: Labels; intensity: Raster } {
	const l = npy(`${DIR}/rp${k}_labels.npy`);
	const t = npy(`${DIR}/rp${k}_intensity.npy`);
	const [height, width] = l.shape;
	return {
		labels: { width, height, data: Uint32Array.from(l.data as Uint16Array) },
		intensity: { width, height, channels: 1, dtype: 'uint16', data: t.data as Uint16Array }
	};
}

function col(t: CellTable, name: string): Float64Array {
	const j = t.columns.indexOf(name);
	if (j < 0) throw new Error(`no column ${name} in ${t.columns.join(' ')}`);
	return t.values[j];
}

function rowOf(t: CellTable, label: number): Record<string, number> {
	const i = Array.from(col(t, 'label')).indexOf(label);
	if (i < 0) throw new Error(`no label ${label}`);
	return tableRow(t, i);
}

// conventions.md §5.2, after image/label/class.
const PX_NAMES =
	'area_px2 perimeter_px major_axis_px minor_axis_px equivalent_diameter_px convex_area_px2 feret_max_px feret_min_px circularity compactness roundness aspect_ratio elongation eccentricity solidity extent orientation_rad centroid_y_px centroid_x_px bbox_min_row bbox_min_col bbox_max_row bbox_max_col'.split(
		' '
	);

describe('column names (conventions §5.2)', () => {
	it('in pixels, with intensity columns per channel', () => {
		const { labels, intensity } = fixture(0);
		const t = measureCells(labels, { intensity });
		expect(t.columns).toEqual([
			'label',
			...PX_NAMES,
			'mean_intensity_c0',
			'median_intensity_c0',
			'min_intensity_c0',
			'max_intensity_c0',
			'std_intensity_c0',
			'integrated_intensity_c0'
		]);
		expect(t.values).toHaveLength(t.columns.length);
		for (const v of t.values) expect(v).toHaveLength(t.rowCount);
		expect(t.rowCount).toBe(25);
	});

	it('in µm when a pixel size is given; positions stay in pixels', () => {
		const { labels } = fixture(0);
		const t = measureCells(labels, { pixelSizeUm: 0.65 });
		expect(t.columns).toEqual([
			'label',
			...PX_NAMES.map((n) =>
				n.startsWith('centroid') ? n : n.replace(/_px2$/, '_um2').replace(/_px$/, '_um')
			)
		]);
		expect(t.columns).toContain('area_um2');
		expect(t.columns).toContain('feret_min_um');
		expect(t.columns).toContain('centroid_y_px');
	});
});

describe('units (conventions §5.3)', () => {
	it('areas scale by s², lengths by s, ratios, angles and positions never', () => {
		const { labels, intensity } = fixture(1);
		const s = 0.65;
		const px = measureCells(labels, { intensity, pixelSizeUm: null });
		const um = measureCells(labels, { intensity, pixelSizeUm: s });
		expect(um.rowCount).toBe(px.rowCount);
		const pairs: [string, string, number][] = [
			['area_px2', 'area_um2', s * s],
			['convex_area_px2', 'convex_area_um2', s * s],
			['perimeter_px', 'perimeter_um', s],
			['major_axis_px', 'major_axis_um', s],
			['minor_axis_px', 'minor_axis_um', s],
			['equivalent_diameter_px', 'equivalent_diameter_um', s],
			['feret_max_px', 'feret_max_um', s],
			['feret_min_px', 'feret_min_um', s]
		];
		for (const [a, b, k] of pairs) {
			const va = col(px, a);
			const vb = col(um, b);
			for (let i = 0; i < px.rowCount; i++) expect(vb[i]).toBeCloseTo(va[i] * k, 10);
		}
		const same = PX_NAMES.filter((n) => !n.endsWith('_px') && !n.endsWith('_px2')).concat([
			'centroid_y_px',
			'centroid_x_px',
			'mean_intensity_c0',
			'std_intensity_c0'
		]);
		for (const n of same) expect(Array.from(col(um, n))).toEqual(Array.from(col(px, n)));
	});

	it('rejects a pixel size that is not a positive number', () => {
		const { labels } = fixture(0);
		for (const bad of [0, -0.5, Number.NaN, Infinity]) {
			expect(() => measureCells(labels, { pixelSizeUm: bad, file: 'cells.tif' })).toThrow(ParamError);
		}
		expect(() => measureCells(labels, { pixelSizeUm: -1, file: 'cells.tif' })).toThrow(/cells\.tif: the pixel size/);
	});
});

/*
 * Derived ratios computed at development time with /usr/bin/python3 (skimage 0.19.3) from
 * regionprops of rpN_labels.npy: A = area, P = perimeter, M/m = major/minor_axis_length;
 * circularity 4πA/P², compactness P²/(4πA), roundness 4A/(πM²), aspect ratio M/m,
 * elongation (M − m)/(M + m); NaN where the denominator is 0.
 */
const RATIOS: { image: number; label: number; v: [number, number, number, number, number] }[] = [
	{ image: 0, label: 1, v: [0.8311255329605116, 1.2031876778444632, 0.6150559580298506, 1.4795139077738246, 0.19339028761663427] },
	{ image: 0, label: 6, v: [NaN, 0.0, NaN, NaN, NaN] },
	{ image: 0, label: 7, v: [0.6105029187879151, 1.6379938067870137, 0.3146405816679367, 2.2255800132319217, 0.37995647548793315] },
	{ image: 0, label: 8, v: [0.5428672105403163, 1.8420711006006405, 0.03541634722649319, NaN, 1.0] },
	{ image: 0, label: 11, v: [0.7539822368615502, 1.3262911924324614, 0.04006697868047716, NaN, 1.0] },
	{ image: 0, label: 15, v: [0.3611380965832736, 2.769023842848475, 0.7314528175474975, 1.0, 0.0] },
	{ image: 0, label: 19, v: [0.25143039787918103, 3.977243835411367, 0.41098307911572196, 1.160136100678205, 0.07413241259563597] },
	{ image: 0, label: 24, v: [1.0053096491487339, 0.9947183943243458, 0.4850436360895858, 2.0493901531919194, 0.34413115425505014] },
	{ image: 0, label: 25, v: [0.8835729338221293, 1.1317684842090336, 0.4808037441657259, 2.0213149892370277, 0.3380365810500746] },
	{ image: 2, label: 32, v: [1.114282566106084, 0.8974384329591998, 0.6965266686811337, 1.3844553585094446, 0.16123403490756602] }
];

describe('derived ratios', () => {
	const tables = new Map([0, 2].map((k) => [k, measureCells(fixture(k).labels)]));
	for (const e of RATIOS) {
		it(`rp${e.image} label ${e.label}`, () => {
			const row = rowOf(tables.get(e.image)!, e.label);
			const got = [row.circularity, row.compactness, row.roundness, row.aspect_ratio, row.elongation];
			got.forEach((g, j) => {
				const want = e.v[j];
				if (Number.isNaN(want)) expect(g, `ratio ${j}`).toBeNaN();
				else if (want === 0) expect(Math.abs(g), `ratio ${j}`).toBeLessThanOrEqual(1e-12);
				else expect(Math.abs(g - want), `ratio ${j}: got ${g}, want ${want}`).toBeLessThanOrEqual(1e-9 * Math.abs(want));
			});
		});
	}

	it('circularity × compactness = 1 wherever both are defined', () => {
		const t = measureCells(fixture(1).labels);
		const a = col(t, 'circularity');
		const b = col(t, 'compactness');
		let n = 0;
		for (let i = 0; i < t.rowCount; i++) {
			if (Number.isNaN(a[i])) continue;
			expect(a[i] * b[i]).toBeCloseTo(1, 12);
			n++;
		}
		expect(n).toBeGreaterThan(20);
	});
});
