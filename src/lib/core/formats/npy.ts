/**
 * NumPy `.npy` files (format versions 1.0, 2.0, 3.0), read and written.
 * Reads every real numeric dtype (bool, int8–64, uint8–64, float16/32/64) in either byte order,
 * C or Fortran order, any shape; the result is always native little-endian, C order.
 * Object arrays (pickles, e.g. Cellpose `_seg.npy`) come back as their pickle bytes, unread.
 */
import { FormatError, LIMITS, formatCount } from './errors';

export type NpyDType =
	| 'bool'
	| 'int8'
	| 'uint8'
	| 'int16'
	| 'uint16'
	| 'int32'
	| 'uint32'
	| 'int64'
	| 'uint64'
	| 'float16'
	| 'float32'
	| 'float64';

export type NpyData =
	| Uint8Array
	| Int8Array
	| Int16Array
	| Uint16Array
	| Int32Array
	| Uint32Array
	| BigInt64Array
	| BigUint64Array
	| Float32Array
	| Float64Array;

/** A numeric array from an `.npy` file, C order. float16 is widened to float32, bool is 0/1 uint8. */
export interface NpyArray {
	kind: 'array';
	dtype: NpyDType;
	shape: number[];
	data: NpyData;
	/** Whether the file stored it in Fortran order (it has been transposed to C order). */
	fortranOrder: boolean;
}

/** An object array: the pickle that follows the header, for a pickle reader to interpret. */
export interface NpyObjectArray {
	kind: 'object';
	shape: number[];
	pickle: Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DTYPES: Record<string, { dtype: NpyDType; size: number }> = {
	b1: { dtype: 'bool', size: 1 },
	i1: { dtype: 'int8', size: 1 },
	u1: { dtype: 'uint8', size: 1 },
	i2: { dtype: 'int16', size: 2 },
	u2: { dtype: 'uint16', size: 2 },
	i4: { dtype: 'int32', size: 4 },
	u4: { dtype: 'uint32', size: 4 },
	i8: { dtype: 'int64', size: 8 },
	u8: { dtype: 'uint64', size: 8 },
	f2: { dtype: 'float16', size: 2 },
	f4: { dtype: 'float32', size: 4 },
	f8: { dtype: 'float64', size: 8 }
};

/** True when the bytes start with the `.npy` magic string. */
export function isNpy(bytes: Uint8Array): boolean {
	return bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

interface Header {
	descr: string;
	fortranOrder: boolean;
	shape: number[];
	dataOffset: number;
}

function parseHeader(file: string, bytes: Uint8Array): Header {
	if (bytes.length === 0) throw new FormatError(file, 'the file is empty');
	if (!isNpy(bytes)) throw new FormatError(file, 'this is not a NumPy .npy file (it does not start with the \\x93NUMPY signature)');
	if (bytes.length < 10) throw new FormatError(file, 'the file ends inside its .npy header (truncated?)');
	const major = bytes[6];
	let headerLen: number;
	let start: number;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (major === 1) {
		headerLen = view.getUint16(8, true);
		start = 10;
	} else if (major === 2 || major === 3) {
		if (bytes.length < 12) throw new FormatError(file, 'the file ends inside its .npy header (truncated?)');
		headerLen = view.getUint32(8, true);
		start = 12;
	} else {
		throw new FormatError(file, `.npy format version ${major}.${bytes[7]} is not supported (only 1.0, 2.0 and 3.0 exist)`);
	}
	if (start + headerLen > bytes.length) throw new FormatError(file, 'the file ends inside its .npy header (truncated?)');
	const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
	const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
	const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
	const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
	if (descr === undefined || fortran === undefined || shapeText === undefined) {
		throw new FormatError(file, 'the .npy header is not a dictionary with descr, fortran_order and shape (structured arrays are not supported)');
	}
	const shape = shapeText
		.split(',')
		.map((s) => s.trim())
		.filter((s) => s.length > 0)
		.map((s) => Number(s.replace(/L$/, '')));
	if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
		throw new FormatError(file, `the .npy header declares the shape (${shapeText}), which is not a list of sizes`);
	}
	return { descr, fortranOrder: fortran === 'True', shape, dataOffset: start + headerLen };
}

/** Read an `.npy` file. */
export function readNpy(file: string, bytes: Uint8Array): NpyArray | NpyObjectArray {
	const h = parseHeader(file, bytes);
	if (h.descr === '|O' || h.descr === 'O') {
		return { kind: 'object', shape: h.shape, pickle: bytes.subarray(h.dataOffset) };
	}
	const order = h.descr[0];
	const code = h.descr.slice(1);
	const info = DTYPES[code];
	if (!info || !'<>|='.includes(order)) {
		const what = code.startsWith('c') ? 'complex numbers, which are not an image' : `the data type '${h.descr}'`;
		throw new FormatError(file, `the .npy array holds ${what}; Mycol reads bool, integer and float arrays`);
	}
	const count = h.shape.reduce((a, b) => a * b, 1);
	if (count > LIMITS.maxPixels * 16 || count * info.size > LIMITS.maxBytes) {
		throw new FormatError(
			file,
			`the .npy header declares the shape (${h.shape.join(', ')}), ${formatCount(count)} values: more than Mycol's limit of ${formatCount(LIMITS.maxBytes / 2 ** 20)} MiB`
		);
	}
	const need = count * info.size;
	const have = bytes.length - h.dataOffset;
	if (have < need) {
		throw new FormatError(file, `the file ends after ${formatCount(have)} of ${formatCount(need)} bytes of array data (truncated?)`);
	}
	// Copy into an aligned buffer, swapping bytes to little-endian where needed.
	const raw = new Uint8Array(need);
	raw.set(bytes.subarray(h.dataOffset, h.dataOffset + need));
	if (order === '>' && info.size > 1) swapBytes(raw, info.size);
	let data = typedView(info.dtype, raw.buffer);
	if (h.fortranOrder && h.shape.length > 1) data = fortranToC(data, h.shape);
	return { kind: 'array', dtype: info.dtype, shape: h.shape, data, fortranOrder: h.fortranOrder };
}

function swapBytes(raw: Uint8Array, size: number): void {
	for (let i = 0; i < raw.length; i += size) {
		for (let a = i, b = i + size - 1; a < b; a++, b--) {
			const t = raw[a];
			raw[a] = raw[b];
			raw[b] = t;
		}
	}
}

function typedView(dtype: NpyDType, buf: ArrayBuffer): NpyData {
	switch (dtype) {
		case 'bool':
		case 'uint8':
			return new Uint8Array(buf);
		case 'int8':
			return new Int8Array(buf);
		case 'int16':
			return new Int16Array(buf);
		case 'uint16':
			return new Uint16Array(buf);
		case 'int32':
			return new Int32Array(buf);
		case 'uint32':
			return new Uint32Array(buf);
		case 'int64':
			return new BigInt64Array(buf);
		case 'uint64':
			return new BigUint64Array(buf);
		case 'float16':
			return halfToFloat(new Uint16Array(buf));
		case 'float32':
			return new Float32Array(buf);
		case 'float64':
			return new Float64Array(buf);
	}
}

/** IEEE 754 half precision to float32 (exact: every half is a float32). */
function halfToFloat(h: Uint16Array): Float32Array {
	const out = new Float32Array(h.length);
	for (let i = 0; i < h.length; i++) {
		const v = h[i];
		const sign = v & 0x8000 ? -1 : 1;
		const exp = (v >> 10) & 0x1f;
		const frac = v & 0x3ff;
		if (exp === 0) out[i] = sign * frac * 2 ** -24;
		else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
		else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
	}
	return out;
}

/** Reorder a Fortran-order (first index fastest) array to C order (last index fastest). */
function fortranToC<T extends NpyData>(src: T, shape: number[]): T {
	const n = shape.length;
	const out = new (src.constructor as { new (len: number): T })(src.length);
	// Strides of the source (Fortran) for each axis.
	const fStride = new Array<number>(n);
	let s = 1;
	for (let k = 0; k < n; k++) {
		fStride[k] = s;
		s *= shape[k];
	}
	const idx = new Array<number>(n).fill(0);
	let srcPos = 0;
	for (let i = 0; i < out.length; i++) {
		out[i] = src[srcPos];
		// Advance the C-order multi-index (last axis fastest), tracking the Fortran offset.
		for (let k = n - 1; k >= 0; k--) {
			idx[k]++;
			srcPos += fStride[k];
			if (idx[k] < shape[k]) break;
			srcPos -= fStride[k] * shape[k];
			idx[k] = 0;
		}
	}
	return out;
}

const DESCR: Record<NpyDType, string> = {
	bool: '|b1',
	int8: '|i1',
	uint8: '|u1',
	int16: '<i2',
	uint16: '<u2',
	int32: '<i4',
	uint32: '<u4',
	int64: '<i8',
	uint64: '<u8',
	float16: '<f2',
	float32: '<f4',
	float64: '<f8'
};

/** The `.npy` header bytes (format 1.0, padded to 64 bytes as NumPy does). */
export function npyHeader(dtype: NpyDType | 'object', shape: readonly number[], fortranOrder = false): Uint8Array {
	const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
	const descr = dtype === 'object' ? '|O' : DESCR[dtype];
	let dict = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
	const total = 10 + dict.length + 1;
	dict += ' '.repeat((64 - (total % 64)) % 64) + '\n';
	const out = new Uint8Array(10 + dict.length);
	out.set(MAGIC, 0);
	out[6] = 1;
	out[7] = 0;
	new DataView(out.buffer).setUint16(8, dict.length, true);
	for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
	return out;
}

/** Write a C-order `.npy` file (format 1.0, little-endian). float16 is not written. */
export function writeNpy(dtype: Exclude<NpyDType, 'float16'>, shape: readonly number[], data: NpyData): Uint8Array {
	const count = shape.reduce((a, b) => a * b, 1);
	if (data.length !== count) throw new RangeError(`writeNpy: ${data.length} values for shape (${shape.join(', ')})`);
	const header = npyHeader(dtype, shape);
	const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
	const out = new Uint8Array(header.length + body.length);
	out.set(header, 0);
	out.set(body, header.length);
	return out;
}
