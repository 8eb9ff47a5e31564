import { describe, expect, it } from 'vitest';
import { readPng, readPngHeader } from '../../../src/lib/core/formats/png';
import { buildPng, chunk } from './png-builder';

/** Bytes of a base64 string. */
function b64(s: string): Uint8Array {
	const b = Buffer.from(s, 'base64');
	return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Interleaved (H, W, C) samples to planar (C, H, W). */
function planar(samples: number[], n: number, c: number): number[] {
	return Array.from({ length: n * c }, (_, i) => samples[(i % n) * c + Math.floor(i / n)]);
}

const ramp = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

/**
 * PNGs written by PIL 9.4 at development time (/usr/bin/python3); the comment gives the call and the
 * formula of the values.
 */
const PIL_PNG = {
	// Image.fromarray(a, 'I;16').save(f); a[y, x] = y*9000 + x*1000 + 7, uint16 (5, 7) → 16-bit grey
	// Image.fromarray(la, 'LA'); la[y, x] = (y*60 + x*10, 255 - y*20 - x), (3, 4) → 8-bit grey + alpha
	// 'P' image, values (y*4 + x) % 4 on (3, 4), palette [0,0,0, 255,0,0, 0,200,0, 10,20,250], save(bits=2) → 2-bit palette
	// Image.fromarray((x + y) % 3 == 0) on (3, 9) → 1-bit grey
	// Image.fromarray(rgba, 'RGBA').save(f, dpi=(50800, 50800)); rgba[y, x] = (x*50 % 256, y*40 % 256, x*y*9 % 256, 255 - x*y), (6, 5)
	gray16: 'iVBORw0KGgoAAAANSUhEUgAAAAcAAAAFEAAAAAD8YXVHAAAAL0lEQVR4nGNkYGd+wYKAyhosGswvWASgUFmDRYBFg+UFVEhZAyoOEYJzBVgEWDQAY1UNQdHqy+UAAAAASUVORK5CYII=',
	gray_alpha8: 'iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAQAAAAe/WZNAAAAFklEQVR4nGNk+M/1n+s/138WmzdoDACkvwyqQ3WnKwAAAABJRU5ErkJggg==',
	palette2: 'iVBORw0KGgoAAAANSUhEUgAAAAQAAAADAgMAAADJmkZVAAAADFBMVEUAAAD/AAAAyAAKFPrbktFGAAAADElEQVR4nGOQZgBCAAD5AFIg1vUHAAAAAElFTkSuQmCC',
	bilevel: 'iVBORw0KGgoAAAANSUhEUgAAAAkAAAADAQAAAABpcRjbAAAAEUlEQVR4nGOYxMCoEsPgyQAAB1UBXS5SuQIAAAAASUVORK5CYII=',
	rgba_phys: 'iVBORw0KGgoAAAANSUhEUgAAAAUAAAAGCAYAAAAL+1RLAAAACXBIWXMAHoSAAB6EgAGMxOQ/AAAAMUlEQVR4nGNkYGD4b8TAwICMWRg0GBgYGDj/I2MkQaF/MIwmKP2XgUH6LxZBlT9YBQEQKRflWvMqogAAAABJRU5ErkJggg==',
} as const;

describe('PNGs written by PIL', () => {
	it('16-bit grey', () => {
		const img = readPng('g16.png', b64(PIL_PNG.gray16));
		const r = img.raster;
		expect([r.channels, r.height, r.width, r.dtype]).toEqual([1, 5, 7, 'uint16']);
		expect(Array.from(r.data)).toEqual(ramp(35, (i) => Math.floor(i / 7) * 9000 + (i % 7) * 1000 + 7));
		expect(img.pixelSizeUm).toBeNull();
	});

	it('8-bit grey + alpha gives 2 channels', () => {
		const img = readPng('la.png', b64(PIL_PNG.gray_alpha8));
		const r = img.raster;
		expect([r.channels, r.height, r.width, r.dtype]).toEqual([2, 3, 4, 'uint8']);
		const y = (i: number): number => Math.floor(i / 4);
		const x = (i: number): number => i % 4;
		expect(Array.from(r.data)).toEqual([...ramp(12, (i) => y(i) * 60 + x(i) * 10), ...ramp(12, (i) => 255 - y(i) * 20 - x(i))]);
		expect(img.notes.join(' ')).toMatch(/alpha/);
	});

	it('a 2-bit palette: colours for images, indices for masks', () => {
		const idx = ramp(12, (i) => (Math.floor(i / 4) * 4 + (i % 4)) % 4);
		const pal = [0, 0, 0, 255, 0, 0, 0, 200, 0, 10, 20, 250];
		const rgb = readPng('p.png', b64(PIL_PNG.palette2)).raster;
		expect([rgb.channels, rgb.dtype]).toEqual([3, 'uint8']);
		expect(Array.from(rgb.data)).toEqual([0, 1, 2].flatMap((c) => idx.map((k) => pal[3 * k + c])));
		const ind = readPng('p.png', b64(PIL_PNG.palette2), { palette: 'indices' }).raster;
		expect([ind.channels, ind.dtype]).toEqual([1, 'uint8']);
		expect(Array.from(ind.data)).toEqual(idx);
	});

	it('1-bit grey gives 0/1', () => {
		const r = readPng('bw.png', b64(PIL_PNG.bilevel)).raster;
		expect([r.channels, r.height, r.width]).toEqual([1, 3, 9]);
		expect(Array.from(r.data)).toEqual(ramp(27, (i) => ((i % 9) + Math.floor(i / 9)) % 3 === 0 ? 1 : 0));
	});

	it('RGBA with a pHYs of 2,000,000 px/m gives 4 channels and 0.5 µm', () => {
		const img = readPng('rgba.png', b64(PIL_PNG.rgba_phys));
		const r = img.raster;
		expect([r.channels, r.height, r.width, r.dtype]).toEqual([4, 6, 5, 'uint8']);
		const y = (i: number): number => Math.floor(i / 5);
		const x = (i: number): number => i % 5;
		expect(Array.from(r.data)).toEqual([
			...ramp(30, (i) => (x(i) * 50) % 256),
			...ramp(30, (i) => (y(i) * 40) % 256),
			...ramp(30, (i) => (x(i) * y(i) * 9) % 256),
			...ramp(30, (i) => 255 - x(i) * y(i))
		]);
		expect(img.pixelSizeUm).toBe(0.5);
		expect(img.pixelSizeSource).toBe('resolution');
	});
});

describe('hand-made PNGs', () => {
	const W = 13;
	const H = 11;
	const rgb16 = ramp(W * H * 3, (i) => (i * 2654435761) % 65536);

	for (const filter of [0, 1, 2, 3, 4]) {
		it(`16-bit RGB, filter type ${filter}`, () => {
			const r = readPng('f.png', buildPng({ width: W, height: H, colorType: 2, depth: 16, samples: rgb16, filter })).raster;
			expect([r.channels, r.dtype]).toEqual([3, 'uint16']);
			expect(Array.from(r.data)).toEqual(planar(rgb16, W * H, 3));
		});
	}

	it('Adam7-interlaced 16-bit RGBA', () => {
		const s = ramp(W * H * 4, (i) => (i * 40503) % 65536);
		const r = readPng('i.png', buildPng({ width: W, height: H, colorType: 6, depth: 16, samples: s, interlace: true, filter: 4 })).raster;
		expect([r.channels, r.dtype]).toEqual([4, 'uint16']);
		expect(Array.from(r.data)).toEqual(planar(s, W * H, 4));
	});

	it('Adam7-interlaced 4-bit grey', () => {
		const s = ramp(W * H, (i) => (i * 7) % 16);
		const r = readPng('i4.png', buildPng({ width: W, height: H, colorType: 0, depth: 4, samples: s, interlace: true })).raster;
		expect(Array.from(r.data)).toEqual(s);
	});

	it('8-bit palette with 200 entries as label indices', () => {
		const s = ramp(W * H, (i) => (i * 31) % 200);
		const pal = ramp(600, (i) => i % 256);
		const r = readPng('m.png', buildPng({ width: W, height: H, colorType: 3, depth: 8, samples: s, palette: pal }), { palette: 'indices' }).raster;
		expect(Array.from(r.data)).toEqual(s);
	});

	it('an animated PNG reports its frames', () => {
		const actl = new Uint8Array(8);
		new DataView(actl.buffer).setUint32(0, 3);
		const img = readPng('a.png', buildPng({ width: 2, height: 2, colorType: 0, depth: 8, samples: [1, 2, 3, 4], chunks: [{ type: 'acTL', data: actl }] }));
		expect(img.pages).toBe(3);
		expect(img.notes.join(' ')).toMatch(/3 frames/);
	});

	it('the header reader sees the size without decoding', () => {
		const h = readPngHeader('h.png', buildPng({ width: W, height: H, colorType: 2, depth: 16, samples: rgb16 }));
		expect([h.width, h.height, h.depth, h.colorType, h.frames]).toEqual([W, H, 16, 2, 1]);
	});
});

describe('PNG errors', () => {
	const good = buildPng({ width: 20, height: 20, colorType: 0, depth: 8, samples: ramp(400, (i) => i % 256) });

	it('a cut file is reported as truncated', () => {
		expect(() => readPng('cut.png', good.subarray(0, good.length - 20))).toThrow(/cut\.png: the file ends inside its IDAT chunk/);
		expect(() => readPng('cut.png', good.subarray(0, good.length - 12))).toThrow(/before the PNG end chunk \(truncated\?\)/);
	});

	it('a damaged IDAT fails its checksum', () => {
		const bad = good.slice();
		bad[60] ^= 0xff;
		expect(() => readPng('bad.png', bad)).toThrow(/bad\.png: the IDAT chunk is damaged/);
	});

	it('an IHDR declaring 100,000 × 100,000 pixels is refused before decoding', () => {
		const ihdr = new Uint8Array(13);
		const dv = new DataView(ihdr.buffer);
		dv.setUint32(0, 100000);
		dv.setUint32(4, 100000);
		ihdr.set([8, 0, 0, 0, 0], 8);
		const sig = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
		const bytes = new Uint8Array([...sig, ...chunk('IHDR', ihdr), ...chunk('IDAT', new Uint8Array(10)), ...chunk('IEND', new Uint8Array(0))]);
		expect(() => readPng('huge.png', bytes)).toThrow(/huge\.png: the file declares 100,000 × 100,000 pixels, more than the limit/);
	});

	it('an invalid colour type / depth pair is refused', () => {
		const bytes = buildPng({ width: 2, height: 2, colorType: 0, depth: 8, samples: [1, 2, 3, 4] });
		const ihdr = bytes.slice(16, 29);
		ihdr[8] = 16; // 16-bit …
		ihdr[9] = 3; // … palette: not a valid PNG combination
		bytes.set(chunk('IHDR', ihdr), 8);
		expect(() => readPng('x.png', bytes)).toThrow(/x\.png: the PNG header declares colour type 3 with 16-bit samples, which is not a valid PNG/);
	});
});
