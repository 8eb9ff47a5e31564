/**
 * Every image and mask under ../shared/data decodes with the size and dtype SOURCES.md lists, and
 * with the pixel values an independent reader gives.
 */
import { describe, expect, it } from 'vitest';
import { decodeImageFile, decodeLabelFile, inspectImage } from '../../../src/lib/core/formats/image-file';
import { sharedBytes } from '../shared';
import { firstDifference } from './arrays';

type Row = [file: string, c: number, h: number, w: number, dtype: string, sum: number, sumSq: number, pixels: number[][]];

/**
 * Computed at development time with /usr/bin/python3 (numpy 1.24): tifffile 2023.2.3 (page 1, or
 * the ImageJ hyperstack as (C, H, W)) or, for LZW/PackBits TIFFs (tifffile needs imagecodecs
 * there) and PNGs, PIL 9.4 `np.asarray(Image.open(f))` moved to (C, H, W). sum and sum of squares
 * in float64; pixels are [c, y, x, value] at fixed points, the first non-zero pixel and the argmax.
 */
const EXPECTED: Row[] = [
	['clesperanto_membranes/images/membranes.tif', 1, 256, 256, 'uint16', 164221513, 684027671075, [[0, 0, 0, 4496], [0, 128, 128, 4733], [0, 255, 255, 3682], [0, 85, 51, 1423], [0, 0, 0, 4496], [0, 10, 71, 44092]]], // tifffile
	['clesperanto_membranes/masks/membranes_masks.tif', 1, 256, 256, 'int32', 975968, 17367344, [[0, 0, 0, 5], [0, 128, 128, 13], [0, 255, 255, 28], [0, 85, 51, 12], [0, 0, 0, 5], [0, 218, 208, 28]]], // tifffile
	['mycol_demo_fungal/images/demo01.tif', 1, 512, 512, 'uint8', 23951958, 2199406422, [[0, 0, 0, 80], [0, 256, 256, 94], [0, 511, 511, 96], [0, 170, 102, 87], [0, 0, 0, 80], [0, 27, 266, 189]]], // tifffile
	['mycol_demo_fungal/images/demo02.tif', 1, 512, 512, 'uint8', 24329339, 2266253667, [[0, 0, 0, 82], [0, 256, 256, 95], [0, 511, 511, 97], [0, 170, 102, 88], [0, 0, 0, 82], [0, 397, 117, 201]]], // tifffile
	['mycol_demo_fungal/images/demo03.tif', 1, 512, 512, 'uint8', 28975021, 3215291729, [[0, 0, 0, 98], [0, 256, 256, 113], [0, 511, 511, 116], [0, 170, 102, 105], [0, 0, 0, 98], [0, 427, 459, 213]]], // tifffile
	['mycol_demo_fungal/images/demo04.tif', 1, 512, 512, 'uint8', 35668923, 4859887357, [[0, 0, 0, 140], [0, 256, 256, 139], [0, 511, 511, 128], [0, 170, 102, 138], [0, 0, 0, 140], [0, 288, 315, 204]]], // tifffile
	['mycol_demo_fungal/images/demo05.tif', 1, 512, 512, 'uint8', 35810747, 4898468097, [[0, 0, 0, 139], [0, 256, 256, 138], [0, 511, 511, 129], [0, 170, 102, 137], [0, 0, 0, 139], [0, 175, 448, 214]]], // tifffile
	['mycol_demo_fungal/images/demo06.tif', 1, 512, 512, 'uint8', 37052027, 5244061529, [[0, 0, 0, 137], [0, 256, 256, 142], [0, 511, 511, 138], [0, 170, 102, 138], [0, 0, 0, 137], [0, 114, 345, 210]]], // tifffile
	['mycol_demo_fungal/images/demo07.tif', 1, 512, 512, 'uint8', 35350165, 4771810579, [[0, 0, 0, 130], [0, 256, 256, 137], [0, 511, 511, 135], [0, 170, 102, 133], [0, 0, 0, 130], [0, 118, 417, 199]]], // tifffile
	['mycol_demo_fungal/images/demo08.tif', 1, 512, 512, 'uint8', 34205780, 4467891196, [[0, 0, 0, 126], [0, 256, 256, 133], [0, 511, 511, 131], [0, 170, 102, 128], [0, 0, 0, 126], [0, 217, 445, 196]]], // tifffile
	['mycol_demo_fungal/images/demo09.tif', 1, 512, 512, 'uint8', 33865513, 4381402615, [[0, 0, 0, 126], [0, 256, 256, 130], [0, 511, 511, 131], [0, 170, 102, 127], [0, 0, 0, 126], [0, 21, 298, 188]]], // tifffile
	['mycol_demo_fungal/images/demo10.tif', 1, 512, 512, 'uint8', 33827797, 4369647363, [[0, 0, 0, 125], [0, 256, 256, 131], [0, 511, 511, 129], [0, 170, 102, 127], [0, 0, 0, 125], [0, 277, 459, 217]]], // tifffile
	['mycol_demo_fungal/masks/demo01_masks.tif', 1, 512, 512, 'uint16', 30465, 190847, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 0, 287, 1], [0, 473, 473, 9]]], // tifffile
	['mycol_demo_fungal/masks/demo02_masks.tif', 1, 512, 512, 'uint16', 13774, 60104, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 75, 88, 1], [0, 391, 340, 7]]], // tifffile
	['mycol_demo_fungal/masks/demo03_masks.tif', 1, 512, 512, 'uint16', 19353, 119225, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 26, 241, 7], [0, 54, 316, 8]]], // tifffile
	['mycol_demo_fungal/masks/demo04_masks.tif', 1, 512, 512, 'uint16', 60322, 705362, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 31, 97, 1], [0, 117, 370, 17]]], // tifffile
	['mycol_demo_fungal/masks/demo05_masks.tif', 1, 512, 512, 'uint16', 29032, 216676, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 78, 76, 1], [0, 336, 278, 11]]], // tifffile
	['mycol_demo_fungal/masks/demo06_masks.tif', 1, 512, 512, 'uint16', 47362, 514784, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 27, 79, 1], [0, 478, 124, 16]]], // tifffile
	['mycol_demo_fungal/masks/demo07_masks.tif', 1, 512, 512, 'uint16', 14627, 86993, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 35, 91, 2], [0, 451, 414, 8]]], // tifffile
	['mycol_demo_fungal/masks/demo08_masks.tif', 1, 512, 512, 'uint16', 25041, 174177, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 49, 348, 2], [0, 330, 176, 10]]], // tifffile
	['mycol_demo_fungal/masks/demo09_masks.tif', 1, 512, 512, 'uint16', 43391, 373571, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 13, 304, 1], [0, 401, 382, 13]]], // tifffile
	['mycol_demo_fungal/masks/demo10_masks.tif', 1, 512, 512, 'uint16', 21803, 167133, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 2, 33, 1], [0, 469, 296, 11]]], // tifffile
	['odd_formats/images/bbbc022_IXMtest_A02_s9_3ch_imagej.tif', 3, 395, 695, 'uint16', 203484740, 78648472078, [[0, 0, 0, 149], [0, 197, 347, 164], [2, 394, 694, 160], [2, 131, 139, 186], [0, 0, 0, 149], [2, 0, 640, 4095]]], // tifffile
	['odd_formats/images/blobs_imagej.tif', 1, 254, 256, 'uint8', 6714936, 1021750208, [[0, 0, 0, 40], [0, 127, 128, 224], [0, 253, 255, 48], [0, 84, 51, 64], [0, 0, 0, 40], [0, 0, 150, 248]]], // tifffile
	['odd_formats/images/demo05_16bit.tif', 1, 512, 512, 'uint16', 9203361979, 323538919338753, [[0, 0, 0, 35723], [0, 256, 256, 35466], [0, 511, 511, 33153], [0, 170, 102, 35209], [0, 0, 0, 35723], [0, 175, 448, 54998]]], // tifffile
	['odd_formats/images/demo05_imagej_calibrated_0.65um.tif', 1, 512, 512, 'uint8', 35810747, 4898468097, [[0, 0, 0, 139], [0, 256, 256, 138], [0, 511, 511, 129], [0, 170, 102, 137], [0, 0, 0, 139], [0, 175, 448, 214]]], // tifffile
	['odd_formats/images/demo05_lzw.tif', 1, 512, 512, 'uint8', 35810747, 4898468097, [[0, 0, 0, 139], [0, 256, 256, 138], [0, 511, 511, 129], [0, 170, 102, 137], [0, 0, 0, 139], [0, 175, 448, 214]]], // PIL
	['odd_formats/images/demo05_multipage_2frames.tif', 1, 512, 512, 'uint8', 35810747, 4898468097, [[0, 0, 0, 139], [0, 256, 256, 138], [0, 511, 511, 129], [0, 170, 102, 137], [0, 0, 0, 139], [0, 175, 448, 214]]], // tifffile
	['odd_formats/masks/demo05_16bit_masks.tif', 1, 512, 512, 'uint16', 29032, 216676, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 78, 76, 1], [0, 336, 278, 11]]], // tifffile
	['odd_formats/masks/demo05_imagej_calibrated_0.65um_masks.tif', 1, 512, 512, 'uint16', 29032, 216676, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 78, 76, 1], [0, 336, 278, 11]]], // tifffile
	['odd_formats/masks/demo05_lzw_masks.tif', 1, 512, 512, 'uint16', 29032, 216676, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 78, 76, 1], [0, 336, 278, 11]]], // tifffile
	['odd_formats/masks/demo05_q90_masks.tif', 1, 512, 512, 'uint16', 29032, 216676, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 78, 76, 1], [0, 336, 278, 11]]], // tifffile
	['omnipose_bacteria_phase/images/caulo_15.tif', 1, 281, 310, 'uint16', 2238543798, 59161085965180, [[0, 0, 0, 28852], [0, 140, 155, 27210], [0, 280, 309, 17050], [0, 93, 62, 25670], [0, 0, 0, 28852], [0, 264, 222, 64813]]], // PIL
	['omnipose_bacteria_phase/images/ec_5I_t141xy5c1.tif', 1, 334, 321, 'uint16', 1161114317, 13796692857515, [[0, 0, 0, 10456], [0, 167, 160, 17403], [0, 333, 320, 10459], [0, 111, 64, 20214], [0, 0, 0, 10456], [0, 208, 135, 39614]]], // PIL
	['omnipose_bacteria_phase/masks/caulo_15_cp_masks.tif', 1, 281, 310, 'uint8', 135951, 1682479, [[0, 0, 0, 0], [0, 140, 155, 0], [0, 280, 309, 21], [0, 93, 62, 0], [0, 0, 47, 1], [0, 279, 302, 21]]], // tifffile
	['omnipose_bacteria_phase/masks/ec_5I_t141xy5c1_cp_masks.tif', 1, 334, 321, 'uint8', 2630832, 276924752, [[0, 0, 0, 0], [0, 167, 160, 85], [0, 333, 320, 0], [0, 111, 64, 42], [0, 45, 105, 1], [0, 270, 208, 159]]], // tifffile
	['stardist_dsb2018_nuclei/images/img2d.tif', 1, 512, 512, 'uint16', 8331268, 413169678, [[0, 0, 0, 14], [0, 256, 256, 102], [0, 511, 511, 37], [0, 170, 102, 6], [0, 0, 0, 14], [0, 459, 53, 235]]], // tifffile
	['stardist_dsb2018_nuclei/masks/img2d_masks.tif', 1, 512, 512, 'uint16', 4978481, 613121741, [[0, 0, 0, 0], [0, 256, 256, 174], [0, 511, 511, 0], [0, 170, 102, 0], [0, 0, 191, 42], [0, 475, 246, 183]]], // tifffile
	['odd_formats/images/demo05_rgb.png', 3, 512, 512, 'uint8', 107432241, 14695404291, [[0, 0, 0, 139], [0, 256, 256, 138], [2, 511, 511, 129], [2, 170, 102, 137], [0, 0, 0, 139], [2, 175, 448, 214]]], // PIL
	['odd_formats/masks/demo05_rgb_masks.png', 1, 512, 512, 'uint8', 29032, 216676, [[0, 0, 0, 0], [0, 256, 256, 0], [0, 511, 511, 0], [0, 170, 102, 0], [0, 78, 76, 1], [0, 336, 278, 11]]], // PIL
];

function stats(data: ArrayLike<number>): { sum: number; sumSq: number } {
	let sum = 0;
	let sumSq = 0;
	for (let i = 0; i < data.length; i++) {
		sum += data[i];
		sumSq += data[i] * data[i];
	}
	return { sum, sumSq };
}

describe('shared data: images and masks decode as the reference readers read them', () => {
	for (const [file, c, h, w, dtype, sum, sumSq, pixels] of EXPECTED) {
		it(file, () => {
			const img = decodeImageFile(file, sharedBytes(`data/${file}`));
			const r = img.raster;
			expect([r.channels, r.height, r.width, r.dtype]).toEqual([c, h, w, dtype]);
			expect(r.data.length).toBe(c * h * w);
			const s = stats(r.data);
			expect(s.sum).toBe(sum);
			expect(s.sumSq).toBe(sumSq);
			for (const [ch, y, x, v] of pixels) expect(r.data[(ch * h + y) * w + x]).toBe(v);
			// The header-only inspection agrees with the decode.
			const info = inspectImage(file, sharedBytes(`data/${file}`));
			expect([info.channels, info.height, info.width, info.dtype, info.pages]).toEqual([c, h, w, dtype, img.pages]);
		});
	}
});

describe('shared data: masks as labels', () => {
	/** Distinct non-zero ids and the largest id, from numpy `np.unique` at development time. */
	const MASKS: [string, number, number][] = [
		['mycol_demo_fungal/masks/demo05_masks.tif', 11, 11],
		['stardist_dsb2018_nuclei/masks/img2d_masks.tif', 125, 183],
		['omnipose_bacteria_phase/masks/caulo_15_cp_masks.tif', 21, 21],
		['omnipose_bacteria_phase/masks/ec_5I_t141xy5c1_cp_masks.tif', 159, 159],
		['clesperanto_membranes/masks/membranes_masks.tif', 28, 28],
		['odd_formats/masks/demo05_rgb_masks.png', 11, 11]
	];
	for (const [file, count, max] of MASKS) {
		it(`${file}: ${count} cells, largest id ${max}`, () => {
			const { labels } = decodeLabelFile(file, sharedBytes(`data/${file}`));
			const ids = new Set(labels.data);
			ids.delete(0);
			expect(ids.size).toBe(count);
			expect(Math.max(...ids)).toBe(max);
		});
	}

	it('the int32 membranes mask (no background) becomes ids 1..28 with no zeros', () => {
		const { labels } = decodeLabelFile('membranes_masks.tif', sharedBytes('data/clesperanto_membranes/masks/membranes_masks.tif'));
		expect(labels.data.includes(0)).toBe(false);
	});

	it('every demo mask equals its TIFF twin in the other derived formats', () => {
		const ref = decodeLabelFile('a', sharedBytes('data/mycol_demo_fungal/masks/demo05_masks.tif')).labels.data;
		for (const f of ['odd_formats/masks/demo05_rgb_masks.png', 'odd_formats/masks/demo05_lzw_masks.tif', 'odd_formats/masks/demo05_16bit_masks.tif']) {
			expect(firstDifference(decodeLabelFile(f, sharedBytes(`data/${f}`)).labels.data, ref)).toBe(-1);
		}
	});
});

describe('shared data: derived demo05 images match the original', () => {
	const original = decodeImageFile('demo05.tif', sharedBytes('data/mycol_demo_fungal/images/demo05.tif')).raster.data;

	it('LZW equals the original', () => {
		const r = decodeImageFile('lzw', sharedBytes('data/odd_formats/images/demo05_lzw.tif')).raster;
		expect(firstDifference(r.data, original)).toBe(-1);
	});

	it('16-bit = 257 × original', () => {
		const r = decodeImageFile('16', sharedBytes('data/odd_formats/images/demo05_16bit.tif')).raster;
		expect(r.dtype).toBe('uint16');
		for (let i = 0; i < original.length; i++) if (r.data[i] !== 257 * original[i]) throw new Error(`pixel ${i}: ${r.data[i]}`);
	});

	it('each RGB PNG channel equals the original', () => {
		const r = decodeImageFile('rgb', sharedBytes('data/odd_formats/images/demo05_rgb.png')).raster;
		const n = original.length;
		for (let c = 0; c < 3; c++) expect(firstDifference(r.data.subarray(c * n, (c + 1) * n), original)).toBe(-1);
	});

	it('the 2-page file gives page 1 (the original) with a note', () => {
		const img = decodeImageFile('mp.tif', sharedBytes('data/odd_formats/images/demo05_multipage_2frames.tif'));
		expect(img.pages).toBe(2);
		expect(firstDifference(img.raster.data, original)).toBe(-1);
		expect(img.notes).toContain('2 pages; page 1 is shown.');
	});

	it('the JPEG is close to PIL’s decoding and to the lossless original', () => {
		const img = decodeImageFile('q90.jpg', sharedBytes('data/odd_formats/images/demo05_q90.jpg'));
		const r = img.raster;
		expect([img.format, r.channels, r.height, r.width, r.dtype]).toEqual(['jpeg', 1, 512, 512, 'uint8']);
		// PIL 9.4 (libjpeg) decoding, sampled at y, x = 16 + 32 i, 16 + 32 j (row-major 16 × 16).
		const PIL_GRID = [
			140, 142, 142, 144, 144, 143, 143, 143, 145, 145, 143, 144, 143, 143, 142, 142, 141, 140, 141, 140, 141, 142, 142, 142, 141, 142, 142, 143, 141, 141, 141, 140, 140, 140, 140, 140, 141, 141, 142, 141, 141, 141, 141, 141, 140, 140, 140, 140, 137, 139, 139, 139, 140, 139, 140, 141, 141, 140, 140, 140, 138, 139, 138, 139, 137, 137, 138, 139, 139, 141, 139, 140, 128, 139, 139, 138, 138, 138, 143, 139, 136, 137, 137, 139, 139, 139, 138, 140, 139, 140, 138, 138, 138, 137, 139, 137, 136, 137, 137, 139, 138, 138, 136, 136, 138, 138, 137, 137, 137, 137, 137, 136, 136, 135, 139, 137, 138, 138, 137, 138, 139, 138, 136, 139, 138, 137, 136, 136, 135, 135, 135, 135, 137, 136, 137, 138, 137, 137, 169, 136, 136, 135, 134, 135, 134, 127, 135, 134, 137, 135, 135, 137, 135, 134, 135, 135, 135, 135, 134, 136, 134, 133, 135, 134, 134, 136, 135, 135, 95, 135, 135, 135, 135, 135, 134, 134, 132, 134, 133, 143, 134, 135, 134, 135, 135, 134, 135, 135, 134, 133, 134, 135, 133, 134, 133, 135, 134, 134, 135, 135, 134, 136, 134, 134, 133, 133, 133, 133, 132, 132, 131, 133, 133, 133, 133, 131, 133, 134, 133, 133, 134, 132, 133, 134, 131, 131, 131, 133, 133, 137, 133, 133, 133, 134, 132, 132, 132, 134, 132, 133, 131, 131, 133, 132, 132, 132, 132, 132, 133, 133, 132, 134, 134, 133, 131, 131
		];
		let diff = 0;
		let worst = 0;
		for (let i = 0; i < 16; i++) {
			for (let j = 0; j < 16; j++) {
				const d = Math.abs(r.data[(16 + 32 * i) * 512 + 16 + 32 * j] - PIL_GRID[i * 16 + j]);
				diff += d;
				worst = Math.max(worst, d);
			}
		}
		expect(diff / 256).toBeLessThan(0.5);
		expect(worst).toBeLessThanOrEqual(2);
		// PIL's full-image sum is 35,812,074; PIL differs from the original by 0.216 on average.
		const s = stats(r.data);
		expect(Math.abs(s.sum - 35812074) / (512 * 512)).toBeLessThan(0.1);
		let mad = 0;
		for (let i = 0; i < original.length; i++) mad += Math.abs(r.data[i] - original[i]);
		expect(mad / original.length).toBeLessThan(0.5);
	});
});

describe('shared data: pixel sizes', () => {
	it('the ImageJ-calibrated demo05 gives 0.65 µm from its ImageJ metadata', () => {
		const img = decodeImageFile('cal.tif', sharedBytes('data/odd_formats/images/demo05_imagej_calibrated_0.65um.tif'));
		expect(img.pixelSizeUm).toBe(0.65);
		expect(img.pixelSizeSource).toBe('imagej');
	});

	it('caulo_15.tif’s 72 dpi is not a pixel size', () => {
		const img = decodeImageFile('caulo_15.tif', sharedBytes('data/omnipose_bacteria_phase/images/caulo_15.tif'));
		expect(img.pixelSizeUm).toBeNull();
		expect(img.pixelSizeSource).toBeNull();
		expect(img.notes.join(' ')).toMatch(/72 dots per inch/);
	});

	it('tifffile’s default (1, 1) resolution with unit NONE gives no pixel size', () => {
		const img = decodeImageFile('img2d.tif', sharedBytes('data/stardist_dsb2018_nuclei/images/img2d.tif'));
		expect(img.pixelSizeUm).toBeNull();
	});

	it('the ImageJ hyperstack gives its 3 channels as (C, H, W)', () => {
		const img = decodeImageFile('bbbc.tif', sharedBytes('data/odd_formats/images/bbbc022_IXMtest_A02_s9_3ch_imagej.tif'));
		expect(img.pages).toBe(3);
		expect(img.raster.channels).toBe(3);
		expect(img.notes).toEqual([]);
	});
});
