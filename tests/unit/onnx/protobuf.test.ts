/**
 * Our protobuf writer/reader against hand-worked encodings from the protobuf encoding guide and
 * against protobufjs (an independent implementation that is a project dependency anyway).
 */
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { ProtoDecodeError, ProtoReader, ProtoWriter } from '../../../src/lib/core/onnx/protobuf';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('ProtoWriter', () => {
	it('encodes the protobuf guide examples by hand', () => {
		// "field 1 = 150" is 08 96 01 in the encoding guide; "field 2 = 'testing'" is 12 07 74 65 73 74 69 6e 67.
		expect(hex(new ProtoWriter().varint(1, 150).finish())).toBe('089601');
		expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('120774657374696e67');
		// int64 -1 is ten bytes: nine 0xff then 0x01.
		expect(hex(new ProtoWriter().varint(1, -1).finish())).toBe('08ffffffffffffffffff01');
		// float 1.5 = 0x3fc00000, little-endian, wire type 5.
		expect(hex(new ProtoWriter().float32(2, 1.5).finish())).toBe('150000c03f');
	});

	it('writes varints like protobufjs for values across the 32/53/64-bit boundaries', () => {
		const values = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 5, 2 ** 49 + 3, 2 ** 53 - 1, -1, -2, -(2 ** 31), -(2 ** 40) - 7];
		for (const v of values) {
			const ours = new ProtoWriter().varint(3, v).finish();
			const theirs = protobuf.Writer.create().uint32((3 << 3) | 0).int64(v).finish();
			expect(hex(ours), `value ${v}`).toBe(hex(theirs));
		}
		const big = new ProtoWriter().varint(1, 2n ** 63n - 1n).varint(1, -(2n ** 63n)).finish();
		const bigTheirs = protobuf.Writer.create().uint32(8).int64('9223372036854775807').uint32(8).int64('-9223372036854775808').finish();
		expect(hex(big)).toBe(hex(bigTheirs));
	});

	it('writes nested messages, bytes, packed floats and packed int64 like protobufjs', () => {
		const root = protobuf.parse(`syntax = "proto3";
			message Inner { repeated int64 dims = 1; bytes raw = 9; string name = 8; }
			message Outer { repeated Inner items = 5; repeated float floats = 7; int64 version = 1; string label = 2; }`).root;
		const Outer = root.lookupType('Outer');
		const raw = new Uint8Array(1000).map((_, i) => (i * 37) & 255); // above the 64-byte inline limit
		const floats = [0.5, -1.25, 3.1415927410125732, 1e-30];
		const msg = { version: 8, label: 'mycol', items: [{ dims: [3, 300, 70000], raw, name: 'w' }, { dims: [], raw: new Uint8Array([1, 2]), name: '' }], floats };

		const inner1 = new ProtoWriter().packedVarint(1, [3, 300, 70000]).string(8, 'w').bytes(9, raw);
		const inner2 = new ProtoWriter().bytes(9, new Uint8Array([1, 2]));
		const ours = new ProtoWriter().varint(1, 8).string(2, 'mycol').message(5, inner1).message(5, inner2).packedFloat32(7, floats).finish();
		// protobufjs writes fields in field-number order, and so did we here; compare by decoding both.
		const a = Outer.toObject(Outer.decode(ours), { longs: Number, bytes: Array });
		const b = Outer.toObject(Outer.decode(Outer.encode(msg).finish()), { longs: Number, bytes: Array });
		expect(a).toEqual(b);
		expect(a.items[0].raw.length).toBe(1000);
		expect(a.floats).toEqual(floats.map(Math.fround));
	});

	it('shares large blobs and reports its length before finishing', () => {
		const blob = new Uint8Array(1 << 20).fill(7);
		const child = new ProtoWriter().bytes(1, blob);
		const w = new ProtoWriter().varint(1, 1).message(2, child);
		const out = w.finish();
		expect(out.length).toBe(w.length);
		// tag(1) 08 01, tag(2) 12 + varint(len child), child = 0a + varint(2^20) + blob
		const childLen = 1 + 3 + (1 << 20);
		expect(out.length).toBe(2 + 1 + 3 + childLen);
		expect(out[out.length - 1]).toBe(7);
	});
});

describe('ProtoReader', () => {
	it('reads what protobufjs writes, skipping every wire type', () => {
		const w = protobuf.Writer.create();
		w.uint32((1 << 3) | 0).int64(-5); // varint
		w.uint32((2 << 3) | 1).double(2.5); // fixed64, skipped
		w.uint32((3 << 3) | 5).float(0.25); // fixed32
		w.uint32((4 << 3) | 2).string('héllo'); // len
		w.uint32((5 << 3) | 0).int64(7); // unpacked repeated
		w.uint32((5 << 3) | 0).int64(2 ** 40);
		w.uint32((6 << 3) | 0).uint64('18446744073709551615');
		const r = new ProtoReader(w.finish());
		const seen: string[] = [];
		const ints: number[] = [];
		for (let f = r.next(); f; f = r.next()) {
			seen.push(`${f.field}:${f.wire}`);
			if (f.field === 1) expect(r.int64()).toBe(-5);
			else if (f.field === 3) expect(r.float32()).toBe(0.25);
			else if (f.field === 4) expect(r.string()).toBe('héllo');
			else if (f.field === 5) r.repeatedInt64(f.wire, ints);
			else if (f.field === 6) expect(r.varintBig()).toBe(2n ** 64n - 1n);
			else r.skip(f.wire);
		}
		expect(seen).toEqual(['1:0', '2:1', '3:5', '4:2', '5:0', '5:0', '6:0']);
		expect(ints).toEqual([7, 2 ** 40]);
		expect(r.done).toBe(true);
	});

	it('reads packed int64 lists and nested messages', () => {
		const inner = new ProtoWriter().packedVarint(1, [1, 2, 3, -4, 2 ** 45]).string(8, 'x');
		const r = new ProtoReader(new ProtoWriter().message(5, inner).varint(6, 1).finish());
		const f = r.next()!;
		expect(f).toEqual({ field: 5, wire: 2 });
		const m = r.message();
		const g = m.next()!;
		const dims: number[] = [];
		m.repeatedInt64(g.wire, dims);
		expect(dims).toEqual([1, 2, 3, -4, 2 ** 45]);
		expect(m.next()).toEqual({ field: 8, wire: 2 });
		expect(m.string()).toBe('x');
		expect(m.next()).toBeNull();
		expect(r.next()).toEqual({ field: 6, wire: 0 });
	});

	it('refuses malformed input with ProtoDecodeError', () => {
		const read = (b: number[]) => () => {
			const r = new ProtoReader(new Uint8Array(b));
			for (let f = r.next(); f; f = r.next()) r.skip(f.wire);
		};
		expect(read([0x08, 0x96])).toThrow(ProtoDecodeError); // varint cut short
		expect(read([0x0a, 0x05, 1, 2])).toThrow(/claims 5 bytes but only 2 remain/);
		expect(read([0x0b])).toThrow(/wire type 3/); // group start: not in proto3
		expect(read([0x00, 0x01])).toThrow(/field number 0/);
		expect(read([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).toThrow(/longer than 10 bytes/);
		expect(read([0x15, 1, 2])).toThrow(ProtoDecodeError); // fixed32 cut short
		// A length near 2^53 must not be trusted.
		expect(read([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f])).toThrow(/claims/);
	});
});
