import { describe, expect, it } from 'vitest';
import { isSegNpy, numpyArrayValues, NumpyArray, readSegNpy, NUMPY_GLOBALS } from '../../../src/lib/core/formats/seg-npy';
import { readNpy, npyHeader, writeNpy, type NpyArray } from '../../../src/lib/core/formats/npy';
import { readPickle, type PickleValue } from '../../../src/lib/core/formats/pickle';
import { FormatError } from '../../../src/lib/core/formats/errors';
import { build, dict, float, global, opcodes, pickle, raw, reduce, tuple } from '../helpers/pickle-builder';
import { sharedBytes } from '../shared';

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));

/**
 * Made with NumPy 1.24 (/usr/bin/python3): an .npy 1.0 header for a 0-d object array, then
 * `pickle.dump(arr, f, protocol=p)` of the dict
 *   {'masks': np.asfortranarray(np.array([[0,1,1],[2,0,3]], dtype='>u2')), 'diameter': np.float64(17.5),
 *    'chan_choose': [np.int64(2), np.int64(3)], 'filename': np.str_('a.tif'),
 *    'ismanual': np.array([True, False, True]), 'flows': [np.arange(6, dtype=np.float32).reshape(2, 3)]}
 * Protocol 2 carries bytes through `_codecs.encode`; protocol 5 pickles arrays with
 * `numpy.core.numeric._frombuffer` and BYTEARRAY8. np.load reads both back equal.
 */
const SMALL_SEG: Record<number, string> = {
	2:
		'934e554d5059010076007b276465736372273a20277c4f272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028' +
		'292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020' +
		'202020202020200a8002636e756d70792e636f72652e6d756c746961727261790a5f7265636f6e7374727563740a7100636e756d70790a6e64617272' +
		'61790a71014b00857102635f636f646563730a656e636f64650a7103580100000062710458060000006c6174696e3171058671065271078771085271' +
		'09284b0129636e756d70790a64747970650a710a58020000004f38710b898887710c52710d284b0358010000007c710e4e4e4e4affffffff4affffff' +
		'ff4b3f74710f62895d71107d71112858050000006d61736b737112680068014b008571136807877114527115284b014b024b03867116680a58020000' +
		'00753271178988877118527119284b0358010000003e711a4e4e4e4affffffff4affffffff4b0074711b62886803580c000000000000020001000000' +
		'010003711c680586711d52711e74711f6258080000006469616d657465727120636e756d70792e636f72652e6d756c746961727261790a7363616c61' +
		'720a7121680a5802000000663871228988877123527124284b0358010000003c71254e4e4e4affffffff4affffffff4b007471266268035809000000' +
		'0000000000c28031407127680586712852712986712a52712b580b0000006368616e5f63686f6f7365712c5d712d286821680a58020000006938712e' +
		'898887712f527130284b0368254e4e4e4affffffff4affffffff4b007471316268035808000000020000000000000071326805867133527134867135' +
		'527136682168306803580800000003000000000000007137680586713852713986713a52713b65580800000066696c656e616d65713c6821680a5802' +
		'0000005535713d898887713e52713f284b0368254e4e4e4b144b044b087471406268035814000000610000002e000000740000006900000066000000' +
		'71416805867142527143867144527145580800000069736d616e75616c7146680068014b008571476807877148527149284b014b0385714a680a5802' +
		'0000006231714b898887714c52714d284b03680e4e4e4e4affffffff4affffffff4b0074714e628968035803000000010001714f6805867150527151' +
		'747152625805000000666c6f777371535d7154680068014b008571556807877156527157284b014b024b03867158680a580200000066347159898887' +
		'715a52715b284b0368254e4e4e4affffffff4affffffff4b0074715c62896803581b000000000000000000c2803f00000040000040400000c2804000' +
		'00c2a040715d680586715e52715f74716062617561747161622e',
	5:
		'934e554d5059010076007b276465736372273a20277c4f272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028' +
		'292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020' +
		'202020202020200a80059599020000000000008c156e756d70792e636f72652e6d756c74696172726179948c0c5f7265636f6e737472756374949394' +
		'8c056e756d7079948c076e6461727261799493944b0085944301629487945294284b012968038c0564747970659493948c024f389489888794529428' +
		'4b038c017c944e4e4e4affffffff4affffffff4b3f749462895d947d94288c056d61736b73948c126e756d70792e636f72652e6e756d65726963948c' +
		'0b5f66726f6d62756666657294939428960c0000000000000000000002000100000001000394680b8c02753294898887945294284b038c013e944e4e' +
		'4e4affffffff4affffffff4b007494624b024b0386948c014694749452948c086469616d657465729468008c067363616c6172949394680b8c026638' +
		'94898887945294284b038c013c944e4e4e4affffffff4affffffff4b007494624308000000000080314094869452948c0b6368616e5f63686f6f7365' +
		'945d94286823680b8c02693894898887945294284b0368274e4e4e4affffffff4affffffff4b00749462430802000000000000009486945294682368' +
		'30430803000000000000009486945294658c0866696c656e616d65946823680b8c02553594898887945294284b0368274e4e4e4b144b044b08749462' +
		'4314610000002e00000074000000690000006600000094869452948c0869736d616e75616c9468162896030000000000000001000194680b8c026231' +
		'94898887945294284b03680f4e4e4e4affffffff4affffffff4b007494624b0385948c014394749452948c05666c6f7773945d946816289618000000' +
		'00000000000000000000803f0000004000004040000080400000a04094680b8c02663494898887945294284b0368274e4e4e4affffffff4affffffff' +
		'4b007494624b024b0386946847749452946175617494622e',
};

/** An .npy object file around any pickle bytes. */
function objectNpy(pickleBytes: Uint8Array): Uint8Array {
	const h = npyHeader('object', []);
	const out = new Uint8Array(h.length + pickleBytes.length);
	out.set(h, 0);
	out.set(pickleBytes, h.length);
	return out;
}

function refusal(f: () => unknown): FormatError {
	try {
		f();
	} catch (e) {
		if (e instanceof FormatError) return e;
		throw e;
	}
	throw new Error('expected a FormatError');
}

/** How many positions differ (fast where toEqual on large typed arrays is slow). */
function differences(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): number {
	if (a.length !== b.length) return Math.max(a.length, b.length);
	let n = 0;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
	return n;
}

function bincount(a: Uint32Array): number[] {
	const c: number[] = [];
	for (const v of a) c[v] = (c[v] ?? 0) + 1;
	return Array.from(c, (x) => x ?? 0);
}

/** Σ label · (C-order index mod 1009): catches labels in the wrong place. */
function weighted(a: Uint32Array): number {
	let s = 0;
	for (let i = 0; i < a.length; i++) s += a[i] * (i % 1009);
	return s;
}

describe('_seg.npy: the original app’s demo masks (real NumPy 2 pickles, protocol 4, saved as *_masks.npy)', () => {
	/**
	 * From the label TIFFs of the same images, with /usr/bin/python3 + tifffile:
	 * `np.bincount(a.ravel())` and `(a.ravel() * (np.arange(a.size) % 1009)).sum()`; filenames from
	 * Python's pickle.Unpickler on the .npy payload.
	 */
	const TIFF_CHECKS = {
		demo02: { counts: [258224, 398, 977, 888, 450, 423, 645, 139], weighted: 7163124, firstNonZero: [75, 88, 1], lastNonZero: [466, 149, 3],
			filename: '/Users/sambra/Documents/GitHub/sporecounting/Images/A4_pheromone_plate_2-1818.tif' },
		demo07: { counts: [259174, 236, 360, 323, 267, 430, 476, 396, 482], weighted: 8323163, firstNonZero: [35, 91, 2], lastNonZero: [487, 335, 7],
			filename: '/Users/sambra/Documents/GitHub/sporecounting/cellpose_finetuning_dataset/to_label/Bb_pheromone_tube2-2674.jpg' }
	};
	for (const [name, want] of Object.entries(TIFF_CHECKS)) {
		it(`${name}: masks equal ${name}_masks.tif`, () => {
			const bytes = sharedBytes(`data/mycol_demo_fungal/masks_cellpose_seg_npy/${name}_masks.npy`);
			expect(isSegNpy(bytes)).toBe(true);
			const seg = readSegNpy(`${name}_masks.npy`, bytes);
			expect([seg.masks.width, seg.masks.height]).toEqual([512, 512]);
			expect(bincount(seg.masks.data)).toEqual(want.counts);
			expect(weighted(seg.masks.data)).toBe(want.weighted);
			const at = ([y, x]: number[]) => seg.masks.data[y * 512 + x];
			expect(at(want.firstNonZero)).toBe(want.firstNonZero[2]);
			expect(at(want.lastNonZero)).toBe(want.lastNonZero[2]);
			expect(seg.masks.data.findIndex((v) => v > 0)).toBe(want.firstNonZero[0] * 512 + want.firstNonZero[1]);
			// The GUI's own fields, as np.load shows them.
			expect(seg.diameter).toBe(30);
			expect(seg.chanChoose).toEqual([0, 0]);
			expect(seg.ismanual).toEqual(new Uint8Array(want.counts.length - 1).fill(1));
			expect(seg.filename).toBe(want.filename);
			expect(seg.outlines?.width).toBe(512);
			expect(seg.entries.get('flow_threshold')).toBe(0.4);
			expect(seg.entries.get('restore')).toBeNull();
		});
	}

	it('keeps the other keys: manual_changes holds int64 coordinate arrays', () => {
		const seg = readSegNpy('demo02_masks.npy', sharedBytes('data/mycol_demo_fungal/masks_cellpose_seg_npy/demo02_masks.npy'));
		const changes = seg.entries.get('manual_changes') as PickleValue[];
		expect(changes).toHaveLength(7);
		const first = changes[0] as PickleValue[];
		expect(first[0]).toBe('04/05/2025, 14:18:18');
		expect(first[1]).toBe('added mask');
		const ys = (first[2] as PickleValue[])[0] as NumpyArray;
		const v = numpyArrayValues('demo02_masks.npy', ys);
		expect(v.dtype).toBe('int64');
		expect(v.shape).toEqual([474]);
	});
});

describe('_seg.npy: Cellpose 3.1 fixture (NumPy 1, protocol 3) and its NumPy-2-style copy (protocol 4)', () => {
	const masksNpy = readNpy('seg_example_masks.npy', sharedBytes('fixtures/cellpose-3.1/seg_npy/seg_example_masks.npy')) as NpyArray;

	for (const file of ['seg_example_seg.npy', 'seg_example_numpy2style_seg.npy']) {
		it(`${file}: masks equal seg_example_masks.npy; filename, diameter, chan_choose, ismanual as written`, () => {
			const bytes = sharedBytes(`fixtures/cellpose-3.1/seg_npy/${file}`);
			expect(isSegNpy(bytes)).toBe(true);
			const seg = readSegNpy(file, bytes);
			expect(masksNpy.shape).toEqual([128, 160]);
			expect([seg.masks.height, seg.masks.width]).toEqual(masksNpy.shape);
			expect(differences(seg.masks.data, masksNpy.data as Uint16Array)).toBe(0);
			expect(seg.filename).toBe('seg_example.tif');
			expect(seg.diameter).toBe(30);
			expect(seg.chanChoose).toEqual([0, 0]);
			// README: ismanual is a bool array, one per mask (29), all False.
			expect(seg.ismanual).toEqual(new Uint8Array(29));
			// np.load(…, allow_pickle=True).item()['outlines']: sum 19440, 1358 outline pixels.
			const o = seg.outlines!.data;
			expect(o.reduce((a, b) => a + b, 0)).toBe(19440);
			expect(o.filter((v) => v > 0).length).toBe(1358);
			let offLabel = 0;
			for (let i = 0; i < o.length; i++) if (o[i] && o[i] !== seg.masks.data[i]) offLabel++;
			expect(offLabel).toBe(0);
		});
	}

	it('decodes the flows list on demand (values from np.load)', () => {
		const seg = readSegNpy('seg_example_seg.npy', sharedBytes('fixtures/cellpose-3.1/seg_npy/seg_example_seg.npy'));
		const flows = seg.entries.get('flows') as PickleValue[];
		expect(flows).toHaveLength(5);
		expect(flows[3]).toEqual([]);
		const rgb = numpyArrayValues('f', flows[0] as NumpyArray);
		expect(rgb.dtype).toBe('uint8');
		expect(rgb.shape).toEqual([1, 128, 160, 3]);
		expect((rgb.data as Uint8Array).reduce((a, b) => a + b, 0)).toBe(2487464);
		expect((numpyArrayValues('f', flows[1] as NumpyArray).data as Uint8Array).reduce((a, b) => a + b, 0)).toBe(2003601);
		const dp = numpyArrayValues('f', flows[4] as NumpyArray);
		expect(dp.dtype).toBe('float32');
		expect(dp.shape).toEqual([3, 128, 160]);
		let s = 0;
		for (const v of dp.data as Float32Array) s += v;
		expect(s).toBeCloseTo(-32569.545778185493, 6);
		expect(dp.data[2 * 128 * 160 + 64 * 160 + 80]).toBe(Math.fround(2.411890983581543));
		expect(dp.data[10 * 160 + 20]).toBe(Math.fround(-0.14325568079948425));
	});

	it('reads both pickle styles to identical dicts', () => {
		const a = readSegNpy('a', sharedBytes('fixtures/cellpose-3.1/seg_npy/seg_example_seg.npy'));
		const b = readSegNpy('b', sharedBytes('fixtures/cellpose-3.1/seg_npy/seg_example_numpy2style_seg.npy'));
		expect([...b.entries.keys()]).toEqual(['outlines', 'masks', 'chan_choose', 'ismanual', 'filename', 'flows', 'diameter']);
		expect([...a.entries.keys()]).toEqual([...b.entries.keys()]);
		const fa = numpyArrayValues('a', (a.entries.get('flows') as PickleValue[])[4] as NumpyArray);
		const fb = numpyArrayValues('b', (b.entries.get('flows') as PickleValue[])[4] as NumpyArray);
		expect(fa.data.length).toBe(3 * 128 * 160);
		expect(differences(fa.data, fb.data)).toBe(0);
	});
});

describe('_seg.npy: protocol 2 (_codecs) and protocol 5 (_frombuffer) pickles, big-endian Fortran arrays, NumPy scalars', () => {
	for (const p of [2, 5]) {
		it(`protocol ${p}`, () => {
			const seg = readSegNpy(`p${p}_seg.npy`, hex(SMALL_SEG[p]));
			expect([seg.masks.width, seg.masks.height]).toEqual([3, 2]);
			expect([...seg.masks.data]).toEqual([0, 1, 1, 2, 0, 3]);
			expect(seg.diameter).toBe(17.5);
			expect(seg.chanChoose).toEqual([2, 3]);
			expect(seg.filename).toBe('a.tif');
			expect([...seg.ismanual!]).toEqual([1, 0, 1]);
			const f = numpyArrayValues('x', (seg.entries.get('flows') as PickleValue[])[0] as NumpyArray);
			expect(f.shape).toEqual([2, 3]);
			expect([...(f.data as Float32Array)]).toEqual([0, 1, 2, 3, 4, 5]);
		});
	}
});

describe('_seg.npy: what is not one, and hostile files', () => {
	const reconstruct = global('numpy.core.multiarray', '_reconstruct');
	const ndarray = global('numpy', 'ndarray');
	const dtype = (code: string, order: string) => build(reduce(global('numpy', 'dtype'), code, false, true), tuple(3, order, null, null, null, -1, -1, 0));
	/** An array as NumPy pickles it: _reconstruct + BUILD (1, shape, dtype, False, rawdata). */
	const array = (shape: number[], code: string, data: Uint8Array) =>
		build(reduce(reconstruct, ndarray, tuple(0), new Uint8Array([98])), tuple(1, tuple(...shape), dtype(code, '<'), false, data));
	/** np.save of a dict: a 0-d object array holding it. */
	const objectArray = (inner: Parameters<typeof opcodes>[0]) =>
		build(reduce(reconstruct, ndarray, tuple(0), new Uint8Array([98])), tuple(1, tuple(), dtype('O8', '|'), false, [inner]));

	it('reads a hand-built dict whose masks are int32 (hand-worked values)', () => {
		const data = new Uint8Array(new Int32Array([0, 5, 7, 0]).buffer);
		const seg = readSegNpy('x.npy', objectNpy(pickle(objectArray(dict(['masks', array([2, 2], 'i4', data)], ['diameter', float(25)])), 3)));
		expect([...seg.masks.data]).toEqual([0, 5, 7, 0]);
		expect(seg.diameter).toBe(25);
		expect(seg.outlines).toBeNull();
		expect(seg.filename).toBeNull();
	});

	it('says a plain label .npy, a dict without masks, a list and a PNG are not _seg files', () => {
		const plainNpy = writeNpy('uint16', [2, 2], new Uint16Array(4));
		expect(refusal(() => readSegNpy('labels.npy', plainNpy)).message).toBe(
			"labels.npy: this .npy file holds a plain uint16 array of shape (2, 2), not a Cellpose _seg dictionary (a dict with a 'masks' array)"
		);
		const noMasks = objectNpy(pickle(objectArray(dict(['outlines', 1], ['filename', 'a.tif'])), 3));
		expect(refusal(() => readSegNpy('x.npy', noMasks)).message).toContain("without a 'masks' array (keys: outlines, filename)");
		const list = objectNpy(pickle(objectArray([1, 2]), 3));
		expect(refusal(() => readSegNpy('x.npy', list)).message).toContain('pickled Python objects, not a Cellpose _seg dictionary');
		const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0, 0, 13]);
		expect(refusal(() => readSegNpy('x.png', png)).message).toContain('not a NumPy .npy file');
		for (const b of [plainNpy, noMasks, list, png]) expect(isSegNpy(b)).toBe(false);
	});

	it('refuses masks that are 3-D, float, or whose data does not fit their shape', () => {
		const three = objectNpy(pickle(objectArray(dict(['masks', array([2, 1, 1], 'u1', new Uint8Array(2))])), 3));
		expect(refusal(() => readSegNpy('z.npy', three)).message).toBe("z.npy: 'masks' holds 3-D masks (2 × 1 × 1); Mycol reads 2-D _seg.npy files");
		const flt = objectNpy(pickle(objectArray(dict(['masks', array([1, 1], 'f4', new Uint8Array(4))])), 3));
		expect(refusal(() => readSegNpy('f.npy', flt)).message).toContain('float32 values, not integer labels');
		const short = objectNpy(pickle(objectArray(dict(['masks', array([512, 512], 'u2', new Uint8Array(10))])), 3));
		expect(refusal(() => readSegNpy('s.npy', short)).message).toBe(
			's.npy: the pickle holds a NumPy uint16 array of shape (512, 512), which needs 524,288 bytes, with 10 bytes of data (corrupt file?)'
		);
	});

	it('refuses os.system (GLOBAL + REDUCE) inside the pickle, naming the global', () => {
		const evil = objectNpy(pickle(objectArray(dict(['masks', reduce(global('os', 'system'), 'rm -rf ~')])), 3));
		expect(refusal(() => readSegNpy('evil_seg.npy', evil)).message).toMatch(/^evil_seg\.npy: the pickle refers to the Python global 'os\.system'/);
		expect(isSegNpy(evil)).toBe(false);
	});

	it('refuses an unknown opcode, a truncated file and a huge declared length', () => {
		const good = sharedBytes('fixtures/cellpose-3.1/seg_npy/seg_example_seg.npy');
		const unknown = objectNpy(Uint8Array.from([0x80, 3, 0x7d, 0xfe, 0x2e]));
		expect(refusal(() => readSegNpy('u.npy', unknown)).message).toContain('0xfe');
		const cut = good.subarray(0, good.length >> 1);
		expect(refusal(() => readSegNpy('cut_seg.npy', cut)).message).toMatch(/^cut_seg\.npy: the pickle (ends|declares) .*truncated/);
		// A BINBYTES of 4 GB where the masks data should be.
		const huge = objectNpy(Uint8Array.from([0x80, 3, ...opcodes(raw(0x42, 0xff, 0xff, 0xff, 0xff)), 0, 0, 0]));
		expect(refusal(() => readSegNpy('huge.npy', huge)).message).toContain('4,294,967,295 bytes');
		for (const b of [unknown, cut, huge]) expect(isSegNpy(b)).toBe(false);
	});

	it('rebuilds NumPy arrays through the allow-list only (numpy.ndarray itself cannot be called)', () => {
		expect(refusal(() => readPickle('x', pickle(reduce(global('numpy', 'ndarray'), tuple(2)), 3), { globals: NUMPY_GLOBALS })).message).toContain(
			"calls 'numpy.ndarray'"
		);
	});
});
