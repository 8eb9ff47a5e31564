import { describe, expect, it } from 'vitest';
import { packLabels, unpackLabels } from '../../../src/lib/core/labels/pack';
import { decodeLabelFile } from '../../../src/lib/core/formats/image-file';
import { sharedBytes } from '../shared';

describe('packed label images (autosave storage)', () => {
	it('round-trips a real mask exactly and compresses it', () => {
		const m = decodeLabelFile('img2d_masks.tif', sharedBytes('data/stardist_dsb2018_nuclei/masks/img2d_masks.tif')).labels;
		const packed = packLabels(m);
		expect(packed.length).toBeLessThan(m.data.byteLength / 20);
		const back = unpackLabels('x', packed);
		expect([back.width, back.height]).toEqual([512, 512]);
		expect(back.data).toEqual(m.data);
	});

	it('keeps 32-bit ids', () => {
		const data = new Uint32Array([0, 70000, 4_000_000_000, 1, 2, 3]);
		expect(unpackLabels('x', packLabels({ width: 3, height: 2, data })).data).toEqual(data);
	});

	it('refuses damaged data with a sentence', () => {
		expect(() => unpackLabels('mask of a.tif', new Uint8Array(20))).toThrow('mask of a.tif: the stored mask is damaged');
		const p = packLabels({ width: 4, height: 4, data: new Uint32Array(16).fill(3) });
		expect(() => unpackLabels('m', p.subarray(0, p.length - 4))).toThrow(/damaged/);
	});
});
