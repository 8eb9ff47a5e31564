import { describe, expect, it } from 'vitest';
import { writeTiff } from '../../../src/lib/core/formats/tiff-writer';
import { decodeImageFile } from '../../../src/lib/core/formats/image-file';
import { allocatePixels, type DType, type Raster } from '../../../src/lib/core/raster/types';

/** A raster with values that exercise each dtype's range (negative, large, fractional). */
function sample(dtype: DType, channels: number, width = 37, height = 23): Raster {
	const n = width * height * channels;
	const data = allocatePixels(dtype, n);
	for (let i = 0; i < n; i++) {
		const v = (i * 7919) % 251;
		data[i] = dtype.startsWith('float') ? v / 7 - 11.25 : dtype.startsWith('int') ? v - 125 : dtype === 'uint8' ? v : v * 257;
	}
	return { width, height, channels, dtype, data };
}

describe('TIFF writer', () => {
	const dtypes: DType[] = ['uint8', 'uint16', 'uint32', 'int8', 'int16', 'int32', 'float32', 'float64'];
	for (const dtype of dtypes) {
		for (const channels of [1, 2]) {
			it(`round-trips ${dtype} × ${channels} channel(s), Deflate and uncompressed`, () => {
				const r = sample(dtype, channels);
				for (const compression of ['deflate', 'none'] as const) {
					const back = decodeImageFile('t.tif', writeTiff(r, { compression })).raster;
					expect([back.width, back.height, back.channels, back.dtype]).toEqual([r.width, r.height, r.channels, r.dtype]);
					expect(Array.from(back.data)).toEqual(Array.from(r.data));
				}
			});
		}
	}

	it('writes 8-bit 3-channel images as RGB and keeps the pixel size', () => {
		const r = sample('uint8', 3, 64, 48);
		const file = writeTiff(r, { pixelSizeUm: 0.325 });
		const back = decodeImageFile('rgb.tif', file);
		expect(back.raster.channels).toBe(3);
		expect(Array.from(back.raster.data)).toEqual(Array.from(r.data));
		expect(back.pixelSizeUm).toBe(0.325);
		expect(back.pixelSizeSource).toBe('imagej');
		// Photometric RGB (262 = 2) in the IFD: find the tag entry.
		const dv = new DataView(file.buffer);
		const ifd = dv.getUint32(4, true);
		const tags = new Map<number, number>();
		for (let k = 0; k < dv.getUint16(ifd, true); k++) tags.set(dv.getUint16(ifd + 2 + 12 * k, true), dv.getUint16(ifd + 10 + 12 * k, true));
		expect(tags.get(262)).toBe(2);
	});

	it('spans several strips for larger images', () => {
		const r = sample('uint16', 1, 700, 500);
		const back = decodeImageFile('big.tif', writeTiff(r)).raster;
		expect(Array.from(back.data.subarray(349_990, 350_000))).toEqual(Array.from(r.data.subarray(349_990, 350_000)));
	});

	it('refuses inconsistent rasters and pixel sizes with a sentence', () => {
		expect(() => writeTiff({ width: 2, height: 2, channels: 1, dtype: 'uint8', data: new Uint8Array(3) })).toThrow(/must have 4 values, not 3/);
		expect(() => writeTiff(sample('uint8', 1), { pixelSizeUm: -1 })).toThrow(/not a valid pixel size/);
	});
});
