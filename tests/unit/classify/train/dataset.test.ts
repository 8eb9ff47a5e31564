import { describe, expect, it } from 'vitest';
import { extractPatches } from '../../../../src/lib/core/classify/patches';
import { labelledPatches } from '../../../../src/lib/core/classify/train/dataset';
import type { Labels, Raster } from '../../../../src/lib/core/raster/types';

/** A 12 × 10 image with cells 1 (2 × 3), 2 (3 × 3) and 5 (1 × 4). */
function scene(): { image: Raster; labels: Labels } {
	const W = 10;
	const H = 12;
	const data = new Uint32Array(W * H);
	const set = (id: number, y0: number, y1: number, x0: number, x1: number) => {
		for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * W + x] = id;
	};
	set(1, 1, 3, 1, 4);
	set(2, 5, 8, 2, 5);
	set(5, 10, 11, 5, 9);
	const pix = new Uint8Array(W * H).map((_, i) => (i * 37) % 251);
	return { image: { width: W, height: H, channels: 1, dtype: 'uint8', data: pix }, labels: { width: W, height: H, data } };
}

describe('labelled patches', () => {
	it('are the patches extractPatches cuts for the labelled cells, with class indices', () => {
		const { image, labels } = scene();
		const classes = new Map([
			[5, 'b'],
			[1, 'a']
		]);
		const got = labelledPatches([{ name: 'x.tif', image, labels, classes }], ['a', 'b'], { size: 16 });
		const ref = extractPatches(image, labels, { size: 16, ids: [1, 5] });
		expect(Array.from(got.patches)).toEqual(Array.from(ref.data));
		expect(Array.from(got.labels)).toEqual([0, 1]);
		expect(got.cells).toEqual([
			{ image: 'x.tif', label: 1 },
			{ image: 'x.tif', label: 5 }
		]);
	});

	it('names a labelled cell that the mask lacks, and a class outside the list', () => {
		const { image, labels } = scene();
		expect(() => labelledPatches([{ name: 'x.tif', image, labels, classes: new Map([[3, 'a']]) }], ['a', 'b'], { size: 16 })).toThrow('x.tif: cell 3 is labelled with a class but not in the mask');
		expect(() => labelledPatches([{ name: 'x.tif', image, labels, classes: new Map([[1, 'c']]) }], ['a', 'b'], { size: 16 })).toThrow(/'c' is not one of the classes/);
	});
});
