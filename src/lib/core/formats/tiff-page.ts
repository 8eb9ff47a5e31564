/**
 * One TIFF page: its geometry and sample layout, validated, and the decoding of its strips or
 * tiles into channel-planar typed arrays. Supports 1/2/4/8/16/32/64-bit samples (unsigned, signed,
 * float16/32/64), chunky and planar layouts, strips and tiles, either byte order, no compression,
 * LZW, Deflate and PackBits, and predictors 2 and 3.
 */
import { FormatError, checkDeclaredSize, formatCount } from './errors';
import { allocatePixels, type DType, type PixelArray } from '../raster/types';
import { TAG, readDirectory, tagNumber, tagNumbers, tagString, type TiffContainer } from './tiff-ifd';
import { CodecError, inflateInto, lzwDecode, undoFloatPredictor, undoHorizontalDifferencing, unpackBits } from './tiff-decompress';

const COMPRESSION_NAMES: Record<number, string> = {
	2: 'CCITT Group 3 (fax)',
	3: 'CCITT T.4 (fax)',
	4: 'CCITT T.6 (fax)',
	6: 'old-style JPEG',
	7: 'JPEG',
	34712: 'JPEG 2000',
	34887: 'LERC',
	34925: 'LZMA',
	50000: 'Zstandard',
	50001: 'WebP',
	50002: 'JPEG XL',
	33003: 'JPEG 2000 (Aperio)',
	33005: 'JPEG 2000 (Aperio)'
};

const PHOTOMETRIC_NAMES: Record<number, string> = {
	5: 'CMYK (separated inks)',
	6: 'YCbCr',
	8: 'CIE L*a*b*',
	9: 'ICC L*a*b*',
	10: 'ITU L*a*b*',
	32844: 'LogL',
	32845: 'LogLuv',
	32803: 'a colour filter array (raw camera data)',
	34892: 'linear raw camera data'
};

export interface TiffPage {
	/** 0-based page index. */
	index: number;
	width: number;
	height: number;
	samplesPerPixel: number;
	bitsPerSample: number;
	/** 1 unsigned, 2 signed, 3 float. */
	sampleFormat: number;
	/** The dtype the samples are stored as in a Raster (bits < 8 → uint8, float16 → float32). */
	dtype: DType;
	compression: number;
	photometric: number;
	/** 1 chunky (interleaved), 2 planar (one plane per sample). */
	planar: number;
	predictor: number;
	tiled: boolean;
	/** Size of one strip or tile in pixels (a strip is the full image width). */
	blockWidth: number;
	blockHeight: number;
	offsets: Float64Array;
	byteCounts: Float64Array | null;
	description: string | null;
	xResolution: number | null;
	yResolution: number | null;
	resolutionUnit: number;
	colorMap: Float64Array | null;
}

/** Read and validate the directory of page `index`; the declared size is checked before any pixel allocation. */
export function readPage(c: TiffContainer, index: number): TiffPage {
	const d = readDirectory(c, index);
	const p = `page ${index + 1}`;
	const width = tagNumber(c, d, TAG.ImageWidth);
	const height = tagNumber(c, d, TAG.ImageLength);
	if (width === null || height === null) throw new FormatError(c.file, `${p} has no image width or height tag`);
	const spp = tagNumber(c, d, TAG.SamplesPerPixel, 1);
	const bitsAll = tagNumbers(c, d, TAG.BitsPerSample);
	const formatAll = tagNumbers(c, d, TAG.SampleFormat);
	const bits = bitsAll ? bitsAll[0] : 1;
	const format = formatAll ? formatAll[0] : 1;
	if (!Number.isInteger(spp) || spp < 1 || spp > 64) {
		throw new FormatError(c.file, `${p} declares ${spp} samples per pixel, which is not a usable number`);
	}
	if (bitsAll && bitsAll.some((b) => b !== bits)) {
		throw new FormatError(c.file, `${p} mixes samples of different sizes (${Array.from(bitsAll).join(', ')} bits), which Mycol does not read`);
	}
	if (formatAll && formatAll.some((f) => f !== format)) {
		throw new FormatError(c.file, `${p} mixes integer and floating-point samples, which Mycol does not read`);
	}
	const dtype = sampleDType(c.file, p, bits, format, spp);
	const compression = tagNumber(c, d, TAG.Compression, 1);
	if (compression !== 1 && compression !== 5 && compression !== 8 && compression !== 32946 && compression !== 32773) {
		const name = COMPRESSION_NAMES[compression] ?? 'an unknown';
		throw new FormatError(
			c.file,
			`${p} uses ${name} compression (TIFF compression code ${compression}), which Mycol does not read; save the image uncompressed or with LZW or Deflate (ZIP) compression`
		);
	}
	const photometric = tagNumber(c, d, TAG.Photometric, spp >= 3 ? 2 : 1);
	if (PHOTOMETRIC_NAMES[photometric] !== undefined) {
		throw new FormatError(c.file, `${p} stores its colours as ${PHOTOMETRIC_NAMES[photometric]}, which Mycol does not read; save it as RGB or greyscale`);
	}
	if (tagNumber(c, d, TAG.FillOrder, 1) === 2) {
		throw new FormatError(c.file, `${p} stores its bits in reversed order (FillOrder 2), which Mycol does not read`);
	}
	const planar = spp === 1 ? 1 : tagNumber(c, d, TAG.PlanarConfiguration, 1);
	if (planar !== 1 && planar !== 2) throw new FormatError(c.file, `${p} has an invalid PlanarConfiguration (${planar})`);
	// libtiff applies predictors only with LZW and Deflate; elsewhere the tag is ignored.
	const predictor = compression === 1 || compression === 32773 ? 1 : tagNumber(c, d, TAG.Predictor, 1);
	if (predictor !== 1 && predictor !== 2 && predictor !== 3) {
		throw new FormatError(c.file, `${p} uses predictor ${predictor}, which is not a TIFF predictor Mycol knows`);
	}
	if (predictor === 2 && (format === 3 || bits < 8 || bits > 32)) {
		throw new FormatError(c.file, `${p} uses horizontal differencing on ${bits}-bit ${format === 3 ? 'floating-point ' : ''}samples, which Mycol does not read`);
	}
	if (predictor === 3 && format !== 3) {
		throw new FormatError(c.file, `${p} uses the floating-point predictor on integer samples, which is not valid TIFF`);
	}
	if (photometric === 3 && (spp !== 1 || format !== 1)) {
		throw new FormatError(c.file, `${p} is a palette image with ${spp} samples per pixel, which is not valid TIFF`);
	}

	// The declared size is checked before any array that depends on it is read or allocated.
	const channels = photometric === 3 ? 3 : spp;
	checkDeclaredSize(c.file, width, height, channels, Math.max(1, bits / 8));

	const tiled = d.entries.has(TAG.TileOffsets);
	const blockWidth = tiled ? tagNumber(c, d, TAG.TileWidth, 0) : width;
	const rowsPerStrip = tagNumber(c, d, TAG.RowsPerStrip, height);
	const blockHeight = tiled ? tagNumber(c, d, TAG.TileLength, 0) : Math.min(Math.max(1, rowsPerStrip), height);
	if (!Number.isInteger(blockWidth) || !Number.isInteger(blockHeight) || blockWidth < 1 || blockHeight < 1) {
		throw new FormatError(c.file, `${p} declares tiles of ${blockWidth} × ${blockHeight} pixels, which is not a valid size`);
	}
	if (tiled && blockWidth * blockHeight > 2 ** 26) {
		throw new FormatError(c.file, `${p} declares tiles of ${formatCount(blockWidth)} × ${formatCount(blockHeight)} pixels, larger than Mycol reads`);
	}
	const across = Math.ceil(width / blockWidth);
	const down = Math.ceil(height / blockHeight);
	const needed = across * down * (planar === 2 ? spp : 1);
	const offsets = tagNumbers(c, d, tiled ? TAG.TileOffsets : TAG.StripOffsets);
	if (!offsets) throw new FormatError(c.file, `${p} has no strip or tile offsets, so its pixels cannot be found`);
	if (offsets.length < needed) {
		throw new FormatError(c.file, `${p} lists ${offsets.length} ${tiled ? 'tiles' : 'strips'} but its size needs ${needed} (damaged file?)`);
	}
	const byteCounts = tagNumbers(c, d, tiled ? TAG.TileByteCounts : TAG.StripByteCounts);
	if (byteCounts && byteCounts.length < needed) {
		throw new FormatError(c.file, `${p} lists ${byteCounts.length} ${tiled ? 'tile' : 'strip'} sizes but needs ${needed} (damaged file?)`);
	}
	if (!byteCounts && compression !== 1) {
		throw new FormatError(c.file, `${p} is compressed but does not say how long its ${tiled ? 'tiles' : 'strips'} are (no byte counts)`);
	}
	let colorMap: Float64Array | null = null;
	if (photometric === 3) {
		colorMap = tagNumbers(c, d, TAG.ColorMap);
		if (!colorMap || colorMap.length < 3 * 2 ** bits) {
			throw new FormatError(c.file, `${p} is a palette image but its colour map is missing or too short`);
		}
	}
	const xr = tagNumber(c, d, TAG.XResolution);
	const yr = tagNumber(c, d, TAG.YResolution);
	return {
		index,
		width,
		height,
		samplesPerPixel: spp,
		bitsPerSample: bits,
		sampleFormat: format,
		dtype,
		compression,
		photometric,
		planar,
		predictor,
		tiled,
		blockWidth,
		blockHeight,
		offsets,
		byteCounts,
		description: tagString(c, d, TAG.ImageDescription),
		xResolution: xr !== null && Number.isFinite(xr) && xr > 0 ? xr : null,
		yResolution: yr !== null && Number.isFinite(yr) && yr > 0 ? yr : null,
		resolutionUnit: tagNumber(c, d, TAG.ResolutionUnit, 2),
		colorMap
	};
}

function sampleDType(file: string, p: string, bits: number, format: number, spp: number): DType {
	const unsupported = (): never => {
		throw new FormatError(file, `${p} has ${bits}-bit ${format === 3 ? 'floating-point' : format === 2 ? 'signed' : 'unsigned'} samples, which Mycol does not read (it reads 1, 2, 4, 8, 16 and 32-bit integers and 16, 32 and 64-bit floats)`);
	};
	if (format === 1 || format === 4) {
		// SampleFormat 4 ("undefined") is read as unsigned, as libtiff does.
		if (bits === 1 || bits === 2 || bits === 4) return spp === 1 ? 'uint8' : unsupported();
		if (bits === 8) return 'uint8';
		if (bits === 16) return 'uint16';
		if (bits === 32) return 'uint32';
		return unsupported();
	}
	if (format === 2) {
		if (bits === 8) return 'int8';
		if (bits === 16) return 'int16';
		if (bits === 32) return 'int32';
		return unsupported();
	}
	if (format === 3) {
		if (bits === 16 || bits === 32) return 'float32';
		if (bits === 64) return 'float64';
		return unsupported();
	}
	throw new FormatError(file, `${p} declares sample format ${format}, which is not a TIFF sample format Mycol reads`);
}

/** Bytes of one row of one block after decompression. */
function blockRowBytes(page: TiffPage): number {
	const spb = page.planar === 1 ? page.samplesPerPixel : 1;
	return Math.ceil((page.blockWidth * spb * page.bitsPerSample) / 8);
}

/**
 * Check that every strip or tile lies inside the file, so a cut file is reported as truncated
 * before any decoding. Uncompressed blocks must hold their whole geometry.
 */
export function checkBlocksInFile(c: TiffContainer, page: TiffPage): void {
	const across = Math.ceil(page.width / page.blockWidth);
	const down = Math.ceil(page.height / page.blockHeight);
	const n = across * down * (page.planar === 2 ? page.samplesPerPixel : 1);
	const rowBytes = blockRowBytes(page);
	let need = 0;
	let have = 0;
	for (let i = 0; i < n; i++) {
		const off = page.offsets[i];
		let len: number;
		if (page.compression === 1) {
			const rows = page.tiled ? page.blockHeight : Math.min(page.blockHeight, page.height - (i % down) * page.blockHeight);
			len = rows * rowBytes;
		} else {
			len = page.byteCounts ? page.byteCounts[i] : 0;
		}
		if (!Number.isFinite(off) || off < 0) throw new FormatError(c.file, `page ${page.index + 1} has an invalid strip offset (damaged file?)`);
		need += len;
		have += Math.max(0, Math.min(len, c.bytes.length - off));
	}
	if (have < need) {
		throw new FormatError(c.file, `the file ends after ${formatCount(have)} of ${formatCount(need)} bytes of image data (truncated?)`);
	}
}

type IntArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** Scratch buffers reused across the blocks of one page (one allocation per page, not per block). */
interface Scratch {
	decoded: Uint8Array;
	aligned: Uint8Array;
	floatRow: Uint8Array;
}

/**
 * Decode a page's samples into `dst` (a C×H×W planar array of the page's dtype), sample s going
 * to channel `firstChannel + s`. For palette pages, the indices are written (one channel).
 */
export function decodePageInto(c: TiffContainer, page: TiffPage, dst: PixelArray, firstChannel: number): void {
	checkBlocksInFile(c, page);
	const { width: W, height: H, blockWidth: bw, blockHeight: bh, bitsPerSample: bits } = page;
	const spp = page.samplesPerPixel;
	const spb = page.planar === 1 ? spp : 1;
	const across = Math.ceil(W / bw);
	const down = Math.ceil(H / bh);
	const perPlane = across * down;
	const planes = page.planar === 2 ? spp : 1;
	const rowBytes = blockRowBytes(page);
	const blockBytes = rowBytes * bh;
	const scratch: Scratch = {
		decoded: new Uint8Array(page.compression === 1 ? 0 : blockBytes),
		aligned: new Uint8Array(bits > 8 && (page.compression === 1 || page.predictor === 3) ? blockBytes : 0),
		floatRow: new Uint8Array(page.predictor === 3 ? rowBytes : 0)
	};
	const plane = W * H;
	for (let s = 0; s < planes; s++) {
		for (let by = 0; by < down; by++) {
			for (let bx = 0; bx < across; bx++) {
				const i = s * perPlane + by * across + bx;
				const rowsDeclared = page.tiled ? bh : Math.min(bh, H - by * bh);
				const need = rowsDeclared * rowBytes;
				const raw = blockBytesOf(c, page, i, need, scratch);
				const x0 = bx * bw;
				const y0 = by * bh;
				const cols = Math.min(bw, W - x0);
				const rows = Math.min(rowsDeclared, H - y0);
				const ch0 = firstChannel + s;
				if (bits < 8) {
					unpackSubByte(raw, rowBytes, bits, cols, rows, dst, ch0 * plane + y0 * W + x0, W);
					continue;
				}
				const samples = sampleView(c, page, raw, need, rowBytes, rowsDeclared, spb, scratch);
				copyBlock(samples, bw, spb, cols, rows, dst, plane, ch0, y0 * W + x0, W, page.sampleFormat === 3 && bits === 16);
			}
		}
	}
}

/** The decompressed bytes of block i (exactly `need` bytes), reading the file in place when uncompressed. */
function blockBytesOf(c: TiffContainer, page: TiffPage, i: number, need: number, scratch: Scratch): Uint8Array {
	const off = page.offsets[i];
	if (page.compression === 1) return c.bytes.subarray(off, off + need);
	const count = page.byteCounts ? page.byteCounts[i] : 0;
	const src = c.bytes.subarray(off, off + count);
	const out = scratch.decoded.subarray(0, need);
	const what = `${page.tiled ? 'tile' : 'strip'} ${i + 1} of page ${page.index + 1}`;
	let got: number;
	try {
		if (page.compression === 5) got = lzwDecode(src, out);
		else if (page.compression === 32773) got = unpackBits(src, out);
		else got = inflateInto(src, out);
	} catch (e) {
		if (e instanceof CodecError) throw new FormatError(c.file, `${what} cannot be decoded: ${e.message}`);
		throw e;
	}
	if (got < need) {
		throw new FormatError(c.file, `${what} holds ${formatCount(got)} bytes after decompression, fewer than the ${formatCount(need)} it should (damaged file?)`);
	}
	return out;
}

/** The block's samples as a native-order typed array, after undoing byte order and predictors. */
function sampleView(
	c: TiffContainer,
	page: TiffPage,
	raw: Uint8Array,
	need: number,
	rowBytes: number,
	rows: number,
	spb: number,
	scratch: Scratch
): IntArray | Float32Array | Float64Array {
	const bits = page.bitsPerSample;
	const bps = bits / 8;
	let bytes = raw;
	if (page.predictor === 3) {
		// The float predictor's byte planes fix the order: the result is little-endian.
		const out = scratch.aligned.subarray(0, need);
		for (let r = 0; r < rows; r++) {
			const row = scratch.floatRow;
			row.set(raw.subarray(r * rowBytes, (r + 1) * rowBytes));
			undoFloatPredictor(row, spb, bps, out.subarray(r * rowBytes, (r + 1) * rowBytes));
		}
		bytes = out;
	} else if (bits > 8) {
		// Decompressed blocks sit at offset 0 of a scratch buffer we own (aligned); file bytes are
		// copied so that they can be viewed as typed samples and byte-swapped without touching the input.
		if (page.compression === 1) {
			scratch.aligned.set(raw);
			bytes = scratch.aligned.subarray(0, need);
		}
		if (!c.littleEndian) swapBytes(bytes, bps);
	}
	const view = typedView(page, bytes);
	if (page.predictor === 2) {
		const perRow = rowBytes / bps;
		const ints = view as IntArray;
		for (let r = 0; r < rows; r++) undoHorizontalDifferencing(ints.subarray(r * perRow, (r + 1) * perRow), spb);
	}
	return view;
}

function typedView(page: TiffPage, b: Uint8Array): IntArray | Float32Array | Float64Array {
	const n = b.length / (page.bitsPerSample / 8);
	const f = page.sampleFormat;
	switch (page.bitsPerSample) {
		case 8:
			return f === 2 ? new Int8Array(b.buffer, b.byteOffset, n) : b;
		case 16:
			// float16 stays as raw halves here; copyBlock widens it.
			return f === 2 ? new Int16Array(b.buffer, b.byteOffset, n) : new Uint16Array(b.buffer, b.byteOffset, n);
		case 32:
			return f === 3 ? new Float32Array(b.buffer, b.byteOffset, n) : f === 2 ? new Int32Array(b.buffer, b.byteOffset, n) : new Uint32Array(b.buffer, b.byteOffset, n);
		default:
			return new Float64Array(b.buffer, b.byteOffset, n);
	}
}

function swapBytes(b: Uint8Array, size: number): void {
	if (size === 2) {
		for (let i = 0; i + 1 < b.length; i += 2) {
			const t = b[i];
			b[i] = b[i + 1];
			b[i + 1] = t;
		}
		return;
	}
	for (let i = 0; i + size <= b.length; i += size) {
		for (let a = i, z = i + size - 1; a < z; a++, z--) {
			const t = b[a];
			b[a] = b[z];
			b[z] = t;
		}
	}
}

/** Copy a block's (clipped) pixels into the planar destination, de-interleaving chunky samples. */
function copyBlock(
	src: IntArray | Float32Array | Float64Array,
	blockWidth: number,
	spb: number,
	cols: number,
	rows: number,
	dst: PixelArray,
	plane: number,
	ch0: number,
	start: number,
	W: number,
	half: boolean
): void {
	if (half) {
		const h = src as Uint16Array;
		for (let s = 0; s < spb; s++) {
			for (let r = 0; r < rows; r++) {
				const d = (ch0 + s) * plane + start + r * W;
				const base = r * blockWidth * spb + s;
				for (let x = 0; x < cols; x++) dst[d + x] = halfToFloat(h[base + x * spb]);
			}
		}
		return;
	}
	if (spb === 1) {
		for (let r = 0; r < rows; r++) {
			const from = r * blockWidth;
			(dst as Uint8Array).set(src.subarray(from, from + cols) as Uint8Array, ch0 * plane + start + r * W);
		}
		return;
	}
	for (let s = 0; s < spb; s++) {
		for (let r = 0; r < rows; r++) {
			const d = (ch0 + s) * plane + start + r * W;
			const base = r * blockWidth * spb + s;
			for (let x = 0; x < cols; x++) dst[d + x] = src[base + x * spb];
		}
	}
}

function unpackSubByte(raw: Uint8Array, rowBytes: number, bits: number, cols: number, rows: number, dst: PixelArray, start: number, W: number): void {
	const mask = (1 << bits) - 1;
	for (let r = 0; r < rows; r++) {
		const rb = r * rowBytes;
		const d = start + r * W;
		for (let x = 0; x < cols; x++) {
			const bit = x * bits;
			dst[d + x] = (raw[rb + (bit >> 3)] >> (8 - bits - (bit & 7))) & mask;
		}
	}
}

/** IEEE 754 half precision to a number (exact). */
function halfToFloat(v: number): number {
	const sign = v & 0x8000 ? -1 : 1;
	const exp = (v >> 10) & 0x1f;
	const frac = v & 0x3ff;
	if (exp === 0) return sign * frac * 2 ** -24;
	if (exp === 31) return frac ? NaN : sign * Infinity;
	return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Allocate the planar array for `channels` channels of this page's size and dtype. */
export function allocatePage(page: TiffPage, channels: number): PixelArray {
	return allocatePixels(page.dtype, page.width * page.height * channels);
}

/**
 * Expand palette indices (one channel) into RGB, as PIL and libtiff's tiff2rgba do: 16-bit colour
 * map entries are scaled to 8 bits (÷ 256), unless every entry is ≤ 255, in which case the writer
 * stored 8-bit values and they are used as they are.
 */
export function expandPalette(indices: PixelArray, colorMap: Float64Array, bits: number): Uint8Array {
	const n = indices.length;
	const size = 2 ** bits;
	let max = 0;
	for (let i = 0; i < 3 * size; i++) if (colorMap[i] > max) max = colorMap[i];
	const shift = max > 255 ? 8 : 0;
	const lut = new Uint8Array(3 * size);
	for (let i = 0; i < 3 * size; i++) lut[i] = colorMap[i] >> shift;
	const out = new Uint8Array(3 * n);
	for (let c = 0; c < 3; c++) {
		const base = c * size;
		const o = c * n;
		for (let i = 0; i < n; i++) out[o + i] = lut[base + indices[i]];
	}
	return out;
}
