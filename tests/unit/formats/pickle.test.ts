import { describe, expect, it } from 'vitest';
import {
	CODECS_GLOBALS,
	PyObject,
	PyTuple,
	readPickle,
	readPickleAt,
	type GlobalHandler,
	type PickleValue
} from '../../../src/lib/core/formats/pickle';
import { FormatError } from '../../../src/lib/core/formats/errors';
import { build, global, pickle, raw, reduce } from '../helpers/pickle-builder';

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const none = { globals: {} };

/**
 * `pickle.dumps(obj, protocol=p)` by Python 3.11 (/usr/bin/python3) for
 * obj = {'a': [1, -2, 3.5, None, True, False, 300, 70000, -70000],
 *        'b': ('x', b'\x00\xff', 2**40, -2**70, ()),
 *        'c': {'nested': [], 'one': (1,), 'two': (1, 2), 'three': (1, 2, 3)},
 *        'é': 'ünï 漢'}
 */
const PYTHON_PICKLES: Record<number, string> = {
	2: '80027d71002858010000006171015d7102284b014afeffffff47400c0000000000004e88894d2c014a701101004a90eefeff655801000000627103285801000000787104635f636f646563730a656e636f64650a7105580300000000c3bf710658060000006c6174696e3171078671085271098a060000000000018a090000000000000000c02974710a580100000063710b7d710c2858060000006e6573746564710d5d710e58030000006f6e65710f4b01857110580300000074776f71114b014b028671125805000000746872656571134b014b024b03877114755802000000c3a971155809000000c3bc6ec3af20e6bca27116752e',
	3: '80037d71002858010000006171015d7102284b014afeffffff47400c0000000000004e88894d2c014a701101004a90eefeff655801000000627103285801000000787104430200ff71058a060000000000018a090000000000000000c02974710658010000006371077d71082858060000006e657374656471095d710a58030000006f6e65710b4b0185710c580300000074776f710d4b014b0286710e58050000007468726565710f4b014b024b03877110755802000000c3a971115809000000c3bc6ec3af20e6bca27112752e',
	4: '8004959b000000000000007d94288c0161945d94284b014afeffffff47400c0000000000004e88894d2c014a701101004a90eefeff658c016294288c017894430200ff948a060000000000018a090000000000000000c02974948c0163947d94288c066e6573746564945d948c036f6e65944b0185948c0374776f944b014b0286948c057468726565944b014b024b038794758c02c3a9948c09c3bc6ec3af20e6bca294752e',
	5: '8005959b000000000000007d94288c0161945d94284b014afeffffff47400c0000000000004e88894d2c014a701101004a90eefeff658c016294288c017894430200ff948a060000000000018a090000000000000000c02974948c0163947d94288c066e6573746564945d948c036f6e65944b0185948c0374776f944b014b0286948c057468726565944b014b024b038794758c02c3a9948c09c3bc6ec3af20e6bca294752e'
};

/** Python values → comparable plain JS (tuples marked, bytes as arrays). */
function plain(v: PickleValue): unknown {
	if (v instanceof PyTuple) return { tuple: v.items.map(plain) };
	if (Array.isArray(v)) return v.map(plain);
	if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
	if (v instanceof Uint8Array) return { bytes: [...v] };
	return v;
}

const EXPECTED = {
	a: [1, -2, 3.5, null, true, false, 300, 70000, -70000],
	b: { tuple: ['x', { bytes: [0, 255] }, 2 ** 40, -(2n ** 70n), { tuple: [] }] },
	c: { nested: [], one: { tuple: [1] }, two: { tuple: [1, 2] }, three: { tuple: [1, 2, 3] } },
	é: 'ünï 漢'
};

function refusal(f: () => unknown): FormatError {
	try {
		f();
	} catch (e) {
		if (e instanceof FormatError) return e;
		throw e;
	}
	throw new Error('expected a FormatError');
}

describe('pickle reader: what Python writes', () => {
	for (const p of [2, 3, 4, 5]) {
		it(`reads Python's protocol ${p} pickle of a dict of lists, tuples, numbers, strings and bytes`, () => {
			const globals = p === 2 ? CODECS_GLOBALS : {};
			expect(plain(readPickle('x.pkl', hex(PYTHON_PICKLES[p]), { globals }))).toEqual(EXPECTED);
		});
	}

	it('keeps shared references shared (memo): [l, l, l] is one list three times', () => {
		const v = readPickle('x.pkl', hex('80025d7100285d71014b016168016801652e'), none) as PickleValue[];
		expect(v).toHaveLength(3);
		expect(v[0]).toBe(v[1]);
		expect(v[1]).toBe(v[2]);
		expect(v[0]).toEqual([1]);
	});

	it("decodes bytes pickled under protocol 2 through _codecs.encode(…, 'latin1')", () => {
		// pickle.dumps(b'\x00\x80\xff', protocol=2)
		const b = hex('8002635f636f646563730a656e636f64650a7100580500000000c280c3bf710158060000006c6174696e3171028671035271042e');
		expect([...(readPickle('x.pkl', b, { globals: CODECS_GLOBALS }) as Uint8Array)]).toEqual([0, 0x80, 0xff]);
		expect(refusal(() => readPickle('x.pkl', b, none)).message).toContain("'_codecs.encode'");
	});

	it('reads pickles back to back, reporting where each ends', () => {
		// pickle.dumps(7, protocol=2) + pickle.dumps('x', protocol=2)
		const b = hex('80024b072e800258010000007871002e');
		const first = readPickleAt('x.pkl', b, 0, none);
		expect(first).toEqual({ value: 7, end: 5 });
		expect(readPickleAt('x.pkl', b, first.end, none)).toEqual({ value: 'x', end: b.length });
	});
});

describe('pickle reader: globals only through the allow-list', () => {
	class Point extends PyObject {
		readonly pyType = 'Point';
		x = 0;
		constructor(readonly label: string) {
			super();
		}
	}
	const handlers: Record<string, GlobalHandler> = {
		'geo Point': {
			call: (args) => new Point(String(args[0])),
			build: (target, state) => {
				if (target instanceof Point && typeof state === 'number') target.x = state;
			}
		}
	};

	it('calls an allowed global through its handler and BUILD sets its state', () => {
		const v = readPickle('x.pkl', pickle(build(reduce(global('geo', 'Point'), 'p'), 42)), { globals: handlers });
		expect(v).toBeInstanceOf(Point);
		expect((v as Point).label).toBe('p');
		expect((v as Point).x).toBe(42);
	});

	it("refuses os.system (GLOBAL + REDUCE) without running anything, naming the file and the global", () => {
		const e = refusal(() => readPickle('evil.pkl', pickle(reduce(global('os', 'system'), 'echo owned')), { globals: handlers }));
		expect(e.message).toMatch(/^evil\.pkl: the pickle refers to the Python global 'os\.system', which Mycol does not allow/);
	});

	it('refuses a global given by STACK_GLOBAL (protocol 4) just the same', () => {
		// Protocol 4: SHORT_BINUNICODE 'posix', SHORT_BINUNICODE 'system', STACK_GLOBAL, …
		const b = Uint8Array.from([0x80, 4, 0x8c, 5, ...new TextEncoder().encode('posix'), 0x8c, 6, ...new TextEncoder().encode('system'), 0x93, 0x8c, 1, 0x78, 0x85, 0x52, 0x2e]);
		expect(refusal(() => readPickle('evil.pkl', b, none)).message).toContain("'posix.system'");
	});

	it('refuses calling an allowed global that has no call handler, and BUILD on a plain dict', () => {
		const argOnly = { 'geo Shape': {} };
		expect(refusal(() => readPickle('x.pkl', pickle(reduce(global('geo', 'Shape'))), { globals: argOnly })).message).toContain("calls 'geo.Shape'");
		// {} then BUILD: Python would set attributes on the dict; this reader refuses.
		expect(refusal(() => readPickle('x.pkl', Uint8Array.from([0x80, 2, 0x7d, 0x7d, 0x62, 0x2e]), none)).message).toContain('BUILD');
	});

	it('refuses persistent ids when the caller gives no loader', () => {
		const b = Uint8Array.from([0x80, 2, 0x4b, 1, 0x51, 0x2e]);
		expect(refusal(() => readPickle('x.pkl', b, none)).message).toContain('persistent id');
	});
});

describe('pickle reader: damaged and hostile input', () => {
	it('refuses an unknown opcode, naming it and where it is', () => {
		const e = refusal(() => readPickle('bad.pkl', Uint8Array.from([0x80, 2, 0x4b, 1, 0xff, 0x2e]), none));
		expect(e.message).toBe('bad.pkl: the pickle holds the byte 0xff at byte 4 of the pickle where an instruction should be; it is not a valid pickle instruction (corrupt file?)');
	});

	it('refuses valid instructions outside its subset by name (EMPTY_SET)', () => {
		expect(refusal(() => readPickle('x.pkl', Uint8Array.from([0x80, 4, 0x8f, 0x2e]), none)).message).toContain('EMPTY_SET (0x8f)');
	});

	it('refuses a truncated pickle (Python protocol 3 pickle cut in two)', () => {
		const full = hex(PYTHON_PICKLES[3]);
		for (const cut of [1, 20, 100, full.length - 1]) {
			expect(refusal(() => readPickle('cut.pkl', full.subarray(0, cut), none)).message).toMatch(/^cut\.pkl: the pickle (ends|declares)/);
		}
	});

	it('refuses a BINBYTES claiming 4 GB in a 1 KB file, before allocating', () => {
		const b = new Uint8Array(1024);
		b.set([0x80, 3, 0x42, 0xff, 0xff, 0xff, 0xff]);
		const e = refusal(() => readPickle('huge.pkl', b, none));
		expect(e.message).toBe('huge.pkl: the pickle declares a bytes object of 4,294,967,295 bytes at byte 2 of the pickle, but only 1,017 bytes are left (truncated or corrupt?)');
	});

	it('refuses huge 64-bit lengths (BINUNICODE8 of 2^40 bytes) and frames', () => {
		const len = [0, 0, 0, 0, 0, 1, 0, 0];
		expect(refusal(() => readPickle('x.pkl', Uint8Array.from([0x80, 4, 0x8d, ...len, 0x2e]), none)).message).toContain('1,099,511,627,776 bytes');
		expect(refusal(() => readPickle('x.pkl', Uint8Array.from([0x80, 4, 0x95, ...len, 0x2e]), none)).message).toContain('a frame');
	});

	it('refuses containers nested deeper than the limit, and accepts moderate nesting', () => {
		const nested = (depth: number) => Uint8Array.from([0x80, 2, ...new Array(depth + 1).fill(0x5d), ...new Array(depth).fill(0x61), 0x2e]);
		expect(refusal(() => readPickle('deep.pkl', nested(5000), none)).message).toContain('more than 1,000 levels deep');
		let v = readPickle('ok.pkl', nested(500), none);
		let depth = 0;
		while (Array.isArray(v) && v.length) (v = v[0]), depth++;
		expect(depth).toBe(500);
	});

	it('refuses a protocol newer than 5, an empty stream and a missing STOP', () => {
		expect(refusal(() => readPickle('x.pkl', Uint8Array.from([0x80, 6, 0x4e, 0x2e]), none)).message).toContain('protocol 6');
		expect(refusal(() => readPickle('x.pkl', new Uint8Array(0), none)).message).toContain('before its STOP');
		expect(refusal(() => readPickle('x.pkl', Uint8Array.from([0x80, 2, 0x4e]), none)).message).toContain('before its STOP');
	});

	it('refuses instructions that find the stack empty or a mark missing', () => {
		expect(refusal(() => readPickle('x.pkl', Uint8Array.from([0x80, 2, 0x61, 0x2e]), none)).message).toContain('malformed');
		expect(refusal(() => readPickle('x.pkl', Uint8Array.from([0x80, 2, 0x4e, 0x74, 0x2e]), none)).message).toContain('no matching MARK');
		expect(refusal(() => readPickle('x.pkl', Uint8Array.from([0x80, 2, 0x68, 9, 0x2e]), none)).message).toContain('memo slot 9');
	});

	it('refuses appending to something that is not a list (Python would call its append method)', () => {
		const b = pickle(raw(...[0x7d, 0x4b, 1, 0x61]));
		expect(refusal(() => readPickle('x.pkl', b, none)).message).toContain('appends to a dict');
	});
});
