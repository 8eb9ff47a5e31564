import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy, npyHeader, type NpyArray } from '../../../src/lib/core/formats/npy';
import { FormatError } from '../../../src/lib/core/formats/errors';
import { sharedBytes } from '../shared';

function arr(bytes: Uint8Array, file = 'x.npy'): NpyArray {
	const r = readNpy(file, bytes);
	if (r.kind !== 'array') throw new Error('expected a numeric array');
	return r;
}

/** A hand-built .npy with an arbitrary header text and payload. */
function handBuilt(dict: string, payload: number[]): Uint8Array {
	const total = 10 + dict.length + 1;
	const padded = dict + ' '.repeat((64 - (total % 64)) % 64) + '\n';
	const out = new Uint8Array(10 + padded.length + payload.length);
	out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
	new DataView(out.buffer).setUint16(8, padded.length, true);
	for (let i = 0; i < padded.length; i++) out[10 + i] = padded.charCodeAt(i);
	out.set(payload, 10 + padded.length);
	return out;
}

describe('npy reader', () => {
	it('reads a Cellpose fixture (uint16 labels) with the size its README states', () => {
		const a = arr(sharedBytes('fixtures/cellpose-3.1/dynamics/lab1_labels.npy'));
		expect(a.dtype).toBe('uint16');
		expect(a.shape).toEqual([224, 224]);
		// README: lab1 has 130 labels, 1..N.
		const ids = new Set(a.data as Uint16Array);
		ids.delete(0);
		expect(ids.size).toBe(130);
		expect(Math.max(...ids)).toBe(130);
	});

	it('reads float32 (2,H,W) flows', () => {
		const a = arr(sharedBytes('fixtures/cellpose-3.1/dynamics/lab2_flows.npy'));
		expect(a.dtype).toBe('float32');
		expect(a.shape).toEqual([2, 160, 208]);
	});

	it('reads big-endian and Fortran-order arrays (hand-made bytes)', () => {
		// >u2, shape (2,3), Fortran order: memory holds columns: [1,4],[2,5],[3,6]
		const be = handBuilt("{'descr': '>u2', 'fortran_order': True, 'shape': (2, 3), }", [0, 1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6]);
		const a = arr(be);
		expect(Array.from(a.data as Uint16Array)).toEqual([1, 2, 3, 4, 5, 6]);
		expect(a.fortranOrder).toBe(true);
	});

	it('reads Fortran order in 3-D', () => {
		// shape (2,2,2) values v[i,j,k] = 100i+10j+k stored with i fastest.
		const vals: number[] = [];
		for (let k = 0; k < 2; k++) for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) vals.push(100 * i + 10 * j + k);
		const a = arr(handBuilt("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2, 2), }", vals));
		expect(Array.from(a.data as Uint8Array)).toEqual([0, 1, 10, 11, 100, 101, 110, 111]);
	});

	it('widens float16 exactly', () => {
		// 1.0 = 0x3c00, -2.5 = 0xc100, 65504 = 0x7bff, smallest subnormal 0x0001 = 2^-24
		const a = arr(handBuilt("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", [0x00, 0x3c, 0x00, 0xc1, 0xff, 0x7b, 0x01, 0x00]));
		expect(Array.from(a.data as Float32Array)).toEqual([1, -2.5, 65504, 2 ** -24]);
	});

	it('reads int64 and bool', () => {
		const a = arr(handBuilt("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", [255, 255, 255, 255, 255, 255, 255, 255, 7, 0, 0, 0, 0, 0, 0, 0]));
		expect(Array.from(a.data as BigInt64Array)).toEqual([-1n, 7n]);
		const b = arr(handBuilt("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", [1, 0, 1]));
		expect(b.dtype).toBe('bool');
		expect(Array.from(b.data as Uint8Array)).toEqual([1, 0, 1]);
	});

	it('round-trips what it writes', () => {
		const data = new Float32Array([1.5, -2, 3.25, 4, 5, 6]);
		const a = arr(writeNpy('float32', [2, 3], data));
		expect(a.shape).toEqual([2, 3]);
		expect(Array.from(a.data as Float32Array)).toEqual(Array.from(data));
		expect(npyHeader('uint8', [5]).length % 64).toBe(0);
	});

	it('refuses bad input with a sentence naming the file', () => {
		expect(() => readNpy('empty.npy', new Uint8Array())).toThrow('empty.npy: the file is empty');
		expect(() => readNpy('t.npy', new TextEncoder().encode('hello world'))).toThrow(FormatError);
		const absurd = handBuilt("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100), }", []);
		expect(() => readNpy('absurd.npy', absurd)).toThrow(/absurd\.npy: the \.npy header declares the shape \(100000, 100000, 100\)/);
		const trunc = handBuilt("{'descr': '<u2', 'fortran_order': False, 'shape': (4, 4), }", [1, 2, 3]);
		expect(() => readNpy('short.npy', trunc)).toThrow('short.npy: the file ends after 3 of 32 bytes of array data (truncated?)');
		const cplx = handBuilt("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0, 0]);
		expect(() => readNpy('c.npy', cplx)).toThrow(/complex/);
	});
});
