/**
 * Hostile and broken files: each gives a FormatError whose sentence names the file and says what is
 * wrong, quickly, without allocating what the file claims.
 */
import { describe, expect, it } from 'vitest';
import { zlibSync } from 'fflate';
import { decodeImageFile, decodeImageFileAsync, decodeLabelFile } from '../../../src/lib/core/formats/image-file';
import { FormatError } from '../../../src/lib/core/formats/errors';
import { npyHeader } from '../../../src/lib/core/formats/npy';
import { sharedBytes } from '../shared';
import { buildTiff, type TiffPageSpec } from './tiff-builder';
import { buildPng, chunk } from './png-builder';

/** The FormatError thrown by `f`, or a failure. */
function formatError(f: () => unknown): FormatError {
	try {
		f();
	} catch (e) {
		if (e instanceof FormatError) return e;
		throw new Error(`expected a FormatError, got ${String(e)}`);
	}
	throw new Error('expected a FormatError, but nothing was thrown');
}

/** Overwrite the first value of `tag` in the (little-endian, classic) first directory. */
function patchTag(bytes: Uint8Array, tag: number, value: number, asLong = false): Uint8Array {
	const out = bytes.slice();
	const dv = new DataView(out.buffer);
	const ifd = dv.getUint32(4, true);
	for (let k = 0; k < dv.getUint16(ifd, true); k++) {
		const p = ifd + 2 + 12 * k;
		if (dv.getUint16(p, true) !== tag) continue;
		if (asLong) {
			dv.setUint16(p + 2, 4, true);
			dv.setUint32(p + 8, value, true);
		} else if (dv.getUint16(p + 2, true) === 3) dv.setUint16(p + 8, value, true);
		else dv.setUint32(p + 8, value, true);
		return out;
	}
	throw new Error(`tag ${tag} not found`);
}

const small: TiffPageSpec = { width: 4, height: 4, bits: 8, samples: Array.from({ length: 16 }, (_, i) => i) };

describe('empty and not-an-image files', () => {
	it('an empty file', async () => {
		await expect(decodeImageFileAsync('empty.tif', new Uint8Array(0))).rejects.toThrow('empty.tif: the file is empty');
		expect(() => decodeImageFile('empty.tif', new Uint8Array(0))).toThrow('empty.tif: the file is empty');
		expect(() => decodeLabelFile('empty.png', new Uint8Array(0))).toThrow('empty.png: the file is empty');
	});

	it('a text file named .tif', () => {
		const text = new TextEncoder().encode('Well,\nthis is not an image at all.\n');
		expect(formatError(() => decodeImageFile('cells.tif', text)).message).toBe(
			'cells.tif: this is a text file, not an image; Mycol reads TIFF, PNG, JPEG and NumPy .npy images'
		);
	});

	it('a file that is only a TIFF signature', () => {
		expect(formatError(() => decodeImageFile('sig.tif', Uint8Array.from([0x49, 0x49, 42, 0]))).message).toBe('sig.tif: the file ends inside its TIFF header (truncated?)');
	});
});

describe('truncated files', () => {
	it('an uncompressed TIFF cut in its pixel data (demo01.tif, strip at byte 122)', () => {
		const cut = sharedBytes('data/mycol_demo_fungal/images/demo01.tif').subarray(0, 100000);
		// 100,000 − 122 = 99,878 of the 512 × 512 = 262,144 bytes are present.
		expect(formatError(() => decodeImageFile('demo01.tif', cut)).message).toBe('demo01.tif: the file ends after 99,878 of 262,144 bytes of image data (truncated?)');
	});

	it('a Deflate TIFF cut in its second strip (membranes.tif)', () => {
		const cut = sharedBytes('data/clesperanto_membranes/images/membranes.tif').subarray(0, 80000);
		// Strips of 55,737 bytes at 272 and 52,856 bytes at 56,009: 55,737 + (80,000 − 56,009) = 79,728 present.
		expect(formatError(() => decodeImageFile('membranes.tif', cut)).message).toBe('membranes.tif: the file ends after 79,728 of 108,593 bytes of image data (truncated?)');
	});

	it('an LZW TIFF whose directory (at the end) was cut off', () => {
		const cut = sharedBytes('data/odd_formats/images/demo05_lzw.tif').subarray(0, 30000);
		expect(formatError(() => decodeImageFile('lzw.tif', cut)).message).toBe('lzw.tif: the directory of page 1 lies outside the file (byte 49,842 of 30,000; truncated?)');
	});

	it('a PNG cut in its data, a JPEG cut before its end marker', () => {
		const png = sharedBytes('data/odd_formats/images/demo05_rgb.png');
		expect(formatError(() => decodeImageFile('rgb.png', png.subarray(0, 40000))).message).toMatch(/^rgb\.png: the file ends inside its IDAT chunk, after 40,000 bytes \(truncated\?\)$/);
		const jpg = sharedBytes('data/odd_formats/images/demo05_q90.jpg');
		expect(formatError(() => decodeImageFile('q90.jpg', jpg.subarray(0, 9000))).message).toBe('q90.jpg: the file ends after 9,000 bytes without the JPEG end marker (truncated?)');
	});

	it('a .npy cut in its data', () => {
		const bytes = new Uint8Array([...npyHeader('uint16', [10, 10]), ...new Uint8Array(150)]);
		expect(formatError(() => decodeLabelFile('m.npy', bytes)).message).toBe('m.npy: the file ends after 150 of 200 bytes of array data (truncated?)');
	});
});

describe('declared sizes are refused before allocating', () => {
	it('a TIFF claiming 100,000 × 100,000 pixels (built by hand, 16 bytes of pixels)', () => {
		const bytes = buildTiff({ ...small, declaredWidth: 100000, declaredHeight: 100000 });
		expect(bytes.length).toBeLessThan(300);
		// Allocating 10^10 pixels would throw a RangeError, not this sentence: the check comes first.
		expect(formatError(() => decodeImageFile('huge.tif', bytes)).message).toBe(
			'huge.tif: the file declares 100,000 × 100,000 pixels, more than the limit of 268,435,456 pixels per image'
		);
		expect(() => decodeLabelFile('huge.tif', bytes)).toThrow(/huge\.tif: the file declares 100,000 × 100,000 pixels/);
	});

	it('a TIFF whose pixel count fits but whose bytes do not (16,384² × 64 float64 channels)', () => {
		const spec: TiffPageSpec = { width: 1, height: 1, bits: 64, sampleFormat: 3, spp: 64, planar: 2, photometric: 1, samples: new Array<number>(64).fill(0), declaredWidth: 16384, declaredHeight: 16384 };
		expect(formatError(() => decodeImageFile('wide.tif', buildTiff(spec))).message).toMatch(/^wide\.tif: the file declares 16,384 × 16,384 pixels × 64 channels \(131,072 MiB\), more than the limit of 2,048 MiB$/);
	});

	it('a .npy declaring an absurd shape', () => {
		const bytes = npyHeader('float64', [100000, 100000, 1000]);
		expect(formatError(() => decodeImageFile('absurd.npy', bytes)).message).toMatch(/^absurd\.npy: the \.npy header declares the shape \(100000, 100000, 1000\), .* more than Mycol's limit/);
	});

	it('a TIFF with 2^20-pixel-wide tiles', () => {
		const bytes = patchTag(patchTag(buildTiff({ ...small, tile: [16, 16] }), 322, 1 << 20, true), 323, 1 << 20, true);
		expect(formatError(() => decodeImageFile('tiles.tif', bytes)).message).toMatch(/^tiles\.tif: page 1 declares tiles of 1,048,576 × 1,048,576 pixels, larger than Mycol reads$/);
	});

	it('a strip offset array claiming a billion entries', () => {
		const bytes = buildTiff({ ...small, rowsPerStrip: 1 });
		const out = bytes.slice();
		const dv = new DataView(out.buffer);
		const ifd = dv.getUint32(4, true);
		for (let k = 0; k < dv.getUint16(ifd, true); k++) {
			const p = ifd + 2 + 12 * k;
			if (dv.getUint16(p, true) === 273) dv.setUint32(p + 4, 1e9, true);
		}
		expect(formatError(() => decodeImageFile('offsets.tif', out)).message).toMatch(/^offsets\.tif: the StripOffsets values of page 1 lie outside the file/);
	});

	it('a PNG whose data inflates far beyond its 1 × 1 header (a decompression bomb)', () => {
		const ihdr = new Uint8Array(13);
		const dv = new DataView(ihdr.buffer);
		dv.setUint32(0, 1);
		dv.setUint32(4, 1);
		ihdr.set([8, 0, 0, 0, 0], 8);
		const bomb = zlibSync(new Uint8Array(4 * 2 ** 20)); // 4 MiB of zeros, about 4 KiB compressed
		const sig = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
		const bytes = new Uint8Array([...sig, ...chunk('IHDR', ihdr), ...chunk('IDAT', bomb), ...chunk('IEND', new Uint8Array(0))]);
		expect(formatError(() => decodeImageFile('bomb.png', bytes)).message).toBe('bomb.png: the PNG image data inflates to more than the 2 bytes its header declares (damaged or hostile file)');
	});

	it('a Deflate TIFF strip that inflates beyond its strip size is cut to size', () => {
		// 4 × 4 image, one strip: its Deflate stream holds 2 MiB of 7s; only 16 bytes are used.
		const bytes = buildTiff({ ...small, compression: 8 });
		const bomb = zlibSync(new Uint8Array(2 * 2 ** 20).fill(7));
		const out = new Uint8Array(bytes.length + bomb.length);
		out.set(bytes);
		out.set(bomb, bytes.length);
		const patched = patchTag(patchTag(out, 273, bytes.length), 279, bomb.length);
		const img = decodeImageFile('bomb.tif', patched);
		expect(Array.from(img.raster.data)).toEqual(new Array<number>(16).fill(7));
	});
});

describe('unsupported content', () => {
	it('JPEG-compressed TIFF', () => {
		const bytes = buildTiff({ ...small, compression: 7 });
		expect(formatError(() => decodeImageFile('jpeg.tif', bytes)).message).toBe(
			'jpeg.tif: page 1 uses JPEG compression (TIFF compression code 7), which Mycol does not read; save the image uncompressed or with LZW or Deflate (ZIP) compression'
		);
	});

	it('an unknown compression code', () => {
		const bytes = buildTiff({ ...small, compression: 12345 });
		expect(formatError(() => decodeImageFile('odd.tif', bytes)).message).toMatch(/^odd\.tif: page 1 uses an unknown compression \(TIFF compression code 12345\)/);
	});

	it('a page with no pixel offsets', () => {
		const bytes = buildTiff(small);
		const out = bytes.slice();
		const dv = new DataView(out.buffer);
		const ifd = dv.getUint32(4, true);
		for (let k = 0; k < dv.getUint16(ifd, true); k++) {
			const p = ifd + 2 + 12 * k;
			if (dv.getUint16(p, true) === 273) dv.setUint16(p, 999, true); // rename StripOffsets to an unknown tag
		}
		expect(formatError(() => decodeImageFile('nooff.tif', out)).message).toBe('nooff.tif: page 1 has no strip or tile offsets, so its pixels cannot be found');
	});

	it('a corrupt LZW strip', () => {
		const bytes = buildTiff({ ...small, compression: 5 });
		const dv = new DataView(bytes.buffer);
		const ifd = dv.getUint32(4, true);
		let off = 0;
		for (let k = 0; k < dv.getUint16(ifd, true); k++) {
			const p = ifd + 2 + 12 * k;
			if (dv.getUint16(p, true) === 273) off = dv.getUint32(p + 8, true);
		}
		const bad = bytes.slice();
		bad.set([0x80, 0x3f, 0xff], off); // Clear, then a code far beyond the table
		expect(formatError(() => decodeImageFile('lzw.tif', bad)).message).toMatch(/^lzw\.tif: strip 1 of page 1 cannot be decoded: its LZW data is damaged/);
	});
});

describe('structural traps', () => {
	it('a page chain that loops back on itself is walked once', () => {
		const bytes = buildTiff([small, small]);
		const dv = new DataView(bytes.buffer);
		const first = dv.getUint32(4, true);
		const n1 = dv.getUint16(first, true);
		const second = dv.getUint32(first + 2 + 12 * n1, true);
		const n2 = dv.getUint16(second, true);
		dv.setUint32(second + 2 + 12 * n2, first, true); // page 2 → page 1 → …
		const img = decodeImageFile('loop.tif', bytes);
		expect(img.pages).toBe(2);
	});

	it('a directory claiming 65,535 entries in a small file', () => {
		const bytes = buildTiff(small);
		const dv = new DataView(bytes.buffer);
		dv.setUint16(dv.getUint32(4, true), 65535, true);
		expect(formatError(() => decodeImageFile('ifd.tif', bytes)).message).toBe('ifd.tif: the directory of page 1 ends after the end of the file (truncated?)');
	});

	it('a first directory offset of 0', () => {
		const bytes = buildTiff(small);
		new DataView(bytes.buffer).setUint32(4, 0, true);
		expect(formatError(() => decodeImageFile('none.tif', bytes)).message).toBe('none.tif: the TIFF file contains no image (its first directory offset is 0)');
	});

	it('a PNG without IHDR first, and a palette PNG without a palette', () => {
		const good = buildPng({ width: 2, height: 2, colorType: 0, depth: 8, samples: [1, 2, 3, 4] });
		const noHeader = new Uint8Array([...good.subarray(0, 8), ...chunk('tEXt', new TextEncoder().encode('a\0b')), ...good.subarray(8)]);
		expect(formatError(() => decodeImageFile('h.png', noHeader)).message).toBe('h.png: the PNG does not start with its header chunk (IHDR)');
		const pal = buildPng({ width: 2, height: 2, colorType: 3, depth: 8, samples: [0, 1, 0, 1] });
		expect(formatError(() => decodeImageFile('p.png', pal)).message).toBe('p.png: the PNG is a palette image without a palette (PLTE) chunk');
	});
});
