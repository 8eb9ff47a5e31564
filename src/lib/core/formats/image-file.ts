/**
 * Opening an image or a label mask from its bytes. The format is chosen by the file's signature,
 * never by its extension (a `.tif` that is really a PNG opens as a PNG; a text file named `.tif`
 * is refused as text).
 */
import { FormatError, checkDeclaredSize } from './errors';
import { BYTES_PER_SAMPLE, type DType, type Labels, type PixelArray, type Raster } from '../raster/types';
import { isTiff, readTiff, inspectTiff } from './tiff';
import { isPng, readPng, readPngHeader } from './png';
import { isJpeg, jpegImage, readJpeg, readJpegHeader, type JpegDecoder, type JpegHeader, type JpegPixels } from './jpeg';
import { isNpy, readNpy, type NpyArray, type NpyDType } from './npy';
import { NumpyArray, readSegNpy } from './seg-npy';
import type { PixelSizeSource } from './pixel-size';

export type ImageFormat = 'tiff' | 'png' | 'jpeg' | 'npy';

export interface DecodedImage {
	format: ImageFormat;
	/** (C, H, W) planar, original dtype kept. */
	raster: Raster;
	/** Pages, frames or images in the file. */
	pages: number;
	pixelSizeUm: number | null;
	pixelSizeSource: PixelSizeSource | null;
	/** Plain sentences about what was read, e.g. "2 pages; page 1 is shown." */
	notes: string[];
}

export interface DecodedLabels {
	format: Exclude<ImageFormat, 'jpeg'> | 'seg-npy';
	labels: Labels;
	/** The dtype the ids were stored as in the file (ids are always returned as uint32). */
	sourceDtype: DType | NpyDType;
	/** Pages in the file (the first is used). */
	pages: number;
	pixelSizeUm: number | null;
	pixelSizeSource: PixelSizeSource | null;
	notes: string[];
}

/** What an image file holds, read from its header (TIFF, PNG, JPEG) without decoding pixels. */
export interface ImageInfo {
	format: ImageFormat;
	width: number;
	height: number;
	dtype: DType;
	channels: number;
	pages: number;
}

export interface DecodeOptions {
	/** A synchronous JPEG decoder to use instead of jpeg-js. */
	decodeJpeg?: (file: string, bytes: Uint8Array, header: JpegHeader) => JpegPixels;
}

export interface DecodeAsyncOptions {
	/** A JPEG decoder to use instead of jpeg-js, possibly asynchronous (e.g. the browser's). */
	decodeJpeg?: JpegDecoder;
}

/** The format from the signature bytes, or null. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
	if (isTiff(bytes)) return 'tiff';
	if (isPng(bytes)) return 'png';
	if (isJpeg(bytes)) return 'jpeg';
	if (isNpy(bytes)) return 'npy';
	return null;
}

const READS = 'Mycol reads TIFF, PNG, JPEG and NumPy .npy images';

/** A sentence saying what an unreadable file is, as far as its first bytes tell. */
function notAnImage(name: string, b: Uint8Array): FormatError {
	if (b.length === 0) return new FormatError(name, 'the file is empty');
	const ascii = (s: number, n: number): string => String.fromCharCode(...b.subarray(s, s + n));
	const known: [boolean, string][] = [
		[ascii(0, 4) === 'GIF8', 'a GIF image'],
		[ascii(0, 2) === 'BM' && b.length > 26, 'a BMP image'],
		[ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP', 'a WebP image'],
		[b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51, 'a JPEG 2000 codestream'],
		[ascii(4, 8) === 'jP  \r\n\x87\n' || ascii(4, 4) === 'jP  ', 'a JPEG 2000 image'],
		[ascii(4, 8) === 'ftypheic' || ascii(4, 8) === 'ftypmif1' || ascii(4, 8) === 'ftypavif', 'an HEIF/AVIF image'],
		[ascii(0, 10) === 'ZISRAWFILE', 'a Zeiss CZI file (export it as OME-TIFF or TIFF first)'],
		[b[0] === 0xda && b[1] === 0xce && b[2] === 0xbe && b[3] === 0x0a, 'a Nikon ND2 file (export it as TIFF first)'],
		[ascii(0, 8) === '\x89HDF\r\n\x1a\n', 'an HDF5 file'],
		[b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04, 'a ZIP archive (for a NumPy .npz, save the array as .npy)'],
		[b[0] === 0x1f && b[1] === 0x8b, 'a gzip-compressed file'],
		[ascii(0, 5) === '%PDF-', 'a PDF document'],
		[b[0] === 0x80 && b[1] >= 2 && b[1] <= 5, 'a Python pickle, not a NumPy .npy file']
	];
	for (const [match, what] of known) if (match) return new FormatError(name, `this is ${what}, not an image Mycol can open; ${READS}`);
	if (looksLikeText(b)) return new FormatError(name, `this is a text file, not an image; ${READS}`);
	return new FormatError(name, `this is not an image file Mycol recognises (its first bytes match no known format); ${READS}`);
}

/** True when the first KiB is printable text (UTF-8 or Latin-1, no control bytes but tab/CR/LF). */
function looksLikeText(b: Uint8Array): boolean {
	const n = Math.min(b.length, 1024);
	for (let i = 0; i < n; i++) {
		const v = b[i];
		if (v < 0x20 && v !== 0x09 && v !== 0x0a && v !== 0x0d && v !== 0x0c) return false;
		if (v === 0x7f) return false;
	}
	return true;
}

/** Decode an image file (any supported format), synchronously; JPEG with jpeg-js unless `opts.decodeJpeg` is given. */
export function decodeImageFile(name: string, bytes: Uint8Array, opts: DecodeOptions = {}): DecodedImage {
	switch (sniffFormat(bytes)) {
		case 'tiff':
			return { format: 'tiff', ...readTiff(name, bytes, { palette: 'rgb' }) };
		case 'png':
			return { format: 'png', ...readPng(name, bytes, { palette: 'rgb' }) };
		case 'jpeg': {
			if (!opts.decodeJpeg) return { format: 'jpeg', ...readJpeg(name, bytes) };
			const header = readJpegHeader(name, bytes);
			return { format: 'jpeg', ...jpegImage(name, header, opts.decodeJpeg(name, bytes, header)) };
		}
		case 'npy':
			return { format: 'npy', ...npyImage(name, bytes) };
		default:
			throw notAnImage(name, bytes);
	}
}

/** Decode an image file, letting an asynchronous JPEG decoder (e.g. the browser's) do JPEGs. */
export async function decodeImageFileAsync(name: string, bytes: Uint8Array, opts: DecodeAsyncOptions = {}): Promise<DecodedImage> {
	const decodeJpeg = opts.decodeJpeg;
	if (decodeJpeg && sniffFormat(bytes) === 'jpeg') {
		const header = readJpegHeader(name, bytes);
		return { format: 'jpeg', ...jpegImage(name, header, await decodeJpeg(name, bytes, header)) };
	}
	return decodeImageFile(name, bytes);
}

/** Size, dtype, channels and pages without decoding pixels (a `.npy` is parsed in full). */
export function inspectImage(name: string, bytes: Uint8Array): ImageInfo {
	switch (sniffFormat(bytes)) {
		case 'tiff':
			return { format: 'tiff', ...inspectTiff(name, bytes) };
		case 'png': {
			const h = readPngHeader(name, bytes);
			const channels = h.colorType === 3 ? 3 : ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[h.colorType];
			return { format: 'png', width: h.width, height: h.height, dtype: h.depth === 16 ? 'uint16' : 'uint8', channels, pages: h.frames };
		}
		case 'jpeg': {
			const h = readJpegHeader(name, bytes);
			return { format: 'jpeg', width: h.width, height: h.height, dtype: 'uint8', channels: h.components === 1 ? 1 : 3, pages: 1 };
		}
		case 'npy': {
			const r = npyImage(name, bytes);
			return { format: 'npy', width: r.raster.width, height: r.raster.height, dtype: r.raster.dtype, channels: r.raster.channels, pages: r.pages };
		}
		default:
			throw notAnImage(name, bytes);
	}
}

/**
 * Decode a label mask: integer ids, 0 = background. TIFF and PNG (uint8/16/32, or signed/float
 * holding only non-negative whole numbers; a palette file gives its indices, not colours) and
 * `.npy` numeric arrays. JPEG is refused: lossy compression changes the ids.
 */
export function decodeLabelFile(name: string, bytes: Uint8Array): DecodedLabels {
	let img: Omit<DecodedImage, 'format'>;
	let format: DecodedLabels['format'];
	switch (sniffFormat(bytes)) {
		case 'tiff':
			format = 'tiff';
			img = readTiff(name, bytes, { palette: 'indices' });
			break;
		case 'png':
			format = 'png';
			img = readPng(name, bytes, { palette: 'indices' });
			break;
		case 'jpeg':
			throw new FormatError(name, 'a JPEG cannot hold a label mask: its lossy compression changes the cell ids; save masks as TIFF, PNG or .npy');
		case 'npy':
			if (readNpy(name, bytes).kind === 'object') return segLabels(name, bytes);
			format = 'npy';
			img = npyImage(name, bytes);
			break;
		default:
			throw notAnImage(name, bytes);
	}
	const notes = [...img.notes];
	const labels = rasterToLabels(name, img.raster, notes);
	return { format, labels, sourceDtype: img.raster.dtype, pages: img.pages, pixelSizeUm: img.pixelSizeUm, pixelSizeSource: img.pixelSizeSource, notes };
}

/** The masks of a Cellpose `_seg.npy` dict (recognised by content, whatever the file name). */
function segLabels(name: string, bytes: Uint8Array): DecodedLabels {
	const seg = readSegNpy(name, bytes);
	const stored = seg.entries.get('masks');
	const kind = stored instanceof NumpyArray ? stored.dtype?.kind : null;
	const sourceDtype: DType | NpyDType = kind && kind !== 'object' && kind !== 'unicode' && kind !== 'bytes' ? kind : 'uint32';
	const notes = ['Cellpose _seg.npy file: its masks are used.'];
	if (seg.diameter !== null) notes.push(`Segmented with a cell diameter of ${seg.diameter} pixels.`);
	return { format: 'seg-npy', labels: seg.masks, sourceDtype, pages: 1, pixelSizeUm: null, pixelSizeSource: null, notes };
}

/**
 * Label ids from a one-channel raster. Several identical channels (a grey mask saved as RGB) are
 * accepted; negative, fractional or too-large values are refused.
 */
export function rasterToLabels(name: string, r: Raster, notes: string[] = []): Labels {
	const n = r.width * r.height;
	const d = r.data;
	if (r.channels > 1) {
		for (let c = 1; c < r.channels; c++) {
			for (let i = 0; i < n; i++) {
				if (d[c * n + i] !== d[i]) {
					throw new FormatError(name, `this is a ${r.channels}-channel (colour) image, not a label mask; a mask has one channel of integer cell ids`);
				}
			}
		}
		notes.push(`The mask's ${r.channels} channels are identical; the first is used.`);
	}
	const out = new Uint32Array(n);
	if (r.dtype === 'uint8' || r.dtype === 'uint16' || r.dtype === 'uint32') {
		out.set(d.subarray(0, n) as Uint8Array);
		return { width: r.width, height: r.height, data: out };
	}
	for (let i = 0; i < n; i++) {
		const v = d[i];
		if (v < 0) throw new FormatError(name, `the mask has negative values (e.g. ${v}), which are not cell ids`);
		if (v !== Math.floor(v)) {
			throw new FormatError(name, Number.isNaN(v) ? 'the mask contains NaN values, so it is not a label image' : `the mask holds fractional values (e.g. ${v}), so it is not a label image`);
		}
		if (v > 0xffffffff) throw new FormatError(name, `the mask has ids up to ${v}, more than Mycol's largest id (4,294,967,295)`);
		out[i] = v;
	}
	return { width: r.width, height: r.height, data: out };
}

/** A `.npy` numeric array as an image; object arrays (pickles) are refused with a pointer to the reader that handles them. */
function npyImage(name: string, bytes: Uint8Array): Omit<DecodedImage, 'format'> {
	const a = readNpy(name, bytes);
	if (a.kind === 'object') {
		throw new FormatError(
			name,
			'this .npy file is a pickled object array (for example a Cellpose _seg.npy), not a numeric image array'
		);
	}
	const notes: string[] = [];
	const { data, dtype } = npyPixels(a, notes);
	const shape = a.shape;
	if (shape.length < 2 || shape.length > 4) {
		throw new FormatError(name, `the .npy array has ${shape.length} dimension${shape.length === 1 ? '' : 's'} (shape (${shape.join(', ')})); an image needs 2 to 4`);
	}
	if (shape.some((s) => s === 0)) throw new FormatError(name, `the .npy array is empty (shape (${shape.join(', ')}))`);
	let pages = 1;
	let inner = shape;
	if (shape.length === 4) {
		pages = shape[0];
		inner = shape.slice(1);
	}
	// Layout of one image: (H, W), (H, W, C) when C ≤ 4, (C, H, W) when C ≤ 8, else (Z, H, W).
	let layout: 'hw' | 'hwc' | 'chw' | 'zhw' = 'hw';
	let H = inner[0];
	let W = inner[1];
	let C = 1;
	if (inner.length === 3) {
		if (inner[2] <= 4) {
			layout = 'hwc';
			C = inner[2];
		} else if (inner[0] <= 8) {
			layout = 'chw';
			C = inner[0];
			H = inner[1];
			W = inner[2];
		} else {
			layout = 'zhw';
			H = inner[1];
			W = inner[2];
		}
	}
	checkDeclaredSize(name, W, H, C, BYTES_PER_SAMPLE[dtype]);
	const n = H * W;
	const out = new (data.constructor as { new (len: number): PixelArray })(C * n);
	if (layout === 'hwc') {
		for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) out[c * n + i] = data[i * C + c];
	} else {
		// (H, W), (C, H, W) and the first plane of (Z, H, W) are already planar: copy the first C×H×W values.
		out.set(data.subarray(0, C * n) as Uint8Array);
	}
	if (layout === 'zhw') {
		pages *= inner[0];
		notes.push(`The .npy array has shape (${shape.join(', ')}); it is read as ${inner[0]} planes of ${H} × ${W}, and plane 1 is shown.`);
	} else if (shape.length === 4) {
		notes.push(`The .npy array has shape (${shape.join(', ')}); it is read as ${shape[0]} images, and image 1 is shown.`);
	}
	if (shape.length === 3 || shape.length === 4) {
		if (layout === 'hwc') notes.push(`The last axis (${C}) is read as channels.`);
		if (layout === 'chw') notes.push(`The first axis (${C}) is read as channels.`);
	}
	const raster: Raster = { width: W, height: H, channels: C, dtype, data: out };
	return { raster, pages, pixelSizeUm: null, pixelSizeSource: null, notes };
}

/** The array's values in a Raster dtype: bool → uint8; int64/uint64 → the narrowest of uint32, int32, float64 that holds them. */
function npyPixels(a: NpyArray, notes: string[]): { data: PixelArray; dtype: DType } {
	switch (a.dtype) {
		case 'bool':
			return { data: a.data as Uint8Array, dtype: 'uint8' };
		case 'float16':
			notes.push('The 16-bit floats are read as 32-bit floats.');
			return { data: a.data as Float32Array, dtype: 'float32' };
		case 'int64':
		case 'uint64': {
			const src = a.data as BigInt64Array | BigUint64Array;
			let min = 0;
			let max = 0;
			for (let i = 0; i < src.length; i++) {
				const v = Number(src[i]);
				if (v < min) min = v;
				if (v > max) max = v;
			}
			const dtype: DType = min >= 0 && max <= 0xffffffff ? 'uint32' : min >= -(2 ** 31) && max < 2 ** 31 ? 'int32' : 'float64';
			const out = dtype === 'uint32' ? new Uint32Array(src.length) : dtype === 'int32' ? new Int32Array(src.length) : new Float64Array(src.length);
			for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
			if (dtype === 'float64' && (max > 2 ** 53 || min < -(2 ** 53))) {
				notes.push(`The 64-bit integers exceed 2^53 and are rounded to the nearest 64-bit float.`);
			}
			notes.push(`The ${a.dtype} values are stored as ${dtype}, which holds them ${dtype === 'float64' ? 'as floating-point numbers' : 'exactly'}.`);
			return { data: out, dtype };
		}
		default:
			return { data: a.data as PixelArray, dtype: a.dtype };
	}
}
