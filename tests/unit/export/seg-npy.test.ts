import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NumpyArray, numpyArrayValues, readSegNpy } from '../../../src/lib/core/formats/seg-npy';
import { masksToOutlines, writeSegNpy, type SegFlows } from '../../../src/lib/core/formats/seg-npy-writer';
import { parseProvenanceJson, type Provenance } from '../../../src/lib/core/formats/provenance';
import type { Labels } from '../../../src/lib/core/raster/types';
import { sharedBytes } from '../shared';
import { LABEL_FIXTURES, labelsFromNpy, labelsFromRows, python, sharedMaskTiff, sharedPath, tempDir } from './helpers';

const FIXTURE = 'fixtures/cellpose-3.1/seg_npy/seg_example_seg.npy';
const DEMO_MASKS = 'data/mycol_demo_fungal/masks/demo01_masks.tif';

const provenance: Provenance = {
	app: { name: 'Mycol', version: '0.1.0' },
	model: { name: 'cyto3', sha256: 'c'.repeat(64) },
	segmentation: { diameter: 30, flow_threshold: 0.4, cellprob_threshold: -0.5, channels: [0, 0] },
	pixelSize: { um: 0.5, source: 'metadata' },
	manualEdits: 2
};

const fixture = () => readSegNpy('seg_example_seg.npy', sharedBytes(FIXTURE));

/** The fixture's flows, to write a file that should hold what Cellpose wrote. */
function fixtureFlows(): SegFlows {
	const flows = fixture().entries.get('flows') as unknown as NumpyArray[];
	const values = (a: NumpyArray) => numpyArrayValues('f', a).data;
	const stack = values(flows[4]) as Float32Array;
	const n = stack.length / 3;
	return {
		rgb: values(flows[0]) as Uint8Array,
		cellprob8: values(flows[1]) as Uint8Array,
		dP: stack.slice(0, 2 * n),
		cellprob: stack.slice(2 * n)
	};
}

describe('Cellpose _seg.npy export', () => {
	it('round-trips through our reader: masks, outlines, ismanual, channels, diameter, filename', () => {
		const masks = labelsFromNpy(LABEL_FIXTURES[3]);
		const ismanual = new Uint8Array(25);
		ismanual[4] = 1;
		const bytes = writeSegNpy({ masks, filename: 'cells.tif', diameter: 17.5, chanChoose: [2, 3], ismanual, provenance });
		const back = readSegNpy('cells_seg.npy', bytes);
		expect(back.masks).toEqual(masks);
		expect(back.filename).toBe('cells.tif');
		expect(back.diameter).toBe(17.5);
		expect(back.chanChoose).toEqual([2, 3]);
		expect(back.ismanual).toEqual(ismanual);
		const outline = masksToOutlines(masks);
		expect(back.outlines!.data).toEqual(masks.data.map((v, i) => (outline[i] ? v : 0)));
		expect(parseProvenanceJson(back.entries.get('mycol_provenance') as string)).toMatchObject({ model: 'cyto3', manual_edits: 2 });
		expect(back.entries.get('model_path')).toBe('cyto3');
		expect(back.entries.get('cellprob_threshold')).toBe(-0.5);
	});

	it('has the keys, order and dtypes of the file Cellpose 3.1 wrote, and the same outlines', () => {
		const ref = fixture();
		const bytes = writeSegNpy({ masks: ref.masks, filename: 'seg_example.tif', diameter: 30, flows: fixtureFlows() });
		const mine = readSegNpy('mine_seg.npy', bytes);
		expect([...mine.entries.keys()]).toEqual([...ref.entries.keys()]);
		const sig = (v: unknown): unknown =>
			v instanceof NumpyArray ? `${v.dtype?.code}${v.dtype?.byteOrder}(${v.shape})` : Array.isArray(v) ? v.map(sig) : typeof v;
		for (const k of ref.entries.keys()) expect(sig(mine.entries.get(k)), k).toEqual(sig(ref.entries.get(k)));
		// Cellpose computed these outlines with OpenCV findContours.
		expect(mine.outlines).toEqual(ref.outlines);
		expect(mine.ismanual).toEqual(ref.ismanual);
	});

	it('outlines like Cellpose masks_to_outlines: external border only, not holes or islands in holes', () => {
		const masks = labelsFromRows(['11111', '1...1', '1.1.1', '1...1', '11111', '..2..']);
		const o = masksToOutlines(masks);
		const rows = Array.from({ length: 6 }, (_, y) => Array.from(o.subarray(y * 5, y * 5 + 5)).join(''));
		expect(rows).toEqual(['11111', '10001', '10001', '10001', '11111', '00100']);
	});

	it('writes the GUI placeholder for flows when there are none, uint32 for ids ≥ 65,535', () => {
		const big: Labels = { width: 2, height: 1, data: Uint32Array.from([70000, 0]) };
		const back = readSegNpy('big_seg.npy', writeSegNpy({ masks: big, filename: 'b.tif', diameter: 30 }));
		expect((back.entries.get('masks') as NumpyArray).dtype?.code).toBe('u4');
		expect(back.masks.data[0]).toBe(70000);
		const flows = back.entries.get('flows') as unknown[];
		expect(flows.map((f) => (Array.isArray(f) ? f.length : -1))).toEqual([0, 0, 0, 0, 1]);
	});

	it('refuses inconsistent input with a plain sentence', () => {
		const masks = labelsFromRows(['12']);
		expect(() => writeSegNpy({ masks, filename: 'a', diameter: 30, ismanual: new Uint8Array(1) })).toThrow(/ismanual has 1 entries but the largest label is 2/);
		expect(() => writeSegNpy({ masks, filename: 'a', diameter: NaN })).toThrow(/NaN is not a diameter/);
	});
});

const NUMPY_CHECK = `
import json, sys, pickletools, io
import numpy as np
import tifffile
ref_path, with_flows, plain, demo, demo_tif = sys.argv[1:6]
def load(p):
    return np.load(p, allow_pickle=True).item()
def sig(v):
    if isinstance(v, np.ndarray): return [str(v.dtype), list(v.shape)]
    if isinstance(v, list): return [sig(x) for x in v]
    return type(v).__name__
def globals_of(p):
    b = open(p, 'rb').read()
    hl = int.from_bytes(b[8:10], 'little')
    out, proto = set(), None
    for op, arg, pos in pickletools.genops(b[10 + hl:]):
        if op.name == 'GLOBAL': out.add(arg)
        if op.name == 'PROTO': proto = arg
    return sorted(out), proto, b[:6] == b'\\x93NUMPY' and b[6] == 1
ref, mine, pl, dm = load(ref_path), load(with_flows), load(plain), load(demo)
res = {
  'keys_ref': list(ref.keys()), 'keys_mine': list(mine.keys()), 'keys_plain': list(pl.keys()),
  'sig_equal': {k: sig(ref[k]) == sig(mine[k]) for k in ref},
  'values_equal': {k: (bool(np.array_equal(ref[k], mine[k])) if isinstance(ref[k], np.ndarray) else
                      (all(np.array_equal(a, b) for a, b in zip(ref[k], mine[k])) if k == 'flows' else ref[k] == mine[k])) for k in ref},
  'plain_masks_equal': bool(np.array_equal(pl['masks'], ref['masks'])),
  'plain_flows': repr(pl['flows']),
  'plain_diameter': [type(pl['diameter']).__name__, pl['diameter']],
  'demo_masks_equal': bool(np.array_equal(dm['masks'], tifffile.imread(demo_tif))),
  'demo_dtype': str(dm['masks'].dtype),
  'demo_outlines_subset': bool(np.all((dm['outlines'] == 0) | (dm['outlines'] == dm['masks']))),
  'globals': globals_of(with_flows)[0], 'proto': globals_of(with_flows)[1], 'npy1': globals_of(with_flows)[2],
  'provenance': json.loads(pl['mycol_provenance'])['model'],
}
print(json.dumps(res))
`;

describe('numpy reads our _seg.npy (Debian python3-numpy 1.24, allow_pickle)', () => {
	const tmp = tempDir('segnpy');
	afterAll(tmp.cleanup);

	it('to the same keys, dtypes and arrays as the Cellpose fixture, and to the demo masks', () => {
		const ref = fixture();
		const withFlows = join(tmp.dir, 'flows_seg.npy');
		writeFileSync(withFlows, writeSegNpy({ masks: ref.masks, filename: 'seg_example.tif', diameter: 30, flows: fixtureFlows() }));
		const plain = join(tmp.dir, 'plain_seg.npy');
		writeFileSync(plain, writeSegNpy({ masks: ref.masks, filename: 'seg_example.tif', diameter: 30, provenance }));
		const demo = sharedMaskTiff(DEMO_MASKS);
		const demoPath = join(tmp.dir, 'demo01_seg.npy');
		writeFileSync(demoPath, writeSegNpy({ masks: demo, filename: 'demo01.tif', diameter: 22.73, provenance }));
		const r = JSON.parse(python(NUMPY_CHECK, [sharedPath(FIXTURE), withFlows, plain, demoPath, sharedPath(DEMO_MASKS)], tmp.dir));
		const keys = ['outlines', 'masks', 'chan_choose', 'ismanual', 'filename', 'flows', 'diameter'];
		expect(r.keys_ref).toEqual(keys);
		expect(r.keys_mine).toEqual(keys);
		expect(r.keys_plain).toEqual([...keys, 'model_path', 'flow_threshold', 'cellprob_threshold', 'mycol_provenance']);
		expect(r.sig_equal).toEqual(Object.fromEntries(keys.map((k) => [k, true])));
		expect(r.values_equal).toEqual(Object.fromEntries(keys.map((k) => [k, true])));
		expect(r.plain_masks_equal).toBe(true);
		expect(r.plain_flows).toBe('[[], [], [], [], [[]]]');
		expect(r.plain_diameter).toEqual(['float', 30]);
		expect(r.demo_masks_equal).toBe(true);
		expect(r.demo_dtype).toBe('uint16');
		expect(r.demo_outlines_subset).toBe(true);
		// Only the NumPy-1 globals that NumPy 2 maps to numpy._core; protocol 3, npy 1.0.
		expect(r.globals).toEqual(['numpy dtype', 'numpy ndarray', 'numpy.core.multiarray _reconstruct']);
		expect(r.proto).toBe(3);
		expect(r.npy1).toBe(true);
		expect(r.provenance).toBe('cyto3');
	});
});
