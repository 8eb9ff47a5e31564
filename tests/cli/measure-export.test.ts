import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCoco, rleDecode } from '../../src/lib/core/formats/coco';
import { readGeoJson } from '../../src/lib/core/formats/geojson';
import { readImageJRoiZip } from '../../src/lib/core/formats/imagej-roi';
import { readPng } from '../../src/lib/core/formats/png';
import { readSegNpy } from '../../src/lib/core/formats/seg-npy';
import { mycol, python, root, shared, tempDir } from './run';

const VERSION: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

const CAULO = 'data/omnipose_bacteria_phase/masks/caulo_15_cp_masks.tif';
const CAULO_IMAGE = 'data/omnipose_bacteria_phase/images/caulo_15.tif';
const NUCLEI = 'data/stardist_dsb2018_nuclei/masks/img2d_masks.tif';
const DEMO01 = 'data/mycol_demo_fungal/masks/demo01_masks.tif';
const DEMO02_SEG = 'data/mycol_demo_fungal/masks_cellpose_seg_npy/demo02_masks.npy';
const DEMO02_TIF = 'data/mycol_demo_fungal/masks/demo02_masks.tif';
const D05_MASK = 'data/odd_formats/masks/demo05_16bit_masks.tif';
const D05_IMAGE = 'data/odd_formats/images/demo05_16bit.tif';
const CAL_MASK = 'data/odd_formats/masks/demo05_imagej_calibrated_0.65um_masks.tif';
const CAL_IMAGE = 'data/odd_formats/images/demo05_imagej_calibrated_0.65um.tif';

/** The per-cell columns of conventions §5.2, copied from the document (pixel units, no intensity). */
const COLUMNS_PX = (
	'image label area_px2 perimeter_px major_axis_px minor_axis_px equivalent_diameter_px convex_area_px2 feret_max_px ' +
	'feret_min_px circularity compactness roundness aspect_ratio elongation eccentricity solidity extent ' +
	'orientation_rad centroid_y_px centroid_x_px bbox_min_row bbox_min_col bbox_max_row bbox_max_col'
).split(' ');

/**
 * scikit-image 0.19.3 `regionprops` of caulo_15_cp_masks.tif, computed at development time with
 * /usr/bin/python3 (tifffile.imread, then per region: label, area, perimeter, major_axis_length,
 * minor_axis_length, equivalent_diameter, convex_area, feret_diameter_max, eccentricity, solidity,
 * extent, orientation, centroid[0], centroid[1], bbox[0..3]), printed with format(v, '.12g').
 */
const SKIMAGE_CAULO: number[][] = [
	[1, 626, 191.923881554, 75.6078643689, 27.3786325827, 28.2320377409, 1291, 74.9466476902, 0.932133988757, 0.484895429899, 0.238567073171, 0.414185768724, 39.2571884984, 63.6517571885, 0, 47, 64, 88],
	[2, 269, 73.6984848098, 31.6169914773, 11.9096953512, 18.5067943614, 305, 31.0483493925, 0.926340782428, 0.881967213115, 0.640476190476, 1.34682376197, 6.84014869888, 198.211895911, 0, 184, 14, 214],
	[3, 675, 262.8355698, 133.861256455, 16.9902479377, 29.3161507142, 1693, 113.357840488, 0.991912404858, 0.398700531601, 0.101809954751, -0.846625008203, 45.6859259259, 195.586666667, 0, 162, 85, 240],
	[4, 434, 144.710678119, 67.5269424639, 16.2952618465, 23.5071470497, 808, 60.440052945, 0.970446849152, 0.537128712871, 0.221428571429, -0.624783941716, 30.8064516129, 256.774193548, 0, 235, 49, 275],
	[5, 540, 192.030483272, 79.5028720571, 33.3465587134, 26.2211623342, 1546, 64.5368112011, 0.907783793249, 0.349288486417, 0.267857142857, -0.0546957174453, 37.5314814815, 295.648148148, 0, 278, 63, 310],
	[6, 1172, 461.043722601, 191.26449576, 87.1295279327, 38.6294802765, 7422, 155.02902954, 0.890212909077, 0.157908919429, 0.0957516339869, 1.33361840025, 54.2943686007, 63.0955631399, 9, 0, 89, 153],
	[7, 680, 296.450793489, 147.562090579, 23.1477497096, 29.4245287204, 2289, 128.654576289, 0.987619599729, 0.297072957623, 0.168650793651, -1.50403744151, 99.7058823529, 65.0308823529, 79, 0, 111, 126],
	[8, 1168, 428.333044483, 179.619860439, 53.9466174203, 38.5635033192, 5318, 146.167711893, 0.953832931074, 0.219631440391, 0.142857142857, -1.27649364519, 112.725171233, 218.808219178, 85, 164, 141, 310],
	[9, 877, 358.475180106, 170.106355314, 35.5639326593, 33.4160302958, 3261, 149.164338902, 0.977900932717, 0.26893590923, 0.120965517241, -0.264201550788, 164.730900798, 127.89281642, 101, 96, 246, 146],
	[10, 919, 353.184812205, 173.809932119, 32.1093440845, 34.2068288739, 3484, 147.827602294, 0.982787757365, 0.263777267509, 0.0825844716032, -0.960890986317, 159.118607182, 56.9717083787, 116, 0, 223, 104],
	[11, 448, 207.053823869, 98.3505052802, 25.7847345761, 23.8832852858, 1467, 83.6301381082, 0.965021200574, 0.305385139741, 0.153162393162, -1.23829125323, 131.549107143, 265.741071429, 122, 235, 161, 310],
	[12, 363, 167.74011537, 85.7941682599, 11.2472558193, 21.4985105237, 706, 74.6726188104, 0.991369703539, 0.514164305949, 0.327027027027, -1.54198670546, 137.873278237, 36.2011019284, 129, 0, 144, 74],
	[13, 1342, 465.026478659, 252.709807389, 17.9479266396, 41.3362730424, 3325, 212.301672155, 0.997474757568, 0.403609022556, 0.0593280282935, -0.877558110244, 217.745156483, 206.84947839, 136, 147, 281, 303],
	[14, 1020, 399.345237792, 202.631313633, 38.1655243938, 36.0375406435, 4567, 159.012578119, 0.98210204805, 0.223341361944, 0.0735930735931, -0.842666418426, 204.132352941, 163.441176471, 155, 109, 281, 219],
	[15, 1382, 582.943217538, 150.257528494, 86.4197059543, 41.9477895821, 7179, 134.238593556, 0.818052233005, 0.192505920045, 0.127209131075, -0.549723495801, 218.338639653, 67.8958031838, 169, 27, 281, 124],
	[16, 281, 139.74011537, 69.7752487839, 11.8199796031, 18.9150816036, 603, 60.6712452485, 0.985547251673, 0.46600331675, 0.275490196078, 0.118780731447, 252.078291815, 91.9857651246, 221, 86, 281, 103],
	[17, 631, 140.331998462, 57.08337525, 19.3516868861, 28.3445612548, 879, 59.0338885726, 0.940783705038, 0.717861205916, 0.326604554865, -0.697423537012, 259.844690967, 220.557844691, 235, 193, 281, 235],
	[18, 453, 249.124891681, 125.560855879, 18.8230193958, 24.0161927408, 1463, 112.641022723, 0.988699415721, 0.30963773069, 0.127104377104, -1.22828270912, 266.322295806, 263.176600442, 248, 202, 281, 310],
	[19, 226, 73.7989898732, 33.286990682, 8.77557015105, 16.9632584461, 248, 33.5261092285, 0.964622884694, 0.911290322581, 0.642045454545, 1.32642735499, 274.942477876, 15.5973451327, 270, 0, 281, 32],
	[20, 18, 18, 10.3279555899, 2, 4.78730736482, 18, 9.05538513814, 0.981070843517, 1, 1, 1.57079632679, 279.5, 165, 279, 161, 281, 170],
	[21, 16, 16, 9.16515138991, 2, 4.51351666838, 16, 8.0622577483, 0.975900072949, 1, 1, 1.57079632679, 279.5, 305.5, 279, 302, 281, 310]
];

/** Our column for each skimage value in SKIMAGE_CAULO (pixel units). */
const SKIMAGE_COLUMNS = [
	'label',
	'area_px2',
	'perimeter_px',
	'major_axis_px',
	'minor_axis_px',
	'equivalent_diameter_px',
	'convex_area_px2',
	'feret_max_px',
	'eccentricity',
	'solidity',
	'extent',
	'orientation_rad',
	'centroid_y_px',
	'centroid_x_px',
	'bbox_min_row',
	'bbox_min_col',
	'bbox_max_row',
	'bbox_max_col'
];

interface Csv {
	comments: string[];
	header: string[];
	rows: string[][];
}

/** A plain reading of the CSV (our numbers are never quoted): `#` lines, header, rows. */
function parseCsv(text: string): Csv {
	const lines = text.split('\r\n');
	expect(lines.pop()).toBe('');
	const comments = lines.filter((l) => l.startsWith('#')).map((l) => l.slice(2));
	const body = lines.filter((l) => !l.startsWith('#'));
	return { comments, header: body[0].split(','), rows: body.slice(1).map((l) => l.split(',')) };
}

function column(t: Csv, name: string): number[] {
	const j = t.header.indexOf(name);
	expect(j, `column ${name}`).toBeGreaterThanOrEqual(0);
	return t.rows.map((r) => (r[j] === '' ? NaN : Number(r[j])));
}

function textColumn(t: Csv, name: string): string[] {
	const j = t.header.indexOf(name);
	expect(j, `column ${name}`).toBeGreaterThanOrEqual(0);
	return t.rows.map((r) => r[j]);
}

/** |a − b| ≤ rel·max(|a|, |b|) + abs, elementwise. */
function expectClose(actual: number[], expected: number[], rel: number, what: string, abs = 1e-12): void {
	expect(actual.length, what).toBe(expected.length);
	for (let i = 0; i < actual.length; i++) {
		const a = actual[i];
		const b = expected[i];
		if (Number.isNaN(b)) expect(a, `${what}[${i}]`).toBeNaN();
		else expect(Math.abs(a - b), `${what}[${i}]: ${a} vs ${b}`).toBeLessThanOrEqual(rel * Math.max(Math.abs(a), Math.abs(b)) + abs);
	}
}

function measureOk(...args: string[]): Csv {
	const dir = tempDir();
	const out = join(dir, 'cells.csv');
	const r = mycol('measure', ...args, '--out', out);
	expect(r.stderr).toBe('');
	expect(r.status).toBe(0);
	return parseCsv(readFileSync(out, 'utf8'));
}

/** Per-label pixel counts of mask files, by numpy (ids ascending). */
function numpyCounts(path: string): Map<number, number> {
	const out = python(
		`import numpy as np, tifffile, json\nm = tifffile.imread(${JSON.stringify(path)})\nids, n = np.unique(m[m != 0], return_counts=True)\n` +
			`print(json.dumps([[int(a), int(b)] for a, b in zip(ids, n)]))`
	);
	return new Map(JSON.parse(out) as [number, number][]);
}

/** The `key: value` provenance lines of a CSV as a record (the last block wins for repeated keys). */
function commentRecord(comments: string[]): Record<string, string> {
	const rec: Record<string, string> = {};
	for (const c of comments) {
		const k = c.indexOf(': ');
		if (k > 0) rec[c.slice(0, k)] = c.slice(k + 2);
	}
	return rec;
}

describe('mycol measure', () => {
	it('writes the columns of conventions §5.2 in order, with values equal to scikit-image 0.19.3 regionprops', () => {
		const t = measureOk(shared(CAULO));
		expect(t.header).toEqual(COLUMNS_PX);
		expect(new Set(textColumn(t, 'image'))).toEqual(new Set(['caulo_15']));
		expect(t.rows).toHaveLength(SKIMAGE_CAULO.length);
		SKIMAGE_COLUMNS.forEach((name, j) => {
			// The constants carry 12 significant digits.
			expectClose(column(t, name), SKIMAGE_CAULO.map((r) => r[j]), 1e-11, name);
		});
		// The derived ratios, by the reference app's formulas (mycol-reference §9) from skimage's values.
		const A = SKIMAGE_CAULO.map((r) => r[1]);
		const P = SKIMAGE_CAULO.map((r) => r[2]);
		const M = SKIMAGE_CAULO.map((r) => r[3]);
		const m = SKIMAGE_CAULO.map((r) => r[4]);
		expectClose(column(t, 'circularity'), A.map((a, i) => (4 * Math.PI * a) / P[i] ** 2), 1e-10, 'circularity');
		expectClose(column(t, 'compactness'), A.map((a, i) => P[i] ** 2 / (4 * Math.PI * a)), 1e-10, 'compactness');
		expectClose(column(t, 'roundness'), A.map((a, i) => (4 * a) / (Math.PI * M[i] ** 2)), 1e-10, 'roundness');
		expectClose(column(t, 'aspect_ratio'), M.map((x, i) => x / m[i]), 1e-10, 'aspect_ratio');
		expectClose(column(t, 'elongation'), M.map((x, i) => (x - m[i]) / (x + m[i])), 1e-10, 'elongation');
		// The minimum Feret diameter has no skimage counterpart; it cannot exceed the maximum one.
		const fmin = column(t, 'feret_min_px');
		const fmax = column(t, 'feret_max_px');
		fmin.forEach((v, i) => expect(v).toBeLessThanOrEqual(fmax[i]));
		// Provenance lines before the header.
		const rec = commentRecord(t.comments);
		expect(rec.app).toBe(`Mycol ${VERSION}`);
		expect(rec.pixel_size_um).toBe('unknown');
		expect(rec.pixel_size_source).toBe('none');
		expect(rec.model).toBe('none');
		expect(rec.manual_edits).toBe('0');
	});

	it('--pixel-size 0.5 scales areas by 0.25 and lengths by 0.5; ratios, angles and positions stay', () => {
		const px = measureOk(shared(CAULO));
		const um = measureOk(shared(CAULO), '--pixel-size', '0.5');
		const expected = COLUMNS_PX.map((c) => c.replace(/_px2$/, '_um2').replace(/(area|perimeter|axis|diameter|feret_max|feret_min)_px$/, '$1_um'));
		expect(um.header).toEqual(expected);
		expect(um.header.slice(2, 10)).toEqual(['area_um2', 'perimeter_um', 'major_axis_um', 'minor_axis_um', 'equivalent_diameter_um', 'convex_area_um2', 'feret_max_um', 'feret_min_um']);
		for (let j = 2; j < COLUMNS_PX.length; j++) {
			const name = COLUMNS_PX[j];
			const k = name.endsWith('_px2') ? 0.25 : j < 10 ? 0.5 : 1;
			expectClose(column(um, expected[j]), column(px, name).map((v) => v * k), 1e-15, `${expected[j]} vs ${name}`);
		}
		// And against skimage directly: area and perimeter in µm.
		expectClose(column(um, 'area_um2'), SKIMAGE_CAULO.map((r) => r[1] * 0.25), 1e-12, 'area_um2');
		expectClose(column(um, 'perimeter_um'), SKIMAGE_CAULO.map((r) => r[2] * 0.5), 1e-11, 'perimeter_um');
		const rec = commentRecord(um.comments);
		expect(rec.pixel_size_um).toBe('0.5');
		expect(rec.pixel_size_source).toBe('user');
		expect(rec.app).toBe(`Mycol ${VERSION}`);
	});

	it('puts several masks in one CSV, the image column being the image stem, with each one\'s provenance', () => {
		const t = measureOk(shared(DEMO01), shared(DEMO02_SEG), shared(CAULO), shared(NUCLEI));
		expect(t.header).toEqual(COLUMNS_PX);
		const images = textColumn(t, 'image');
		const labels = column(t, 'label');
		const areas = column(t, 'area_px2');
		const expected: [string, string][] = [
			['demo01', DEMO01],
			['demo02', DEMO02_TIF], // SOURCES.md: the _seg.npy's masks equal this TIFF
			['caulo_15', CAULO],
			['img2d', NUCLEI]
		];
		let row = 0;
		for (const [stem, file] of expected) {
			const counts = numpyCounts(shared(file));
			for (const [id, n] of counts) {
				expect([images[row], labels[row], areas[row]]).toEqual([stem, id, n]);
				row++;
			}
		}
		expect(row).toBe(t.rows.length);
		// The Cellpose GUI _seg.npy names its model and parameters; numpy reads the same keys.
		const seg = JSON.parse(
			python(
				`import sys, json, numpy\ntry:\n    import numpy._core\nexcept ImportError:\n    import numpy.core, numpy.core.multiarray\n` +
					`    sys.modules['numpy._core'] = numpy.core; sys.modules['numpy._core.multiarray'] = numpy.core.multiarray\n` +
					`d = numpy.load(${JSON.stringify(shared(DEMO02_SEG))}, allow_pickle=True).item()\n` +
					`print(json.dumps({'model': d['model_path'], 'edits': len(d['manual_changes']), 'diameter': float(d['diameter']), 'flow': float(d['flow_threshold'])}))`
			)
		) as { model: string; edits: number; diameter: number; flow: number };
		const block = t.comments.slice(t.comments.indexOf('model: cyto3'), t.comments.indexOf('image: demo02 (512 x 512 px)'));
		expect(seg.model.endsWith('/cyto3')).toBe(true);
		expect(block).toContain(`manual_edits: ${seg.edits}`);
		expect(block).toContain(`diameter: ${seg.diameter}`);
		expect(block).toContain(`flow_threshold: ${seg.flow}`);
		expect(t.comments.filter((c) => c.startsWith('image: ')).map((c) => c.split(' ')[1])).toEqual(['demo01', 'demo02', 'caulo_15', 'img2d']);
	});

	it('--image adds per-channel intensity columns equal to numpy statistics over each cell', () => {
		const dir = tempDir();
		const img = join(dir, 'demo05_3ch.tif');
		// A 3-channel ImageJ hyperstack: the 16-bit image, its mirror, and a scrambled copy.
		python(
			`import numpy as np, tifffile\na = tifffile.imread(${JSON.stringify(shared(D05_IMAGE))}).astype(np.uint16)\n` +
				`s = np.stack([a, a[:, ::-1], (a.astype(np.uint32) * 7919 % 65521).astype(np.uint16)])\n` +
				`tifffile.imwrite(${JSON.stringify(img)}, s, imagej=True, metadata={'axes': 'CYX'})`
		);
		const t = measureOk(shared(D05_MASK), '--image', img);
		const intensity = [0, 1, 2].flatMap((k) => ['mean', 'median', 'min', 'max', 'std', 'integrated'].map((s) => `${s}_intensity_c${k}`));
		expect(t.header).toEqual([...COLUMNS_PX, ...intensity]);
		expect(new Set(textColumn(t, 'image'))).toEqual(new Set(['demo05_16bit']));
		const ref = JSON.parse(
			python(
				`import numpy as np, tifffile, json\nm = tifffile.imread(${JSON.stringify(shared(D05_MASK))}); s = tifffile.imread(${JSON.stringify(img)}).astype(np.float64)\n` +
					`out = {}\nfor k in range(3):\n  for l in np.unique(m[m != 0]):\n    v = s[k][m == l]\n` +
					`    for name, f in [('mean', np.mean), ('median', np.median), ('min', np.min), ('max', np.max), ('std', np.std), ('integrated', np.sum)]:\n` +
					`      out.setdefault(f'{name}_intensity_c{k}', []).append(float(f(v)))\nprint(json.dumps(out))`
			)
		) as Record<string, number[]>;
		for (const name of intensity) expectClose(column(t, name), ref[name], 1e-12, name);
	});

	it("takes the pixel size from the image's calibration, and says so", () => {
		const t = measureOk(shared(CAL_MASK), '--image', shared(CAL_IMAGE));
		expect(t.header).toContain('area_um2');
		expect(t.header).toContain('mean_intensity_c0');
		const counts = [...numpyCounts(shared(CAL_MASK)).values()];
		expectClose(column(t, 'area_um2'), counts.map((n) => n * 0.65 * 0.65), 1e-12, 'area_um2');
		const rec = commentRecord(t.comments);
		expect(rec.pixel_size_um).toBe('0.65');
		expect(rec.pixel_size_source).toBe('metadata');
		expect(rec.image).toBe('demo05_imagej_calibrated_0.65um.tif (512 x 512 px)');
	});

	it('refuses a mask whose size differs from --image, --image with several masks, unreadable files and mixed units', () => {
		const dir = tempDir();
		const out = join(dir, 'cells.csv');
		const size = mycol('measure', shared(NUCLEI), '--image', shared(CAULO_IMAGE), '--out', out);
		expect(size.status).toBe(1);
		expect(size.stderr).toContain('img2d_masks.tif: the mask is 512 × 512 pixels but the image caulo_15.tif is 310 × 281');
		const two = mycol('measure', shared(NUCLEI), shared(CAULO), '--image', shared(CAULO_IMAGE), '--out', out);
		expect(two.status).toBe(1);
		expect(two.stderr).toContain('--image gives the intensity image of one mask, but 2 masks were given');
		writeFileSync(join(dir, 'notes_masks.tif'), 'not a mask at all\n');
		const text = mycol('measure', join(dir, 'notes_masks.tif'), '--out', out);
		expect(text.status).toBe(1);
		expect(text.stderr).toContain('notes_masks.tif: this is a text file, not an image');
		const missing = mycol('measure', join(dir, 'gone_masks.tif'), '--out', out);
		expect(missing.status).toBe(1);
		expect(missing.stderr).toContain('gone_masks.tif: no such file');
		const badSize = mycol('measure', shared(CAULO), '--pixel-size', '-2', '--out', out);
		expect(badSize.status).toBe(1);
		expect(badSize.stderr).toContain('--pixel-size must be a positive number');
		// A calibrated mask (exported with a pixel size) and an uncalibrated one cannot share a table.
		const cal = join(dir, 'cal_masks.tif');
		expect(mycol('export', shared(CAULO), '--format', 'tiff', '--pixel-size', '0.5', '--out', cal).status).toBe(0);
		const mixed = mycol('measure', cal, shared(NUCLEI), '--out', out);
		expect(mixed.status).toBe(1);
		expect(mixed.stderr).toContain('img2d_masks.tif: the mask has no pixel size but cal_masks.tif has one (0.5 µm)');
		expect(existsSync(out)).toBe(false);
		// The calibrated mask alone is measured in µm, its calibration read from its own metadata.
		const t = measureOk(cal);
		expect(t.header).toContain('area_um2');
		expect(commentRecord(t.comments).pixel_size_source).toBe('metadata');
	});
});

function exportOk(mask: string, format: string, out: string, ...rest: string[]): void {
	const r = mycol('export', mask, '--format', format, '--out', out, ...rest);
	expect(r.stderr).toBe('');
	expect(r.status).toBe(0);
	expect(JSON.parse(r.stdout)).toMatchObject({ out, format });
}

/** Signed area of a ring of corner coordinates (x0, y0, x1, y1, …), shoelace formula. */
function ringArea(r: ArrayLike<number>): number {
	let s = 0;
	const n = r.length / 2;
	for (let i = 0; i < n; i++) {
		const j = (i + 1) % n;
		s += r[2 * i] * r[2 * j + 1] - r[2 * j] * r[2 * i + 1];
	}
	return s / 2;
}

/** The text of each iTXt chunk of a PNG, by keyword (read by hand from the chunk layout). */
function pngText(bytes: Uint8Array): { text: Map<string, string>; types: string[] } {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const text = new Map<string, string>();
	const types: string[] = [];
	for (let p = 8; p < bytes.length; ) {
		const len = view.getUint32(p);
		const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
		types.push(type);
		if (type === 'iTXt') {
			const d = bytes.subarray(p + 8, p + 8 + len);
			const k = d.indexOf(0);
			// keyword NUL, flag, method, language NUL, translated keyword NUL, text
			let q = k + 3;
			q = d.indexOf(0, q) + 1;
			q = d.indexOf(0, q) + 1;
			text.set(new TextDecoder().decode(d.subarray(0, k)), new TextDecoder().decode(d.subarray(q)));
		}
		p += 12 + len;
	}
	return { text, types };
}

describe('mycol export', () => {
	it('tiff: tifffile reads the same ids with the pixel size in microns; the provenance sidecar sits next to it', () => {
		const dir = tempDir();
		const out = join(dir, 'caulo_15_masks.tif');
		exportOk(shared(CAULO), 'tiff', out, '--pixel-size', '0.5');
		const py = python(
			`import numpy as np, tifffile\nref = tifffile.imread(${JSON.stringify(shared(CAULO))})\nt = tifffile.TiffFile(${JSON.stringify(out)}); a = t.asarray()\n` +
				`x = t.pages[0].tags['XResolution'].value\nprint(a.dtype, a.shape, (a == ref).all(), t.imagej_metadata['unit'], round(x[1] / x[0], 9))`
		);
		expect(py.trim()).toBe('uint16 (281, 310) True micron 0.5');
		const side = JSON.parse(readFileSync(join(dir, 'caulo_15_masks.provenance.json'), 'utf8'));
		expect(side).toMatchObject({ app: 'Mycol', app_version: VERSION, pixel_size_um: 0.5, pixel_size_source: 'user', manual_edits: 0, model: null });
		// Our own reader: a label mask of 21 cells, calibrated.
		const info = JSON.parse(mycol('info', out).stdout);
		expect(info).toMatchObject({ kind: 'labels', width: 310, height: 281, nLabels: 21, pixelSizeUm: 0.5 });
	});

	it('seg-npy: numpy loads it as the same masks, and it keeps the Cellpose GUI file\'s model and parameters', () => {
		const dir = tempDir();
		const out = join(dir, 'demo02_seg.npy');
		exportOk(shared(DEMO02_SEG), 'seg-npy', out);
		const py = python(
			`import numpy as np, tifffile, json\nref = tifffile.imread(${JSON.stringify(shared(DEMO02_TIF))})\nd = np.load(${JSON.stringify(out)}, allow_pickle=True).item()\n` +
				`print(json.dumps({'same': bool((d['masks'] == ref).all()), 'model_path': d['model_path'], 'diameter': float(d['diameter']), 'flow': float(d['flow_threshold']), 'prov': json.loads(d['mycol_provenance'])}))`
		);
		const r = JSON.parse(py);
		expect(r.same).toBe(true);
		expect(r.model_path).toBe('cyto3');
		expect(r.diameter).toBe(30);
		expect(r.flow).toBe(0.4);
		expect(r.prov).toMatchObject({ app: 'Mycol', app_version: VERSION, model: 'cyto3', pixel_size_um: null, pixel_size_source: 'none', manual_edits: 7 });
		expect(r.prov.segmentation).toMatchObject({ diameter: 30, flow_threshold: 0.4, cellprob_threshold: 0 });
		// Our own reader gives back the masks of the TIFF, ids and all.
		const seg = readSegNpy('demo02_seg.npy', new Uint8Array(readFileSync(out)));
		const ids = numpyCounts(shared(DEMO02_TIF));
		const counts = new Map<number, number>();
		for (const v of seg.masks.data) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
		expect(counts).toEqual(ids);
	});

	it('seg-npy: --model-name/--model-sha256 go into the file and travel on to later exports of it', () => {
		const dir = tempDir();
		const seg = join(dir, 'demo01_seg.npy');
		const sha = 'ab'.repeat(32);
		exportOk(shared(DEMO01), 'seg-npy', seg, '--model-name', 'mycol-fungal-v1', '--model-sha256', sha.toUpperCase());
		const coco = join(dir, 'demo01.json');
		exportOk(seg, 'coco', coco);
		const d = readCoco('demo01.json', readFileSync(coco, 'utf8'));
		expect(d.info.provenance).toMatchObject({ model: 'mycol-fungal-v1', model_sha256: sha, app_version: VERSION });
		expect(d.images[0].file_name).toBe('demo01');
		const bad = mycol('export', shared(DEMO01), '--format', 'seg-npy', '--model-name', 'x', '--model-sha256', '1234', '--out', join(dir, 'x_seg.npy'));
		expect(bad.status).toBe(1);
		expect(bad.stderr).toContain('--model-sha256 must be 64 hexadecimal digits');
	});

	it('imagej-roi: one ROI per cell whose enclosed area is the cell\'s pixel count, provenance.json inside', () => {
		const dir = tempDir();
		const out = join(dir, 'img2d_rois.zip');
		exportOk(shared(NUCLEI), 'imagej-roi', out, '--pixel-size', '0.25');
		const z = readImageJRoiZip('img2d_rois.zip', new Uint8Array(readFileSync(out)));
		const counts = numpyCounts(shared(NUCLEI));
		expect(z.rois).toHaveLength(counts.size);
		const areas = new Map<number, number>();
		for (const roi of z.rois) {
			const label = Number(/^cell-(\d+)$/.exec(roi.name)?.[1]);
			areas.set(label, Math.abs(roi.rings.reduce((s, r) => s + ringArea(r), 0)));
		}
		expect(areas).toEqual(counts);
		expect(JSON.parse(z.provenance ?? 'null')).toMatchObject({ app_version: VERSION, pixel_size_um: 0.25, pixel_size_source: 'user' });
	});

	it('geojson: shapely finds each cell\'s polygon area equal to its pixel count; provenance is a top-level member', () => {
		const dir = tempDir();
		const out = join(dir, 'caulo_15.geojson');
		exportOk(shared(CAULO), 'geojson', out, '--image', shared(CAULO_IMAGE), '--pixel-size', '0.1');
		const g = readGeoJson('caulo_15.geojson', readFileSync(out, 'utf8'));
		expect(g.image).toEqual({ name: 'caulo_15.tif', width: 310, height: 281 });
		expect(g.provenance).toMatchObject({ app: 'Mycol', app_version: VERSION, pixel_size_um: 0.1, pixel_size_source: 'user', image: 'caulo_15.tif' });
		const py = python(
			`import json\nfrom shapely.geometry import shape\nd = json.load(open(${JSON.stringify(out)}))\n` +
				`print(json.dumps([[f['properties']['measurements']['Label'], shape(f['geometry']).area, shape(f['geometry']).is_valid] for f in d['features']]))`
		);
		const shapes = JSON.parse(py) as [number, number, boolean][];
		expect(new Map(shapes.map(([l, a]) => [l, a]))).toEqual(numpyCounts(shared(CAULO)));
		expect(shapes.every(([, , valid]) => valid)).toBe(true);
		expect(g.features).toHaveLength(shapes.length);
	});

	it('coco: RLE masks that decode (in numpy and in our reader) to exactly the cells; provenance in info', () => {
		const dir = tempDir();
		const out = join(dir, 'img2d.json');
		exportOk(shared(NUCLEI), 'coco', out);
		const d = readCoco('img2d.json', readFileSync(out, 'utf8'));
		expect(d.info.provenance).toMatchObject({ app_version: VERSION, pixel_size_um: null, pixel_size_source: 'none' });
		expect(d.info.version).toBe(VERSION);
		const counts = numpyCounts(shared(NUCLEI));
		expect(d.annotations).toHaveLength(counts.size);
		for (const a of d.annotations) {
			if (Array.isArray(a.segmentation)) throw new Error('expected RLE segmentation');
			const bits = rleDecode('img2d.json', a.segmentation);
			expect(bits.reduce((s, v) => s + v, 0)).toBe(counts.get(a.label));
		}
		// Uncompressed COCO RLE, decoded independently (column-major runs from a zero run).
		const py = python(
			`import numpy as np, tifffile, json\nm = tifffile.imread(${JSON.stringify(shared(NUCLEI))}); d = json.load(open(${JSON.stringify(out)}))\nok = True\n` +
				`for a in d['annotations']:\n  h, w = a['segmentation']['size']; flat = np.zeros(h * w, np.uint8); i = 0\n` +
				`  for k, c in enumerate(a['segmentation']['counts']):\n    flat[i:i + c] = k % 2; i += c\n` +
				`  ok = ok and i == h * w and bool((flat.reshape(w, h).T == (m == a['label'])).all())\n  x, y, bw, bh = a['bbox']; ys, xs = np.nonzero(m == a['label'])\n` +
				`  ok = ok and [x, y, bw, bh] == [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]\nprint(ok)`
		);
		expect(py.trim()).toBe('True');
	});

	it('overlay-png: cells drawn over the image (or black), pixel size in pHYs, provenance in iTXt chunks', () => {
		const dir = tempDir();
		const over = join(dir, 'demo05_overlay.png');
		const black = join(dir, 'demo05_black.png');
		exportOk(shared(D05_MASK), 'overlay-png', over, '--image', shared(D05_IMAGE), '--pixel-size', '0.5');
		exportOk(shared(D05_MASK), 'overlay-png', black);
		// A background pixel and a cell's first (border) pixel in raster order, and the image's range, by numpy.
		const ref = JSON.parse(
			python(
				`import numpy as np, tifffile, json\nm = tifffile.imread(${JSON.stringify(shared(D05_MASK))}); a = tifffile.imread(${JSON.stringify(shared(D05_IMAGE))})\n` +
					`bg = int(np.flatnonzero(m.ravel() == 0)[1000]); fg = int(np.flatnonzero(m.ravel() != 0)[0])\n` +
					`print(json.dumps({'bg': bg, 'fg': fg, 'v': int(a.ravel()[bg]), 'lo': int(a.min()), 'hi': int(a.max())}))`
			)
		) as { bg: number; fg: number; v: number; lo: number; hi: number };
		const grey = Math.round(((ref.v - ref.lo) * 255) / (ref.hi - ref.lo));
		const rgbaAt = (file: string, i: number) => {
			const r = readPng(file, new Uint8Array(readFileSync(file))).raster;
			expect([r.width, r.height, r.channels]).toEqual([512, 512, 4]);
			const n = r.width * r.height;
			return [0, 1, 2, 3].map((c) => r.data[c * n + i]);
		};
		expect(rgbaAt(over, ref.bg)).toEqual([grey, grey, grey, 255]);
		expect(rgbaAt(black, ref.bg)).toEqual([0, 0, 0, 255]);
		expect(rgbaAt(black, ref.fg)).toEqual([255, 255, 255, 255]);
		const png = new Uint8Array(readFileSync(over));
		expect(readPng('o.png', png).pixelSizeUm).toBeCloseTo(0.5, 9);
		const { text, types } = pngText(png);
		expect(types).toContain('pHYs');
		expect(text.get('Software')).toBe(`Mycol ${VERSION}`);
		expect(JSON.parse(text.get('mycol:provenance') ?? 'null')).toMatchObject({ app_version: VERSION, pixel_size_um: 0.5, pixel_size_source: 'user', image: 'demo05_16bit.tif' });
		expect(text.get('Description')).toContain('0.5 µm (entered by the user)');
	});

	it('refuses an unknown --format, a mask whose size differs from --image, and an unreadable file, writing nothing', () => {
		const dir = tempDir();
		const out = join(dir, 'out.tif');
		const fmt = mycol('export', shared(CAULO), '--format', 'png', '--out', out);
		expect(fmt.status).toBe(1);
		expect(fmt.stderr).toContain('unknown format "png"; the formats are tiff, seg-npy, imagej-roi, geojson, coco and overlay-png');
		const size = mycol('export', shared(CAULO), '--format', 'overlay-png', '--image', shared(D05_IMAGE), '--out', out);
		expect(size.status).toBe(1);
		expect(size.stderr).toContain('caulo_15_cp_masks.tif: the mask is 310 × 281 pixels but the image demo05_16bit.tif is 512 × 512');
		writeFileSync(join(dir, 'empty_masks.tif'), new Uint8Array());
		const empty = mycol('export', join(dir, 'empty_masks.tif'), '--format', 'tiff', '--out', out);
		expect(empty.status).toBe(1);
		expect(empty.stderr).toContain('empty_masks.tif: the file is empty');
		const jpeg = mycol('export', shared('data/odd_formats/images/demo05_q90.jpg'), '--format', 'geojson', '--out', out);
		expect(jpeg.status).toBe(1);
		expect(jpeg.stderr).toContain('a JPEG cannot hold a label mask');
		expect(existsSync(out)).toBe(false);
		expect(existsSync(join(dir, 'out.provenance.json'))).toBe(false);
	});
});
