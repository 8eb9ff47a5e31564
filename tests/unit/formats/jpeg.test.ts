import { describe, expect, it } from 'vitest';
import { readJpeg, readJpegHeader, type JpegDecoder } from '../../../src/lib/core/formats/jpeg';
import { decodeImageFile, decodeImageFileAsync } from '../../../src/lib/core/formats/image-file';
import { sharedBytes } from '../shared';
import { JPEG_FIXTURES, PIL_PROGRESSIVE, PIL_RGB } from './jpeg-fixtures';

function b64(s: string): Uint8Array {
	const b = Buffer.from(s, 'base64');
	return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Mean and largest absolute difference. */
function diff(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; max: number } {
	let sum = 0;
	let max = 0;
	for (let i = 0; i < a.length; i++) {
		const d = Math.abs(a[i] - b[i]);
		sum += d;
		max = Math.max(max, d);
	}
	return { mean: sum / a.length, max };
}

/** Offset of the first marker 0xFF `m`. */
function markerAt(b: Uint8Array, m: number): number {
	for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0xff && b[i + 1] === m) return i;
	return -1;
}

describe('JPEG decoding (jpeg-js) against PIL’s decoding', () => {
	it('baseline RGB: 3 channels, within rounding of libjpeg', () => {
		const img = readJpeg('rgb.jpg', b64(JPEG_FIXTURES.rgb));
		const r = img.raster;
		expect([r.channels, r.height, r.width, r.dtype]).toEqual([3, 16, 24, 'uint8']);
		// jpeg-js converts YCbCr → RGB in floating point, libjpeg with integer tables: ±1 level here and there.
		const d = diff(r.data, PIL_RGB);
		expect(d.mean).toBeLessThan(1);
		expect(d.max).toBeLessThanOrEqual(3);
		// Its JFIF density says 72 dpi: a default, not a pixel size.
		expect(img.pixelSizeUm).toBeNull();
		expect(img.notes.join(' ')).toMatch(/72 dots per inch/);
	});

	it('progressive greyscale: 1 channel, within rounding of libjpeg', () => {
		const r = readJpeg('p.jpg', b64(JPEG_FIXTURES.progressive)).raster;
		expect([r.channels, r.height, r.width]).toEqual([1, 16, 24]);
		const d = diff(r.data, PIL_PROGRESSIVE);
		expect(d.mean).toBeLessThan(0.5);
		expect(d.max).toBeLessThanOrEqual(3);
	});

	it('reads the header of the shared JPEG without decoding', () => {
		const h = readJpegHeader('q90.jpg', sharedBytes('data/odd_formats/images/demo05_q90.jpg'));
		expect(h).toEqual({ width: 512, height: 512, components: 1, progressive: false, density: { unit: 0, x: 1, y: 1 } });
	});

	it('a JFIF density in dots per cm that is not a default gives a pixel size', () => {
		const bytes = b64(JPEG_FIXTURES.rgb).slice();
		// APP0 JFIF: units at +11, Xdensity at +12, Ydensity at +14 (from the APP0 marker).
		const app0 = markerAt(bytes, 0xe0);
		bytes[app0 + 11] = 2;
		bytes.set([0x3c, 0x19, 0x3c, 0x19], app0 + 12); // 15,385 dots per cm → 10,000 / 15,385 = 0.649984 µm
		const img = readJpeg('dpcm.jpg', bytes);
		expect(img.pixelSizeUm).toBe(0.649984);
		expect(img.pixelSizeSource).toBe('resolution');
	});
});

describe('the JPEG decoder can be swapped', () => {
	it('a synchronous decoder can be given to decodeImageFile', () => {
		const fake = (_f: string, _b: Uint8Array, h: { width: number; height: number }) => ({ width: h.width, height: h.height, channels: 1 as const, data: new Uint8Array(h.width * h.height).fill(9) });
		const img = decodeImageFile('q90.jpg', sharedBytes('data/odd_formats/images/demo05_q90.jpg'), { decodeJpeg: fake });
		expect([img.format, img.raster.data[77]]).toEqual(['jpeg', 9]);
	});

	it('decodeImageFileAsync uses an injected (async) decoder and keeps the header checks', async () => {
		const calls: string[] = [];
		const fake: JpegDecoder = async (file, _bytes, header) => {
			calls.push(file);
			return { width: header.width, height: header.height, channels: 1, data: new Uint8Array(header.width * header.height).fill(7) };
		};
		const img = await decodeImageFileAsync('q90.jpg', sharedBytes('data/odd_formats/images/demo05_q90.jpg'), { decodeJpeg: fake });
		expect(calls).toEqual(['q90.jpg']);
		expect([img.format, img.raster.channels, img.raster.width, img.raster.data[1234]]).toEqual(['jpeg', 1, 512, 7]);
	});

	it('an injected decoder returning the wrong size is caught', async () => {
		const wrong: JpegDecoder = () => ({ width: 10, height: 10, channels: 1, data: new Uint8Array(100) });
		await expect(decodeImageFileAsync('q90.jpg', sharedBytes('data/odd_formats/images/demo05_q90.jpg'), { decodeJpeg: wrong })).rejects.toThrow(
			/q90\.jpg: the JPEG decoder returned an image of a different size/
		);
	});
});

describe('JPEG errors', () => {
	const good = b64(JPEG_FIXTURES.rgb);

	it('a cut file (no end marker) is reported as truncated', () => {
		const cut = good.subarray(0, good.length - 100);
		expect(() => readJpeg('cut.jpg', cut)).toThrow(`cut.jpg: the file ends after ${cut.length} bytes without the JPEG end marker (truncated?)`);
	});

	it('a file cut inside its headers is reported', () => {
		expect(() => readJpeg('cut.jpg', good.subarray(0, 30))).toThrow(/cut\.jpg: the file ends inside a JPEG header segment/);
	});

	it('arithmetic-coded JPEGs are refused by name', () => {
		const bytes = good.slice();
		bytes[markerAt(bytes, 0xc0) + 1] = 0xc9;
		expect(() => readJpeg('arith.jpg', bytes)).toThrow(/arith\.jpg: this is a arithmetic-coded sequential JPEG, which Mycol does not read/);
	});

	it('12-bit JPEGs are refused', () => {
		const bytes = good.slice();
		bytes[markerAt(bytes, 0xc0) + 4] = 12;
		expect(() => readJpeg('j12.jpg', bytes)).toThrow(/j12\.jpg: this is a 12-bit JPEG/);
	});

	it('a frame header declaring 65,535 × 65,535 pixels is refused before decoding', () => {
		const bytes = good.slice();
		const sof = markerAt(bytes, 0xc0);
		bytes.set([0xff, 0xff, 0xff, 0xff], sof + 5);
		expect(() => readJpeg('big.jpg', bytes)).toThrow(/big\.jpg: the file declares 65,535 × 65,535 pixels, more than the limit/);
	});
});
