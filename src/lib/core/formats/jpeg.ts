/**
 * JPEG images. The header (size, components, JFIF density) is read here; the pixels come from a
 * `JpegDecoder`, by default the pure-JS jpeg-js (works in Node and workers). The page may inject
 * the browser's own decoder instead: it only has to return the same `JpegPixels`.
 */
import * as jpegModule from 'jpeg-js';
import { FormatError, LIMITS, checkDeclaredSize, formatCount } from './errors';
import type { Raster } from '../raster/types';
import { pixelSizeFromDensity, type PixelSizeSource } from './pixel-size';

type JpegJs = typeof jpegModule;
// jpeg-js is CommonJS: under Node's ESM loader its functions may sit on `default`.
const jpegJs: JpegJs = (jpegModule as unknown as { default?: JpegJs }).default ?? jpegModule;

/** True when the bytes start with a JPEG start-of-image marker. */
export function isJpeg(b: Uint8Array): boolean {
	return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

export interface JpegHeader {
	width: number;
	height: number;
	/** 1 greyscale, 3 colour (YCbCr/RGB), 4 CMYK/YCCK. */
	components: number;
	progressive: boolean;
	/** JFIF density; unit 1 = dots per inch, 2 = dots per cm, 0 = aspect ratio only. */
	density: { x: number; y: number; unit: number } | null;
}

/** Decoded pixels, channel-planar: 1 channel (grey) or 3 (RGB), uint8. */
export interface JpegPixels {
	width: number;
	height: number;
	channels: 1 | 3;
	data: Uint8Array;
}

/** Decodes JPEG bytes; may be synchronous (jpeg-js) or asynchronous (a browser decoder). */
export type JpegDecoder = (file: string, bytes: Uint8Array, header: JpegHeader) => JpegPixels | Promise<JpegPixels>;

const SOF_NAMES: Record<number, string> = {
	0xc3: 'lossless',
	0xc5: 'differential sequential',
	0xc6: 'differential progressive',
	0xc7: 'differential lossless',
	0xc9: 'arithmetic-coded sequential',
	0xca: 'arithmetic-coded progressive',
	0xcb: 'arithmetic-coded lossless',
	0xcd: 'differential arithmetic-coded sequential',
	0xce: 'differential arithmetic-coded progressive',
	0xcf: 'differential arithmetic-coded lossless'
};

/** Walk the markers up to the frame header; check the size before any decoding and that the file is whole. */
export function readJpegHeader(file: string, bytes: Uint8Array): JpegHeader {
	if (bytes.length === 0) throw new FormatError(file, 'the file is empty');
	if (!isJpeg(bytes)) throw new FormatError(file, 'this is not a JPEG file (it does not start with a JPEG marker)');
	let pos = 2;
	let density: JpegHeader['density'] = null;
	while (pos + 4 <= bytes.length) {
		if (bytes[pos] !== 0xff) throw new FormatError(file, `the JPEG markers are damaged at byte ${formatCount(pos)}`);
		const marker = bytes[pos + 1];
		if (marker === 0xff) {
			pos++; // fill byte
			continue;
		}
		if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
			pos += 2;
			continue;
		}
		const len = (bytes[pos + 2] << 8) | bytes[pos + 3];
		if (len < 2 || pos + 2 + len > bytes.length) throw new FormatError(file, `the file ends inside a JPEG header segment (truncated?)`);
		const seg = pos + 4;
		if (marker === 0xe0 && len >= 16 && String.fromCharCode(...bytes.subarray(seg, seg + 5)) === 'JFIF\0') {
			density = { unit: bytes[seg + 7], x: (bytes[seg + 8] << 8) | bytes[seg + 9], y: (bytes[seg + 10] << 8) | bytes[seg + 11] };
		}
		if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
			if (SOF_NAMES[marker]) throw new FormatError(file, `this is a ${SOF_NAMES[marker]} JPEG, which Mycol does not read; save it as a baseline or progressive JPEG, or better as TIFF or PNG`);
			if (len < 8) throw new FormatError(file, 'the JPEG frame header is too short (damaged file?)');
			const precision = bytes[seg];
			const height = (bytes[seg + 1] << 8) | bytes[seg + 2];
			const width = (bytes[seg + 3] << 8) | bytes[seg + 4];
			const components = bytes[seg + 5];
			if (precision !== 8) throw new FormatError(file, `this is a ${precision}-bit JPEG, which Mycol does not read (it reads 8-bit JPEGs)`);
			if (components !== 1 && components !== 3 && components !== 4) {
				throw new FormatError(file, `the JPEG has ${components} colour components, which Mycol does not read`);
			}
			if (height === 0) throw new FormatError(file, 'the JPEG does not state its height (DNL marker), which Mycol does not read');
			checkDeclaredSize(file, width, height, components === 1 ? 1 : 3, 1);
			if (!hasEndMarker(bytes, seg + len - 2)) {
				throw new FormatError(file, `the file ends after ${formatCount(bytes.length)} bytes without the JPEG end marker (truncated?)`);
			}
			return { width, height, components, progressive: marker === 0xc2, density };
		}
		if (marker === 0xda || marker === 0xd9) break;
		pos += 2 + len;
	}
	throw new FormatError(file, 'the file ends before the JPEG frame header (truncated or damaged?)');
}

/** An end-of-image marker after `from` (searched from the end: trailing bytes after it are common). */
function hasEndMarker(b: Uint8Array, from: number): boolean {
	for (let i = b.length - 2; i >= from; i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
	return false;
}

/** The pure decoder: jpeg-js, with its own memory limits set from Mycol's. */
export function decodeJpegJs(file: string, bytes: Uint8Array, header: JpegHeader): JpegPixels {
	let rgb: Uint8Array;
	try {
		const out = jpegJs.decode(bytes, {
			useTArray: true,
			formatAsRGBA: false,
			tolerantDecoding: true,
			maxResolutionInMP: LIMITS.maxPixels / 1e6,
			maxMemoryUsageInMB: Math.ceil(LIMITS.maxBytes / 2 ** 20)
		});
		rgb = out.data;
	} catch (e) {
		throw new FormatError(file, `the JPEG data cannot be decoded (${e instanceof Error ? e.message : String(e)})`);
	}
	const n = header.width * header.height;
	if (rgb.length < 3 * n) throw new FormatError(file, 'the JPEG decoder returned fewer pixels than the header declares (damaged file?)');
	if (header.components === 1) {
		const grey = new Uint8Array(n);
		for (let i = 0; i < n; i++) grey[i] = rgb[3 * i];
		return { width: header.width, height: header.height, channels: 1, data: grey };
	}
	const planar = new Uint8Array(3 * n);
	for (let i = 0; i < n; i++) {
		planar[i] = rgb[3 * i];
		planar[n + i] = rgb[3 * i + 1];
		planar[2 * n + i] = rgb[3 * i + 2];
	}
	return { width: header.width, height: header.height, channels: 3, data: planar };
}

export interface JpegImage {
	raster: Raster;
	pages: number;
	pixelSizeUm: number | null;
	pixelSizeSource: PixelSizeSource | null;
	notes: string[];
}

/** Turn decoded pixels and the header into the image result (pixel size from the JFIF density). */
export function jpegImage(file: string, header: JpegHeader, px: JpegPixels): JpegImage {
	if (px.width !== header.width || px.height !== header.height || px.data.length !== px.width * px.height * px.channels) {
		throw new FormatError(file, 'the JPEG decoder returned an image of a different size than the file declares');
	}
	const notes = ['JPEG is lossy: pixel values differ slightly from the original image.'];
	if (header.components === 4) notes.push('The CMYK colours are converted to RGB.');
	let pixelSizeUm: number | null = null;
	let pixelSizeSource: PixelSizeSource | null = null;
	if (header.density && (header.density.unit === 1 || header.density.unit === 2)) {
		const d = pixelSizeFromDensity(header.density.x, header.density.unit === 1 ? 'inch' : 'cm', header.density.y);
		pixelSizeUm = d.pixelSizeUm;
		pixelSizeSource = d.pixelSizeSource;
		notes.push(...d.notes);
	}
	const raster: Raster = { width: px.width, height: px.height, channels: px.channels, dtype: 'uint8', data: px.data };
	return { raster, pages: 1, pixelSizeUm, pixelSizeSource, notes };
}

/** Decode a JPEG synchronously with jpeg-js. */
export function readJpeg(file: string, bytes: Uint8Array): JpegImage {
	const header = readJpegHeader(file, bytes);
	return jpegImage(file, header, decodeJpegJs(file, bytes, header));
}
