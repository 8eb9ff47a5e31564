/**
 * A tiny pickle *writer* for tests (hand-made state dicts, hostile pickles). It writes the binary
 * opcodes Python's pickler uses (protocol 2 unless asked otherwise), without memo, so every value
 * is written in full where it appears.
 */

export type PB =
	| null
	| boolean
	| number
	| bigint
	| string
	| Uint8Array
	| PB[]
	| { t: 'tuple'; items: PB[] }
	| { t: 'dict'; entries: [PB, PB][] }
	| { t: 'float'; v: number }
	| { t: 'global'; module: string; name: string }
	| { t: 'reduce'; fn: PB; args: PB[] }
	| { t: 'build'; obj: PB; state: PB }
	| { t: 'persid'; pid: PB }
	| { t: 'raw'; bytes: number[] };

export const tuple = (...items: PB[]): PB => ({ t: 'tuple', items });
export const dict = (...entries: [PB, PB][]): PB => ({ t: 'dict', entries });
export const float = (v: number): PB => ({ t: 'float', v });
export const global = (module: string, name: string): PB => ({ t: 'global', module, name });
export const reduce = (fn: PB, ...args: PB[]): PB => ({ t: 'reduce', fn, args });
export const build = (obj: PB, state: PB): PB => ({ t: 'build', obj, state });
export const persid = (pid: PB): PB => ({ t: 'persid', pid });
/** Opcode bytes written as they are (for hostile pickles). */
export const raw = (...bytes: number[]): PB => ({ t: 'raw', bytes });

/** `OrderedDict()` as torch pickles it, then its items. */
export const orderedDict = (...entries: [PB, PB][]): PB => ({
	t: 'raw',
	bytes: [...encode(global('collections', 'OrderedDict')), 0x29, 0x52, ...(entries.length ? [0x28, ...entries.flatMap(([k, v]) => [...encode(k), ...encode(v)]), 0x75] : [])]
});

/** `torch._utils._rebuild_tensor_v2(('storage', torch.<cls>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`. */
export const tensor = (storageClass: string, key: string, numel: number, offset: number, size: number[], stride: number[]): PB =>
	reduce(
		global('torch._utils', '_rebuild_tensor_v2'),
		persid(tuple('storage', global('torch', storageClass), key, 'cpu', numel)),
		offset,
		tuple(...size),
		tuple(...stride),
		false,
		orderedDict()
	);

const enc = new TextEncoder();

function u32(n: number): number[] {
	return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
}

function encode(v: PB): number[] {
	if (v === null) return [0x4e];
	if (v === true) return [0x88];
	if (v === false) return [0x89];
	if (typeof v === 'number' || typeof v === 'bigint') {
		if (typeof v === 'number' && !Number.isInteger(v)) return encode(float(v));
		const b = BigInt(v);
		if (b >= 0n && b < 256n) return [0x4b, Number(b)];
		if (b >= 0n && b < 65536n) return [0x4d, Number(b) & 255, Number(b) >> 8];
		if (b >= -(2n ** 31n) && b < 2n ** 31n) return [0x4a, ...u32(Number(b))];
		// LONG1: little-endian two's complement, as short as the sign allows.
		const bytes: number[] = [];
		let x = b;
		for (;;) {
			bytes.push(Number(x & 255n));
			x >>= 8n;
			if ((x === 0n && !(bytes[bytes.length - 1] & 0x80)) || (x === -1n && bytes[bytes.length - 1] & 0x80)) break;
		}
		return [0x8a, bytes.length, ...bytes];
	}
	if (typeof v === 'string') {
		const s = enc.encode(v);
		return [0x58, ...u32(s.length), ...s];
	}
	if (v instanceof Uint8Array) return v.length < 256 ? [0x43, v.length, ...v] : [0x42, ...u32(v.length), ...v];
	if (Array.isArray(v)) return [0x5d, ...(v.length ? [0x28, ...v.flatMap(encode), 0x65] : [])];
	switch (v.t) {
		case 'tuple':
			return v.items.length === 0 ? [0x29] : [0x28, ...v.items.flatMap(encode), 0x74];
		case 'dict':
			return [0x7d, ...(v.entries.length ? [0x28, ...v.entries.flatMap(([k, x]) => [...encode(k), ...encode(x)]), 0x75] : [])];
		case 'float': {
			const b = new Uint8Array(8);
			new DataView(b.buffer).setFloat64(0, v.v, false);
			return [0x47, ...b];
		}
		case 'global':
			return [0x63, ...enc.encode(`${v.module}\n${v.name}\n`)];
		case 'reduce':
			return [...encode(v.fn), ...encode(tuple(...v.args)), 0x52];
		case 'build':
			return [...encode(v.obj), ...encode(v.state), 0x62];
		case 'persid':
			return [...encode(v.pid), 0x51];
		case 'raw':
			return v.bytes;
	}
}

/** A whole pickle: PROTO, the value, STOP. */
export function pickle(v: PB, protocol = 2): Uint8Array {
	return Uint8Array.from([0x80, protocol, ...encode(v), 0x2e]);
}

/** Just the opcodes of a value (no PROTO/STOP), for splicing into hand-written pickles. */
export function opcodes(v: PB): number[] {
	return encode(v);
}
