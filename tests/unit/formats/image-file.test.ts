import { describe, expect, it } from 'vitest';
import { decodeImageFile, decodeImageFileAsync, decodeLabelFile, inspectImage, sniffFormat } from '../../../src/lib/core/formats/image-file';
import { writeNpy, npyHeader } from '../../../src/lib/core/formats/npy';
import { FormatError } from '../../../src/lib/core/formats/errors';
import { sharedBytes } from '../shared';
import { buildTiff, type TiffPageSpec } from './tiff-builder';
import { buildPng } from './png-builder';

const ramp = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

describe('format by signature, not by name', () => {
	it('a PNG named .tif opens as a PNG, a TIFF named .png as a TIFF', async () => {
		const png = buildPng({ width: 2, height: 1, colorType: 0, depth: 8, samples: [3, 4] });
		const tif = buildTiff({ width: 2, height: 1, bits: 8, samples: [5, 6] });
		expect(decodeImageFile('cells.tif', png).format).toBe('png');
		expect((await decodeImageFileAsync('cells.png', tif)).format).toBe('tiff');
		expect(sniffFormat(sharedBytes('data/odd_formats/images/demo05_q90.jpg'))).toBe('jpeg');
	});

	it('names what other files are', () => {
		const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
		const cases: [Uint8Array, RegExp][] = [
			[ascii('GIF89a\x01\x00\x01\x00'), /cells\.tif: this is a GIF image, not an image Mycol can open; Mycol reads TIFF, PNG, JPEG and NumPy \.npy images/],
			[Uint8Array.from([0x50, 0x4b, 3, 4, 20, 0, 0, 0]), /a ZIP archive/],
			[ascii('ZISRAWFILE\0\0\0\0'), /a Zeiss CZI file/],
			[ascii('x,y\n1,2\n'), /cells\.tif: this is a text file, not an image/],
			[Uint8Array.from([0, 1, 2, 3, 250, 251]), /cells\.tif: this is not an image file Mycol recognises/]
		];
		for (const [bytes, re] of cases) {
			expect(() => decodeImageFile('cells.tif', bytes)).toThrow(re);
			expect(() => decodeLabelFile('cells.tif', bytes)).toThrow(re);
		}
	});
});

describe('.npy images', () => {
	const H = 3;
	const W = 5;

	it('(H, W) uint16', () => {
		const img = decodeImageFile('a.npy', writeNpy('uint16', [H, W], Uint16Array.from(ramp(15, (i) => i * 1000))));
		expect([img.format, img.raster.channels, img.raster.height, img.raster.width, img.raster.dtype, img.pages]).toEqual(['npy', 1, H, W, 'uint16', 1]);
		expect(Array.from(img.raster.data)).toEqual(ramp(15, (i) => i * 1000));
	});

	it('(H, W, 3) is read as channels (last axis ≤ 4) and made planar', () => {
		const hwc = ramp(45, (i) => i);
		const img = decodeImageFile('rgb.npy', writeNpy('uint8', [H, W, 3], Uint8Array.from(hwc)));
		expect(img.raster.channels).toBe(3);
		expect(Array.from(img.raster.data)).toEqual(ramp(45, (i) => (i % 15) * 3 + Math.floor(i / 15)));
		expect(img.notes).toContain('The last axis (3) is read as channels.');
	});

	it('(2, H, W) float32 is read as channels (first axis ≤ 8)', () => {
		const v = ramp(30, (i) => i / 4);
		const img = decodeImageFile('c.npy', writeNpy('float32', [2, H, W], Float32Array.from(v)));
		expect([img.raster.channels, img.raster.dtype]).toEqual([2, 'float32']);
		expect(Array.from(img.raster.data)).toEqual(v);
	});

	it('(10, H, W) is a stack: page 1 and a note', () => {
		const img = decodeImageFile('z.npy', writeNpy('int16', [10, H, W], Int16Array.from(ramp(150, (i) => i - 60))));
		expect([img.raster.channels, img.pages]).toEqual([1, 10]);
		expect(Array.from(img.raster.data)).toEqual(ramp(15, (i) => i - 60));
		expect(img.notes.join(' ')).toMatch(/10 planes of 3 × 5, and plane 1 is shown/);
	});

	it('4-D (pages, H, W, C) and (pages, C, H, W)', () => {
		const a = decodeImageFile('t.npy', writeNpy('uint8', [5, H, W, 2], Uint8Array.from(ramp(150, (i) => i))));
		expect([a.raster.channels, a.pages]).toEqual([2, 5]);
		expect(Array.from(a.raster.data)).toEqual(ramp(30, (i) => (i % 15) * 2 + Math.floor(i / 15)));
		const b = decodeImageFile('t.npy', writeNpy('uint8', [3, 2, H, W], Uint8Array.from(ramp(90, (i) => i))));
		expect([b.raster.channels, b.pages]).toEqual([2, 3]);
		expect(Array.from(b.raster.data)).toEqual(ramp(30, (i) => i));
	});

	it('an ambiguous (2, 3, 4) array follows the rule order: last axis ≤ 4 means (H, W, C)', () => {
		const img = decodeImageFile('amb.npy', writeNpy('uint8', [2, 3, 4], new Uint8Array(24)));
		expect([img.raster.channels, img.raster.height, img.raster.width]).toEqual([4, 2, 3]);
	});

	it('bool → uint8, float64 kept, int64 narrowed to what holds it', () => {
		const bool = decodeImageFile('b.npy', writeNpy('bool', [H, W], Uint8Array.from(ramp(15, (i) => i % 2))));
		expect([bool.raster.dtype, bool.raster.data[1]]).toEqual(['uint8', 1]);
		const f64 = decodeImageFile('f.npy', writeNpy('float64', [H, W], Float64Array.from(ramp(15, (i) => i * Math.PI))));
		expect([f64.raster.dtype, f64.raster.data[3]]).toEqual(['float64', 3 * Math.PI]);
		const pos = decodeImageFile('i.npy', writeNpy('int64', [H, W], BigInt64Array.from(ramp(15, (i) => i * 1000), BigInt)));
		expect([pos.raster.dtype, pos.raster.data[11]]).toEqual(['uint32', 11000]);
		const neg = decodeImageFile('n.npy', writeNpy('int64', [H, W], BigInt64Array.from(ramp(15, (i) => i - 6), BigInt)));
		expect([neg.raster.dtype, neg.raster.data[0]]).toEqual(['int32', -6]);
		const big = decodeImageFile('u.npy', writeNpy('uint64', [H, W], BigUint64Array.from(ramp(15, (i) => i * 10_000_000_000), BigInt)));
		expect([big.raster.dtype, big.raster.data[2]]).toEqual(['float64', 20_000_000_000]);
	});

	it('refuses 1-D arrays and pickled object arrays as images', () => {
		expect(() => decodeImageFile('v.npy', writeNpy('uint8', [12], new Uint8Array(12)))).toThrow(/v\.npy: the \.npy array has 1 dimension \(shape \(12\)\); an image needs 2 to 4/);
		expect(() => decodeImageFile('demo02_masks.npy', sharedBytes('data/mycol_demo_fungal/masks_cellpose_seg_npy/demo02_masks.npy'))).toThrow(
			/demo02_masks\.npy: this \.npy file is a pickled object array \(for example a Cellpose _seg\.npy\)/
		);
	});

	it('reads a Cellpose _seg.npy dict as a mask, whatever its name', () => {
		// SOURCES.md: demo02's _seg masks are copied exactly into demo02_masks.tif (uint16, 7 cells).
		const seg = decodeLabelFile('demo02_masks.npy', sharedBytes('data/mycol_demo_fungal/masks_cellpose_seg_npy/demo02_masks.npy'));
		const tif = decodeLabelFile('demo02_masks.tif', sharedBytes('data/mycol_demo_fungal/masks/demo02_masks.tif'));
		expect(seg.format).toBe('seg-npy');
		expect(seg.sourceDtype).toBe('uint16');
		expect(seg.labels.data).toEqual(tif.labels.data);
	});

	it('inspects without surprises', () => {
		expect(inspectImage('rgb.npy', writeNpy('uint8', [H, W, 3], new Uint8Array(45)))).toEqual({ format: 'npy', width: W, height: H, dtype: 'uint8', channels: 3, pages: 1 });
		expect(inspectImage('q.jpg', sharedBytes('data/odd_formats/images/demo05_q90.jpg'))).toEqual({ format: 'jpeg', width: 512, height: 512, dtype: 'uint8', channels: 1, pages: 1 });
	});
});

describe('label masks', () => {
	it('.npy (H, W) int64 labels', () => {
		const ids = ramp(12, (i) => (i * 5) % 7);
		const l = decodeLabelFile('m.npy', writeNpy('int64', [3, 4], BigInt64Array.from(ids.map(BigInt))));
		expect(l.format).toBe('npy');
		expect(Array.from(l.labels.data)).toEqual(ids);
	});

	it('a float mask holding whole numbers is accepted; fractions and negatives are not', () => {
		const ok = decodeLabelFile('f.tif', buildTiff({ width: 3, height: 1, bits: 32, sampleFormat: 3, samples: [0, 1, 70000] }));
		expect(Array.from(ok.labels.data)).toEqual([0, 1, 70000]);
		expect(() => decodeLabelFile('f.tif', buildTiff({ width: 3, height: 1, bits: 32, sampleFormat: 3, samples: [0, 1.5, 2] }))).toThrow(
			/f\.tif: the mask holds fractional values \(e\.g\. 1\.5\), so it is not a label image/
		);
		expect(() => decodeLabelFile('s.tif', buildTiff({ width: 3, height: 1, bits: 16, sampleFormat: 2, samples: [0, -1, 2] }))).toThrow(
			/s\.tif: the mask has negative values \(e\.g\. -1\), which are not cell ids/
		);
	});

	it('a grey mask saved as RGB (identical channels) is accepted with a note; a colour image is not', () => {
		const grey = ramp(6, (i) => i % 3);
		const rgb = decodeLabelFile('g.png', buildPng({ width: 3, height: 2, colorType: 2, depth: 8, samples: grey.flatMap((v) => [v, v, v]) }));
		expect(Array.from(rgb.labels.data)).toEqual(grey);
		expect(rgb.notes).toContain("The mask's 3 channels are identical; the first is used.");
		expect(() => decodeLabelFile('c.png', buildPng({ width: 3, height: 2, colorType: 2, depth: 8, samples: ramp(18, (i) => i) }))).toThrow(
			/c\.png: this is a 3-channel \(colour\) image, not a label mask/
		);
	});

	it('palette TIFF and PNG masks give their indices, not colours', () => {
		const idx = ramp(12, (i) => (i * 7) % 10);
		const pal = ramp(30, (i) => (i * 37) % 256);
		const png = decodeLabelFile('p.png', buildPng({ width: 4, height: 3, colorType: 3, depth: 8, samples: idx, palette: pal }));
		expect(Array.from(png.labels.data)).toEqual(idx);
		const map = [0, 1, 2].flatMap((c) => ramp(256, (k) => ((k * 31 + c * 1000) % 65536)));
		const tif = decodeLabelFile('p.tif', buildTiff({ width: 4, height: 3, bits: 8, photometric: 3, samples: idx, colorMap: map }));
		expect(Array.from(tif.labels.data)).toEqual(idx);
	});

	it('16-bit PNG masks keep ids above 255', () => {
		const ids = ramp(6, (i) => i * 10000);
		const l = decodeLabelFile('m16.png', buildPng({ width: 3, height: 2, colorType: 0, depth: 16, samples: ids }));
		expect(Array.from(l.labels.data)).toEqual(ids);
	});

	it('JPEG masks are refused: lossy compression changes ids', () => {
		expect(() => decodeLabelFile('m.jpg', sharedBytes('data/odd_formats/images/demo05_q90.jpg'))).toThrow(/m\.jpg: a JPEG cannot hold a label mask/);
	});

	it('a multi-page TIFF mask gives page 1 and says so', () => {
		const page = (v: number): TiffPageSpec => ({ width: 2, height: 2, bits: 16, samples: [v, v, 0, v] });
		const l = decodeLabelFile('stack.tif', buildTiff([page(3), page(4)]));
		expect(Array.from(l.labels.data)).toEqual([3, 3, 0, 3]);
		expect(l.notes).toContain('2 pages; page 1 is shown.');
	});

	it('every error is a FormatError naming the file', () => {
		try {
			decodeLabelFile('x.npy', npyHeader('uint8', [100, 100]));
			expect.unreachable();
		} catch (e) {
			expect(e).toBeInstanceOf(FormatError);
			expect((e as FormatError).file).toBe('x.npy');
		}
	});
});
