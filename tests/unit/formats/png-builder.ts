/**
 * Test helper: build PNG files from logical samples, straight from the PNG specification (chunks
 * with CRC-32, zlib via fflate, filter types 0–4, Adam7 interlacing), so tests cover what the shared
 * data lacks (16-bit colour, interlacing, every filter, truncation).
 */
import { zlibSync } from 'fflate';

export interface PngSpec {
	width: number;
	height: number;
	/** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
	colorType: 0 | 2 | 3 | 4 | 6;
	depth: 1 | 2 | 4 | 8 | 16;
	/** Interleaved samples, row by row (as a PNG stores them before packing). */
	samples: ArrayLike<number>;
	palette?: number[];
	interlace?: boolean;
	/** Filter type for every row (0–4); default 0. */
	filter?: number;
	/** Extra chunks placed before IDAT. */
	chunks?: { type: string; data: Uint8Array }[];
}

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function crc32(b: Uint8Array): number {
	let c = 0xffffffff;
	for (let i = 0; i < b.length; i++) {
		c ^= b[i];
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	}
	return (c ^ 0xffffffff) >>> 0;
}

export function chunk(type: string, data: Uint8Array): Uint8Array {
	const out = new Uint8Array(12 + data.length);
	const dv = new DataView(out.buffer);
	dv.setUint32(0, data.length);
	for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
	out.set(data, 8);
	dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
	return out;
}

/** Packed, unfiltered bytes of one row of samples. */
function packRow(vals: number[], depth: number): Uint8Array {
	if (depth === 16) {
		const b = new Uint8Array(vals.length * 2);
		vals.forEach((v, i) => {
			b[2 * i] = v >> 8;
			b[2 * i + 1] = v & 0xff;
		});
		return b;
	}
	if (depth === 8) return Uint8Array.from(vals);
	const b = new Uint8Array(Math.ceil((vals.length * depth) / 8));
	vals.forEach((v, i) => {
		const bit = i * depth;
		b[bit >> 3] |= v << (8 - depth - (bit & 7));
	});
	return b;
}

function paeth(a: number, b: number, c: number): number {
	const p = a + b - c;
	const pa = Math.abs(p - a);
	const pb = Math.abs(p - b);
	const pc = Math.abs(p - c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Filter rows (each already packed) with one filter type; returns the scanlines with their type bytes. */
function filterRows(rows: Uint8Array[], bpp: number, type: number): Uint8Array[] {
	return rows.map((row, y) => {
		const prev = y > 0 ? rows[y - 1] : new Uint8Array(row.length);
		const out = new Uint8Array(row.length + 1);
		out[0] = type;
		for (let i = 0; i < row.length; i++) {
			const a = i >= bpp ? row[i - bpp] : 0;
			const b = prev[i];
			const c = i >= bpp ? prev[i - bpp] : 0;
			const pred = type === 0 ? 0 : type === 1 ? a : type === 2 ? b : type === 3 ? (a + b) >> 1 : paeth(a, b, c);
			out[i + 1] = (row[i] - pred) & 0xff;
		}
		return out;
	});
}

const ADAM7: [number, number, number, number][] = [
	[0, 0, 8, 8],
	[4, 0, 8, 8],
	[0, 4, 4, 8],
	[2, 0, 4, 4],
	[0, 2, 2, 4],
	[1, 0, 2, 2],
	[0, 1, 1, 2]
];

export function buildPng(s: PngSpec): Uint8Array {
	const spp = SAMPLES[s.colorType];
	const bpp = Math.max(1, (spp * s.depth) >> 3);
	const sampleAt = (x: number, y: number): number[] => Array.from({ length: spp }, (_, k) => s.samples[(y * s.width + x) * spp + k]);
	const scanlines: Uint8Array[] = [];
	const passes = s.interlace ? ADAM7 : [[0, 0, 1, 1] as [number, number, number, number]];
	for (const [x0, y0, dx, dy] of passes) {
		const rows: Uint8Array[] = [];
		for (let y = y0; y < s.height; y += dy) {
			const vals: number[] = [];
			for (let x = x0; x < s.width; x += dx) vals.push(...sampleAt(x, y));
			if (vals.length > 0) rows.push(packRow(vals, s.depth));
		}
		scanlines.push(...filterRows(rows, bpp, s.filter ?? 0));
	}
	const raw = new Uint8Array(scanlines.reduce((n, r) => n + r.length, 0));
	let p = 0;
	for (const r of scanlines) {
		raw.set(r, p);
		p += r.length;
	}
	const ihdr = new Uint8Array(13);
	const dv = new DataView(ihdr.buffer);
	dv.setUint32(0, s.width);
	dv.setUint32(4, s.height);
	ihdr.set([s.depth, s.colorType, 0, 0, s.interlace ? 1 : 0], 8);
	const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
	if (s.palette) parts.push(chunk('PLTE', Uint8Array.from(s.palette)));
	for (const c of s.chunks ?? []) parts.push(chunk(c.type, c.data));
	parts.push(chunk('IDAT', zlibSync(raw)), chunk('IEND', new Uint8Array(0)));
	const out = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
	p = 0;
	for (const b of parts) {
		out.set(b, p);
		p += b.length;
	}
	return out;
}
