/**
 * PNG images as Rasters, decoded by upng-js (inflate, unfiltering, Adam7 de-interlacing). The chunk
 * layout is walked here first, so that sizes are checked before upng allocates anything and a cut
 * or damaged file gives a plain FormatError instead of upng's silent partial result.
 */
import * as upngModule from 'upng-js';
import { Unzlib } from 'fflate';
import { FormatError, checkDeclaredSize, formatCount } from './errors';
import type { Raster } from '../raster/types';
import { pixelSizeFromDensity, type PixelSizeSource } from './pixel-size';

type Upng = typeof upngModule;
// upng-js is CommonJS: under Node's ESM loader its functions sit on `default`.
const UPNG: Upng = (upngModule as unknown as { default?: Upng }).default ?? upngModule;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when the bytes start with the PNG signature. */
export function isPng(b: Uint8Array): boolean {
	return b.length >= 8 && SIGNATURE.every((v, i) => b[i] === v);
}

export interface PngHeader {
	width: number;
	height: number;
	/** Bits per sample: 1, 2, 4, 8 or 16. */
	depth: number;
	/** PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
	colorType: number;
	/** Frames of an animated PNG (acTL), else 1. */
	frames: number;
	/** pHYs: pixels per unit in x and y; unit 1 = metre, 0 = aspect ratio only. */
	phys: { x: number; y: number; unit: number } | null;
	hasTransparency: boolean;
	/** Adam7 interlacing. */
	interlaced: boolean;
}

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const VALID_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** A chunk's place in the file: from its length field to the end of its CRC. */
interface ChunkSpan {
	type: string;
	start: number;
	end: number;
}

/** Walk the chunks: check the header, the chunk bounds and CRCs of the critical chunks, and that IEND is reached. */
export function readPngHeader(file: string, bytes: Uint8Array): PngHeader {
	return scanPng(file, bytes).header;
}

function scanPng(file: string, bytes: Uint8Array): { header: PngHeader; chunks: ChunkSpan[] } {
	if (bytes.length === 0) throw new FormatError(file, 'the file is empty');
	if (!isPng(bytes)) throw new FormatError(file, 'this is not a PNG file (it does not start with the PNG signature)');
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let pos = 8;
	let header: PngHeader | null = null;
	let sawIdat = false;
	let sawEnd = false;
	let paletteEntries = 0;
	const chunks: ChunkSpan[] = [];
	while (pos + 8 <= bytes.length) {
		const len = view.getUint32(pos);
		const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
		const data = pos + 8;
		if (len > 2 ** 31 - 1 || data + len + 4 > bytes.length) {
			throw new FormatError(file, `the file ends inside its ${/^[A-Za-z]{4}$/.test(type) ? type : 'data'} chunk, after ${formatCount(bytes.length)} bytes (truncated?)`);
		}
		chunks.push({ type, start: pos, end: data + len + 4 });
		if (type === 'IHDR' || type === 'PLTE' || type === 'IDAT') {
			if (crc32(bytes, pos + 4, len + 4) !== view.getUint32(data + len)) {
				throw new FormatError(file, `the ${type} chunk is damaged (its checksum does not match)`);
			}
		}
		if (type === 'IHDR') {
			if (len < 13) throw new FormatError(file, 'the PNG header chunk is too short');
			const width = view.getUint32(data);
			const height = view.getUint32(data + 4);
			const depth = bytes[data + 8];
			const colorType = bytes[data + 9];
			if (!(colorType in SAMPLES) || !VALID_DEPTHS[colorType].includes(depth)) {
				throw new FormatError(file, `the PNG header declares colour type ${colorType} with ${depth}-bit samples, which is not a valid PNG`);
			}
			if (bytes[data + 10] !== 0 || bytes[data + 11] !== 0 || bytes[data + 12] > 1) {
				throw new FormatError(file, 'the PNG header declares an unknown compression, filter or interlace method');
			}
			const channels = colorType === 3 ? 3 : SAMPLES[colorType];
			checkDeclaredSize(file, width, height, channels, depth === 16 ? 2 : 1);
			header = { width, height, depth, colorType, frames: 1, phys: null, hasTransparency: false, interlaced: bytes[data + 12] === 1 };
		} else if (!header) {
			throw new FormatError(file, 'the PNG does not start with its header chunk (IHDR)');
		} else if (type === 'PLTE') {
			paletteEntries = Math.floor(len / 3);
		} else if (type === 'IDAT') {
			sawIdat = true;
		} else if (type === 'acTL' && len >= 8) {
			header.frames = Math.max(1, view.getUint32(data));
		} else if (type === 'pHYs' && len >= 9) {
			header.phys = { x: view.getUint32(data), y: view.getUint32(data + 4), unit: bytes[data + 8] };
		} else if (type === 'tRNS') {
			header.hasTransparency = true;
		} else if (type === 'IEND') {
			sawEnd = true;
			break;
		}
		pos = data + len + 4;
	}
	if (!header) throw new FormatError(file, 'the file ends before its PNG header (truncated?)');
	if (!sawIdat) throw new FormatError(file, 'the PNG holds no image data (no IDAT chunk; truncated?)');
	if (!sawEnd) throw new FormatError(file, `the file ends after ${formatCount(bytes.length)} bytes, before the PNG end chunk (truncated?)`);
	if (header.colorType === 3 && paletteEntries === 0) throw new FormatError(file, 'the PNG is a palette image without a palette (PLTE) chunk');
	return { header, chunks };
}

/** Bytes of image data after inflation, as the header's size, sample layout and interlacing call for. */
function expectedImageBytes(h: PngHeader): number {
	const bpp = SAMPLES[h.colorType] * h.depth;
	const rows = (w: number, n: number): number => (w > 0 && n > 0 ? n * (1 + Math.ceil((w * bpp) / 8)) : 0);
	if (!h.interlaced) return rows(h.width, h.height);
	let total = 0;
	for (const [x0, y0, dx, dy] of ADAM7) total += rows(Math.ceil((h.width - x0) / dx), Math.ceil((h.height - y0) / dy));
	return total;
}

const ADAM7 = [
	[0, 0, 8, 8],
	[4, 0, 8, 8],
	[0, 4, 4, 8],
	[2, 0, 4, 4],
	[0, 2, 2, 4],
	[1, 0, 2, 2],
	[0, 1, 1, 2]
];

/**
 * Inflate the image data once, counting and discarding it, to refuse a stream that inflates to
 * more than the header declares (a decompression bomb) or to less (damaged or cut data) before
 * upng-js, which inflates without a bound, is given the file.
 */
function checkImageData(file: string, bytes: Uint8Array, idat: ChunkSpan[], expected: number): void {
	let total = 0;
	const budget = expected + 65536;
	const stream = new Unzlib((chunk) => {
		total += chunk.length;
		if (total > budget) {
			throw new FormatError(file, `the PNG image data inflates to more than the ${formatCount(expected)} bytes its header declares (damaged or hostile file)`);
		}
	});
	try {
		idat.forEach((c, i) => stream.push(bytes.subarray(c.start + 8, c.end - 4), i === idat.length - 1));
	} catch (e) {
		if (e instanceof FormatError) throw e;
		throw new FormatError(file, `the PNG image data is damaged (${e instanceof Error ? e.message : String(e)})`);
	}
	if (total < expected) {
		throw new FormatError(file, `the PNG image data holds ${formatCount(total)} of ${formatCount(expected)} bytes after decompression (damaged or truncated file?)`);
	}
}

/** A copy of the PNG holding only what the first image needs (no animation frames for upng to decode). */
function stillImage(bytes: Uint8Array, chunks: ChunkSpan[]): ArrayBuffer {
	const keep = chunks.filter((c) => c.type === 'IHDR' || c.type === 'PLTE' || c.type === 'tRNS' || c.type === 'IDAT' || c.type === 'IEND');
	const size = 8 + keep.reduce((n, c) => n + c.end - c.start, 0);
	const out = new Uint8Array(size);
	out.set(bytes.subarray(0, 8), 0);
	let p = 8;
	for (const c of keep) {
		out.set(bytes.subarray(c.start, c.end), p);
		p += c.end - c.start;
	}
	return out.buffer;
}

export interface PngImage {
	raster: Raster;
	pages: number;
	pixelSizeUm: number | null;
	pixelSizeSource: PixelSizeSource | null;
	notes: string[];
}

export interface PngReadOptions {
	/** A palette PNG gives its colours as RGB ('rgb', for images) or its indices ('indices', for masks). */
	palette?: 'rgb' | 'indices';
}

/** Decode a PNG into a Raster (C, H, W): uint8 or uint16, grey 1, grey+alpha 2, RGB 3, RGBA 4 channels. */
export function readPng(file: string, bytes: Uint8Array, opts: PngReadOptions = {}): PngImage {
	const { header: h, chunks } = scanPng(file, bytes);
	const palette = opts.palette ?? 'rgb';
	checkImageData(file, bytes, chunks.filter((c) => c.type === 'IDAT'), expectedImageBytes(h));
	let img: ReturnType<Upng['decode']>;
	try {
		img = UPNG.decode(stillImage(bytes, chunks));
	} catch (e) {
		throw new FormatError(file, `the PNG image data cannot be decoded (${typeof e === 'string' ? e : e instanceof Error ? e.message : 'damaged data'})`);
	}
	const W = h.width;
	const H = h.height;
	const n = W * H;
	const samples = SAMPLES[h.colorType];
	const bpp = samples * h.depth;
	const rowBytes = Math.ceil((W * bpp) / 8);
	const src = img.data ? new Uint8Array(img.data) : new Uint8Array(0);
	if (src.length < rowBytes * H) {
		throw new FormatError(file, `the PNG image data holds ${formatCount(src.length)} of ${formatCount(rowBytes * H)} bytes after decompression (damaged or truncated file?)`);
	}
	const notes: string[] = [];
	let raster: Raster;
	if (h.depth === 16) {
		const out = new Uint16Array(n * samples);
		for (let y = 0; y < H; y++) {
			const row = y * rowBytes;
			for (let x = 0; x < W; x++) {
				const p = row + x * samples * 2;
				for (let s = 0; s < samples; s++) out[s * n + y * W + x] = (src[p + 2 * s] << 8) | src[p + 2 * s + 1];
			}
		}
		raster = { width: W, height: H, channels: samples, dtype: 'uint16', data: out };
	} else if (h.depth === 8) {
		const out = new Uint8Array(n * samples);
		if (samples === 1) {
			for (let y = 0; y < H; y++) out.set(src.subarray(y * rowBytes, y * rowBytes + W), y * W);
		} else {
			for (let y = 0; y < H; y++) {
				const row = y * rowBytes;
				for (let x = 0; x < W; x++) {
					const p = row + x * samples;
					for (let s = 0; s < samples; s++) out[s * n + y * W + x] = src[p + s];
				}
			}
		}
		raster = { width: W, height: H, channels: samples, dtype: 'uint8', data: out };
	} else {
		// 1, 2 or 4-bit grey or palette indices, packed MSB first, rows padded to a byte.
		const out = new Uint8Array(n);
		const mask = (1 << h.depth) - 1;
		for (let y = 0; y < H; y++) {
			const row = y * rowBytes;
			for (let x = 0; x < W; x++) {
				const bit = x * h.depth;
				out[y * W + x] = (src[row + (bit >> 3)] >> (8 - h.depth - (bit & 7))) & mask;
			}
		}
		raster = { width: W, height: H, channels: 1, dtype: 'uint8', data: out };
		if (h.colorType === 0) notes.push(`The ${h.depth}-bit grey values are read as 0–${mask}.`);
	}
	if (h.colorType === 3 && palette === 'rgb') {
		const plte = img.tabs.PLTE ?? [];
		const idx = raster.data;
		const rgb = new Uint8Array(3 * n);
		const entries = Math.floor(plte.length / 3);
		for (let i = 0; i < n; i++) {
			const k = idx[i] < entries ? idx[i] : 0;
			rgb[i] = plte[3 * k];
			rgb[n + i] = plte[3 * k + 1];
			rgb[2 * n + i] = plte[3 * k + 2];
		}
		raster = { width: W, height: H, channels: 3, dtype: 'uint8', data: rgb };
		notes.push('This is a palette (indexed-colour) image; its colours are shown as RGB.');
	}
	if (h.colorType === 4 || h.colorType === 6) notes.push('The image has an alpha (transparency) channel; it is kept as the last channel.');
	if (h.hasTransparency && h.colorType !== 4 && h.colorType !== 6) notes.push('The PNG marks some values as transparent; transparency is ignored.');
	if (h.frames > 1) notes.push(`${formatCount(h.frames)} frames (animated PNG); the first image is shown.`);
	let pixelSizeUm: number | null = null;
	let pixelSizeSource: PixelSizeSource | null = null;
	if (h.phys && h.phys.unit === 1) {
		const px = pixelSizeFromDensity(h.phys.x, 'm', h.phys.y);
		pixelSizeUm = px.pixelSizeUm;
		pixelSizeSource = px.pixelSizeSource;
		notes.push(...px.notes);
	}
	return { raster, pages: h.frames, pixelSizeUm, pixelSizeSource, notes };
}

/** CRC-32 table (ISO 3309 polynomial), built once when the module loads. */
const CRC_TABLE = ((): Uint32Array => {
	const t = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		t[n] = c >>> 0;
	}
	return t;
})();

/** CRC-32 as PNG defines it, over `len` bytes from `start`. */
function crc32(b: Uint8Array, start: number, len: number): number {
	let c = 0xffffffff;
	for (let i = start, end = start + len; i < end; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}
