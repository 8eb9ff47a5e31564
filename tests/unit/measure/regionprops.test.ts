import { describe, expect, it } from 'vitest';
import { readNpy, type NpyArray } from '../../../src/lib/core/formats/npy';
import { ParamError } from '../../../src/lib/core/formats/errors';
import type { Labels, Raster } from '../../../src/lib/core/raster/types';
import { regionprops, inertiaEigvals, type RegionProps } from '../../../src/lib/core/measure';
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

/** A small CSV reader: header row, then numeric rows. */
function readCsv(rel: string): { header: string[]; rows: number[][] } {
	const text = new TextDecoder().decode(sharedBytes(rel));
	const lines = text.split(/\r?\n/).filter((s) => s.length > 0);
	return { header: lines[0].split(','), rows: lines.slice(1).map((s) => s.split(',').map(Number)) };
}

/** A label image from rows of ids (for hand-worked examples). */
function labelsOf(rows: number[][]): Labels {
	const height = rows.length;
	const width = rows[0].length;
	return { width, height, data: Uint32Array.from(rows.flat()) };
}

/** skimage column → our value for cell i. */
function valueOf(p: RegionProps, col: string, i: number): number {
	const get: Record<string, Float64Array> = {
		label: p.label,
		area: p.area,
		perimeter: p.perimeter,
		major_axis_length: p.majorAxis,
		minor_axis_length: p.minorAxis,
		eccentricity: p.eccentricity,
		solidity: p.solidity,
		extent: p.extent,
		orientation: p.orientation,
		'centroid-0': p.centroidRow,
		'centroid-1': p.centroidCol,
		'bbox-0': p.bboxMinRow,
		'bbox-1': p.bboxMinCol,
		'bbox-2': p.bboxMaxRow,
		'bbox-3': p.bboxMaxCol,
		convex_area: p.convexArea,
		equivalent_diameter: p.equivalentDiameter,
		feret_diameter_max: p.feretMax,
		mean_intensity: p.intensity[0].mean,
		min_intensity: p.intensity[0].min,
		max_intensity: p.intensity[0].max
	};
	const a = get[col];
	if (!a) throw new Error(`no column ${col}`);
	return a[i];
}

const EXACT = new Set(['label', 'area', 'bbox-0', 'bbox-1', 'bbox-2', 'bbox-3', 'convex_area', 'min_intensity', 'max_intensity']);

describe('regionprops against scikit-image 0.19.3 (fixtures/cellpose-3.1/regionprops)', () => {
	for (const k of [0, 1, 2]) {
		it(`rp${k}: every column of every cell`, () => {
			const { labels, intensity } = fixture(k);
			const p = regionprops(labels, intensity);
			const csv = readCsv(`${DIR}/rp${k}_regionprops.csv`);
			expect(csv.header).toHaveLength(21);
			expect(p.count).toBe(csv.rows.length);
			const bad: string[] = [];
			csv.rows.forEach((row, i) => {
				csv.header.forEach((col, j) => {
					const want = row[j];
					const got = valueOf(p, col, i);
					const ok = EXACT.has(col) ? got === want : Math.abs(got - want) <= 1e-9 * Math.abs(want);
					if (!ok) bad.push(`label ${row[0]} ${col}: want ${want}, got ${got}`);
				});
			});
			expect(bad).toEqual([]);
		});
	}

	it('degenerate cells give skimage numbers (README: 1-pixel cell has orientation π/4, axes 0, Feret 1)', () => {
		const { labels } = fixture(0);
		const p = regionprops(labels);
		const i = Array.from(p.label).indexOf(6); // the 1-pixel cell of rp0
		expect(p.area[i]).toBe(1);
		expect(p.orientation[i]).toBe(Math.PI / 4);
		expect(p.majorAxis[i]).toBe(0);
		expect(p.minorAxis[i]).toBe(0);
		expect(p.feretMax[i]).toBe(1);
		for (const a of [p.perimeter, p.eccentricity, p.solidity, p.extent, p.feretMin]) expect(Number.isNaN(a[i])).toBe(false);
	});
});

/*
 * Extra statistics for a handful of fixture cells, computed at development time with Debian's
 * /usr/bin/python3 (numpy 1.24, skimage 0.19.3, scipy 1.10) on rpN_labels.npy/rpN_intensity.npy:
 *   v = intensity[labels == label].astype(float64); np.median(v), np.std(v), v.sum();
 *   min Feret = for the contour points pts = vstack(find_contours(pad(region.image_convex, 2), .5,
 *   fully_connected='high')), scipy ConvexHull(pts) vertices V: min over hull edges of the largest
 *   distance of V from the edge's line.
 * rp0 cells: 1 ellipse, 6 single pixel, 7 two-part label, 8 horizontal line, 11 diagonal line,
 * 15 ring, 19 concave C, 24 4×8 rectangle, 25 bottom-left border cell; rp2 32 clipped ellipse.
 */
const EXTRA: { image: number; label: number; v: [number, number, number, number] }[] = [
	{ image: 0, label: 1, v: [1688.0, 216.8489738309212, 156501.0, 10.6] },
	{ image: 0, label: 6, v: [663.0, 0.0, 663.0, 0.7071067811865475] },
	{ image: 0, label: 7, v: [2858.0, 413.92798504831126, 200172.0, 8.8] },
	{ image: 0, label: 8, v: [845.0, 86.2474189987771, 22587.0, 1.0] },
	{ image: 0, label: 11, v: [894.5, 83.55836283700154, 10512.0, 0.707106781186548] },
	{ image: 0, label: 15, v: [2894.0, 419.50175757032173, 727062.0, 20.50609665440988] },
	{ image: 0, label: 19, v: [1355.0, 204.6014189168666, 298088.0, 21.920310216782976] },
	{ image: 0, label: 24, v: [2189.0, 425.2583853799211, 74149.0, 4.0] },
	{ image: 0, label: 25, v: [2961.0, 385.89383349960997, 200777.0, 6.0] },
	{ image: 2, label: 32, v: [2816.0, 302.7689952288366, 73778.0, 5.0] }
];

function close(got: number, want: number): boolean {
	return want === 0 ? Math.abs(got) <= 1e-12 : Math.abs(got - want) <= 1e-9 * Math.abs(want);
}

describe('median, std, integrated intensity and min Feret (numpy/scipy values)', () => {
	const props = [0, 2].map((k) => {
		const { labels, intensity } = fixture(k);
		return { k, p: regionprops(labels, intensity) };
	});
	for (const e of EXTRA) {
		it(`rp${e.image} label ${e.label}`, () => {
			const p = props.find((x) => x.k === e.image)!.p;
			const i = Array.from(p.label).indexOf(e.label);
			expect(i).toBeGreaterThanOrEqual(0);
			const got = [p.intensity[0].median[i], p.intensity[0].std[i], p.intensity[0].integrated[i], p.feretMin[i]];
			got.forEach((g, j) => expect(close(g, e.v[j]), `value ${j}: got ${g}, want ${e.v[j]}`).toBe(true));
		});
	}
});

describe('hand-worked examples', () => {
	it('a 4×8 rectangle', () => {
		const rows = Array.from({ length: 6 }, (_, r) =>
			Array.from({ length: 12 }, (_, c) => (r >= 1 && r <= 4 && c >= 2 && c <= 9 ? 3 : 0))
		);
		const p = regionprops(labelsOf(rows));
		expect(p.count).toBe(1);
		expect(p.area[0]).toBe(32);
		// 20 border pixels, each an edge or corner configuration of weight 1: the loop through
		// the border pixel centres, 2·(3 + 7).
		expect(p.perimeter[0]).toBe(20);
		// Variances (n² − 1)/12: rows 15/12, columns 63/12; axes 4·√λ.
		expect(p.majorAxis[0]).toBeCloseTo(4 * Math.sqrt(63 / 12), 14);
		expect(p.minorAxis[0]).toBeCloseTo(4 * Math.sqrt(15 / 12), 14);
		expect(p.eccentricity[0]).toBeCloseTo(Math.sqrt(1 - 15 / 63), 14);
		expect(p.orientation[0]).toBe(Math.PI / 2); // major axis along the columns
		expect(p.convexArea[0]).toBe(32);
		expect(p.solidity[0]).toBe(1);
		expect(p.extent[0]).toBe(1);
		// Contour points (r, −½), (r, 7½), (−½, c), (3½, c): farthest (0, −½)–(3, 7½) = √73;
		// narrowest between the rows −½ and 3½: 4.
		expect(p.feretMax[0]).toBe(Math.sqrt(73));
		expect(p.feretMin[0]).toBe(4);
		expect([p.bboxMinRow[0], p.bboxMinCol[0], p.bboxMaxRow[0], p.bboxMaxCol[0]]).toEqual([1, 2, 5, 10]);
		expect([p.centroidRow[0], p.centroidCol[0]]).toEqual([2.5, 5.5]);
		expect(p.equivalentDiameter[0]).toBeCloseTo(Math.sqrt(128 / Math.PI), 14);
	});

	it('a 3×3 square and a 3-pixel diagonal', () => {
		const p = regionprops(
			labelsOf([
				[1, 1, 1, 0, 0, 0, 0],
				[1, 1, 1, 0, 2, 0, 0],
				[1, 1, 1, 0, 0, 2, 0],
				[0, 0, 0, 0, 0, 0, 2]
			])
		);
		// Square: 8 border pixels of weight 1. Diagonal: the ends have code 11 (weight 0), the
		// middle has two diagonal border neighbours, code 21, weight √2.
		expect(Array.from(p.perimeter)).toEqual([8, Math.SQRT2]);
		expect(Array.from(p.convexArea)).toEqual([9, 3]);
		// Diagonal (1,4) (2,5) (3,6): contour points are the pixels' edge midpoints; the farthest
		// pairs are (½, 4)–(3½, 6) and (1, 3½)–(3, 6½), both √(3² + 2²) = √13.
		expect(p.feretMax[1]).toBe(Math.sqrt(13));
		// The square's contour is an octagon 3 wide; the diagonal's hull is 1/√2 wide.
		expect(p.feretMin[0]).toBe(3);
		expect(p.feretMin[1]).toBeCloseTo(Math.SQRT1_2, 14);
		expect(p.minorAxis[1]).toBe(0);
		expect(p.eccentricity[1]).toBe(1);
	});

	it('non-contiguous ids, no background, ids beyond a dense table', () => {
		const big = 4294967295; // the largest uint32 id: forces the Map path
		const rows = [
			[7, 7, 7, big, big],
			[7, 7, big, big, big],
			[42, 42, big, big, big]
		];
		const p = regionprops(labelsOf(rows));
		expect(Array.from(p.label)).toEqual([7, 42, big]);
		expect(Array.from(p.area)).toEqual([5, 2, 8]);
		expect([p.bboxMinRow[2], p.bboxMinCol[2], p.bboxMaxRow[2], p.bboxMaxCol[2]]).toEqual([0, 2, 3, 5]);
		// The same image relabelled 1, 2, 3 (dense path) gives the same geometry.
		const q = regionprops(labelsOf(rows.map((r) => r.map((v) => (v === 7 ? 1 : v === 42 ? 2 : 3)))));
		for (const key of ['perimeter', 'majorAxis', 'minorAxis', 'orientation', 'convexArea', 'feretMax', 'feretMin'] as const) {
			expect(Array.from(q[key])).toEqual(Array.from(p[key]));
		}
		// Label 7: pixels (0,0) (0,1) (0,2) (1,0) (1,1): centroid (2/5, 4/5).
		expect([p.centroidRow[0], p.centroidCol[0]]).toEqual([0.4, 0.8]);
	});

	it('an empty label image has no cells', () => {
		const p = regionprops({ width: 3, height: 2, data: new Uint32Array(6) });
		expect(p.count).toBe(0);
	});
});

describe('intensity statistics', () => {
	it('per channel, with numpy median/std semantics', () => {
		const labels = labelsOf([
			[1, 1, 0],
			[1, 1, 2]
		]);
		// channel 0 = [1, 2, ·, 3, 10, 5]; channel 1 = 2·channel 0 + 1.
		const c0 = [1, 2, 0, 3, 10, 5];
		const data = new Float32Array([...c0, ...c0.map((v) => 2 * v + 1)]);
		const p = regionprops(labels, { width: 3, height: 2, channels: 2, dtype: 'float32', data });
		const [a, b] = p.intensity;
		expect(a.mean[0]).toBe(4);
		expect(a.median[0]).toBe(2.5); // mean of the two middle values 2 and 3
		expect(a.min[0]).toBe(1);
		expect(a.max[0]).toBe(10);
		expect(a.integrated[0]).toBe(16);
		expect(a.std[0]).toBeCloseTo(Math.sqrt((9 + 4 + 1 + 36) / 4), 14);
		expect([a.mean[1], a.median[1], a.std[1]]).toEqual([5, 5, 0]);
		// An affine map of the values maps every statistic the same way (std by |2|).
		expect(b.mean[0]).toBe(9);
		expect(b.median[0]).toBe(6);
		expect(b.integrated[0]).toBe(36);
		expect(b.std[0]).toBeCloseTo(2 * a.std[0], 13);
	});

	it('median of an odd count and NaN propagation (numpy: NaN in, NaN out)', () => {
		const labels = labelsOf([[1, 1, 1, 2, 2]]);
		const data = new Float64Array([9, 1, 5, 1, NaN]);
		const p = regionprops(labels, { width: 5, height: 1, channels: 1, dtype: 'float64', data });
		expect(p.intensity[0].median[0]).toBe(5);
		for (const k of ['mean', 'median', 'min', 'max', 'std', 'integrated'] as const) {
			expect(Number.isNaN(p.intensity[0][k][1])).toBe(true);
		}
	});

	it('rejects an intensity image of another size', () => {
		const labels = labelsOf([[1, 1]]);
		const bad: Raster = { width: 3, height: 1, channels: 1, dtype: 'uint8', data: new Uint8Array(3) };
		expect(() => regionprops(labels, bad, 'cells.tif')).toThrow(ParamError);
		expect(() => regionprops(labels, bad, 'cells.tif')).toThrow(/cells\.tif: the intensity image is 3 × 1 pixels/);
	});
});

describe('inertia eigenvalues (LAPACK dsterf/dlae2 path)', () => {
	it('agree with the closed form and give exact zeros for singular tensors', () => {
		const cases: [number, number, number][] = [
			[5.25, 0, 1.25],
			[2, -1, 3],
			[0.56, 0.36, 0.56],
			[7.5, 7.5, 7.5],
			[0, 0, 0]
		];
		for (const [a, b, c] of cases) {
			const [l1, l2] = inertiaEigvals(a, b, c);
			const m = (a + c) / 2;
			const r = Math.hypot((a - c) / 2, b);
			expect(l1).toBeCloseTo(m + r, 13);
			expect(l2).toBeCloseTo(Math.max(m - r, 0), 13);
		}
		expect(inertiaEigvals(7.5, 7.5, 7.5)[1]).toBe(0);
		expect(inertiaEigvals(4, -2, 1)[1]).toBe(0);
	});
});
