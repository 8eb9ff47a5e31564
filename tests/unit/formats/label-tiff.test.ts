import { describe, expect, it } from 'vitest';
import { unzlibSync } from 'fflate';
import { imagejResolution, writeLabelTiff } from '../../../src/lib/core/formats/label-tiff';
import { decodeLabelFile } from '../../../src/lib/core/formats/image-file';
import { ParamError } from '../../../src/lib/core/formats/errors';
import type { Labels } from '../../../src/lib/core/raster/types';
import { sharedBytes } from '../shared';
import { firstDifference } from './arrays';

/** A label image with ids up to `max` (0 = background on every 5th pixel). */
function labels(width: number, height: number, max: number): Labels {
	const data = new Uint32Array(width * height);
	for (let i = 0; i < data.length; i++) data[i] = i % 5 === 0 ? 0 : 1 + ((i * 7919) % max);
	return { width, height, data };
}

interface Tag {
	type: number;
	count: number;
	values: number[];
	text?: string;
}

/**
 * A minimal little-endian TIFF directory reader written for this test from the TIFF 6.0 spec, so the
 * written tags are checked without going through Mycol's own reader.
 */
function tags(b: Uint8Array): Map<number, Tag> {
	const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
	expect(Array.from(b.subarray(0, 4))).toEqual([0x49, 0x49, 42, 0]);
	const ifd = dv.getUint32(4, true);
	const n = dv.getUint16(ifd, true);
	const out = new Map<number, Tag>();
	let prev = -1;
	for (let k = 0; k < n; k++) {
		const p = ifd + 2 + 12 * k;
		const tag = dv.getUint16(p, true);
		expect(tag).toBeGreaterThan(prev); // tags in ascending order, as the spec requires
		prev = tag;
		const type = dv.getUint16(p + 2, true);
		const count = dv.getUint32(p + 4, true);
		const size = { 2: 1, 3: 2, 4: 4, 5: 8 }[type] as number;
		const at = size * count <= 4 ? p + 8 : dv.getUint32(p + 8, true);
		const values: number[] = [];
		for (let i = 0; i < count; i++) {
			if (type === 3) values.push(dv.getUint16(at + 2 * i, true));
			else if (type === 4) values.push(dv.getUint32(at + 4 * i, true));
			else if (type === 5) values.push(dv.getUint32(at + 8 * i, true), dv.getUint32(at + 8 * i + 4, true));
		}
		const text = type === 2 ? new TextDecoder().decode(b.subarray(at, at + count)) : undefined;
		out.set(tag, { type, count, values, text });
	}
	expect(dv.getUint32(ifd + 2 + 12 * n, true)).toBe(0); // one page
	return out;
}

/** The ids as stored: every strip decompressed with fflate (independently of the reader) and read little-endian. */
function storedIds(b: Uint8Array, t: Map<number, Tag>): number[] {
	const offsets = (t.get(273) as Tag).values;
	const counts = (t.get(279) as Tag).values;
	const deflate = (t.get(259) as Tag).values[0] === 8;
	const bytes = (t.get(258) as Tag).values[0] / 8;
	const ids: number[] = [];
	offsets.forEach((o, k) => {
		let s = b.slice(o, o + counts[k]);
		if (deflate) s = unzlibSync(s);
		const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
		for (let i = 0; i < s.length; i += bytes) ids.push(bytes === 2 ? dv.getUint16(i, true) : dv.getUint32(i, true));
	});
	return ids;
}

describe('label TIFF writer', () => {
	it('uint16 when ids fit, Deflate by default, no calibration: tags as ImageJ writes them', () => {
		const l = labels(300, 500, 1000);
		const b = writeLabelTiff(l);
		const t = tags(b);
		expect((t.get(256) as Tag).values).toEqual([300]);
		expect((t.get(257) as Tag).values).toEqual([500]);
		expect((t.get(258) as Tag).values).toEqual([16]);
		expect((t.get(259) as Tag).values).toEqual([8]);
		expect((t.get(262) as Tag).values).toEqual([1]);
		expect((t.get(277) as Tag).values).toEqual([1]);
		expect((t.get(339) as Tag).values).toEqual([1]);
		expect(t.has(282)).toBe(false);
		let max = 0;
		for (const v of l.data) max = Math.max(max, v);
		expect((t.get(270) as Tag).text).toBe(`ImageJ=1.53t\nmin=0.0\nmax=${max}.0\n\0`);
		// 300 × 2 bytes per row: 436 rows fit in a 256 KiB strip, so 2 strips.
		expect((t.get(278) as Tag).values).toEqual([436]);
		expect((t.get(273) as Tag).count).toBe(2);
		expect(firstDifference(storedIds(b, t), l.data)).toBe(-1);
	});

	it('uint32 when an id exceeds 65,535, with the pixel size where ImageJ puts it', () => {
		const l = labels(64, 48, 70000);
		l.data[100] = 70000;
		const b = writeLabelTiff(l, { pixelSizeUm: 0.65 });
		const t = tags(b);
		expect((t.get(258) as Tag).values).toEqual([32]);
		expect((t.get(270) as Tag).text).toBe('ImageJ=1.53t\nunit=micron\nmin=0.0\nmax=70000.0\n\0');
		// 1 / 0.65 = 1.538461538… px/µm; ImageJ writes (int)(1.538461538 × 10^6) / 10^6.
		expect((t.get(282) as Tag).values).toEqual([1538461, 1000000]);
		expect((t.get(283) as Tag).values).toEqual([1538461, 1000000]);
		expect((t.get(296) as Tag).values).toEqual([1]);
		expect(firstDifference(storedIds(b, t), l.data)).toBe(-1);
	});

	it('uncompressed on request', () => {
		const l = labels(7, 3, 9);
		const b = writeLabelTiff(l, { compression: 'none' });
		const t = tags(b);
		expect((t.get(259) as Tag).values).toEqual([1]);
		expect((t.get(279) as Tag).values).toEqual([42]);
		expect(firstDifference(storedIds(b, t), l.data)).toBe(-1);
	});

	it('ImageJ’s resolution rational for tiny pixels keeps the numerator under 2^31', () => {
		// 1 / 0.0001 = 10,000 px/µm; scale = (int)(2,147,483,647 / 10,000) = 214,748.
		expect(imagejResolution(0.0001)).toEqual([2147480000, 214748]);
		expect(imagejResolution(0.1083)).toEqual([9233610, 1000000]);
	});

	it('the description without a unit has no unit line', () => {
		const file = writeLabelTiff({ width: 2, height: 1, data: new Uint32Array([0, 3]) });
		const text = new TextDecoder('latin1').decode(file);
		expect(text).toContain('ImageJ=1.53t\nmin=0.0\nmax=3.0\n\0');
		expect(text).not.toContain('unit=');
	});

	it('refuses a data array of the wrong length and a bad pixel size', () => {
		expect(() => writeLabelTiff({ width: 3, height: 3, data: new Uint32Array(8) })).toThrow(ParamError);
		expect(() => writeLabelTiff(labels(3, 3, 2), { pixelSizeUm: -1 })).toThrow(/pixel size: -1 µm is not a valid pixel size/);
	});
});

describe('label TIFF round trip through Mycol’s reader', () => {
	for (const [name, max, px, compression] of [
		['uint16, Deflate, 0.65 µm', 60000, 0.65, 'deflate'],
		['uint32, Deflate, 0.1083 µm', 5_000_000, 0.1083, 'deflate'],
		['uint32, uncompressed, no pixel size', 4_000_000_000, null, 'none'],
		['uint16, uncompressed, 2.5 µm', 3, 2.5, 'none']
	] as const) {
		it(name, () => {
			const l = labels(333, 217, max);
			l.data[5] = max;
			const back = decodeLabelFile('round.tif', writeLabelTiff(l, { pixelSizeUm: px, compression }));
			expect(back.format).toBe('tiff');
			expect([back.labels.width, back.labels.height]).toEqual([333, 217]);
			expect(firstDifference(back.labels.data, l.data)).toBe(-1);
			expect(back.pixelSizeUm).toBe(px);
			expect(back.pixelSizeSource).toBe(px === null ? null : 'imagej');
		});
	}

	it('a real mask (demo05) survives writing and reading', () => {
		const orig = decodeLabelFile('demo05_masks.tif', sharedBytes('data/mycol_demo_fungal/masks/demo05_masks.tif')).labels;
		const back = decodeLabelFile('w.tif', writeLabelTiff(orig, { pixelSizeUm: 0.65 })).labels;
		expect(firstDifference(back.data, orig.data)).toBe(-1);
	});
});
