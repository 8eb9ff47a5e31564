import { describe, expect, it } from 'vitest';
import {
	IMAGENET_MEAN,
	IMAGENET_STD,
	cellBoxes,
	extractPatches,
	mycolNormalize,
	nhwcToNchw,
	type PatchBatch
} from '../../../src/lib/core/classify/patches';
import { areaTaps, letterbox, letterboxGeometry, resizePlanar } from '../../../src/lib/core/classify/letterbox';
import { decodeImageFile, decodeLabelFile } from '../../../src/lib/core/formats/image-file';
import { ParamError } from '../../../src/lib/core/formats/errors';
import type { Labels, Raster } from '../../../src/lib/core/raster/types';
import { sharedBytes } from '../shared';

/** Channel c of patch n as rows (NHWC → nested arrays). */
function plane(b: PatchBatch, n: number, c: number): number[][] {
	const S = b.size;
	return Array.from({ length: S }, (_, y) => Array.from({ length: S }, (_, x) => b.data[((n * S + y) * S + x) * 3 + c]));
}

function expectRowsClose(actual: number[][], expected: number[][], eps = 1e-6) {
	expect(actual.length).toBe(expected.length);
	actual.forEach((row, y) => row.forEach((v, x) => expect(Math.abs(v - expected[y][x]), `(${y}, ${x}): ${v} vs ${expected[y][x]}`).toBeLessThan(eps)));
}

/*
 * Hand-made example: a 10 × 10 grey uint8 image with v = 10·y + x, so numpy's percentiles are
 * p1 = 0.99 and p99 = 98.01 (linear method: ranks 0.99 and 98.01 of 0…99). Cell 7 fills rows 2–4,
 * columns 3–7 (a 3 × 5 box) except (2, 3), which is cell 9, and (4, 7), which is background;
 * cell 5 is the corner pixel (9, 9).
 */
const W = 10;
const image: Raster = { width: W, height: W, channels: 1, dtype: 'uint8', data: Uint8Array.from({ length: 100 }, (_, i) => i) };
const labels: Labels = (() => {
	const d = new Uint32Array(100);
	for (let y = 2; y <= 4; y++) for (let x = 3; x <= 7; x++) d[y * W + x] = 7;
	d[2 * W + 3] = 9;
	d[4 * W + 7] = 0;
	d[99] = 5;
	return { width: W, height: W, data: d };
})();
const n = (v: number) => (v - 0.99) / 97.02;

describe('cell boxes', () => {
	it('finds each cell’s tight box, ascending by id', () => {
		expect(cellBoxes(labels)).toEqual([
			{ id: 5, y0: 9, x0: 9, y1: 10, x1: 10 },
			{ id: 7, y0: 2, x0: 3, y1: 5, x1: 8 },
			{ id: 9, y0: 2, x0: 3, y1: 3, x1: 4 }
		]);
	});
});

describe('patches of a hand-made image', () => {
	it('crops, masks the background and letterboxes a 3 × 5 cell (no resize at S = 5)', () => {
		const b = extractPatches(image, labels, { size: 5, ids: [7] });
		expect(b.count).toBe(1);
		expect([...b.ids]).toEqual([7]);
		// scale = min(5/3, 5/5) = 1: the 3 × 5 crop sits at row offset (5 − 3) div 2 = 1.
		const expected = [
			[0, 0, 0, 0, 0],
			[0, n(24), n(25), n(26), n(27)],
			[n(33), n(34), n(35), n(36), n(37)],
			[n(43), n(44), n(45), n(46), 0],
			[0, 0, 0, 0, 0]
		];
		for (let c = 0; c < 3; c++) expectRowsClose(plane(b, 0, c), expected); // grey → 3 identical channels
		const ctx = extractPatches(image, labels, { size: 5, ids: [7], maskBackground: false });
		expect(plane(ctx, 0, 0)[1][0]).toBeCloseTo(n(23), 6);
		expect(plane(ctx, 0, 0)[3][4]).toBeCloseTo(n(47), 6);
	});

	it('enlarges a one-pixel cell to a constant patch', () => {
		const b = extractPatches(image, labels, { size: 8, ids: [9] });
		for (const row of plane(b, 0, 1)) for (const v of row) expect(v).toBeCloseTo(n(23), 6);
	});

	it('grows the box by the margin and clamps it to the image', () => {
		// Margin 0.5 of the longer side, rounded half to even as Python: cell 7 (side 5) → round(2.5) = 2,
		// cell 5 (side 1) → round(0.5) = 0; with margin 1, cell 5 grows by 1 and is clamped at the corner.
		const b = extractPatches(image, labels, { size: 8, margin: 0.5 });
		expect(b.boxes).toEqual([
			{ id: 5, y0: 9, x0: 9, y1: 10, x1: 10 },
			{ id: 7, y0: 0, x0: 1, y1: 7, x1: 10 },
			{ id: 9, y0: 2, x0: 3, y1: 3, x1: 4 }
		]);
		expect(extractPatches(image, labels, { size: 8, margin: 1, ids: [5] }).boxes).toEqual([{ id: 5, y0: 8, x0: 8, y1: 10, x1: 10 }]);
	});

	it("applies the Mycol app's normalize_image for its checkpoints", () => {
		// Mycol (Python, numpy 1.24): normalize_image(np.full((8, 8, 3), 23, np.float32)) → 127 everywhere.
		const b = extractPatches(image, labels, { size: 8, ids: [9], intensity: 'mycol' });
		for (const v of b.data) expect(v).toBeCloseTo(127 / 255, 7);
		// mean 100 → × 1.275: 127.5 → 127, 382.5 → 255 (clipped); mean ≤ 0 → min/max scaling: [−2, 2, 0] → [0, 255, 127].
		const a = Float32Array.from([9, 0, 0, 100, 300, 9]);
		mycolNormalize(a, 1, 4);
		expect([...a]).toEqual([9, 0, 0, Math.fround(127 / 255), 1, 9]);
		const z = Float32Array.from([-2, 2, 0]);
		mycolNormalize(z, 0, 3);
		expect([...z]).toEqual([0, 1, Math.fround(127 / 255)]);
	});

	it('standardises with the ImageNet mean and std, background included', () => {
		const b = extractPatches(image, labels, { size: 5, ids: [7], standardize: 'imagenet' });
		for (let c = 0; c < 3; c++) {
			expect(plane(b, 0, c)[0][0]).toBeCloseTo(-IMAGENET_MEAN[c] / IMAGENET_STD[c], 5);
			expect(plane(b, 0, c)[2][2]).toBeCloseTo((n(35) - IMAGENET_MEAN[c]) / IMAGENET_STD[c], 5);
		}
	});

	it('keeps RGB channels apart, drops alpha, and zero-fills a missing blue', () => {
		// 4 channels: channel c holds v + 100·c, so each channel's percentiles shift by 100·c and normalise alike.
		const rgba: Raster = { width: W, height: W, channels: 4, dtype: 'uint16', data: Uint16Array.from({ length: 400 }, (_, i) => (i % 100) + 100 * Math.floor(i / 100)) };
		const b = extractPatches(rgba, labels, { size: 5, ids: [7] });
		for (let c = 0; c < 3; c++) expect(plane(b, 0, c)[2][1]).toBeCloseTo(n(34), 6);
		// Two channels: red and green from them, blue zero.
		const two: Raster = { ...rgba, channels: 2, data: rgba.data.subarray(0, 200) };
		const t = extractPatches(two, labels, { size: 5, ids: [7] });
		expect(plane(t, 0, 1)[2][1]).toBeCloseTo(n(34), 6);
		expect(plane(t, 0, 2).flat().every((v) => v === 0)).toBe(true);
		expect(() => extractPatches(two, labels, { channels: [0, 1, 2] })).toThrow('channel 3 does not exist: the image has 2 channels');
	});

	it('refuses a mask of another size and impossible settings', () => {
		const small: Labels = { width: 5, height: 10, data: new Uint32Array(50) };
		expect(() => extractPatches(image, small)).toThrow(ParamError);
		expect(() => extractPatches(image, small)).toThrow('the mask is 5 × 10 pixels but the image is 10 × 10');
		expect(() => extractPatches(image, labels, { size: 0 })).toThrow('patch size must be a whole number of pixels from 1 to 1024');
		expect(() => extractPatches(image, labels, { margin: -1 })).toThrow('patch margin');
		expect(extractPatches(image, { width: W, height: W, data: new Uint32Array(100) }).count).toBe(0);
	});
});

describe('letterbox resizing (hand-worked)', () => {
	it('places the crop as Mycol computes it (Python round: half to even)', () => {
		expect(letterboxGeometry(3, 5, 64)).toEqual({ scale: 12.8, width: 64, height: 38, offsetX: 0, offsetY: 13 });
		// 5 × 8 → S = 4: scale 0.5, height round(2.5) = 2 (not 3), offset (4 − 2) div 2 = 1.
		expect(letterboxGeometry(5, 8, 4)).toEqual({ scale: 0.5, width: 4, height: 2, offsetX: 0, offsetY: 1 });
	});

	it('averages areas when shrinking', () => {
		// 2 × 4 → S = 2: scale 0.5, 1 × 2 block means at offset (0, 0).
		const { data, geometry } = letterbox(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 1, 2, 4, 2);
		expect(geometry).toMatchObject({ width: 2, height: 1, offsetX: 0, offsetY: 0 });
		expect([...data]).toEqual([3.5, 5.5, 0, 0]);
		// 3 → 2 (scale 1.5): out0 = (1·p0 + 0.5·p1) / 1.5, out1 = (0.5·p1 + 1·p2) / 1.5.
		const t = areaTaps(3, 2);
		expect([...t.index]).toEqual([0, 1, 1, 2]);
		expect([...resizePlanar(Float32Array.from([0, 3, 6]), 1, 1, 3, 1, 2, true)]).toEqual([1, 5]);
	});

	it('interpolates bilinearly with half-pixel centres and clamped edges when enlarging', () => {
		// 2 → 4: sources −0.25 (→ 0), 0.25, 0.75, 1.25 (→ 1).
		expect([...resizePlanar(Float32Array.from([0, 4]), 1, 1, 2, 1, 4, false)]).toEqual([0, 1, 3, 4]);
		// 3 → 5: sources 0.6·j − 0.2 = −0.2 (→ 0), 0.4, 1.0, 1.6, 2.2 (→ 2).
		const r = resizePlanar(Float32Array.from([0, 10, 20]), 1, 1, 3, 1, 5, false);
		[0, 4, 10, 16, 20].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 5));
		// Separable in 2-D: 2 × 2 → 4 × 4, corner values repeat, centre 2 × 2 is the bilinear blend.
		const q = resizePlanar(Float32Array.from([0, 4, 8, 12]), 1, 2, 2, 4, 4, false);
		expect([...q.subarray(0, 4)]).toEqual([0, 1, 3, 4]);
		expect([...q.subarray(4, 8)]).toEqual([2, 3, 5, 6]);
	});

	it('converts NHWC to NCHW', () => {
		// One 1 × 2 patch, 3 channels: pixel 0 = (1, 2, 3), pixel 1 = (4, 5, 6).
		expect([...nhwcToNchw(Float32Array.from([1, 2, 3, 4, 5, 6]), 1, 1, 2, 3)]).toEqual([1, 4, 2, 5, 3, 6]);
	});
});

describe('patches of a real image (demo01 of the Mycol demo data)', () => {
	const img = decodeImageFile('demo01.tif', sharedBytes('data/mycol_demo_fungal/images/demo01.tif')).raster;
	const mask = decodeLabelFile('demo01_masks.tif', sharedBytes('data/mycol_demo_fungal/masks/demo01_masks.tif')).labels;

	it('cuts one 64 × 64 × 3 patch per cell, with the boxes of scipy.ndimage.find_objects', () => {
		const b = extractPatches(img, mask);
		// scipy 1.10 find_objects on demo01_masks.tif: id → (row start, col start, row stop, col stop).
		const scipy = [
			[1, 0, 248, 46, 298],
			[2, 86, 258, 115, 275],
			[3, 66, 204, 112, 257],
			[4, 110, 152, 146, 196],
			[5, 142, 347, 206, 376],
			[6, 356, 270, 391, 305],
			[7, 364, 317, 378, 330],
			[8, 391, 79, 512, 143],
			[9, 473, 467, 486, 486]
		];
		expect(b.count).toBe(9);
		expect(b.data.length).toBe(9 * 64 * 64 * 3);
		expect(b.boxes.map((x) => [x.id, x.y0, x.x0, x.y1, x.x1])).toEqual(scipy);
		expect(b.data.every((v) => v >= 0 && v <= 1)).toBe(true);
	});

	it('matches an independent numpy/PIL computation of three patches', () => {
		/*
		 * Computed with numpy 1.24 + PIL 9.4: normalise the image by np.percentile(im, [1, 99]) and
		 * clip to [0, 1], crop find_objects' box, multiply by the mask, resize to
		 * (round(w·s), round(h·s)) — PIL Image 'F' BILINEAR when enlarging, an overlap-weight
		 * matrix product (Wy @ crop @ Wxᵀ) when shrinking — and paste at ((64 − nh)//2, (64 − nw)//2).
		 * Values: Σ v, Σ v², Σ v·(64·y + x) over the 64 × 64 patch.
		 */
		const expected: Record<number, [number, number, number]> = {
			4: [609.4515561140724, 423.67959302574195, 935921.169043161],
			8: [225.32295010916212, 160.43776207374748, 468833.731735557],
			9: [1419.201821333234, 1215.1853363702426, 2523943.8160942076]
		};
		const b = extractPatches(img, mask, { ids: [4, 8, 9] });
		expect([...b.ids]).toEqual([4, 8, 9]);
		b.ids.forEach((id, k) => {
			const p = plane(b, k, 0);
			let s = 0;
			let s2 = 0;
			let sw = 0;
			p.forEach((row, y) => row.forEach((v, x) => ((s += v), (s2 += v * v), (sw += v * (64 * y + x)))));
			const [es, es2, esw] = expected[id];
			expect(Math.abs(s - es), `cell ${id} sum`).toBeLessThan(1e-3);
			expect(Math.abs(s2 - es2), `cell ${id} sum of squares`).toBeLessThan(1e-3);
			expect(Math.abs(sw - esw) / esw, `cell ${id} position-weighted sum`).toBeLessThan(1e-6);
		});
	});
});
