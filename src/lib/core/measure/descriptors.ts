/**
 * The per-cell table (conventions §5.2–5.3): skimage `regionprops` values plus the derived shape
 * ratios, with column names that carry the unit, sizes converted to µm when a pixel size is known.
 *
 * Derived ratios (all from pixel values, so they never depend on the pixel size):
 * - circularity 4πA/P², compactness P²/(4πA) (its inverse), roundness 4A/(πM²),
 *   aspect ratio M/m, elongation (M − m)/(M + m), with A area, P perimeter, M/m major/minor axis.
 * - A ratio whose denominator is 0 is NaN (undefined; an empty cell in CSV), as the reference
 *   app does for circularity and aspect ratio: a 1-pixel cell (P = 0, M = m = 0) has NaN
 *   circularity, roundness, aspect ratio and elongation and compactness 0; a straight line
 *   (m = 0) has NaN aspect ratio and elongation 1.
 */
import type { Labels, Raster } from '../raster/types';
import { ParamError } from '../formats/errors';
import { regionprops, type RegionProps } from './regionprops';

export interface MeasureOptions {
	/** Intensity image of the same size; statistics are computed for each channel. */
	intensity?: Raster;
	/** Size of a pixel in µm; null or absent keeps sizes in pixels. */
	pixelSizeUm?: number | null;
	/** Names the input in error messages. */
	file?: string;
}

/**
 * A columnar table: `values[j][i]` is column `columns[j]` of cell i. The first column is
 * `label`; callers that join several images add `image` (and `class`) in front.
 */
export interface CellTable {
	columns: string[];
	values: Float64Array[];
	rowCount: number;
}

/** How a column scales with the pixel size s: areas by s², lengths by s, the rest never. */
type Scale = 'area' | 'length' | 'none';

interface ShapeColumn {
	/** Name stem; the unit suffix is added for sized columns. */
	stem: string;
	scale: Scale;
	get: (p: RegionProps, d: Derived) => Float64Array;
}

interface Derived {
	circularity: Float64Array;
	compactness: Float64Array;
	roundness: Float64Array;
	aspectRatio: Float64Array;
	elongation: Float64Array;
}

/** The shape columns in the order of conventions §5.2. */
const SHAPE_COLUMNS: ShapeColumn[] = [
	{ stem: 'area', scale: 'area', get: (p) => p.area },
	{ stem: 'perimeter', scale: 'length', get: (p) => p.perimeter },
	{ stem: 'major_axis', scale: 'length', get: (p) => p.majorAxis },
	{ stem: 'minor_axis', scale: 'length', get: (p) => p.minorAxis },
	{ stem: 'equivalent_diameter', scale: 'length', get: (p) => p.equivalentDiameter },
	{ stem: 'convex_area', scale: 'area', get: (p) => p.convexArea },
	{ stem: 'feret_max', scale: 'length', get: (p) => p.feretMax },
	{ stem: 'feret_min', scale: 'length', get: (p) => p.feretMin },
	{ stem: 'circularity', scale: 'none', get: (_, d) => d.circularity },
	{ stem: 'compactness', scale: 'none', get: (_, d) => d.compactness },
	{ stem: 'roundness', scale: 'none', get: (_, d) => d.roundness },
	{ stem: 'aspect_ratio', scale: 'none', get: (_, d) => d.aspectRatio },
	{ stem: 'elongation', scale: 'none', get: (_, d) => d.elongation },
	{ stem: 'eccentricity', scale: 'none', get: (p) => p.eccentricity },
	{ stem: 'solidity', scale: 'none', get: (p) => p.solidity },
	{ stem: 'extent', scale: 'none', get: (p) => p.extent },
	{ stem: 'orientation_rad', scale: 'none', get: (p) => p.orientation },
	{ stem: 'centroid_y_px', scale: 'none', get: (p) => p.centroidRow },
	{ stem: 'centroid_x_px', scale: 'none', get: (p) => p.centroidCol },
	{ stem: 'bbox_min_row', scale: 'none', get: (p) => p.bboxMinRow },
	{ stem: 'bbox_min_col', scale: 'none', get: (p) => p.bboxMinCol },
	{ stem: 'bbox_max_row', scale: 'none', get: (p) => p.bboxMaxRow },
	{ stem: 'bbox_max_col', scale: 'none', get: (p) => p.bboxMaxCol }
];

const INTENSITY_STEMS = ['mean', 'median', 'min', 'max', 'std', 'integrated'] as const;

/** Throws unless `s` is null/undefined or a finite positive number. */
function checkPixelSize(s: number | null | undefined, file: string): void {
	if (s === null || s === undefined) return;
	if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) {
		throw new ParamError(file, `the pixel size must be a positive number of µm, not ${String(s)}`);
	}
}

function columnName(c: ShapeColumn, um: boolean): string {
	if (c.scale === 'area') return `${c.stem}_${um ? 'um2' : 'px2'}`;
	if (c.scale === 'length') return `${c.stem}_${um ? 'um' : 'px'}`;
	return c.stem;
}

/** The column names of a table (conventions §5.2), `label` first. */
export function cellTableColumns(pixelSizeUm: number | null | undefined, channels: number): string[] {
	const um = pixelSizeUm !== null && pixelSizeUm !== undefined;
	const names = ['label', ...SHAPE_COLUMNS.map((c) => columnName(c, um))];
	for (let k = 0; k < channels; k++) {
		for (const s of INTENSITY_STEMS) names.push(`${s}_intensity_c${k}`);
	}
	return names;
}

/** Circularity, compactness, roundness, aspect ratio and elongation from pixel values. */
export function deriveRatios(p: RegionProps): Derived {
	const n = p.count;
	const d: Derived = {
		circularity: new Float64Array(n),
		compactness: new Float64Array(n),
		roundness: new Float64Array(n),
		aspectRatio: new Float64Array(n),
		elongation: new Float64Array(n)
	};
	for (let i = 0; i < n; i++) {
		const A = p.area[i];
		const P = p.perimeter[i];
		const M = p.majorAxis[i];
		const m = p.minorAxis[i];
		d.circularity[i] = P > 0 ? (4 * Math.PI * A) / (P * P) : NaN;
		d.compactness[i] = A > 0 ? (P * P) / (4 * Math.PI * A) : NaN;
		d.roundness[i] = M > 0 ? (4 * A) / (Math.PI * M * M) : NaN;
		d.aspectRatio[i] = m > 0 ? M / m : NaN;
		d.elongation[i] = M + m > 0 ? (M - m) / (M + m) : NaN;
	}
	return d;
}

/** The table for already measured cells (see measureCells). */
export function cellTable(p: RegionProps, pixelSizeUm?: number | null, file = 'label image'): CellTable {
	checkPixelSize(pixelSizeUm, file);
	const s = pixelSizeUm ?? null;
	const d = deriveRatios(p);
	const values: Float64Array[] = [p.label.slice()];
	for (const c of SHAPE_COLUMNS) {
		const src = c.get(p, d);
		const k = s === null || c.scale === 'none' ? 1 : c.scale === 'area' ? s * s : s;
		if (k === 1) values.push(src.slice());
		else {
			const out = new Float64Array(p.count);
			for (let i = 0; i < p.count; i++) out[i] = src[i] * k;
			values.push(out);
		}
	}
	for (const st of p.intensity) {
		for (const name of INTENSITY_STEMS) values.push(st[name].slice());
	}
	return { columns: cellTableColumns(s, p.intensity.length), values, rowCount: p.count };
}

/**
 * Measures every cell of a label image: skimage 0.19.3 `regionprops` descriptors, the derived
 * ratios, and per-channel intensity statistics when `intensity` is given, as a columnar table
 * whose names and units follow conventions §5.2–5.3.
 */
export function measureCells(labels: Labels, options: MeasureOptions = {}): CellTable {
	const file = options.file ?? 'label image';
	checkPixelSize(options.pixelSizeUm, file);
	return cellTable(regionprops(labels, options.intensity, file), options.pixelSizeUm, file);
}

/** Row i of a table as a name → value record (for small tables and display). */
export function tableRow(t: CellTable, i: number): Record<string, number> {
	const row: Record<string, number> = {};
	for (let j = 0; j < t.columns.length; j++) row[t.columns[j]] = t.values[j][i];
	return row;
}
