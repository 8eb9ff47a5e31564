/**
 * A minimal Python pickle *writer* (protocols 2 and 3) for what `np.save` puts in an object `.npy`:
 * dicts, lists, tuples, str, int, float, bool, None, bytes and NumPy arrays.
 *
 * Arrays are written exactly as NumPy 1.x pickles them (`ndarray.__reduce__`): the globals
 * `numpy.core.multiarray._reconstruct`, `numpy.ndarray` and `numpy.dtype`, state
 * `(1, shape, dtype, is_fortran, raw bytes)`. NumPy 1.x loads that natively and NumPy 2.x maps
 * `numpy.core` to `numpy._core` when unpickling, so one file opens in both (the `_seg.npy` files
 * that Cellpose 3.1 writes under NumPy 1.24 are the same). Protocol 3 is what NumPy 1.x `np.save`
 * uses; protocol 2 writes bytes as `_codecs.encode(str, 'latin1')`, as Python 3 does there.
 *
 * Globals are memoized (BINPUT/BINGET) so that each is named once; nothing else is memoized, so a
 * value that appears twice is written twice (pickle readers see equal values, not one object).
 */
import { npyHeader } from './npy';

/** Forces a Python float for a JS number that happens to be integral (e.g. `diameter` 30.0). */
export class PickleFloat {
	constructor(readonly value: number) {}
}

/** A Python tuple (JS arrays become lists). */
export class PickleTuple {
	constructor(readonly items: readonly PickleOut[]) {}
}

/** Numeric dtypes an array may be written with (NumPy names). */
export type NdDType =
	| 'bool'
	| 'int8'
	| 'uint8'
	| 'int16'
	| 'uint16'
	| 'int32'
	| 'uint32'
	| 'int64'
	| 'uint64'
	| 'float32'
	| 'float64';

export type NdData =
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

/** A C-order NumPy array to write: numeric (`data`) or object (`items`, e.g. np.save's 0-d wrapper). */
export class NdArrayOut {
	constructor(
		readonly dtype: NdDType | 'object',
		readonly shape: readonly number[],
		readonly data: NdData | null,
		readonly items: readonly PickleOut[] | null = null
	) {}
}

/**
 * What the writer accepts. number: int when integral (safe integer), float otherwise; bigint: int;
 * Uint8Array: bytes; array: list; Map: dict (insertion order kept).
 */
export type PickleOut =
	| null
	| boolean
	| number
	| bigint
	| string
	| Uint8Array
	| PickleOut[]
	| PickleTuple
	| PickleFloat
	| NdArrayOut
	| Map<PickleOut, PickleOut>;

export const pyFloat = (v: number): PickleFloat => new PickleFloat(v);
export const pyTuple = (...items: PickleOut[]): PickleTuple => new PickleTuple(items);

const ITEM_SIZE: Record<NdDType, number> = {
	bool: 1,
	int8: 1,
	uint8: 1,
	int16: 2,
	uint16: 2,
	int32: 4,
	uint32: 4,
	int64: 8,
	uint64: 8,
	float32: 4,
	float64: 8
};

/** NumPy dtype string (`np.dtype(str)`) and byte-order character of each dtype. */
const DTYPE_CODE: Record<NdDType | 'object', [string, string]> = {
	bool: ['b1', '|'],
	int8: ['i1', '|'],
	uint8: ['u1', '|'],
	int16: ['i2', '<'],
	uint16: ['u2', '<'],
	int32: ['i4', '<'],
	uint32: ['u4', '<'],
	int64: ['i8', '<'],
	uint64: ['u8', '<'],
	float32: ['f4', '<'],
	float64: ['f8', '<'],
	object: ['O8', '|']
};

/** A numeric array, checked: `data.length` must equal the product of `shape`. */
export function ndarray(dtype: NdDType, shape: readonly number[], data: NdData): NdArrayOut {
	const count = shape.reduce((a, b) => a * b, 1);
	if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || data.length !== count) {
		throw new RangeError(`ndarray: ${data.length} values do not fill the shape (${shape.join(', ')})`);
	}
	return new NdArrayOut(dtype, shape, data);
}

/** An object array (dtype `O`) holding `items` in C order. */
export function objectArray(shape: readonly number[], items: readonly PickleOut[]): NdArrayOut {
	const count = shape.reduce((a, b) => a * b, 1);
	if (items.length !== count) throw new RangeError(`objectArray: ${items.length} items do not fill the shape (${shape.join(', ')})`);
	return new NdArrayOut('object', shape, null, items);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A byte sink that keeps large payloads as separate chunks (one copy at the end). */
class ByteSink {
	private chunks: Uint8Array[] = [];
	private buf = new Uint8Array(1 << 16);
	private pos = 0;
	private total = 0;

	byte(b: number): void {
		if (this.pos === this.buf.length) this.flush();
		this.buf[this.pos++] = b;
	}
	bytes(b: Uint8Array): void {
		if (b.length > 4096) {
			this.flush();
			this.chunks.push(b);
			this.total += b.length;
			return;
		}
		for (let i = 0; i < b.length; i++) this.byte(b[i]);
	}
	u32(v: number): void {
		this.byte(v & 0xff);
		this.byte((v >>> 8) & 0xff);
		this.byte((v >>> 16) & 0xff);
		this.byte((v >>> 24) & 0xff);
	}
	ascii(s: string): void {
		for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
	}
	private flush(): void {
		if (this.pos === 0) return;
		this.chunks.push(this.buf.slice(0, this.pos));
		this.total += this.pos;
		this.pos = 0;
	}
	result(): Uint8Array {
		this.flush();
		const out = new Uint8Array(this.total);
		let o = 0;
		for (const c of this.chunks) {
			out.set(c, o);
			o += c.length;
		}
		return out;
	}
}

const utf8 = new TextEncoder();
const MAX_DEPTH = 100;

class Pickler {
	readonly out = new ByteSink();
	private memo = new Map<string, number>();

	constructor(private readonly protocol: 2 | 3) {}

	/** GLOBAL, named once and fetched from the memo afterwards (as Python's pickler does). */
	global(module: string, name: string): void {
		const key = `${module}\n${name}`;
		const id = this.memo.get(key);
		if (id !== undefined) {
			this.get(id);
			return;
		}
		this.out.byte(0x63); // GLOBAL
		this.out.ascii(`${module}\n${name}\n`);
		this.put(key);
	}
	private put(key: string): void {
		const id = this.memo.size;
		this.memo.set(key, id);
		if (id < 256) {
			this.out.byte(0x71); // BINPUT
			this.out.byte(id);
		} else {
			this.out.byte(0x72); // LONG_BINPUT
			this.out.u32(id);
		}
	}
	private get(id: number): void {
		if (id < 256) {
			this.out.byte(0x68); // BINGET
			this.out.byte(id);
		} else {
			this.out.byte(0x6a); // LONG_BINGET
			this.out.u32(id);
		}
	}

	int(v: number | bigint): void {
		if (typeof v === 'number' && v >= 0 && v < 256) {
			this.out.byte(0x4b); // BININT1
			this.out.byte(v);
		} else if (typeof v === 'number' && v >= 0 && v < 65536) {
			this.out.byte(0x4d); // BININT2
			this.out.byte(v & 0xff);
			this.out.byte(v >> 8);
		} else if (typeof v === 'number' && v >= -(2 ** 31) && v < 2 ** 31) {
			this.out.byte(0x4a); // BININT
			this.out.u32(v >>> 0);
		} else {
			// LONG1: little-endian two's complement, as few bytes as keep the sign.
			let x = BigInt(v);
			const bytes: number[] = [];
			while (true) {
				const b = Number(x & 0xffn);
				bytes.push(b);
				x >>= 8n;
				if ((x === 0n && (b & 0x80) === 0) || (x === -1n && (b & 0x80) !== 0)) break;
			}
			this.out.byte(0x8a);
			this.out.byte(bytes.length);
			for (const b of bytes) this.out.byte(b);
		}
	}

	float(v: number): void {
		this.out.byte(0x47); // BINFLOAT, big-endian double
		const b = new Uint8Array(8);
		new DataView(b.buffer).setFloat64(0, v, false);
		this.out.bytes(b);
	}

	str(s: string): void {
		const b = utf8.encode(s);
		this.out.byte(0x58); // BINUNICODE
		this.out.u32(b.length);
		this.out.bytes(b);
	}

	pyBytes(b: Uint8Array): void {
		if (b.length > 0xffffffff) throw new RangeError('pickle: bytes over 4 GiB need protocol 4');
		if (this.protocol >= 3) {
			if (b.length < 256) {
				this.out.byte(0x43); // SHORT_BINBYTES
				this.out.byte(b.length);
			} else {
				this.out.byte(0x42); // BINBYTES
				this.out.u32(b.length);
			}
			this.out.bytes(b);
			return;
		}
		// Protocol 2 has no bytes type: Python 3 writes _codecs.encode(latin-1 text, 'latin1').
		if (b.length === 0) {
			this.global('__builtin__', 'bytes');
			this.out.byte(0x29); // EMPTY_TUPLE
			this.out.byte(0x52); // REDUCE
			return;
		}
		this.global('_codecs', 'encode');
		let text = '';
		for (let i = 0; i < b.length; i += 8192) text += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 8192)));
		this.str(text);
		this.str('latin1');
		this.out.byte(0x86); // TUPLE2
		this.out.byte(0x52); // REDUCE
	}

	tuple(items: readonly PickleOut[], depth: number): void {
		if (items.length === 0) {
			this.out.byte(0x29); // EMPTY_TUPLE
			return;
		}
		if (items.length <= 3) {
			for (const it of items) this.value(it, depth);
			this.out.byte([0x85, 0x86, 0x87][items.length - 1]); // TUPLE1..3
			return;
		}
		this.out.byte(0x28); // MARK
		for (const it of items) this.value(it, depth);
		this.out.byte(0x74); // TUPLE
	}

	list(items: readonly PickleOut[], depth: number): void {
		this.out.byte(0x5d); // EMPTY_LIST
		// Batches of 1000, as Python's pickler: one APPEND for a lone item, MARK … APPENDS otherwise.
		for (let i = 0; i < items.length; i += 1000) {
			const batch = items.slice(i, i + 1000);
			if (batch.length === 1) {
				this.value(batch[0], depth);
				this.out.byte(0x61); // APPEND
			} else {
				this.out.byte(0x28);
				for (const it of batch) this.value(it, depth);
				this.out.byte(0x65); // APPENDS
			}
		}
	}

	dict(map: Map<PickleOut, PickleOut>, depth: number): void {
		this.out.byte(0x7d); // EMPTY_DICT
		const entries = [...map.entries()];
		for (let i = 0; i < entries.length; i += 1000) {
			const batch = entries.slice(i, i + 1000);
			if (batch.length === 1) {
				this.value(batch[0][0], depth);
				this.value(batch[0][1], depth);
				this.out.byte(0x73); // SETITEM
			} else {
				this.out.byte(0x28);
				for (const [k, v] of batch) {
					this.value(k, depth);
					this.value(v, depth);
				}
				this.out.byte(0x75); // SETITEMS
			}
		}
	}

	/** `np.dtype(code, False, True)` with its `__setstate__` tuple, as NumPy pickles a dtype. */
	dtype(kind: NdDType | 'object'): void {
		const [code, order] = DTYPE_CODE[kind];
		this.global('numpy', 'dtype');
		this.str(code);
		this.out.byte(0x89); // NEWFALSE
		this.out.byte(0x88); // NEWTRUE
		this.out.byte(0x87); // TUPLE3
		this.out.byte(0x52); // REDUCE
		// (3, byteorder, subarray, names, fields, elsize, alignment, flags); flags 63 for object.
		this.out.byte(0x28);
		this.int(3);
		this.str(order);
		this.out.byte(0x4e);
		this.out.byte(0x4e);
		this.out.byte(0x4e);
		this.int(-1);
		this.int(-1);
		this.int(kind === 'object' ? 63 : 0);
		this.out.byte(0x74); // TUPLE
		this.out.byte(0x62); // BUILD
	}

	/** `ndarray.__reduce__`: `_reconstruct(ndarray, (0,), b'b')` then `__setstate__`. */
	array(a: NdArrayOut, depth: number): void {
		this.global('numpy.core.multiarray', '_reconstruct');
		this.global('numpy', 'ndarray');
		this.int(0);
		this.out.byte(0x85); // TUPLE1
		this.pyBytes(new Uint8Array([0x62]));
		this.out.byte(0x87); // TUPLE3
		this.out.byte(0x52); // REDUCE
		this.out.byte(0x28); // MARK
		this.int(1);
		this.tuple(a.shape as number[], depth);
		this.dtype(a.dtype);
		this.out.byte(0x89); // is_fortran = False
		if (a.dtype === 'object') {
			this.list(a.items ?? [], depth);
		} else {
			this.pyBytes(arrayBytes(a));
		}
		this.out.byte(0x74); // TUPLE
		this.out.byte(0x62); // BUILD
	}

	value(v: PickleOut, depth: number): void {
		if (depth > MAX_DEPTH) throw new RangeError(`pickle: values nest deeper than ${MAX_DEPTH} levels (a cycle?)`);
		const d = depth + 1;
		if (v === null) this.out.byte(0x4e); // NONE
		else if (v === true) this.out.byte(0x88);
		else if (v === false) this.out.byte(0x89);
		else if (typeof v === 'bigint') this.int(v);
		else if (typeof v === 'number') {
			if (Number.isSafeInteger(v) && !Object.is(v, -0)) this.int(v);
			else this.float(v);
		} else if (typeof v === 'string') this.str(v);
		else if (v instanceof PickleFloat) this.float(v.value);
		else if (v instanceof Uint8Array) this.pyBytes(v);
		else if (Array.isArray(v)) this.list(v, d);
		else if (v instanceof PickleTuple) this.tuple(v.items, d);
		else if (v instanceof NdArrayOut) this.array(v, d);
		else if (v instanceof Map) this.dict(v, d);
		else throw new TypeError('pickle: unsupported value');
	}
}

/** The raw C-order little-endian bytes of a numeric array (bool normalised to 0/1). */
function arrayBytes(a: NdArrayOut): Uint8Array {
	const data = a.data;
	if (!data || a.dtype === 'object') throw new TypeError('pickle: numeric array without data');
	const size = ITEM_SIZE[a.dtype];
	if (data.BYTES_PER_ELEMENT !== size) {
		throw new TypeError(`pickle: a ${a.dtype} array needs ${size}-byte elements, not ${data.BYTES_PER_ELEMENT}-byte`);
	}
	const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
	if (a.dtype === 'bool') {
		const out = new Uint8Array(view.length);
		for (let i = 0; i < view.length; i++) out[i] = view[i] ? 1 : 0;
		return out;
	}
	if (LITTLE_ENDIAN || size === 1) return view;
	const out = view.slice();
	for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
	return out;
}

/** Pickle one value (protocol 3 by default, as NumPy 1.x `np.save`). */
export function writePickle(value: PickleOut, protocol: 2 | 3 = 3): Uint8Array {
	const p = new Pickler(protocol);
	p.out.byte(0x80); // PROTO
	p.out.byte(protocol);
	p.value(value, 0);
	p.out.byte(0x2e); // STOP
	return p.out.result();
}

/**
 * What `np.save(path, obj, allow_pickle=True)` writes for a non-array object (e.g. Cellpose's
 * `_seg` dict): a `.npy` 1.0 header for a 0-d `|O` array, then the pickle of that array.
 */
export function npySaveObject(value: PickleOut, protocol: 2 | 3 = 3): Uint8Array {
	const header = npyHeader('object', []);
	const body = writePickle(objectArray([], [value]), protocol);
	const out = new Uint8Array(header.length + body.length);
	out.set(header, 0);
	out.set(body, header.length);
	return out;
}
