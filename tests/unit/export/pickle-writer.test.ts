import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../../src/lib/core/formats/npy';
import { PyTuple, readPickle, type PickleValue } from '../../../src/lib/core/formats/pickle';
import { ndarray, npySaveObject, objectArray, PickleFloat, PickleTuple, pyFloat, pyTuple, writePickle, type PickleOut } from '../../../src/lib/core/formats/pickle-writer';
import { NUMPY_GLOBALS, NumpyArray, numpyArrayValues } from '../../../src/lib/core/formats/seg-npy';
import { python, tempDir } from './helpers';

/** Plain values, each with the same value as a Python literal (for the byte-for-byte check). */
const PLAIN: [PickleOut, string][] = [
	[null, 'None'],
	[true, 'True'],
	[false, 'False'],
	[0, '0'],
	[255, '255'],
	[256, '256'],
	[65535, '65535'],
	[65536, '65536'],
	[-1, '-1'],
	[2 ** 31 - 1, '2**31 - 1'],
	[-(2 ** 31), '-2**31'],
	[2 ** 31, '2**31'],
	[-(2 ** 31) - 1, '-2**31 - 1'],
	[2 ** 40 + 7, '2**40 + 7'],
	[2n ** 63n, '2**63'],
	[-(2n ** 70n), '-2**70'],
	[-128n * 2n ** 56n, '-2**63'],
	[1.5, '1.5'],
	[pyFloat(30), '30.0'],
	[-0.1, '-0.1'],
	['', "''"],
	['µm ✓ 细胞', "'µm ✓ 细胞'"],
	[[], '[]'],
	[[1], '[1]'],
	[[0, 0], '[0, 0]'],
	[pyTuple(), '()'],
	[pyTuple(1), '(1,)'],
	[pyTuple(1, 'a'), "(1, 'a')"],
	[pyTuple(1, 2, 3), '(1, 2, 3)'],
	[pyTuple(1, 2, 3, 4), '(1, 2, 3, 4)'],
	[new Map(), '{}'],
	[new Map([['a', 1]]), "{'a': 1}"],
	[new Map<PickleOut, PickleOut>([['a', 1], ['b', [1, [2, null]]], [3, pyTuple()]]), "{'a': 1, 'b': [1, [2, None]], 3: ()}"],
	[new Uint8Array(0), "b''"],
	[Uint8Array.from([0, 98, 255]), "b'\\x00b\\xff'"],
	[new Uint8Array(300).map((_, i) => i & 0xff), 'bytes(i & 0xff for i in range(300))'],
	[Array.from({ length: 2500 }, (_, i) => i), 'list(range(2500))'],
	[[[], [], [], [], [[]]], '[[], [], [], [], [[]]]']
];

describe('pickle writer', () => {
	it('round-trips plain values through our pickle reader (protocols 2 and 3)', () => {
		const globals = { ...NUMPY_GLOBALS, '__builtin__ bytes': { call: () => new Uint8Array(0) } };
		/** What our reader gives for a value (tuples as PyTuple, floats and small ints as numbers). */
		const norm = (v: PickleOut): PickleValue => {
			if (v instanceof Map) return new Map([...v].map(([k, x]) => [norm(k), norm(x)]));
			if (Array.isArray(v)) return v.map(norm);
			if (v instanceof PickleTuple) return new PyTuple(v.items.map(norm));
			if (v instanceof PickleFloat) return v.value;
			if (typeof v === 'bigint' && v >= -(2n ** 53n) && v <= 2n ** 53n) return Number(v);
			return v as PickleValue;
		};
		for (const protocol of [2, 3] as const) {
			for (const [v] of PLAIN) expect(readPickle('p', writePickle(v, protocol), { globals })).toEqual(norm(v));
		}
	});

	it('round-trips numeric arrays of every dtype through our NumPy pickle reader', () => {
		const cases = [
			ndarray('bool', [3], Uint8Array.from([1, 0, 1])),
			ndarray('uint8', [2, 2], Uint8Array.from([1, 2, 3, 255])),
			ndarray('int16', [2], Int16Array.from([-300, 300])),
			ndarray('uint16', [1, 3], Uint16Array.from([0, 1, 65535])),
			ndarray('int32', [2], Int32Array.from([-(2 ** 31), 2 ** 31 - 1])),
			ndarray('uint32', [2], Uint32Array.from([0, 2 ** 32 - 1])),
			ndarray('int64', [1], BigInt64Array.from([-5n])),
			ndarray('float32', [2, 1, 2], Float32Array.from([0.5, -1, 3.25, 1e30])),
			ndarray('float64', [0], new Float64Array(0))
		];
		for (const protocol of [2, 3] as const) {
			for (const a of cases) {
				// Python pickles empty bytes under protocol 2 as __builtin__.bytes(); our reader needs telling.
				const globals = { ...NUMPY_GLOBALS, '__builtin__ bytes': { call: () => new Uint8Array(0) } };
				const back = readPickle('a', writePickle(a, protocol), { globals }) as NumpyArray;
				expect(back.shape).toEqual(a.shape);
				const v = numpyArrayValues('a', back);
				expect(v.dtype).toBe(a.dtype);
				expect(Array.from(v.data as ArrayLike<number | bigint>)).toEqual(Array.from(a.data as ArrayLike<number | bigint>));
			}
		}
	});

	it('writes np.save of an object as an npy 1.0 |O header padded to 64 bytes', () => {
		const bytes = npySaveObject(new Map([['k', 1]]));
		const npy = readNpy('x.npy', bytes);
		expect(npy.kind).toBe('object');
		const header = new TextDecoder().decode(bytes.subarray(10, 10 + bytes[8]));
		expect(header).toBe(`{'descr': '|O', 'fortran_order': False, 'shape': (), }${' '.repeat(63)}\n`);
		expect((10 + bytes[8]) % 64).toBe(0);
	});

	it('refuses arrays whose data do not fill their shape, and cycles', () => {
		expect(() => ndarray('uint8', [2, 2], new Uint8Array(3))).toThrow(/3 values do not fill the shape \(2, 2\)/);
		expect(() => objectArray([2], [1])).toThrow(/1 items/);
		expect(() => writePickle(ndarray('uint16', [2], new Uint8Array(2) as unknown as Uint16Array))).toThrow(/2-byte elements/);
		const cyc: PickleOut[] = [];
		cyc.push(cyc);
		expect(() => writePickle(cyc)).toThrow(/deeper than 100/);
	});
});

const PY_CHECK = `
import json, sys, pickle, pickletools
import numpy as np
values = [${PLAIN.map(([, py]) => py).join(',\n  ')}]
d = sys.argv[1]
res = {'plain': [], 'arrays': None}
for proto in (2, 3):
    for i, v in enumerate(values):
        ours = open(f'{d}/p{proto}_{i}.pkl', 'rb').read()
        theirs = pickle.dumps(v, protocol=proto)
        same = pickletools.optimize(ours) == pickletools.optimize(theirs)
        loaded = pickle.loads(ours)
        if not same or loaded != v or type(loaded) != type(v):
            res['plain'].append([proto, i, repr(v)[:60], repr(loaded)[:60]])
    a = pickle.loads(open(f'{d}/arrays{proto}.pkl', 'rb').read())
    expect = {
      'b': np.array([True, False, True]),
      'u2': np.array([[0, 1], [65535, 7]], dtype='<u2'),
      'u4': np.array([0, 4294967295], dtype='<u4'),
      'i8': np.array([-5, 2**40], dtype='<i8'),
      'f4': np.array([[0.5, -1.0, 1e30]], dtype='<f4'),
      'f8': np.array([], dtype='<f8'),
      'o': [np.zeros((1, 2, 2, 3), np.uint8), []],
    }
    ok = {k: (all(np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(a[k][:1], expect[k][:1])) and a[k][1] == [] if k == 'o'
              else bool(np.array_equal(a[k], expect[k]) and a[k].dtype == expect[k].dtype and a[k].shape == expect[k].shape)) for k in expect}
    res['arrays%d' % proto] = ok
print(json.dumps(res))
`;

describe('Python pickle reads what we write (Debian python3, numpy 1.24)', () => {
	const tmp = tempDir('pickle');
	afterAll(tmp.cleanup);

	it('byte-for-byte as Python pickles plain values (memo normalised), and NumPy arrays equal', () => {
		for (const protocol of [2, 3] as const) {
			PLAIN.forEach(([v], i) => writeFileSync(join(tmp.dir, `p${protocol}_${i}.pkl`), writePickle(v, protocol)));
			const arrays = new Map<PickleOut, PickleOut>([
				['b', ndarray('bool', [3], Uint8Array.from([1, 0, 1]))],
				['u2', ndarray('uint16', [2, 2], Uint16Array.from([0, 1, 65535, 7]))],
				['u4', ndarray('uint32', [2], Uint32Array.from([0, 4294967295]))],
				['i8', ndarray('int64', [2], BigInt64Array.from([-5n, 2n ** 40n]))],
				['f4', ndarray('float32', [1, 3], Float32Array.from([0.5, -1, 1e30]))],
				['f8', ndarray('float64', [0], new Float64Array(0))],
				['o', [ndarray('uint8', [1, 2, 2, 3], new Uint8Array(12)), []]]
			]);
			writeFileSync(join(tmp.dir, `arrays${protocol}.pkl`), writePickle(arrays, protocol));
		}
		const r = JSON.parse(python(PY_CHECK, [tmp.dir], tmp.dir));
		expect(r.plain).toEqual([]);
		const all = { b: true, u2: true, u4: true, i8: true, f4: true, f8: true, o: true };
		expect(r.arrays2).toEqual(all);
		expect(r.arrays3).toEqual(all);
	});
});
