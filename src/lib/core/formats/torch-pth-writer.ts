/**
 * Writes a PyTorch state dict as `torch.save` (torch 1.13, the zip format) does, byte for byte:
 * - `<archive>/data.pkl`: the pickle (protocol 2) of an `OrderedDict` of tensors, each
 *   `torch._utils._rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict())`,
 *   with the storage as a persistent id `('storage', torch.FloatStorage | LongStorage, key, 'cpu', numel)`
 *   and, when given, the dict's `_metadata` (module versions) set by BUILD; memo entries
 *   (BINPUT/BINGET) follow CPython's pickler, which memoizes every string, tuple, dict, global
 *   and reduced object, and interns the constant strings ('storage', 'cpu', 'version');
 * - `<archive>/data/<key>`: each storage's little-endian bytes, keys numbered in pickling order and
 *   written in sorted (string) order;
 * - `<archive>/version`: `3\n`.
 * The zip is what PyTorch's miniz writer produces: STORED entries with zeroed dates, general flag
 * 0x0808 (UTF-8 names, sizes in a data descriptor after the data), a local `FB` extra field of `Z`
 * padding so every entry's data starts on a 64-byte boundary, then the central directory and the
 * zip64 end records (PyTorch always writes them) before the classic end record.
 * `torch.load` and `readTorchStateDict` both read the result.
 */
import { crc32 } from '../session/crc32';

export type TorchOutDType = 'float32' | 'int64' | 'float64' | 'int32';

export interface TorchTensorOut {
	key: string;
	dtype: TorchOutDType;
	/** Torch shape ([] for a 0-d tensor such as `num_batches_tracked`). */
	shape: readonly number[];
	/** C-order values. */
	data: Float32Array | Float64Array | BigInt64Array | Int32Array;
}

export interface TorchWriteOptions {
	/** The folder every entry sits in; torch uses the file's base name, or `archive` for a buffer. */
	archiveName?: string;
	/** `state_dict()._metadata` as (module name, `_version`) pairs, in order; omitted when absent. */
	metadata?: ReadonlyArray<readonly [string, number]>;
}

const STORAGE_CLASS: Record<TorchOutDType, string> = {
	float32: 'FloatStorage',
	int64: 'LongStorage',
	float64: 'DoubleStorage',
	int32: 'IntStorage'
};
const ELEMENT_BYTES: Record<TorchOutDType, number> = { float32: 4, int64: 8, float64: 8, int32: 4 };
const DATA_CLASS: Record<TorchOutDType, { name: string }> = { float32: Float32Array, int64: BigInt64Array, float64: Float64Array, int32: Int32Array };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A growable byte buffer. */
class Bytes {
	buf = new Uint8Array(1 << 16);
	length = 0;
	private ensure(n: number): void {
		if (this.length + n <= this.buf.length) return;
		let size = this.buf.length * 2;
		while (size < this.length + n) size *= 2;
		const b = new Uint8Array(size);
		b.set(this.buf.subarray(0, this.length));
		this.buf = b;
	}
	u8(v: number): void {
		this.ensure(1);
		this.buf[this.length++] = v & 0xff;
	}
	u16(v: number): void {
		this.u8(v);
		this.u8(v >>> 8);
	}
	u32(v: number): void {
		this.ensure(4);
		new DataView(this.buf.buffer).setUint32(this.length, v >>> 0, true);
		this.length += 4;
	}
	u64(v: number): void {
		this.u32(v % 2 ** 32);
		this.u32(Math.floor(v / 2 ** 32));
	}
	bytes(b: Uint8Array): void {
		this.ensure(b.length);
		this.buf.set(b, this.length);
		this.length += b.length;
	}
	ascii(s: string): void {
		for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
	}
	result(): Uint8Array {
		return this.buf.slice(0, this.length);
	}
}

const utf8 = new TextEncoder();

/** The few pickle opcodes a state dict needs, with CPython's memo behaviour. */
class StatePickler {
	readonly out = new Bytes();
	private memoSize = 0;
	/** Memo ids of objects written once and fetched afterwards: globals and interned strings. */
	private shared = new Map<string, number>();

	put(): number {
		const id = this.memoSize++;
		if (id < 256) {
			this.out.u8(0x71); // BINPUT
			this.out.u8(id);
		} else {
			this.out.u8(0x72); // LONG_BINPUT
			this.out.u32(id);
		}
		return id;
	}
	private get(id: number): void {
		if (id < 256) {
			this.out.u8(0x68); // BINGET
			this.out.u8(id);
		} else {
			this.out.u8(0x6a); // LONG_BINGET
			this.out.u32(id);
		}
	}
	private once(key: string, write: () => void): void {
		const id = this.shared.get(key);
		if (id !== undefined) return this.get(id);
		write();
		this.shared.set(key, this.put());
	}
	global(module: string, name: string): void {
		this.once(`g:${module} ${name}`, () => this.out.ascii(`c${module}\n${name}\n`));
	}
	/** A fresh string object (memoized, never fetched again). */
	str(s: string): void {
		const b = utf8.encode(s);
		this.out.u8(0x58); // BINUNICODE
		this.out.u32(b.length);
		this.out.bytes(b);
		this.put();
	}
	/** A string constant that Python interns, so later uses fetch it from the memo. */
	interned(s: string): void {
		this.once(`s:${s}`, () => {
			const b = utf8.encode(s);
			this.out.u8(0x58);
			this.out.u32(b.length);
			this.out.bytes(b);
		});
	}
	int(v: number): void {
		if (v >= 0 && v <= 0xff) {
			this.out.u8(0x4b); // BININT1
			this.out.u8(v);
		} else if (v >= 0 && v <= 0xffff) {
			this.out.u8(0x4d); // BININT2
			this.out.u16(v);
		} else if (v >= -(2 ** 31) && v < 2 ** 31) {
			this.out.u8(0x4a); // BININT
			this.out.u32(v >>> 0);
		} else {
			let x = BigInt(v);
			const b: number[] = [];
			for (;;) {
				const byte = Number(x & 0xffn);
				b.push(byte);
				x >>= 8n;
				if ((x === 0n && !(byte & 0x80)) || (x === -1n && byte & 0x80)) break;
			}
			this.out.u8(0x8a); // LONG1
			this.out.u8(b.length);
			for (const byte of b) this.out.u8(byte);
		}
	}
	/** A tuple of ints (size or stride): EMPTY_TUPLE, TUPLE1..3 or MARK … TUPLE, memoized unless empty. */
	intTuple(v: readonly number[]): void {
		if (v.length === 0) {
			this.out.u8(0x29); // EMPTY_TUPLE
			return;
		}
		if (v.length > 3) this.out.u8(0x28); // MARK
		for (const x of v) this.int(x);
		this.out.u8(v.length > 3 ? 0x74 : [0x85, 0x86, 0x87][v.length - 1]);
		this.put();
	}
	/** `OrderedDict()` called with no arguments (the object is memoized). */
	newOrderedDict(): void {
		this.global('collections', 'OrderedDict');
		this.out.u8(0x29); // EMPTY_TUPLE
		this.out.u8(0x52); // REDUCE
		this.put();
	}
	/** Items in batches of 1000 (`_batch_setitems`): a lone item as SETITEM, else MARK … SETITEMS. */
	setItems<T>(items: readonly T[], write: (item: T) => void): void {
		for (let i = 0; i < items.length; i += 1000) {
			const batch = items.slice(i, i + 1000);
			if (batch.length === 1) {
				write(batch[0]);
				this.out.u8(0x73); // SETITEM
				continue;
			}
			this.out.u8(0x28);
			batch.forEach(write);
			this.out.u8(0x75); // SETITEMS
		}
	}
	tensor(t: TorchTensorOut, storageKey: string, numel: number): void {
		this.global('torch._utils', '_rebuild_tensor_v2');
		this.out.u8(0x28); // MARK (argument tuple of 6)
		// Persistent id: ('storage', storage class, key, location, numel), then BINPERSID.
		this.out.u8(0x28);
		this.interned('storage');
		this.global('torch', STORAGE_CLASS[t.dtype]);
		this.str(storageKey);
		this.interned('cpu');
		this.int(numel);
		this.out.u8(0x74); // TUPLE
		this.put();
		this.out.u8(0x51); // BINPERSID
		this.int(0); // storage offset
		this.intTuple(t.shape);
		this.intTuple(contiguousStrides(t.shape));
		this.out.u8(0x89); // NEWFALSE: requires_grad
		this.newOrderedDict(); // backward hooks
		this.out.u8(0x74); // TUPLE
		this.put();
		this.out.u8(0x52); // REDUCE
		this.put();
	}
}

function contiguousStrides(shape: readonly number[]): number[] {
	const s = new Array<number>(shape.length);
	for (let k = shape.length - 1, acc = 1; k >= 0; k--) {
		s[k] = acc;
		acc *= shape[k];
	}
	return s;
}

/** The little-endian bytes of a tensor's values. */
function storageBytes(t: TorchTensorOut): Uint8Array {
	const d = t.data;
	const view = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
	if (LITTLE_ENDIAN) return view;
	const size = ELEMENT_BYTES[t.dtype];
	const out = view.slice();
	for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
	return out;
}

function checkTensors(tensors: readonly TorchTensorOut[]): void {
	const seen = new Set<string>();
	for (const t of tensors) {
		if (seen.has(t.key)) throw new RangeError(`torch state dict: the key '${t.key}' appears twice`);
		seen.add(t.key);
		if (!(t.dtype in STORAGE_CLASS)) throw new RangeError(`torch state dict: '${t.key}' has an unsupported dtype ${String(t.dtype)}`);
		if (!(t.data instanceof (DATA_CLASS[t.dtype] as unknown as typeof Float32Array))) throw new RangeError(`torch state dict: '${t.key}' is ${t.dtype} but its values are a ${t.data.constructor.name}`);
		if (t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new RangeError(`torch state dict: '${t.key}' has an invalid shape (${t.shape.join(', ')})`);
		const n = t.shape.reduce((a, b) => a * b, 1);
		if (n !== t.data.length) throw new RangeError(`torch state dict: '${t.key}' has ${t.data.length} values for shape (${t.shape.join(', ')})`);
	}
}

/** The pickle (`data.pkl`) of the state dict; storage keys are '0', '1', … in tensor order. */
export function stateDictPickle(tensors: readonly TorchTensorOut[], metadata?: ReadonlyArray<readonly [string, number]>): Uint8Array {
	const p = new StatePickler();
	p.out.u8(0x80); // PROTO 2
	p.out.u8(2);
	p.newOrderedDict();
	p.setItems(
		tensors.map((t, i) => [t, i] as const),
		([t, i]) => {
			p.str(t.key);
			p.tensor(t, String(i), t.data.length);
		}
	);
	if (metadata) {
		// BUILD with the state {'_metadata': OrderedDict(name → {'version': v})}.
		p.out.u8(0x7d); // EMPTY_DICT
		p.put();
		p.str('_metadata');
		p.newOrderedDict();
		p.setItems(metadata, ([name, version]) => {
			p.str(name);
			p.out.u8(0x7d);
			p.put();
			p.interned('version');
			p.int(version);
			p.out.u8(0x73); // SETITEM
		});
		p.out.u8(0x73); // SETITEM
		p.out.u8(0x62); // BUILD
	}
	p.out.u8(0x2e); // STOP
	return p.out.result();
}

interface ZipRecord {
	name: string;
	data: Uint8Array;
}

/** The zip container as PyTorch's miniz writer lays it out (see the file comment). */
export function torchZip(records: readonly ZipRecord[]): Uint8Array {
	const out = new Bytes();
	const central: { name: Uint8Array; crc: number; size: number; offset: number }[] = [];
	for (const r of records) {
		const name = utf8.encode(r.name);
		const offset = out.length;
		const start = offset + 30 + name.length + 4;
		const pad = (64 - (start % 64)) % 64;
		const crc = crc32(r.data);
		out.u32(0x04034b50);
		out.u16(0); // version needed
		out.u16(0x0808);
		out.u16(0); // STORED
		out.u16(0); // time
		out.u16(0); // date
		out.u32(0); // crc, sizes: in the data descriptor
		out.u32(0);
		out.u32(0);
		out.u16(name.length);
		out.u16(4 + pad);
		out.bytes(name);
		out.ascii('FB');
		out.u16(pad);
		for (let i = 0; i < pad; i++) out.u8(0x5a);
		out.bytes(r.data);
		out.u32(0x08074b50);
		out.u32(crc);
		out.u32(r.data.length);
		out.u32(r.data.length);
		central.push({ name, crc, size: r.data.length, offset });
	}
	const cdOffset = out.length;
	for (const c of central) {
		out.u32(0x02014b50);
		out.u16(0); // made by
		out.u16(0); // needed
		out.u16(0x0808);
		out.u16(0);
		out.u16(0);
		out.u16(0);
		out.u32(c.crc);
		out.u32(c.size);
		out.u32(c.size);
		out.u16(c.name.length);
		out.u16(0); // extra
		out.u16(0); // comment
		out.u16(0); // disk
		out.u16(0); // internal attributes
		out.u32(0); // external attributes
		out.u32(c.offset);
		out.bytes(c.name);
	}
	const cdSize = out.length - cdOffset;
	const zip64At = out.length;
	const n = central.length;
	out.u32(0x06064b50);
	out.u64(44);
	out.u16(0x031e);
	out.u16(0x002d);
	out.u32(0);
	out.u32(0);
	out.u64(n);
	out.u64(n);
	out.u64(cdSize);
	out.u64(cdOffset);
	out.u32(0x07064b50);
	out.u32(0);
	out.u64(zip64At);
	out.u32(1);
	out.u32(0x06054b50);
	out.u16(0);
	out.u16(0);
	out.u16(Math.min(n, 0xffff));
	out.u16(Math.min(n, 0xffff));
	out.u32(Math.min(cdSize, 0xffffffff));
	out.u32(Math.min(cdOffset, 0xffffffff));
	out.u16(0);
	return out.result();
}

/** A `.pth` file of the given tensors, as `torch.save(state_dict, f)` writes it. */
export function writeTorchStateDict(tensors: readonly TorchTensorOut[], opts: TorchWriteOptions = {}): Uint8Array {
	checkTensors(tensors);
	const prefix = opts.archiveName ?? 'archive';
	if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) throw new RangeError(`torch state dict: the archive name '${prefix}' must be letters, digits, '.', '_' or '-'`);
	const records: ZipRecord[] = [{ name: `${prefix}/data.pkl`, data: stateDictPickle(tensors, opts.metadata) }];
	const keys = tensors.map((_, i) => String(i));
	const order = keys.map((k, i) => [k, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
	for (const [k, i] of order) records.push({ name: `${prefix}/data/${k}`, data: storageBytes(tensors[i]) });
	records.push({ name: `${prefix}/version`, data: utf8.encode('3\n') });
	return torchZip(records);
}
