import { describe, expect, it } from 'vitest';
import { readTiff, inspectTiff } from '../../../src/lib/core/formats/tiff';
import { lzwDecode, unpackBits } from '../../../src/lib/core/formats/tiff-decompress';
import { FormatError } from '../../../src/lib/core/formats/errors';
import { buildTiff, lzwEncode, packBits, ramp, type TiffPageSpec } from './tiff-builder';
import { TIFF_CASES } from './tiff-cases';
import { fixture } from './tiff-fixtures';
import { firstDifference } from './arrays';


describe('hand-made TIFFs decode to the samples they were built from', () => {
	for (const c of TIFF_CASES) {
		it(c.name, () => {
			const bytes = buildTiff(c.spec, c.opts);
			const img = readTiff(c.name, bytes);
			const r = img.raster;
			expect([r.width, r.height, r.channels, r.dtype]).toEqual([c.spec.width, c.spec.height, c.channels, c.dtype]);
			const expected = c.values ?? Array.from(c.spec.samples as ArrayLike<number>);
			expect(firstDifference(r.data, expected)).toBe(-1);
			expect(img.pages).toBe(1);
			const info = inspectTiff(c.name, bytes);
			expect(info).toEqual({ width: c.spec.width, height: c.spec.height, dtype: c.dtype, channels: c.channels, pages: 1 });
		});
	}
});

describe('TIFFs written by tifffile and libtiff (reference writers)', () => {
	it('big-endian, 16 × 16 tiles, 3 planar int16 channels, Deflate + predictor 2 (tifffile)', () => {
		const r = readTiff('f.tif', fixture('be_tiled_planar_int16_zlib_pred2')).raster;
		expect([r.channels, r.height, r.width, r.dtype]).toEqual([3, 20, 21, 'int16']);
		const want = ramp(3 * 20 * 21, (i) => {
			const c = Math.floor(i / 420);
			const y = Math.floor((i % 420) / 21);
			const x = i % 21;
			return c * 1000 + y * 37 - x * 91 - 500;
		});
		expect(firstDifference(r.data, want)).toBe(-1);
	});

	it('big-endian float64 in Deflate strips (tifffile)', () => {
		const r = readTiff('f.tif', fixture('be_float64_zlib')).raster;
		expect([r.channels, r.height, r.width, r.dtype]).toEqual([1, 5, 7, 'float64']);
		const want = ramp(35, (i) => Math.floor(i / 7) * 0.5 - (i % 7) * 1.25 + 1e-3);
		for (let i = 0; i < 35; i++) expect(r.data[i]).toBeCloseTo(want[i], 12);
	});

	it('float32, LZW + floating-point predictor (libtiff via PIL)', () => {
		const r = readTiff('f.tif', fixture('libtiff_float32_lzw_pred3')).raster;
		expect([r.channels, r.height, r.width, r.dtype]).toEqual([1, 5, 8, 'float32']);
		expect(Array.from(r.data)).toEqual(ramp(40, (i) => (i - 7.25) * 1.5));
	});

	it('uint16, LZW + predictor 2, 40 × 40 (libtiff via PIL)', () => {
		const r = readTiff('f.tif', fixture('libtiff_uint16_lzw_pred2')).raster;
		expect([r.channels, r.height, r.width, r.dtype]).toEqual([1, 40, 40, 'uint16']);
		const want = ramp(1600, (i) => {
			const y = Math.floor(i / 40);
			const x = i % 40;
			return (y * y * 31 + x * x * x * 7 + x * y * 13) % 65536;
		});
		expect(firstDifference(r.data, want)).toBe(-1);
	});

	it('OME-TIFF with SizeC = 2, SizeZ = 3, DimensionOrder XYZCT: channels are pages 1 and 4', () => {
		const img = readTiff('ome.tif', fixture('ome_czyx_nm'));
		const r = img.raster;
		expect([r.channels, r.height, r.width, r.dtype, img.pages]).toEqual([2, 6, 5, 'uint8', 6]);
		// a[c, z=0, y, x] = c*100 + y*5 + x
		expect(Array.from(r.data)).toEqual(ramp(60, (i) => Math.floor(i / 30) * 100 + (i % 30)));
		expect(img.notes.join(' ')).toMatch(/2 channels, 3 z-planes and 1 time points/);
		expect(img.pixelSizeUm).toBe(0.25);
		expect(img.pixelSizeSource).toBe('ome');
	});

	it('ImageJ hyperstack with channels=2, slices=3: channels are pages 1 and 2', () => {
		const img = readTiff('ij.tif', fixture('imagej_zcyx_um'));
		const r = img.raster;
		expect([r.channels, r.height, r.width, r.dtype, img.pages]).toEqual([2, 6, 5, 'uint16', 6]);
		// a[z=0, c, y, x] = c*100 + y*5 + x
		expect(Array.from(r.data)).toEqual(ramp(60, (i) => Math.floor(i / 30) * 100 + (i % 30)));
		expect(img.notes.join(' ')).toMatch(/2 channels, 3 slices and 1 frame/);
		expect(img.pixelSizeUm).toBe(0.1083);
		expect(img.pixelSizeSource).toBe('imagej');
	});
});

describe('pages and channels', () => {
	const page = (v: number, extra: Partial<TiffPageSpec> = {}): TiffPageSpec => ({ width: 4, height: 3, bits: 16, samples: ramp(12, (i) => v * 100 + i), ...extra });

	it('a plain multi-page file gives page 1 and a note', () => {
		const img = readTiff('stack.tif', buildTiff([page(1), page(2), page(3)]));
		expect(img.pages).toBe(3);
		expect(img.raster.channels).toBe(1);
		expect(Array.from(img.raster.data)).toEqual(ramp(12, (i) => 100 + i));
		expect(img.notes).toContain('3 pages; page 1 is shown.');
	});

	it('an ImageJ description with channels=3 turns 3 pages into 3 channels', () => {
		const desc = 'ImageJ=1.53t\nimages=3\nchannels=3\nhyperstack=true\nmode=composite\n';
		const img = readTiff('ij.tif', buildTiff([page(1, { description: desc }), page(2), page(3)], { littleEndian: false }));
		expect(img.raster.channels).toBe(3);
		expect(Array.from(img.raster.data)).toEqual([...ramp(12, (i) => 100 + i), ...ramp(12, (i) => 200 + i), ...ramp(12, (i) => 300 + i)]);
		expect(img.notes).toEqual([]);
	});

	it('an ImageJ stack stored as one directory with images back to back (images=3, channels=3)', () => {
		// One page whose single strip holds three 4 × 3 images; ImageLength says 3 rows.
		const spec: TiffPageSpec = {
			width: 4,
			height: 9,
			bits: 16,
			samples: ramp(36, (i) => 1000 + i),
			declaredHeight: 3,
			description: 'ImageJ=1.53t\nimages=3\nchannels=3\nhyperstack=true\n'
		};
		const img = readTiff('big.tif', buildTiff(spec));
		expect([img.raster.channels, img.raster.height, img.pages]).toEqual([3, 3, 3]);
		expect(Array.from(img.raster.data)).toEqual(ramp(36, (i) => 1000 + i));
	});

	it('falls back to page 1 when the pages ImageJ calls channels differ in size', () => {
		const desc = 'ImageJ=1.53t\nimages=2\nchannels=2\n';
		const img = readTiff('odd.tif', buildTiff([page(1, { description: desc }), { width: 5, height: 3, bits: 16, samples: ramp(15, (i) => i) }]));
		expect(img.raster.channels).toBe(1);
		expect(img.notes.join(' ')).toMatch(/lists 2 channels, but the pages do not match/);
	});

	it('RGBA gives 4 channels even in a multi-page file', () => {
		const rgba = { width: 2, height: 2, bits: 8 as const, spp: 4, extraSamples: [1], samples: ramp(16, (i) => i * 10) };
		const img = readTiff('rgba.tif', buildTiff([rgba, rgba]));
		expect(img.raster.channels).toBe(4);
		expect(Array.from(img.raster.data)).toEqual(ramp(16, (i) => i * 10));
		expect(img.notes).toContain('2 pages; page 1 is shown.');
	});
});

describe('palette TIFFs', () => {
	// 2-bit palette: 4 colours; the colour map holds 16-bit values (8-bit value × 257, as libtiff writes).
	const reds = [0, 255, 10, 200];
	const greens = [0, 0, 20, 100];
	const blues = [0, 128, 30, 50];
	const colorMap = [...reds, ...greens, ...blues].map((v) => v * 257);
	const indices = ramp(12, (i) => (i * 3) % 4);
	const spec: TiffPageSpec = { width: 4, height: 3, bits: 8, photometric: 3, samples: indices, colorMap: [...colorMap, ...new Array<number>(3 * 252).fill(0)] };
	// Reorder so the map holds 256 reds, 256 greens, 256 blues.
	spec.colorMap = [0, 1, 2].flatMap((c) => [...colorMap.slice(4 * c, 4 * c + 4), ...new Array<number>(252).fill(0)]);

	it('as an image, gives RGB colours (16-bit map ÷ 256, as PIL)', () => {
		const img = readTiff('pal.tif', buildTiff(spec));
		const r = img.raster;
		expect([r.channels, r.dtype]).toEqual([3, 'uint8']);
		expect(Array.from(r.data)).toEqual([...indices.map((k) => reds[k]), ...indices.map((k) => greens[k]), ...indices.map((k) => blues[k])]);
		expect(img.notes.join(' ')).toMatch(/palette/);
	});

	it('as a mask, gives the indices', () => {
		const r = readTiff('pal.tif', buildTiff(spec, { littleEndian: false }), { palette: 'indices' }).raster;
		expect([r.channels, r.dtype]).toEqual([1, 'uint8']);
		expect(Array.from(r.data)).toEqual(indices);
	});

	it('a 4-bit palette with an 8-bit-valued colour map uses the values as they are', () => {
		const map4 = [0, 1, 2].flatMap((c) => ramp(16, (k) => (k * 16 + c * 5) % 256));
		const idx = ramp(12, (i) => (i * 5) % 16);
		const r = readTiff('p4.tif', buildTiff({ width: 4, height: 3, bits: 4, photometric: 3, samples: idx, colorMap: map4 })).raster;
		expect(Array.from(r.data)).toEqual([0, 1, 2].flatMap((c) => idx.map((k) => map4[c * 16 + k])));
	});
});

describe('codecs on hand-worked inputs', () => {
	it('PackBits: the TIFF 6.0 specification example', () => {
		// Spec section 9: packed FE AA 02 80 00 2A FD AA 03 80 00 2A 22 F7 AA → unpacked AA AA AA 80 00 2A AA AA AA AA 80 00 2A 22 AA AA AA AA AA AA AA AA AA AA
		const packed = Uint8Array.from([0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa]);
		const out = new Uint8Array(24);
		expect(unpackBits(packed, out)).toBe(24);
		expect(Array.from(out)).toEqual([0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22, ...new Array<number>(10).fill(0xaa)]);
	});

	it('PackBits: 128 is a no-op', () => {
		const out = new Uint8Array(2);
		expect(unpackBits(Uint8Array.from([0x80, 0x01, 7, 9]), out)).toBe(2);
		expect(Array.from(out)).toEqual([7, 9]);
	});

	it('LZW round trip of random bytes through the test encoder, with the KwKwK case', () => {
		const src = Uint8Array.from(ramp(20000, (i) => (i * i * 7 + (i >> 5)) % 251));
		const out = new Uint8Array(src.length);
		expect(lzwDecode(lzwEncode(src), out)).toBe(src.length);
		expect(firstDifference(out, src)).toBe(-1);
		// "aaaa…" forces the code-equals-next (KwKwK) case.
		const run = new Uint8Array(1000).fill(97);
		const o2 = new Uint8Array(1000);
		expect(lzwDecode(lzwEncode(run), o2)).toBe(1000);
		expect(firstDifference(o2, run)).toBe(-1);
	});

	it('PackBits encoder/decoder agree on mixed runs', () => {
		const src = Uint8Array.from(ramp(5000, (i) => (i % 300 < 150 ? 4 : (i * 13) % 256)));
		const out = new Uint8Array(src.length);
		expect(unpackBits(packBits(src), out)).toBe(src.length);
		expect(firstDifference(out, src)).toBe(-1);
	});
});

describe('TIFF errors', () => {
	it('an unsupported sample size is refused with a sentence', () => {
		const bytes = buildTiff({ width: 2, height: 2, bits: 16, samples: [1, 2, 3, 4] });
		// Patch BitsPerSample (tag 258, inline SHORT) to 12.
		const dv = new DataView(bytes.buffer);
		const ifd = dv.getUint32(4, true);
		for (let k = 0; k < dv.getUint16(ifd, true); k++) {
			const p = ifd + 2 + 12 * k;
			if (dv.getUint16(p, true) === 258) dv.setUint16(p + 8, 12, true);
		}
		expect(() => readTiff('twelve.tif', bytes)).toThrow(/twelve\.tif: page 1 has 12-bit unsigned samples, which Mycol does not read/);
	});

	it('mixed sample sizes are refused', () => {
		const bytes = buildTiff({ width: 2, height: 1, bits: 8, spp: 3, samples: ramp(6, (i) => i) });
		const dv = new DataView(bytes.buffer);
		const ifd = dv.getUint32(4, true);
		for (let k = 0; k < dv.getUint16(ifd, true); k++) {
			const p = ifd + 2 + 12 * k;
			if (dv.getUint16(p, true) === 258) dv.setUint16(dv.getUint32(p + 8, true) + 2, 16, true);
		}
		expect(() => readTiff('mixed.tif', bytes)).toThrow(FormatError);
		expect(() => readTiff('mixed.tif', bytes)).toThrow(/mixes samples of different sizes/);
	});

	it('YCbCr pages are refused by name', () => {
		const bytes = buildTiff({ width: 2, height: 1, bits: 8, spp: 3, photometric: 6, samples: ramp(6, (i) => i) });
		expect(() => readTiff('ycc.tif', bytes)).toThrow(/stores its colours as YCbCr/);
	});

	it('a damaged Deflate strip names the strip', () => {
		const bytes = buildTiff({ width: 8, height: 8, bits: 8, compression: 8, rowsPerStrip: 4, samples: ramp(64, (i) => i) });
		// Corrupt the second strip's Deflate body (keep its zlib header).
		const dv = new DataView(bytes.buffer);
		const ifd = dv.getUint32(4, true);
		let off = 0;
		for (let k = 0; k < dv.getUint16(ifd, true); k++) {
			const p = ifd + 2 + 12 * k;
			if (dv.getUint16(p, true) === 273) off = dv.getUint32(dv.getUint32(p + 8, true) + 4, true);
		}
		bytes.fill(0xff, off + 2, off + 8);
		expect(() => readTiff('bad.tif', bytes)).toThrow(/bad\.tif: strip 2 of page 1 cannot be decoded: its Deflate data is damaged/);
	});

	it('LZW data with an undefined code is reported as damaged', () => {
		const out = new Uint8Array(10);
		// 9-bit codes: Clear (256), 'A' (65), then 300 (not yet defined).
		const bits = [256, 65, 300].map((c) => c.toString(2).padStart(9, '0')).join('') + '0000000';
		const bytes = Uint8Array.from(bits.match(/.{8}/g) as string[], (b) => parseInt(b, 2));
		expect(() => lzwDecode(bytes, out)).toThrow(/code 300 is not yet defined/);
	});
});
