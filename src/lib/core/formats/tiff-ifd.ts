/**
 * The TIFF container: header, the chain of image file directories (IFDs, one per page) and tag
 * values, for classic TIFF and BigTIFF in either byte order. Every offset and count a file
 * declares is checked against the file length before anything is read or allocated, so a hostile
 * or cut file gives a FormatError, never a huge allocation or an out-of-range read.
 */
import { FormatError, formatCount } from './errors';

/** Bytes per value of each TIFF field type (index = type code); 0 = unknown type. */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8];

/** More pages than this are not walked (the count is then reported as "at least"). */
export const MAX_PAGES = 1_000_000;

export const TAG = {
	NewSubfileType: 254,
	ImageWidth: 256,
	ImageLength: 257,
	BitsPerSample: 258,
	Compression: 259,
	Photometric: 262,
	FillOrder: 266,
	ImageDescription: 270,
	StripOffsets: 273,
	SamplesPerPixel: 277,
	RowsPerStrip: 278,
	StripByteCounts: 279,
	XResolution: 282,
	YResolution: 283,
	PlanarConfiguration: 284,
	ResolutionUnit: 296,
	Predictor: 317,
	ColorMap: 320,
	TileWidth: 322,
	TileLength: 323,
	TileOffsets: 324,
	TileByteCounts: 325,
	ExtraSamples: 338,
	SampleFormat: 339
} as const;

const TAG_NAMES = new Map<number, string>(Object.entries(TAG).map(([k, v]) => [v, k]));

/** A TIFF file opened for reading: byte order, format and where each page's directory is. */
export interface TiffContainer {
	file: string;
	bytes: Uint8Array;
	view: DataView;
	littleEndian: boolean;
	bigTiff: boolean;
	/** Offset of each page's IFD, in file order. */
	ifdOffsets: number[];
	/** True when the page chain was longer than MAX_PAGES and was not walked to its end. */
	morePages: boolean;
}

/** One directory entry: where its values are. */
export interface TiffEntry {
	tag: number;
	type: number;
	count: number;
	/** Absolute position of the first value byte. */
	valuePos: number;
}

export interface TiffDirectory {
	index: number;
	entries: Map<number, TiffEntry>;
}

/** True when the bytes start with a TIFF or BigTIFF signature (II*\0, MM\0*, II+\0, MM\0+). */
export function isTiff(b: Uint8Array): boolean {
	if (b.length < 4) return false;
	if (b[0] === 0x49 && b[1] === 0x49) return (b[2] === 42 || b[2] === 43) && b[3] === 0;
	if (b[0] === 0x4d && b[1] === 0x4d) return b[2] === 0 && (b[3] === 42 || b[3] === 43);
	return false;
}

/** Read the header and walk the page chain (directories are parsed later, on demand). */
export function openTiff(file: string, bytes: Uint8Array): TiffContainer {
	if (bytes.length === 0) throw new FormatError(file, 'the file is empty');
	if (!isTiff(bytes)) throw new FormatError(file, 'this is not a TIFF file (it does not start with a TIFF signature)');
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const littleEndian = bytes[0] === 0x49;
	const bigTiff = view.getUint16(2, littleEndian) === 43;
	const headerSize = bigTiff ? 16 : 8;
	if (bytes.length < headerSize) throw new FormatError(file, 'the file ends inside its TIFF header (truncated?)');
	if (bigTiff && (view.getUint16(4, littleEndian) !== 8 || view.getUint16(6, littleEndian) !== 0)) {
		throw new FormatError(file, 'the BigTIFF header is damaged (its offset size is not 8)');
	}
	const c: TiffContainer = { file, bytes, view, littleEndian, bigTiff, ifdOffsets: [], morePages: false };
	let offset = readOffset(c, bigTiff ? 8 : 4);
	if (offset === 0) throw new FormatError(file, 'the TIFF file contains no image (its first directory offset is 0)');
	const seen = new Set<number>();
	while (offset !== 0) {
		const page = c.ifdOffsets.length + 1;
		if (seen.has(offset)) break; // a loop in the chain: stop at the pages already found
		if (c.ifdOffsets.length >= MAX_PAGES) {
			c.morePages = true;
			break;
		}
		const countSize = bigTiff ? 8 : 2;
		const entrySize = bigTiff ? 20 : 12;
		if (offset + countSize > bytes.length) {
			if (page === 1) throw new FormatError(file, `the directory of page 1 lies outside the file (byte ${formatCount(offset)} of ${formatCount(bytes.length)}; truncated?)`);
			break; // a dangling link after valid pages: keep those pages, as libtiff does
		}
		const n = readOffset(c, offset, countSize);
		const end = offset + countSize + n * entrySize + (bigTiff ? 8 : 4);
		if (end > bytes.length) {
			if (page === 1) throw new FormatError(file, `the directory of page 1 ends after the end of the file (truncated?)`);
			break;
		}
		seen.add(offset);
		c.ifdOffsets.push(offset);
		offset = readOffset(c, end - (bigTiff ? 8 : 4));
	}
	return c;
}

/** An unsigned offset or count of 2, 4 or 8 bytes (8 only up to 2^53). */
function readOffset(c: TiffContainer, pos: number, size: number = c.bigTiff ? 8 : 4): number {
	if (size === 2) return c.view.getUint16(pos, c.littleEndian);
	if (size === 4) return c.view.getUint32(pos, c.littleEndian);
	const lo = c.view.getUint32(pos + (c.littleEndian ? 0 : 4), c.littleEndian);
	const hi = c.view.getUint32(pos + (c.littleEndian ? 4 : 0), c.littleEndian);
	if (hi >= 2 ** 21) throw new FormatError(c.file, 'a BigTIFF offset is larger than any file Mycol can open (damaged file?)');
	return hi * 2 ** 32 + lo;
}

/** Parse the directory of page `index` (0-based): the entries, with their value positions checked. */
export function readDirectory(c: TiffContainer, index: number): TiffDirectory {
	const offset = c.ifdOffsets[index];
	const countSize = c.bigTiff ? 8 : 2;
	const entrySize = c.bigTiff ? 20 : 12;
	const inline = c.bigTiff ? 8 : 4;
	const n = readOffset(c, offset, countSize);
	const entries = new Map<number, TiffEntry>();
	for (let i = 0; i < n; i++) {
		const p = offset + countSize + i * entrySize;
		const tag = c.view.getUint16(p, c.littleEndian);
		const type = c.view.getUint16(p + 2, c.littleEndian);
		const count = readOffset(c, p + 4, c.bigTiff ? 8 : 4);
		const size = TYPE_SIZE[type] ?? 0;
		if (size === 0 || count === 0) continue; // unknown types are skipped, as the TIFF spec asks
		const total = size * count;
		const valuePos = total <= inline ? p + (c.bigTiff ? 12 : 8) : readOffset(c, p + (c.bigTiff ? 12 : 8));
		if (valuePos + total > c.bytes.length) {
			// Only the tags Mycol reads matter; a damaged private tag elsewhere is ignored.
			if (TAG_NAMES.has(tag)) {
				throw new FormatError(
					c.file,
					`the ${TAG_NAMES.get(tag) ?? `tag ${tag}`} values of page ${index + 1} lie outside the file (byte ${formatCount(valuePos + total)} of ${formatCount(c.bytes.length)}; truncated?)`
				);
			}
			continue;
		}
		if (!entries.has(tag)) entries.set(tag, { tag, type, count, valuePos });
	}
	return { index, entries };
}

function readValue(c: TiffContainer, type: number, pos: number): number {
	const v = c.view;
	const le = c.littleEndian;
	switch (type) {
		case 1:
		case 2:
		case 7:
			return c.bytes[pos];
		case 6:
			return v.getInt8(pos);
		case 3:
			return v.getUint16(pos, le);
		case 8:
			return v.getInt16(pos, le);
		case 4:
		case 13:
			return v.getUint32(pos, le);
		case 9:
			return v.getInt32(pos, le);
		case 5: {
			const den = v.getUint32(pos + 4, le);
			return den === 0 ? NaN : v.getUint32(pos, le) / den;
		}
		case 10: {
			const den = v.getInt32(pos + 4, le);
			return den === 0 ? NaN : v.getInt32(pos, le) / den;
		}
		case 11:
			return v.getFloat32(pos, le);
		case 12:
			return v.getFloat64(pos, le);
		case 16:
		case 18:
			return readOffset(c, pos, 8);
		case 17:
			return Number(v.getBigInt64(pos, le));
		default:
			return NaN;
	}
}

/** The first value of a numeric tag, or `fallback` when the tag is absent. */
export function tagNumber(c: TiffContainer, d: TiffDirectory, tag: number, fallback: number): number;
export function tagNumber(c: TiffContainer, d: TiffDirectory, tag: number): number | null;
export function tagNumber(c: TiffContainer, d: TiffDirectory, tag: number, fallback?: number): number | null {
	const e = d.entries.get(tag);
	if (!e || e.type === 2) return fallback ?? null;
	return readValue(c, e.type, e.valuePos);
}

/** All values of a numeric tag (its count was checked against the file size), or null. */
export function tagNumbers(c: TiffContainer, d: TiffDirectory, tag: number): Float64Array | null {
	const e = d.entries.get(tag);
	if (!e || e.type === 2) return null;
	const size = TYPE_SIZE[e.type];
	const out = new Float64Array(e.count);
	for (let i = 0; i < e.count; i++) out[i] = readValue(c, e.type, e.valuePos + i * size);
	return out;
}

/** An ASCII tag as text (Latin-1, up to the first NUL), or null. */
export function tagString(c: TiffContainer, d: TiffDirectory, tag: number): string | null {
	const e = d.entries.get(tag);
	if (!e || (e.type !== 2 && e.type !== 1 && e.type !== 7)) return null;
	let end = e.valuePos;
	const stop = e.valuePos + e.count;
	while (end < stop && c.bytes[end] !== 0) end++;
	const raw = c.bytes.subarray(e.valuePos, end);
	// OME-XML and ImageJ text are UTF-8 in practice; fall back to Latin-1 for anything else.
	try {
		return new TextDecoder('utf-8', { fatal: true }).decode(raw);
	} catch {
		return new TextDecoder('latin1').decode(raw);
	}
}

/** Name of a tag for messages. */
export function tagName(tag: number): string {
	return TAG_NAMES.get(tag) ?? `tag ${tag}`;
}
