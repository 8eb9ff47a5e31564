/**
 * PyTorch `torch.save` files (`.pth`, `.pt`, Cellpose's extension-less model files), read without
 * PyTorch and without running code, like `torch.load(weights_only=True)`:
 * - the zip format (torch ≥ 1.6): `<prefix>/data.pkl` plus one STORED entry per storage,
 *   `<prefix>/data/<key>` (spec §1.1); the prefix varies, so the entry ending in `/data.pkl` is used;
 * - the legacy format (torch < 1.6): pickles back to back (magic, protocol, sys info, the object,
 *   the storage keys), then each storage as an int64 element count and its bytes.
 *
 * Tensors come back C-contiguous. Where a tensor covers its storage contiguously and the bytes
 * are aligned, its data is a view into the file (no copy; do not write to it); otherwise one copy.
 * float16 and bfloat16 are widened to float32 (the dtype still says what the file held).
 */
import { FormatError, LIMITS, formatCount } from './errors';
import { inflateSync } from 'fflate';
import {
	PyGlobal,
	PyObject,
	PyTuple,
	asInt,
	readPickleAt,
	sequenceItems,
	type GlobalHandler,
	type PickleContext,
	type PickleOptions,
	type PickleValue
} from './pickle';

export type TorchDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export type TorchData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

const ELEMENT_SIZE: Record<TorchDType, number> = {
	float32: 4,
	float64: 8,
	float16: 2,
	bfloat16: 2,
	int64: 8,
	int32: 4,
	int16: 2,
	int8: 1,
	uint8: 1,
	bool: 1
};

/** Legacy typed-storage classes (`torch.FloatStorage`, …) and the dtypes they hold. */
const STORAGE_CLASSES: Record<string, TorchDType> = {
	FloatStorage: 'float32',
	DoubleStorage: 'float64',
	HalfStorage: 'float16',
	BFloat16Storage: 'bfloat16',
	LongStorage: 'int64',
	IntStorage: 'int32',
	ShortStorage: 'int16',
	CharStorage: 'int8',
	ByteStorage: 'uint8',
	BoolStorage: 'bool',
	UntypedStorage: 'uint8'
};

/** `torch.<dtype>` globals (for `_rebuild_tensor_v3`). */
const TORCH_DTYPES: Record<string, TorchDType> = {
	float32: 'float32',
	float: 'float32',
	float64: 'float64',
	double: 'float64',
	float16: 'float16',
	half: 'float16',
	bfloat16: 'bfloat16',
	int64: 'int64',
	long: 'int64',
	int32: 'int32',
	int: 'int32',
	int16: 'int16',
	short: 'int16',
	int8: 'int8',
	uint8: 'uint8',
	bool: 'bool'
};

/** A storage: raw bytes of one dtype, or an element range of another storage (legacy views). */
class TorchStorage extends PyObject {
	readonly pyType = 'torch.Storage';
	bytes: Uint8Array | null = null;
	constructor(
		readonly key: string,
		readonly dtype: TorchDType,
		readonly numel: number,
		readonly root: TorchStorage | null = null,
		readonly rootOffset = 0
	) {
		super();
	}
}

/** A tensor read from a torch file: dtype as stored, shape, C-contiguous values. */
export class TorchTensor extends PyObject {
	readonly pyType = 'torch.Tensor';
	/** Filled once the storages are known (at the end of reading). */
	data: TorchData = new Float32Array(0);
	constructor(
		readonly dtype: TorchDType,
		readonly shape: number[],
		/** Where the values sit in their storage (resolved after the pickle is read). */
		readonly source: { storage: TorchStorage; offset: number; stride: number[] }
	) {
		super();
	}
	get size(): number {
		return this.shape.reduce((a, b) => a * b, 1);
	}
}

/* ------------------------------------------------------------------ zip */

interface ZipEntry {
	name: string;
	method: number;
	flags: number;
	compressedSize: number;
	size: number;
	localOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

function u64(view: DataView, at: number): number {
	return view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
}

/** The central directory of a zip archive (zip64 included); sizes are checked, nothing inflated. */
function zipDirectory(file: string, bytes: Uint8Array): Map<string, ZipEntry> {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const n = bytes.length;
	let eocd = -1;
	for (let i = n - 22; i >= Math.max(0, n - 22 - 65535); i--) {
		if (view.getUint32(i, true) === SIG_EOCD) {
			eocd = i;
			break;
		}
	}
	if (eocd < 0) {
		throw new FormatError(file, `the zip archive has no directory at its end; the file (${formatCount(n)} bytes) is probably truncated`);
	}
	let count = view.getUint16(eocd + 10, true);
	let cdSize = view.getUint32(eocd + 12, true);
	let cdOffset = view.getUint32(eocd + 16, true);
	if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
		const loc = eocd - 20;
		if (loc < 0 || view.getUint32(loc, true) !== SIG_LOC64) throw new FormatError(file, 'the zip archive lacks its zip64 directory locator (corrupt file?)');
		const at = u64(view, loc + 8);
		if (at + 56 > n || view.getUint32(at, true) !== SIG_EOCD64) throw new FormatError(file, 'the zip archive lacks its zip64 directory record (corrupt or truncated?)');
		count = u64(view, at + 32);
		cdSize = u64(view, at + 40);
		cdOffset = u64(view, at + 48);
	}
	if (cdOffset + cdSize > n) {
		throw new FormatError(file, `the zip directory claims to lie at bytes ${formatCount(cdOffset)}–${formatCount(cdOffset + cdSize)}, beyond the end of the file (${formatCount(n)} bytes; truncated?)`);
	}
	const entries = new Map<string, ZipEntry>();
	const dec = new TextDecoder();
	let p = cdOffset;
	for (let k = 0; k < count; k++) {
		if (p + 46 > cdOffset + cdSize || view.getUint32(p, true) !== SIG_CENTRAL) throw new FormatError(file, 'the zip directory is damaged (corrupt file?)');
		const flags = view.getUint16(p + 8, true);
		const method = view.getUint16(p + 10, true);
		let compressedSize = view.getUint32(p + 20, true);
		let size = view.getUint32(p + 24, true);
		const nameLen = view.getUint16(p + 28, true);
		const extraLen = view.getUint16(p + 30, true);
		const commentLen = view.getUint16(p + 32, true);
		let localOffset = view.getUint32(p + 42, true);
		if (p + 46 + nameLen + extraLen > cdOffset + cdSize) throw new FormatError(file, 'the zip directory is damaged (corrupt file?)');
		const name = dec.decode(bytes.subarray(p + 46, p + 46 + nameLen));
		// zip64 extra field: 64-bit values for whichever 32-bit fields are 0xFFFFFFFF, in this order.
		for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
			const id = view.getUint16(e, true);
			const len = view.getUint16(e + 2, true);
			if (id === 0x0001) {
				let q = e + 4;
				const next = () => {
					if (q + 8 > e + 4 + len) throw new FormatError(file, 'the zip directory has a damaged zip64 field (corrupt file?)');
					q += 8;
					return u64(view, q - 8);
				};
				if (size === 0xffffffff) size = next();
				if (compressedSize === 0xffffffff) compressedSize = next();
				if (localOffset === 0xffffffff) localOffset = next();
			}
			e += 4 + len;
		}
		entries.set(name, { name, method, flags, compressedSize, size, localOffset });
		p += 46 + nameLen + extraLen + commentLen;
	}
	return entries;
}

/** The bytes of one entry: a view for STORED entries, inflated (after size checks) for DEFLATE. */
function zipEntryBytes(file: string, bytes: Uint8Array, e: ZipEntry): Uint8Array {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const at = e.localOffset;
	if (at + 30 > bytes.length || view.getUint32(at, true) !== SIG_LOCAL) {
		throw new FormatError(file, `the zip entry '${e.name}' is missing from where the directory says it is (corrupt or truncated file?)`);
	}
	if (e.flags & 1) throw new FormatError(file, `the zip entry '${e.name}' is encrypted`);
	const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
	if (start + e.compressedSize > bytes.length) {
		throw new FormatError(file, `the zip entry '${e.name}' ends beyond the end of the file (${formatCount(bytes.length)} bytes; truncated?)`);
	}
	const data = bytes.subarray(start, start + e.compressedSize);
	if (e.method === 0) {
		if (e.size !== e.compressedSize) throw new FormatError(file, `the zip entry '${e.name}' is stored with two different sizes (corrupt file?)`);
		return data;
	}
	if (e.method !== 8) throw new FormatError(file, `the zip entry '${e.name}' uses compression method ${e.method}; Mycol reads stored and deflated entries`);
	if (e.size > LIMITS.maxZipEntryBytes || e.size > Math.max(1, e.compressedSize) * LIMITS.maxCompressionRatio) {
		throw new FormatError(
			file,
			`the zip entry '${e.name}' would expand from ${formatCount(e.compressedSize)} to ${formatCount(e.size)} bytes, beyond Mycol's limits (a zip bomb?)`
		);
	}
	// One byte of slack shows whether the stream holds more than the directory declared.
	const out = inflateSync(data, { out: new Uint8Array(e.size + 1) });
	if (out.length !== e.size) {
		throw new FormatError(file, `the zip entry '${e.name}' inflates to a size other than the ${formatCount(e.size)} bytes its directory declares (corrupt file?)`);
	}
	return out;
}

/* ------------------------------------------------------------------ pickle globals */

interface ReadState {
	tensors: TorchTensor[];
}

function fail(ctx: PickleContext, reason: string): never {
	throw new FormatError(ctx.file, reason);
}

function intList(v: PickleValue, what: string, ctx: PickleContext): number[] {
	const items = sequenceItems(v)?.map(asInt);
	if (!items || items.some((x) => x === null || x < 0)) fail(ctx, `the file holds a tensor whose ${what} is not a list of whole numbers (corrupt file?)`);
	return items as number[];
}

function makeTensor(state: ReadState, ctx: PickleContext, storageV: PickleValue, offsetV: PickleValue, sizeV: PickleValue, strideV: PickleValue, dtype?: TorchDType): TorchTensor {
	if (!(storageV instanceof TorchStorage)) fail(ctx, 'the file rebuilds a tensor from something other than a storage (corrupt file?)');
	const storage = storageV as TorchStorage;
	const offset = asInt(offsetV);
	if (offset === null || offset < 0) fail(ctx, 'the file holds a tensor with an invalid storage offset (corrupt file?)');
	const shape = intList(sizeV, 'size', ctx);
	const stride = intList(strideV, 'stride', ctx);
	if (stride.length !== shape.length) fail(ctx, `the file holds a tensor of ${shape.length} dimensions with ${stride.length} strides (corrupt file?)`);
	const t = new TorchTensor(dtype ?? storage.dtype, shape, { storage, offset: offset!, stride });
	state.tensors.push(t);
	return t;
}

function torchGlobals(state: ReadState): Record<string, GlobalHandler> {
	const g: Record<string, GlobalHandler> = {
		// The state dict itself; `_metadata` (per-module versions) arrives by BUILD and is dropped.
		'collections OrderedDict': { call: () => new Map(), build: () => undefined },
		'torch._utils _rebuild_tensor': { call: (a, ctx) => makeTensor(state, ctx, a[0], a[1], a[2], a[3]) },
		'torch._utils _rebuild_tensor_v2': { call: (a, ctx) => makeTensor(state, ctx, a[0], a[1], a[2], a[3]) },
		'torch._utils _rebuild_tensor_v3': {
			call(a, ctx) {
				const d = a[6];
				const dt = d instanceof PyGlobal && d.module === 'torch' ? TORCH_DTYPES[d.name] : undefined;
				if (!dt) fail(ctx, `the file holds a tensor of a dtype Mycol does not read (${d instanceof PyGlobal ? d.qualifiedName : 'unknown'})`);
				return makeTensor(state, ctx, a[0], a[1], a[2], a[3], dt);
			}
		},
		'torch._utils _rebuild_parameter': { call: (a) => a[0] ?? null },
		'torch._utils _rebuild_parameter_with_state': { call: (a) => a[0] ?? null },
		// Tensor subclasses (nn.Parameter, …): `func(*args)` then a type change Mycol ignores.
		'torch._tensor _rebuild_from_type_v2': {
			call(a, ctx) {
				const [func, , args] = a;
				if (!(func instanceof PyGlobal) || !func.handler.call || !(args instanceof PyTuple)) fail(ctx, 'the file rebuilds a tensor in a way Mycol does not read');
				return (func as PyGlobal).handler.call!((args as PyTuple).items, ctx);
			}
		},
		'torch Tensor': {},
		'torch.nn.parameter Parameter': {}
	};
	for (const name of Object.keys(STORAGE_CLASSES)) g[`torch ${name}`] = {};
	g['torch.storage UntypedStorage'] = {};
	for (const name of Object.keys(TORCH_DTYPES)) g[`torch ${name}`] = {};
	return g;
}

/** `('storage', StorageClass, key, location, numel[, view_metadata])` → a storage (cached by key). */
function storageLoader(storages: Map<string, TorchStorage>) {
	return (pid: PickleValue, ctx: PickleContext): PickleValue => {
		const t = sequenceItems(pid);
		if (!t || t[0] !== 'storage' || t.length < 5) fail(ctx, 'the file refers to external data that is not a tensor storage (corrupt file, or not a state dict)');
		const cls = t![1];
		const dtype = cls instanceof PyGlobal ? STORAGE_CLASSES[cls.name] : undefined;
		if (!dtype) fail(ctx, `the file holds a storage of type '${cls instanceof PyGlobal ? cls.qualifiedName : '?'}', which Mycol does not read`);
		const key = String(t![2]);
		const numel = asInt(t![4]);
		if (numel === null || numel < 0) fail(ctx, `the file declares an invalid size for storage '${key}' (corrupt file?)`);
		let root = storages.get(key);
		if (!root) {
			root = new TorchStorage(key, dtype!, numel!);
			storages.set(key, root);
		}
		const viewMeta = t!.length > 5 ? sequenceItems(t![5]) : null;
		if (!viewMeta) return root;
		// Legacy view: (view_key, offset, view_size) in elements of the root storage.
		const off = asInt(viewMeta[1]);
		const len = asInt(viewMeta[2]);
		if (off === null || len === null || off < 0 || len < 0 || off + len > root.numel) fail(ctx, `the file holds a storage view outside storage '${key}' (corrupt file?)`);
		return new TorchStorage(String(viewMeta[0]), root.dtype, len!, root, off!);
	};
}

/* ------------------------------------------------------------------ tensors */

function swapBytes(raw: Uint8Array, size: number): void {
	for (let i = 0; i < raw.length; i += size) {
		for (let a = i, b = i + size - 1; a < b; a++, b--) {
			const t = raw[a];
			raw[a] = raw[b];
			raw[b] = t;
		}
	}
}

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

/** A typed array over `raw` (whose byteOffset is a multiple of the element size). */
function typed(dtype: TorchDType, raw: Uint8Array): TorchData {
	const n = raw.byteLength / ELEMENT_SIZE[dtype];
	switch (dtype) {
		case 'float32':
			return new Float32Array(raw.buffer, raw.byteOffset, n);
		case 'float64':
			return new Float64Array(raw.buffer, raw.byteOffset, n);
		case 'int64':
			return new BigInt64Array(raw.buffer, raw.byteOffset, n);
		case 'int32':
			return new Int32Array(raw.buffer, raw.byteOffset, n);
		case 'int16':
			return new Int16Array(raw.buffer, raw.byteOffset, n);
		case 'int8':
			return new Int8Array(raw.buffer, raw.byteOffset, n);
		case 'uint8':
		case 'bool':
			return raw;
		case 'float16':
			return halfToFloat(new Uint16Array(raw.buffer, raw.byteOffset, n));
		case 'bfloat16': {
			const h = new Uint16Array(raw.buffer, raw.byteOffset, n);
			const w = new Uint32Array(n);
			for (let i = 0; i < n; i++) w[i] = h[i] << 16;
			return new Float32Array(w.buffer);
		}
	}
}

/** Fill `t.data` from its storage, honouring offset and strides; views where possible. */
function materialize(file: string, t: TorchTensor, bigEndian: boolean): void {
	let { storage, offset } = t.source;
	const { stride } = t.source;
	if (storage.root) {
		offset += storage.rootOffset;
		storage = storage.root;
	}
	const es = ELEMENT_SIZE[t.dtype];
	const bytes = storage.bytes;
	if (!bytes) throw new FormatError(file, `the file has no data for storage '${storage.key}' (corrupt or truncated file?)`);
	const available = Math.floor(bytes.length / es);
	const count = t.size;
	let last = offset;
	for (let k = 0; k < t.shape.length; k++) last += (t.shape[k] - 1) * stride[k];
	if (count > 0 && last >= available) {
		throw new FormatError(
			file,
			`a tensor of shape (${t.shape.join(', ')}) reaches element ${formatCount(last + 1)} of storage '${storage.key}', which holds ${formatCount(available)} (corrupt or truncated file?)`
		);
	}
	// C-contiguous: strides are the products of the later sizes (dimensions of size 1 do not count).
	let contiguous = true;
	for (let k = t.shape.length - 1, s = 1; k >= 0; k--) {
		if (t.shape[k] !== 1 && stride[k] !== s) contiguous = false;
		s *= t.shape[k];
	}
	let raw: Uint8Array;
	if (contiguous || count === 0) {
		raw = bytes.subarray(offset * es, (offset + count) * es);
		if (bigEndian || raw.byteOffset % es !== 0) raw = raw.slice();
	} else {
		raw = new Uint8Array(count * es);
		const n = t.shape.length;
		const idx = new Array<number>(n).fill(0);
		let src = offset;
		for (let i = 0; i < count; i++) {
			raw.set(bytes.subarray(src * es, src * es + es), i * es);
			for (let k = n - 1; k >= 0; k--) {
				idx[k]++;
				src += stride[k];
				if (idx[k] < t.shape[k]) break;
				src -= stride[k] * t.shape[k];
				idx[k] = 0;
			}
		}
	}
	if (bigEndian && es > 1) swapBytes(raw, es);
	t.data = typed(t.dtype, raw);
}

/* ------------------------------------------------------------------ readers */

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** Which kind of torch file the bytes are, by their first bytes. */
export function torchFileKind(bytes: Uint8Array): 'zip' | 'legacy' | null {
	if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'zip';
	// PROTO 2, LONG1 of 10 bytes: the legacy magic number.
	if (bytes.length >= 4 && bytes[0] === 0x80 && bytes[1] === 0x02 && bytes[2] === 0x8a && bytes[3] === 0x0a) return 'legacy';
	return null;
}

/** A plain-words guess at what a non-torch file is, for the error message. */
function whatItIs(bytes: Uint8Array): string {
	const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
	if (bytes.length === 0) return 'it is empty';
	if (starts(0x89, 0x50, 0x4e, 0x47)) return 'it looks like a PNG image';
	if (starts(0xff, 0xd8, 0xff)) return 'it looks like a JPEG image';
	if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'it looks like a TIFF image';
	if (starts(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return 'it looks like a NumPy .npy file';
	if (starts(0x80)) return 'it is a Python pickle without the PyTorch header';
	if (bytes.length > 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar') {
		return 'it is a tar archive (very old PyTorch files, which Mycol does not read)';
	}
	if (starts(0x50, 0x4b)) return 'it is a damaged zip archive';
	// Text: no control characters other than tab, newline and carriage return near the start.
	if (bytes.subarray(0, 512).every((b) => b >= 32 || b === 9 || b === 10 || b === 13)) return 'it looks like a text file';
	return 'it is neither a zip archive nor a legacy PyTorch file';
}

function finish(file: string, value: PickleValue, state: ReadState, bigEndian: boolean): PickleValue {
	for (const t of state.tensors) materialize(file, t, bigEndian);
	return value;
}

function readZip(file: string, bytes: Uint8Array): PickleValue {
	const dir = zipDirectory(file, bytes);
	let pkl: ZipEntry | null = null;
	for (const e of dir.values()) {
		if ((e.name === 'data.pkl' || e.name.endsWith('/data.pkl')) && (!pkl || e.name.length < pkl.name.length)) pkl = e;
	}
	if (!pkl) {
		const names = [...dir.keys()].slice(0, 4).join(', ');
		throw new FormatError(file, `this zip archive is not a PyTorch file: it has no data.pkl entry (it holds ${names || 'nothing'})`);
	}
	const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
	if ([...dir.keys()].some((n) => n.startsWith(`${prefix}code/`))) {
		throw new FormatError(file, 'this is a TorchScript archive (torch.jit.save); Mycol reads weights saved with torch.save(state_dict)');
	}
	const order = dir.get(`${prefix}byteorder`);
	const bigEndian = order ? new TextDecoder().decode(zipEntryBytes(file, bytes, order)).trim() === 'big' : false;
	const storages = new Map<string, TorchStorage>();
	const state: ReadState = { tensors: [] };
	const load = storageLoader(storages);
	const options: PickleOptions = {
		globals: torchGlobals(state),
		persistentLoad(pid, ctx) {
			const s = load(pid, ctx) as TorchStorage;
			const root = s.root ?? s;
			if (!root.bytes) {
				const e = dir.get(`${prefix}data/${root.key}`);
				if (!e) fail(ctx, `the archive lacks the entry '${prefix}data/${root.key}' that holds a tensor's values (incomplete file?)`);
				const b = zipEntryBytes(file, bytes, e!);
				const need = root.numel * ELEMENT_SIZE[root.dtype];
				if (b.length < need) {
					fail(ctx, `storage '${root.key}' should hold ${formatCount(need)} bytes but its entry has ${formatCount(b.length)} (corrupt or truncated file?)`);
				}
				root.bytes = b;
			}
			return s;
		}
	};
	const pickleBytes = zipEntryBytes(file, bytes, pkl);
	const { value } = readPickleAt(file, pickleBytes, 0, options);
	return finish(file, value, state, bigEndian);
}

function readLegacy(file: string, bytes: Uint8Array): PickleValue {
	const plain: PickleOptions = { globals: {} };
	const magic = readPickleAt(file, bytes, 0, plain);
	if (magic.value !== LEGACY_MAGIC) throw new FormatError(file, 'this is not a PyTorch file (its magic number is wrong)');
	const proto = readPickleAt(file, bytes, magic.end, plain);
	if (proto.value !== 1001) throw new FormatError(file, `this legacy PyTorch file has format version ${String(proto.value)}; Mycol reads version 1001`);
	const sys = readPickleAt(file, bytes, proto.end, plain);
	const bigEndian = sys.value instanceof Map && sys.value.get('little_endian') === false;
	const storages = new Map<string, TorchStorage>();
	const state: ReadState = { tensors: [] };
	const main = readPickleAt(file, bytes, sys.end, { globals: torchGlobals(state), persistentLoad: storageLoader(storages) });
	const keys = readPickleAt(file, bytes, main.end, plain);
	const list = sequenceItems(keys.value);
	if (!list) throw new FormatError(file, 'this legacy PyTorch file lacks its list of storages (corrupt file?)');
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let p = keys.end;
	for (const k of list) {
		const s = storages.get(String(k));
		if (!s) throw new FormatError(file, `this legacy PyTorch file lists storage '${String(k)}', which no tensor uses (corrupt file?)`);
		if (p + 8 > bytes.length) throw new FormatError(file, `the file ends before the data of storage '${s.key}' (truncated?)`);
		const lo = view.getUint32(p, true);
		const hi = view.getUint32(p + 4, true);
		const numel = bigEndian ? view.getUint32(p + 4, false) + view.getUint32(p, false) * 2 ** 32 : hi * 2 ** 32 + lo;
		const need = numel * ELEMENT_SIZE[s.dtype];
		p += 8;
		if (numel !== s.numel || need > bytes.length - p) {
			throw new FormatError(
				file,
				numel !== s.numel
					? `storage '${s.key}' declares ${formatCount(numel)} values where the pickle said ${formatCount(s.numel)} (corrupt file?)`
					: `the file ends inside the data of storage '${s.key}' (${formatCount(bytes.length - p)} of ${formatCount(need)} bytes; truncated?)`
			);
		}
		s.bytes = bytes.subarray(p, p + need);
		p += need;
	}
	return finish(file, main.value, state, bigEndian);
}

/**
 * Read a whole `torch.save` file: the pickled object with tensors as TorchTensor (for checkpoints
 * that hold more than a state dict).
 */
export function readTorchFile(file: string, bytes: Uint8Array): PickleValue {
	const kind = torchFileKind(bytes);
	if (kind === 'zip') return readZip(file, bytes);
	if (kind === 'legacy') return readLegacy(file, bytes);
	throw new FormatError(file, `this is not a PyTorch model file: ${whatItIs(bytes)}`);
}

const NESTED_KEYS = ['state_dict', 'model_state_dict', 'model', 'net', 'state'];

function tensorMap(v: PickleValue): Map<string, TorchTensor> | null {
	if (!(v instanceof Map) || v.size === 0) return null;
	const out = new Map<string, TorchTensor>();
	for (const [k, t] of v) {
		if (typeof k !== 'string' || !(t instanceof TorchTensor)) return null;
		out.set(k, t);
	}
	return out;
}

/**
 * Read a state dict (`torch.save(model.state_dict())`): key → tensor, in the file's order.
 * A checkpoint dict holding it under `state_dict`, `model_state_dict`, `model` or `net` works too.
 */
export function readTorchStateDict(file: string, bytes: Uint8Array): Map<string, TorchTensor> {
	const value = readTorchFile(file, bytes);
	const direct = tensorMap(value);
	if (direct) return direct;
	if (value instanceof Map) {
		for (const k of NESTED_KEYS) {
			const inner = tensorMap(value.get(k) ?? null);
			if (inner) return inner;
		}
	}
	const what = value instanceof Map ? (value.size ? 'a dictionary whose values are not all tensors' : 'an empty dictionary') : 'no dictionary of tensors';
	throw new FormatError(file, `this PyTorch file holds ${what}, not a model's weights (a state dict)`);
}
