/**
 * A small TIFF writer: little-endian classic TIFF, one strip set per page, Deflate (zlib,
 * compression 8) or uncompressed. Every dtype a Raster holds; one channel as one page, 8-bit RGB as
 * an RGB page, other multi-channel images as an ImageJ hyperstack (one page per channel), which
 * Fiji, tifffile and our own reader all open as channels. The pixel size goes where ImageJ puts it
 * (description `unit=micron` + XResolution/YResolution in pixels per micron, ResolutionUnit none,
 * as ImageJ's `TiffEncoder.writeScale`), so Fiji shows µm.
 */
import { zlibSync } from 'fflate';
import { ParamError } from './errors';
import { BYTES_PER_SAMPLE, type DType, type PixelArray, type Raster } from '../raster/types';

export interface TiffWriteOptions {
	/** µm per pixel, or null/undefined when unknown. */
	pixelSizeUm?: number | null;
	/** 'deflate' (default) or 'none'. */
	compression?: 'deflate' | 'none';
	/** Extra `key=value` lines for the ImageJ description (e.g. the display range). */
	imagejExtra?: string[];
}

/** Uncompressed bytes per strip: a few strips keep Deflate effective and readers' memory small. */
const STRIP_BYTES = 256 * 1024;

/** Whether typed arrays are little-endian here (true on every current browser and Node platform). */
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Entry {
	tag: number;
	type: 2 | 3 | 4 | 5;
	count: number;
	/** Numbers for SHORT/LONG, [num, den] pairs for RATIONAL, bytes for ASCII. */
	values: number[] | Uint8Array;
}

const TYPE_SIZE = { 2: 1, 3: 2, 4: 4, 5: 8 } as const;

/** TIFF SampleFormat: 1 unsigned, 2 signed, 3 float. */
function sampleFormat(dtype: DType): number {
	return dtype.startsWith('float') ? 3 : dtype.startsWith('int') ? 2 : 1;
}

/**
 * XResolution as ImageJ's `TiffEncoder.writeScale` writes it: 1/pixelWidth as the rational
 * (int)(x·scale)/(int)scale with scale = 10^6, reduced so the numerator fits a signed int.
 */
export function imagejResolution(pixelSizeUm: number): [number, number] {
	const xscale = 1 / pixelSizeUm;
	let scale = 1_000_000;
	if (xscale * scale > 2 ** 31 - 1) scale = Math.trunc((2 ** 31 - 1) / xscale);
	return [Math.trunc(xscale * scale), Math.trunc(scale)];
}

/** Little-endian bytes of a typed array's range (a view when the host is little-endian). */
function leBytes(data: PixelArray, start: number, end: number): Uint8Array {
	const part = data.subarray(start, end);
	const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
	if (HOST_LE) return bytes;
	const size = part.BYTES_PER_ELEMENT;
	const out = new Uint8Array(bytes.length);
	for (let i = 0; i < bytes.length; i += size) for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k];
	return out;
}

interface Page {
	entries: Entry[];
	strips: Uint8Array[];
}

function makePage(
	W: number,
	H: number,
	samples: number,
	dtype: DType,
	rowSource: (y0: number, rows: number) => Uint8Array,
	compress: boolean,
	extra: Entry[]
): Page {
	const bps = BYTES_PER_SAMPLE[dtype];
	const rowBytes = W * samples * bps;
	const rowsPerStrip = Math.max(1, Math.min(H, Math.floor(STRIP_BYTES / rowBytes)));
	const strips: Uint8Array[] = [];
	for (let y0 = 0; y0 < H; y0 += rowsPerStrip) {
		const raw = rowSource(y0, Math.min(rowsPerStrip, H - y0));
		strips.push(compress ? zlibSync(raw, { level: 6 }) : raw.slice());
	}
	const entries: Entry[] = [
		{ tag: 254, type: 4, count: 1, values: [0] }, // NewSubfileType
		{ tag: 256, type: 4, count: 1, values: [W] }, // ImageWidth
		{ tag: 257, type: 4, count: 1, values: [H] }, // ImageLength
		{ tag: 258, type: 3, count: samples, values: new Array<number>(samples).fill(bps * 8) }, // BitsPerSample
		{ tag: 259, type: 3, count: 1, values: [compress ? 8 : 1] }, // Compression
		{ tag: 262, type: 3, count: 1, values: [samples === 3 ? 2 : 1] }, // Photometric: RGB or BlackIsZero
		...extra,
		{ tag: 273, type: 4, count: strips.length, values: new Array<number>(strips.length).fill(0) }, // StripOffsets
		{ tag: 277, type: 3, count: 1, values: [samples] }, // SamplesPerPixel
		{ tag: 278, type: 4, count: 1, values: [rowsPerStrip] }, // RowsPerStrip
		{ tag: 279, type: 4, count: strips.length, values: strips.map((s) => s.length) }, // StripByteCounts
		{ tag: 284, type: 3, count: 1, values: [1] }, // PlanarConfiguration: contiguous
		{ tag: 339, type: 3, count: samples, values: new Array<number>(samples).fill(sampleFormat(dtype)) } // SampleFormat
	];
	entries.sort((a, b) => a.tag - b.tag);
	return { entries, strips };
}

/** Lay out pages (IFD, out-of-line values, strips) into one file. */
function assemble(pages: Page[]): Uint8Array {
	let pos = 8;
	const layout = pages.map((p) => {
		const ifd = pos;
		pos += 2 + p.entries.length * 12 + 4;
		const valuePos = new Map<Entry, number>();
		for (const e of p.entries) {
			const size = TYPE_SIZE[e.type] * e.count;
			if (size > 4) {
				valuePos.set(e, pos);
				pos += size + (size & 1);
			}
		}
		const stripOffsets = p.strips.map((s) => {
			const at = pos;
			pos += s.length + (s.length & 1);
			return at;
		});
		(p.entries.find((e) => e.tag === 273) as Entry).values = stripOffsets;
		return { ifd, valuePos };
	});
	if (pos > 2 ** 32 - 1) throw new ParamError('TIFF', 'the image is too large for a classic TIFF file (over 4 GiB)');
	const out = new Uint8Array(pos);
	const dv = new DataView(out.buffer);
	out.set([0x49, 0x49, 42, 0], 0);
	dv.setUint32(4, 8, true);
	pages.forEach((p, k) => {
		const { ifd, valuePos } = layout[k];
		dv.setUint16(ifd, p.entries.length, true);
		p.entries.forEach((e, j) => {
			const at = ifd + 2 + j * 12;
			dv.setUint16(at, e.tag, true);
			dv.setUint16(at + 2, e.type, true);
			dv.setUint32(at + 4, e.count, true);
			const outOfLine = valuePos.get(e);
			writeValues(dv, out, outOfLine ?? at + 8, e);
			if (outOfLine !== undefined) dv.setUint32(at + 8, outOfLine, true);
		});
		dv.setUint32(ifd + 2 + p.entries.length * 12, k + 1 < pages.length ? layout[k + 1].ifd : 0, true);
		const offsets = (p.entries.find((e) => e.tag === 273) as Entry).values as number[];
		p.strips.forEach((s, i) => out.set(s, offsets[i]));
	});
	return out;
}

function writeValues(dv: DataView, out: Uint8Array, at: number, e: Entry): void {
	if (e.type === 2) {
		out.set(e.values as Uint8Array, at);
		return;
	}
	const v = e.values as number[];
	for (let i = 0; i < v.length; i++) {
		if (e.type === 3) dv.setUint16(at + 2 * i, v[i], true);
		else dv.setUint32(at + 4 * i, v[i], true);
	}
}

/** Write a raster (any dtype, any number of channels) as a TIFF file. */
export function writeTiff(r: Raster, opts: TiffWriteOptions = {}): Uint8Array {
	const { width: W, height: H, channels: C } = r;
	if (!Number.isInteger(W) || !Number.isInteger(H) || W < 1 || H < 1 || C < 1 || r.data.length !== W * H * C) {
		throw new ParamError('TIFF', `a ${W} × ${H} × ${C} image must have ${W * H * C} values, not ${r.data.length}`);
	}
	const px = opts.pixelSizeUm ?? null;
	if (px !== null && !(px > 0 && Number.isFinite(px))) throw new ParamError('pixel size', `${px} µm is not a valid pixel size`);
	const compress = (opts.compression ?? 'deflate') === 'deflate';
	const n = W * H;
	const rgb = r.dtype === 'uint8' && C === 3;

	const lines = ['ImageJ=1.53t'];
	if (!rgb && C > 1) lines.push(`images=${C}`, `channels=${C}`, 'hyperstack=true', 'mode=composite');
	if (px !== null) lines.push('unit=micron');
	lines.push(...(opts.imagejExtra ?? []));
	const description = new TextEncoder().encode(lines.join('\n') + '\n\0');
	const first: Entry[] = [{ tag: 270, type: 2, count: description.length, values: description }];
	if (px !== null) {
		const [num, den] = imagejResolution(px);
		first.push({ tag: 282, type: 5, count: 1, values: [num, den] }); // XResolution
		first.push({ tag: 283, type: 5, count: 1, values: [num, den] }); // YResolution
		first.push({ tag: 296, type: 3, count: 1, values: [1] }); // ResolutionUnit: none (the unit is in the description)
	}

	if (rgb) {
		// Planar (C,H,W) to interleaved RGB rows.
		const rows = (y0: number, count: number) => {
			const out = new Uint8Array(count * W * 3);
			for (let i = 0, p = y0 * W; i < count * W; i++, p++) {
				out[3 * i] = r.data[p];
				out[3 * i + 1] = r.data[n + p];
				out[3 * i + 2] = r.data[2 * n + p];
			}
			return out;
		};
		return assemble([makePage(W, H, 3, r.dtype, rows, compress, first)]);
	}
	const pages: Page[] = [];
	for (let c = 0; c < C; c++) {
		const rows = (y0: number, count: number) => leBytes(r.data, c * n + y0 * W, c * n + (y0 + count) * W);
		pages.push(makePage(W, H, 1, r.dtype, rows, compress, c === 0 ? first : []));
	}
	return assemble(pages);
}
