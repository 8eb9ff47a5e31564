/**
 * A safe reader for Python pickles (protocols 2–5), enough for NumPy `np.save` object arrays
 * (Cellpose `_seg.npy`) and PyTorch state dicts (`data.pkl`).
 *
 * It never runs anything: a pickle may only name Python globals that the caller allows, each
 * mapped to a small TypeScript handler that builds a plain value (like `torch.load(weights_only=True)`).
 * Any other global, any opcode outside the subset below, a truncated stream or a length that
 * runs past the end of the data is a FormatError naming the file. The machine is a loop over a
 * value stack (no recursion), and containers may not nest deeper than `maxDepth`, so code that
 * walks the result recursively stays bounded too.
 *
 * Python values map to: None → null, bool → boolean, int → number (bigint beyond 2^53),
 * float → number, str → string, bytes/bytearray → Uint8Array (a view into the input: do not
 * write to it), list → array, tuple → PyTuple, dict → Map (insertion order kept), global → PyGlobal,
 * anything a handler builds → whatever it returns (usually a PyObject subclass).
 */
import { FormatError, formatCount } from './errors';

/** A Python tuple (kept apart from lists, which are plain arrays). */
export class PyTuple {
	constructor(readonly items: PickleValue[]) {}
}

/** A Python global that the allow-list let through (a class or function, never called directly). */
export class PyGlobal {
	constructor(
		readonly module: string,
		readonly name: string,
		readonly handler: GlobalHandler
	) {}
	get qualifiedName(): string {
		return `${this.module}.${this.name}`;
	}
}

/** Base of objects that handlers build (NumPy arrays, torch tensors, …). */
export abstract class PyObject {
	abstract readonly pyType: string;
}

export type PickleDict = Map<PickleValue, PickleValue>;

export type PickleValue =
	| null
	| boolean
	| number
	| bigint
	| string
	| Uint8Array
	| PickleValue[]
	| PyTuple
	| PickleDict
	| PyGlobal
	| PyObject;

/** What handlers get: the file name, for their own error messages. */
export interface PickleContext {
	readonly file: string;
}

/**
 * How one allowed global behaves. Missing members refuse the operation (e.g. a class that may only
 * appear as an argument has no `call`).
 */
export interface GlobalHandler {
	/** `REDUCE`: the global called with the items of the argument tuple. */
	call?(args: PickleValue[], ctx: PickleContext): PickleValue;
	/** `NEWOBJ`/`NEWOBJ_EX`: `cls.__new__(cls, *args)`. */
	newObject?(args: PickleValue[], ctx: PickleContext): PickleValue;
	/** `BUILD` on an object this global created: `__setstate__(state)`, changing the object in place. */
	build?(target: PickleValue, state: PickleValue, ctx: PickleContext): void;
}

export interface PickleOptions {
	/** Allowed globals, keyed `"module name"` as the GLOBAL opcode writes them (e.g. `"collections OrderedDict"`). */
	globals: Readonly<Record<string, GlobalHandler>>;
	/** Resolves `BINPERSID`/`PERSID` ids (torch storages); without it persistent ids are refused. */
	persistentLoad?(pid: PickleValue, ctx: PickleContext): PickleValue;
	/** Deepest container nesting accepted (default 1000, about Python's own recursion limit). */
	maxDepth?: number;
}

/** Read one pickle that fills `bytes` (anything after its STOP is ignored). */
export function readPickle(file: string, bytes: Uint8Array, options: PickleOptions): PickleValue {
	return readPickleAt(file, bytes, 0, options).value;
}

/** Opcode names, for messages about opcodes that are valid pickle but outside this reader's subset. */
const UNSUPPORTED: Record<number, string> = {
	0x49: 'INT',
	0x4c: 'LONG',
	0x46: 'FLOAT',
	0x53: 'STRING',
	0x56: 'UNICODE',
	0x70: 'PUT',
	0x67: 'GET',
	0x69: 'INST',
	0x6f: 'OBJ',
	0x82: 'EXT1',
	0x83: 'EXT2',
	0x84: 'EXT4',
	0x8f: 'EMPTY_SET',
	0x90: 'ADDITEMS',
	0x91: 'FROZENSET',
	0x97: 'NEXT_BUFFER',
	0x98: 'READONLY_BUFFER'
};

const MAX_LONG_BYTES = 64;

const utf8 = new TextDecoder('utf-8');

/** Latin-1 (ISO 8859-1, not windows-1252 as TextDecoder('latin1') would give). */
export function latin1(bytes: Uint8Array): string {
	let s = '';
	for (let i = 0; i < bytes.length; i += 8192) {
		s += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)));
	}
	return s;
}

/**
 * Read the pickle that starts at `offset`; returns its value and the offset just after its STOP
 * (legacy torch files hold several pickles back to back).
 */
export function readPickleAt(
	file: string,
	bytes: Uint8Array,
	offset: number,
	options: PickleOptions
): { value: PickleValue; end: number } {
	const ctx: PickleContext = { file };
	const end = bytes.length;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const maxDepth = options.maxDepth ?? 1000;
	const stack: PickleValue[] = [];
	const marks: number[] = [];
	const memo = new Map<number, PickleValue>();
	/** Which handler created an object, so that BUILD can reach its `build`. */
	const creators = new WeakMap<object, GlobalHandler>();
	/** Nesting depth of containers (absent = 0). */
	const depths = new WeakMap<object, number>();
	let pos = offset;
	let opAt = offset;
	let opName = '';

	function fail(reason: string): never {
		throw new FormatError(file, reason);
	}
	const where = () => `at byte ${formatCount(opAt - offset)} of the pickle`;
	const need = (n: number) => {
		if (pos + n > end) fail(`the pickle ends in the middle of its ${opName} instruction ${where()} (truncated?)`);
	};
	/** Check a length the data declares against what is left, before touching it. */
	const needDeclared = (n: number, what: string) => {
		if (n > end - pos) {
			fail(
				`the pickle declares ${what} of ${formatCount(n)} bytes ${where()}, but only ${formatCount(end - pos)} bytes are left (truncated or corrupt?)`
			);
		}
	};
	const u8 = () => {
		need(1);
		return bytes[pos++];
	};
	const u16 = () => {
		need(2);
		const v = view.getUint16(pos, true);
		pos += 2;
		return v;
	};
	const u32 = () => {
		need(4);
		const v = view.getUint32(pos, true);
		pos += 4;
		return v;
	};
	const i32 = () => {
		need(4);
		const v = view.getInt32(pos, true);
		pos += 4;
		return v;
	};
	const u64 = () => {
		need(8);
		const lo = view.getUint32(pos, true);
		const hi = view.getUint32(pos + 4, true);
		pos += 8;
		return hi * 2 ** 32 + lo;
	};
	const take = (n: number, what: string): Uint8Array => {
		needDeclared(n, what);
		const b = bytes.subarray(pos, pos + n);
		pos += n;
		return b;
	};
	const line = (): string => {
		const nl = bytes.indexOf(0x0a, pos);
		if (nl < 0) fail(`the pickle ends in the middle of its ${opName} instruction ${where()} (truncated?)`);
		const s = utf8.decode(bytes.subarray(pos, nl));
		pos = nl + 1;
		return s;
	};

	const base = () => (marks.length ? marks[marks.length - 1] : 0);
	const pop = (): PickleValue => {
		if (stack.length <= base()) fail(`the pickle is malformed: ${opName} ${where()} finds nothing to work on (corrupt file?)`);
		return stack.pop() as PickleValue;
	};
	const top = (): PickleValue => {
		if (stack.length <= base()) fail(`the pickle is malformed: ${opName} ${where()} finds nothing to work on (corrupt file?)`);
		return stack[stack.length - 1];
	};
	const popMark = (): PickleValue[] => {
		if (!marks.length) fail(`the pickle is malformed: ${opName} ${where()} has no matching MARK (corrupt file?)`);
		const m = marks.pop() as number;
		return stack.splice(m);
	};
	const depthOf = (v: PickleValue) => (typeof v === 'object' && v !== null ? (depths.get(v) ?? 0) : 0);
	/** Record that `parent` now holds `children`, refusing nesting beyond maxDepth. */
	const nest = (parent: object, children: readonly PickleValue[]) => {
		let d = depths.get(parent) ?? 0;
		for (const c of children) d = Math.max(d, depthOf(c) + 1);
		if (d > maxDepth) fail(`the pickle nests containers more than ${formatCount(maxDepth)} levels deep ${where()}, which no real data file does`);
		if (d > 0) depths.set(parent, d);
	};
	const tuple = (items: PickleValue[]) => {
		const t = new PyTuple(items);
		nest(t, items);
		return t;
	};
	const describe = (v: PickleValue): string => {
		if (v === null) return 'None';
		if (v instanceof PyGlobal) return `'${v.qualifiedName}'`;
		if (v instanceof PyTuple) return 'a tuple';
		if (Array.isArray(v)) return 'a list';
		if (v instanceof Map) return 'a dict';
		if (v instanceof Uint8Array) return 'a bytes object';
		if (v instanceof PyObject) return `a ${v.pyType}`;
		return `a ${typeof v}`;
	};
	const remember = (v: PickleValue, h: GlobalHandler) => {
		if (typeof v === 'object' && v !== null) creators.set(v, h);
	};
	const long = (n: number): number | bigint => {
		if (n > MAX_LONG_BYTES) fail(`the pickle holds an integer of ${formatCount(n)} bytes ${where()}, larger than any a data file needs`);
		const b = take(n, 'an integer');
		if (n === 0) return 0;
		let v = 0n;
		for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
		if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
		return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
	};
	const setItems = (target: PickleValue, kv: PickleValue[]) => {
		if (!(target instanceof Map)) fail(`the pickle sets items on ${describe(target)} ${where()}, which Mycol's reader does not allow`);
		const m = target as PickleDict;
		for (let i = 0; i + 1 < kv.length; i += 2) m.set(kv[i], kv[i + 1]);
		nest(m, kv);
	};
	const append = (target: PickleValue, items: PickleValue[]) => {
		if (!Array.isArray(target)) fail(`the pickle appends to ${describe(target)} ${where()}, which Mycol's reader does not allow`);
		const list = target as PickleValue[];
		for (const it of items) list.push(it);
		nest(list, items);
	};
	const resolveGlobal = (module: string, name: string): PyGlobal => {
		const key = `${module} ${name}`;
		if (!Object.hasOwn(options.globals, key)) {
			fail(
				`the pickle refers to the Python global '${module}.${name}', which Mycol does not allow in this kind of file (it only reads data and never runs code from a file)`
			);
		}
		return new PyGlobal(module, name, options.globals[key]);
	};
	const asGlobal = (v: PickleValue, what: string): PyGlobal => {
		if (!(v instanceof PyGlobal)) fail(`the pickle ${what} ${describe(v)} ${where()}, which Mycol's reader does not allow`);
		return v as PyGlobal;
	};
	const argsOf = (v: PickleValue): PickleValue[] => {
		if (!(v instanceof PyTuple)) fail(`the pickle is malformed: ${opName} ${where()} expects an argument tuple but finds ${describe(v)} (corrupt file?)`);
		return (v as PyTuple).items;
	};

	for (;;) {
		opAt = pos;
		if (pos >= end) {
			opName = 'STOP';
			fail(`the pickle ends ${where()} before its STOP instruction (truncated?)`);
		}
		const op = bytes[pos++];
		opName = `0x${op.toString(16).padStart(2, '0')}`;
		switch (op) {
			case 0x80: // PROTO
				opName = 'PROTO';
				{
					const p = u8();
					if (p > 5) fail(`the pickle uses protocol ${p}; Mycol reads protocols 2 to 5`);
				}
				break;
			case 0x95: // FRAME: framing only groups opcodes; check its length, then read on.
				opName = 'FRAME';
				needDeclared(u64(), 'a frame');
				break;
			case 0x2e: // STOP
				opName = 'STOP';
				return { value: pop(), end: pos };
			case 0x28: // MARK
				marks.push(stack.length);
				break;
			case 0x30: // POP
				opName = 'POP';
				if (stack.length > base()) stack.pop();
				else popMark();
				break;
			case 0x31: // POP_MARK
				opName = 'POP_MARK';
				popMark();
				break;
			case 0x32: // DUP
				opName = 'DUP';
				stack.push(top());
				break;
			case 0x4e: // NONE
				stack.push(null);
				break;
			case 0x88: // NEWTRUE
				stack.push(true);
				break;
			case 0x89: // NEWFALSE
				stack.push(false);
				break;
			case 0x4a: // BININT
				opName = 'BININT';
				stack.push(i32());
				break;
			case 0x4b: // BININT1
				opName = 'BININT1';
				stack.push(u8());
				break;
			case 0x4d: // BININT2
				opName = 'BININT2';
				stack.push(u16());
				break;
			case 0x8a: // LONG1
				opName = 'LONG1';
				stack.push(long(u8()));
				break;
			case 0x8b: // LONG4
				opName = 'LONG4';
				{
					const n = i32();
					if (n < 0) fail(`the pickle declares an integer of negative length ${where()} (corrupt file?)`);
					stack.push(long(n));
				}
				break;
			case 0x47: // BINFLOAT (big-endian double)
				opName = 'BINFLOAT';
				need(8);
				stack.push(view.getFloat64(pos, false));
				pos += 8;
				break;
			case 0x55: // SHORT_BINSTRING (Python 2 str, read as Latin-1 text)
				opName = 'SHORT_BINSTRING';
				stack.push(latin1(take(u8(), 'a string')));
				break;
			case 0x54: // BINSTRING
				opName = 'BINSTRING';
				{
					const n = i32();
					if (n < 0) fail(`the pickle declares a string of negative length ${where()} (corrupt file?)`);
					stack.push(latin1(take(n, 'a string')));
				}
				break;
			case 0x8c: // SHORT_BINUNICODE
				opName = 'SHORT_BINUNICODE';
				stack.push(utf8.decode(take(u8(), 'a string')));
				break;
			case 0x58: // BINUNICODE
				opName = 'BINUNICODE';
				stack.push(utf8.decode(take(u32(), 'a string')));
				break;
			case 0x8d: // BINUNICODE8
				opName = 'BINUNICODE8';
				stack.push(utf8.decode(take(u64(), 'a string')));
				break;
			case 0x43: // SHORT_BINBYTES
				opName = 'SHORT_BINBYTES';
				stack.push(take(u8(), 'a bytes object'));
				break;
			case 0x42: // BINBYTES
				opName = 'BINBYTES';
				stack.push(take(u32(), 'a bytes object'));
				break;
			case 0x8e: // BINBYTES8
				opName = 'BINBYTES8';
				stack.push(take(u64(), 'a bytes object'));
				break;
			case 0x96: // BYTEARRAY8
				opName = 'BYTEARRAY8';
				stack.push(take(u64(), 'a bytearray'));
				break;
			case 0x29: // EMPTY_TUPLE
				stack.push(new PyTuple([]));
				break;
			case 0x74: // TUPLE
				opName = 'TUPLE';
				stack.push(tuple(popMark()));
				break;
			case 0x85: // TUPLE1
				opName = 'TUPLE1';
				stack.push(tuple([pop()]));
				break;
			case 0x86: // TUPLE2
				opName = 'TUPLE2';
				{
					const b = pop();
					stack.push(tuple([pop(), b]));
				}
				break;
			case 0x87: // TUPLE3
				opName = 'TUPLE3';
				{
					const c = pop();
					const b = pop();
					stack.push(tuple([pop(), b, c]));
				}
				break;
			case 0x5d: // EMPTY_LIST
				stack.push([]);
				break;
			case 0x6c: // LIST
				opName = 'LIST';
				{
					const items = popMark();
					nest(items, items);
					stack.push(items);
				}
				break;
			case 0x61: // APPEND
				opName = 'APPEND';
				{
					const v = pop();
					append(top(), [v]);
				}
				break;
			case 0x65: // APPENDS
				opName = 'APPENDS';
				{
					const items = popMark();
					append(top(), items);
				}
				break;
			case 0x7d: // EMPTY_DICT
				stack.push(new Map());
				break;
			case 0x64: // DICT
				opName = 'DICT';
				{
					const kv = popMark();
					const m: PickleDict = new Map();
					setItems(m, kv);
					stack.push(m);
				}
				break;
			case 0x73: // SETITEM
				opName = 'SETITEM';
				{
					const v = pop();
					const k = pop();
					setItems(top(), [k, v]);
				}
				break;
			case 0x75: // SETITEMS
				opName = 'SETITEMS';
				{
					const kv = popMark();
					setItems(top(), kv);
				}
				break;
			case 0x63: // GLOBAL
				opName = 'GLOBAL';
				{
					const module = line();
					stack.push(resolveGlobal(module, line()));
				}
				break;
			case 0x93: // STACK_GLOBAL
				opName = 'STACK_GLOBAL';
				{
					const name = pop();
					const module = pop();
					if (typeof module !== 'string' || typeof name !== 'string') {
						fail(`the pickle is malformed: STACK_GLOBAL ${where()} expects two strings (corrupt file?)`);
					}
					stack.push(resolveGlobal(module as string, name as string));
				}
				break;
			case 0x52: // REDUCE
				opName = 'REDUCE';
				{
					const args = argsOf(pop());
					const g = asGlobal(pop(), 'calls');
					if (!g.handler.call) fail(`the pickle calls '${g.qualifiedName}' ${where()}, which Mycol's reader does not allow`);
					const v = g.handler.call!(args, ctx);
					remember(v, g.handler);
					stack.push(v);
				}
				break;
			case 0x81: // NEWOBJ
			case 0x92: // NEWOBJ_EX
				opName = op === 0x81 ? 'NEWOBJ' : 'NEWOBJ_EX';
				{
					if (op === 0x92) {
						const kwargs = pop();
						if (!(kwargs instanceof Map) || kwargs.size) fail(`the pickle passes keyword arguments to a constructor ${where()}, which Mycol's reader does not allow`);
					}
					const args = argsOf(pop());
					const g = asGlobal(pop(), 'creates');
					if (!g.handler.newObject) fail(`the pickle creates a '${g.qualifiedName}' object ${where()}, which Mycol's reader does not allow`);
					const v = g.handler.newObject!(args, ctx);
					remember(v, g.handler);
					stack.push(v);
				}
				break;
			case 0x62: // BUILD
				opName = 'BUILD';
				{
					const state = pop();
					const target = top();
					const h = typeof target === 'object' && target !== null ? creators.get(target) : undefined;
					if (!h?.build) fail(`the pickle sets the state of ${describe(target)} (BUILD) ${where()}, which Mycol's reader does not allow`);
					h!.build!(target, state, ctx);
				}
				break;
			case 0x51: // BINPERSID
			case 0x50: // PERSID
				opName = op === 0x51 ? 'BINPERSID' : 'PERSID';
				{
					const pid = op === 0x51 ? pop() : line();
					if (!options.persistentLoad) fail(`the pickle refers to external data (a persistent id) ${where()}, which this kind of file may not contain`);
					stack.push(options.persistentLoad!(pid, ctx));
				}
				break;
			case 0x68: // BINGET
			case 0x6a: // LONG_BINGET
				opName = op === 0x68 ? 'BINGET' : 'LONG_BINGET';
				{
					const i = op === 0x68 ? u8() : u32();
					if (!memo.has(i)) fail(`the pickle refers to memo slot ${i} ${where()}, which was never filled (corrupt file?)`);
					stack.push(memo.get(i) as PickleValue);
				}
				break;
			case 0x71: // BINPUT
			case 0x72: // LONG_BINPUT
				opName = op === 0x71 ? 'BINPUT' : 'LONG_BINPUT';
				{
					const i = op === 0x71 ? u8() : u32();
					memo.set(i, top());
				}
				break;
			case 0x94: // MEMOIZE
				opName = 'MEMOIZE';
				memo.set(memo.size, top());
				break;
			default: {
				const known = UNSUPPORTED[op];
				if (known) fail(`the pickle uses the instruction ${known} (${opName}) ${where()}, which Mycol's reader does not support`);
				fail(`the pickle holds the byte ${opName} ${where()} where an instruction should be; it is not a valid pickle instruction (corrupt file?)`);
			}
		}
	}
}

/** `_codecs.encode(text, 'latin1')`: how Python 3 pickles `bytes` under protocol 2 (NumPy 1 does this). */
export const CODECS_GLOBALS: Readonly<Record<string, GlobalHandler>> = {
	'_codecs encode': {
		call(args, ctx) {
			const [text, encoding] = args;
			const enc = typeof encoding === 'string' ? encoding.toLowerCase().replace(/[-_]/g, '') : '';
			if (typeof text !== 'string' || (enc !== 'latin1' && enc !== 'iso88591')) {
				throw new FormatError(ctx.file, `the pickle encodes bytes with '${String(encoding)}'; Mycol reads only Latin-1 here`);
			}
			const out = new Uint8Array(text.length);
			for (let i = 0; i < text.length; i++) {
				const c = text.charCodeAt(i);
				if (c > 0xff) throw new FormatError(ctx.file, 'the pickle encodes a character beyond Latin-1 as bytes (corrupt file?)');
				out[i] = c;
			}
			return out;
		}
	}
};

/** The items of a tuple or list, or null. */
export function sequenceItems(v: PickleValue): PickleValue[] | null {
	if (v instanceof PyTuple) return v.items;
	if (Array.isArray(v)) return v;
	return null;
}

/** A Python int as a JS number, or null (also for bigints beyond 2^53 and for non-integers). */
export function asInt(v: PickleValue): number | null {
	if (typeof v === 'number' && Number.isInteger(v)) return v;
	if (typeof v === 'boolean') return v ? 1 : 0;
	return null;
}
