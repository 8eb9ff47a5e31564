/**
 * Cellpose `_seg.npy` files (the Cellpose GUI's save format), read without running code:
 * an `.npy` object array whose payload is a pickle of a dict of NumPy arrays, lists and scalars
 * (Cellpose 3.1 `io.masks_flows_to_seg`, spec §7.1). NumPy 1 writes protocol 3 with
 * `numpy.core.multiarray`, NumPy 2 protocol 4 with `numpy._core.multiarray`; both are read.
 *
 * The NumPy globals here (`NUMPY_GLOBALS`) rebuild arrays the way `ndarray.__reduce__` /
 * `__setstate__` pickle them; other readers of NumPy pickles can reuse them.
 */
import { FormatError, formatCount } from './errors';
import { isNpy, npyHeader, readNpy, type NpyArray, type NpyDType } from './npy';
import {
	CODECS_GLOBALS,
	PyGlobal,
	PyObject,
	asInt,
	latin1,
	readPickle,
	sequenceItems,
	type GlobalHandler,
	type PickleContext,
	type PickleValue
} from './pickle';
import type { Labels } from '../raster/types';

const NUMERIC: Record<string, NpyDType> = {
	b1: 'bool',
	i1: 'int8',
	u1: 'uint8',
	i2: 'int16',
	u2: 'uint16',
	i4: 'int32',
	u4: 'uint32',
	i8: 'int64',
	u8: 'uint64',
	f2: 'float16',
	f4: 'float32',
	f8: 'float64'
};

/** `numpy.dtype` as a pickle rebuilds it: `dtype(code, align, copy)` then BUILD with the byte order. */
export class NumpyDType extends PyObject {
	readonly pyType = 'numpy.dtype';
	/** Byte order from the BUILD state: '<', '>', '|' (not applicable) or '=' (native, little here). */
	byteOrder = '|';
	/** Structured or sub-array dtype (fields), which Mycol does not decode. */
	structured = false;
	/** @param code the type code as pickled: 'u2', 'f4', 'b1', 'O8', 'U12', … */
	constructor(readonly code: string) {
		super();
	}
	/** What the elements are, as far as Mycol reads them. */
	get kind(): NpyDType | 'object' | 'unicode' | 'bytes' | null {
		if (this.structured) return null;
		if (NUMERIC[this.code]) return NUMERIC[this.code];
		if (/^O\d*$/.test(this.code)) return 'object';
		if (/^U\d+$/.test(this.code)) return 'unicode';
		if (/^S\d+$/.test(this.code)) return 'bytes';
		return null;
	}
	/** Bytes per element (0 where unknown). */
	get itemSize(): number {
		const m = /^[a-zA-Z](\d+)$/.exec(this.code);
		if (!m) return 0;
		return this.code[0] === 'U' ? 4 * Number(m[1]) : Number(m[1]);
	}
}

/**
 * A NumPy array from a pickle. Numeric data stays as the pickle's bytes (`raw`, a view into
 * the file) until `numpyArrayValues` decodes it, so unread arrays cost nothing.
 */
export class NumpyArray extends PyObject {
	readonly pyType = 'numpy.ndarray';
	shape: number[] = [];
	dtype: NumpyDType | null = null;
	fortranOrder = false;
	/** Element bytes as stored (numeric, bytes and unicode dtypes). */
	raw: Uint8Array | null = null;
	/** Elements of an object array, in storage order. */
	items: PickleValue[] | null = null;
	get size(): number {
		return this.shape.reduce((a, b) => a * b, 1);
	}
}

function fail(ctx: PickleContext, reason: string): never {
	throw new FormatError(ctx.file, reason);
}

function shapeOf(v: PickleValue, ctx: PickleContext): number[] {
	const items = sequenceItems(v);
	const shape = items?.map(asInt);
	if (!shape || shape.some((d) => d === null || d < 0)) fail(ctx, 'the pickle holds a NumPy array whose shape is not a list of sizes (corrupt file?)');
	const dims = shape as number[];
	if (!Number.isSafeInteger(dims.reduce((a, b) => a * b, 1))) fail(ctx, `the pickle declares a NumPy array of shape (${dims.join(', ')}), too large to exist`);
	return dims;
}

function bytesOf(v: PickleValue): Uint8Array | null {
	if (v instanceof Uint8Array) return v;
	// Python 2 pickles carry array data as str; NumPy reads it back as Latin-1.
	if (typeof v === 'string') {
		const out = new Uint8Array(v.length);
		for (let i = 0; i < v.length; i++) out[i] = v.charCodeAt(i) & 0xff;
		return out;
	}
	return null;
}

function dtypeName(d: NumpyDType | null): string {
	if (!d) return 'unknown';
	const k = d.kind;
	return k === null ? `'${d.code}'` : k;
}

/** Fill an array from `(shape, dtype, is_fortran, rawdata)`, checking the data fits the shape. */
function fillArray(arr: NumpyArray, shape: number[], dtype: PickleValue, fortran: PickleValue, data: PickleValue, ctx: PickleContext): void {
	if (!(dtype instanceof NumpyDType)) fail(ctx, 'the pickle holds a NumPy array without a valid dtype (corrupt file?)');
	const d = dtype as NumpyDType;
	arr.shape = shape;
	arr.dtype = d;
	arr.fortranOrder = fortran === true;
	const count = arr.size;
	if (d.kind === 'object') {
		if (!Array.isArray(data)) fail(ctx, 'the pickle holds a NumPy object array without its list of elements (corrupt file?)');
		const items = data as PickleValue[];
		if (items.length !== count) {
			fail(ctx, `the pickle holds a NumPy object array of shape (${shape.join(', ')}) with ${formatCount(items.length)} elements instead of ${formatCount(count)} (corrupt file?)`);
		}
		arr.items = items;
		return;
	}
	const raw = bytesOf(data);
	if (!raw) fail(ctx, 'the pickle holds a NumPy array without its data bytes (corrupt file?)');
	const need = count * d.itemSize;
	if (d.itemSize > 0 && raw!.length !== need) {
		fail(
			ctx,
			`the pickle holds a NumPy ${dtypeName(d)} array of shape (${shape.join(', ')}), which needs ${formatCount(need)} bytes, with ${formatCount(raw!.length)} bytes of data (corrupt file?)`
		);
	}
	arr.raw = raw;
}

const reconstruct: GlobalHandler = {
	/** `_reconstruct(ndarray, (0,), b'b')`: an empty array that BUILD fills. */
	call(args, ctx) {
		const cls = args[0];
		if (!(cls instanceof PyGlobal) || cls.qualifiedName !== 'numpy.ndarray') {
			fail(ctx, 'the pickle rebuilds a NumPy array of a class other than numpy.ndarray, which Mycol does not read');
		}
		return new NumpyArray();
	},
	/** `ndarray.__setstate__((version, shape, dtype, is_fortran, rawdata))`, version optional. */
	build(target, state, ctx) {
		const s = sequenceItems(state);
		if (!(target instanceof NumpyArray) || !s || (s.length !== 5 && s.length !== 4)) {
			fail(ctx, 'the pickle holds a NumPy array with a state Mycol does not understand (corrupt file?)');
		}
		const t = s.length === 5 ? s.slice(1) : s;
		fillArray(target as NumpyArray, shapeOf(t[0], ctx), t[1], t[2], t[3], ctx);
	}
};

const dtypeHandler: GlobalHandler = {
	/** `dtype(code, align, copy)`. */
	call(args, ctx) {
		const code = args[0];
		if (typeof code !== 'string') fail(ctx, 'the pickle builds a NumPy dtype from something other than a type code (corrupt file?)');
		return new NumpyDType(code as string);
	},
	/** `dtype.__setstate__((version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata]))`. */
	build(target, state, ctx) {
		const s = sequenceItems(state);
		if (!(target instanceof NumpyDType) || !s || s.length < 8 || typeof s[1] !== 'string') {
			fail(ctx, 'the pickle holds a NumPy dtype with a state Mycol does not understand (corrupt file?)');
		}
		const d = target as NumpyDType;
		d.byteOrder = s![1] as string;
		d.structured = s![2] !== null || s![3] !== null;
	}
};

/** One element of a dtype from its bytes (`numpy.core.multiarray.scalar`). */
function scalarValue(d: NumpyDType, raw: Uint8Array, ctx: PickleContext): PickleValue {
	const kind = d.kind;
	if (kind === 'unicode' || kind === 'bytes') return decodeText(d, raw);
	if (kind === null || kind === 'object' || raw.length !== d.itemSize) fail(ctx, `the pickle holds a NumPy ${dtypeName(d)} scalar that Mycol cannot read`);
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const le = d.byteOrder !== '>';
	switch (kind) {
		case 'bool':
			return raw[0] !== 0;
		case 'int8':
			return view.getInt8(0);
		case 'uint8':
			return raw[0];
		case 'int16':
			return view.getInt16(0, le);
		case 'uint16':
			return view.getUint16(0, le);
		case 'int32':
			return view.getInt32(0, le);
		case 'uint32':
			return view.getUint32(0, le);
		case 'int64':
		case 'uint64': {
			const v = kind === 'int64' ? view.getBigInt64(0, le) : view.getBigUint64(0, le);
			return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
		}
		case 'float16': {
			const bits = view.getUint16(0, le);
			const exp = (bits >> 10) & 0x1f;
			const frac = bits & 0x3ff;
			const sign = bits & 0x8000 ? -1 : 1;
			if (exp === 0) return sign * frac * 2 ** -24;
			if (exp === 31) return frac ? NaN : sign * Infinity;
			return sign * (1 + frac / 1024) * 2 ** (exp - 15);
		}
		case 'float32':
			return view.getFloat32(0, le);
		case 'float64':
			return view.getFloat64(0, le);
	}
}

/** NumPy fixed-width text ('U': UTF-32, 'S': bytes), trailing NULs dropped as NumPy does. */
function decodeText(d: NumpyDType, raw: Uint8Array): string {
	if (d.kind === 'bytes') return latin1(raw).replace(/\0+$/, '');
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const le = d.byteOrder !== '>';
	let s = '';
	for (let i = 0; i + 4 <= raw.length; i += 4) {
		const c = view.getUint32(i, le);
		if (c === 0) break;
		s += String.fromCodePoint(c <= 0x10ffff ? c : 0xfffd);
	}
	return s;
}

const scalar: GlobalHandler = {
	call(args, ctx) {
		const [d, data] = args;
		if (!(d instanceof NumpyDType)) fail(ctx, 'the pickle builds a NumPy scalar without a dtype (corrupt file?)');
		if ((d as NumpyDType).kind === 'object') return data ?? null;
		const raw = bytesOf(data);
		if (!raw) fail(ctx, 'the pickle builds a NumPy scalar without its bytes (corrupt file?)');
		return scalarValue(d as NumpyDType, raw!, ctx);
	}
};

/** `_frombuffer(buffer, dtype, shape, order)`: how NumPy pickles arrays under protocol 5. */
const frombuffer: GlobalHandler = {
	call(args, ctx) {
		const [buf, d, shape, order] = args;
		const arr = new NumpyArray();
		fillArray(arr, shapeOf(shape, ctx), d, order === 'F', buf, ctx);
		return arr;
	}
};

/** Globals a NumPy pickle may name (NumPy 1 and 2 module paths), plus `_codecs.encode`. */
export const NUMPY_GLOBALS: Readonly<Record<string, GlobalHandler>> = {
	...CODECS_GLOBALS,
	'numpy ndarray': {},
	'numpy dtype': dtypeHandler,
	'numpy.core.multiarray _reconstruct': reconstruct,
	'numpy._core.multiarray _reconstruct': reconstruct,
	'numpy.core.multiarray scalar': scalar,
	'numpy._core.multiarray scalar': scalar,
	'numpy.core.numeric _frombuffer': frombuffer,
	'numpy._core.numeric _frombuffer': frombuffer
};

function swapBytes(raw: Uint8Array, size: number): void {
	for (let i = 0; i < raw.length; i += size) {
		for (let a = i, b = i + size - 1; a < b; a++, b--) {
			const t = raw[a];
			raw[a] = raw[b];
			raw[b] = t;
		}
	}
}

/**
 * Decode a numeric NumPy array from a pickle to C-order little-endian values (one copy; the
 * `.npy` reader does the dtype work, so both paths agree).
 */
export function numpyArrayValues(file: string, arr: NumpyArray): NpyArray {
	const d = arr.dtype;
	const kind = d?.kind;
	if (!d || !arr.raw || kind === null || kind === undefined || kind === 'object' || kind === 'unicode' || kind === 'bytes') {
		throw new FormatError(file, `the array holds ${dtypeName(d)} values, not numbers`);
	}
	const header = npyHeader(kind, arr.shape, arr.fortranOrder);
	const buf = new Uint8Array(header.length + arr.raw.length);
	buf.set(header, 0);
	buf.set(arr.raw, header.length);
	if (d.byteOrder === '>' && d.itemSize > 1) swapBytes(buf.subarray(header.length), d.itemSize);
	return readNpy(file, buf) as NpyArray;
}

/** What a Cellpose `_seg.npy` holds, as far as Mycol uses it. */
export interface SegNpy {
	/** The label image (`masks`, H × W). */
	masks: Labels;
	/** `outlines` (outline pixels carry their label), when present and 2-D. */
	outlines: Labels | null;
	/** `diameter` used for the segmentation, when present. */
	diameter: number | null;
	/** `filename` of the image, as Cellpose stored it (often an absolute path). */
	filename: string | null;
	/** `ismanual`: 1 for masks drawn by hand, per label. */
	ismanual: Uint8Array | null;
	/** `chan_choose` (Cellpose `channels`). */
	chanChoose: number[] | null;
	/** Every key of the dict as read (NumPy arrays as NumpyArray; decode with numpyArrayValues). */
	entries: Map<string, PickleValue>;
}

const NOT_SEG = "not a Cellpose _seg dictionary (a dict with a 'masks' array)";

/** The dict inside a `_seg.npy` file; throws a FormatError when the file is something else. */
function segDict(file: string, bytes: Uint8Array): Map<string, PickleValue> {
	const npy = readNpy(file, bytes);
	if (npy.kind === 'array') {
		throw new FormatError(file, `this .npy file holds a plain ${npy.dtype} array of shape (${npy.shape.join(', ')}), ${NOT_SEG}`);
	}
	const top = readPickle(file, npy.pickle, { globals: NUMPY_GLOBALS });
	let dict: PickleValue = top;
	if (top instanceof NumpyArray && top.items?.length === 1) dict = top.items[0];
	if (!(dict instanceof Map)) throw new FormatError(file, `this .npy file holds pickled Python objects, ${NOT_SEG}`);
	const out = new Map<string, PickleValue>();
	for (const [k, v] of dict) if (typeof k === 'string') out.set(k, v);
	if (!(out.get('masks') instanceof NumpyArray)) {
		const keys = [...out.keys()].slice(0, 8).join(', ');
		throw new FormatError(file, `this .npy file holds a dictionary without a 'masks' array (keys: ${keys || 'none'}), so it is ${NOT_SEG}`);
	}
	return out;
}

/** True when the bytes are an `.npy` holding a Cellpose `_seg` dict (judged by content, not name). */
export function isSegNpy(bytes: Uint8Array): boolean {
	// Look at the header first, so that a large numeric .npy is not decoded just to say no.
	if (!isNpy(bytes) || !/'descr'\s*:\s*'\|?O'/.test(latin1(bytes.subarray(0, Math.min(bytes.length, 4096))))) return false;
	try {
		segDict('file', bytes);
		return true;
	} catch (e) {
		if (e instanceof FormatError) return false;
		throw e;
	}
}

/** A 2-D integer array as labels (ids must be 0 … 2^32 − 1). */
function toLabels(file: string, key: string, arr: NumpyArray): Labels {
	if (arr.shape.length !== 2) {
		const dims = arr.shape.join(' × ');
		throw new FormatError(
			file,
			arr.shape.length === 3
				? `'${key}' holds 3-D masks (${dims}); Mycol reads 2-D _seg.npy files`
				: `'${key}' has shape (${arr.shape.join(', ')}), not a 2-D label image`
		);
	}
	const [height, width] = arr.shape;
	const kind = arr.dtype?.kind;
	if (!kind || !['bool', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'].includes(kind)) {
		throw new FormatError(file, `'${key}' holds ${dtypeName(arr.dtype)} values, not integer labels`);
	}
	const v = numpyArrayValues(file, arr).data;
	if (v instanceof Uint32Array) return { width, height, data: v };
	const out = new Uint32Array(v.length);
	if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
		for (let i = 0; i < v.length; i++) {
			const x = v[i];
			if (x < 0n || x > 0xffffffffn) throw new FormatError(file, `'${key}' holds the label ${x}, outside 0 … 4,294,967,295`);
			out[i] = Number(x);
		}
	} else {
		for (let i = 0; i < v.length; i++) {
			const x = v[i];
			if (x < 0) throw new FormatError(file, `'${key}' holds the negative label ${x}`);
			out[i] = x;
		}
	}
	return { width, height, data: out };
}

function numberOf(file: string, v: PickleValue | undefined): number | null {
	if (typeof v === 'number') return v;
	if (typeof v === 'bigint') return Number(v);
	if (typeof v === 'boolean') return v ? 1 : 0;
	if (v instanceof NumpyArray && v.size === 1 && v.raw) {
		const x = numpyArrayValues(file, v).data[0];
		return typeof x === 'bigint' ? Number(x) : x;
	}
	return null;
}

function numbersOf(file: string, v: PickleValue | undefined): number[] | null {
	if (v === undefined) return null;
	const items = sequenceItems(v) ?? (v instanceof NumpyArray && v.raw ? Array.from(numpyArrayValues(file, v).data, Number) : null);
	if (!items) return null;
	const out: number[] = [];
	for (const it of items) {
		const n = typeof it === 'number' ? it : numberOf(file, it as PickleValue);
		if (n === null) return null;
		out.push(n);
	}
	return out;
}

/** Read a Cellpose `_seg.npy` (NumPy 1 or 2 pickle; any file name). */
export function readSegNpy(file: string, bytes: Uint8Array): SegNpy {
	const entries = segDict(file, bytes);
	const masks = toLabels(file, 'masks', entries.get('masks') as NumpyArray);
	const o = entries.get('outlines');
	const outlines = o instanceof NumpyArray && o.shape.length === 2 && o.shape[0] === masks.height && o.shape[1] === masks.width ? toLabels(file, 'outlines', o) : null;
	const f = entries.get('filename');
	const filename = typeof f === 'string' ? f : f instanceof Uint8Array ? new TextDecoder().decode(f) : null;
	const ism = numbersOf(file, entries.get('ismanual'));
	return {
		masks,
		outlines,
		diameter: numberOf(file, entries.get('diameter')),
		filename,
		ismanual: ism ? Uint8Array.from(ism, (x) => (x ? 1 : 0)) : null,
		chanChoose: numbersOf(file, entries.get('chan_choose')),
		entries
	};
}
