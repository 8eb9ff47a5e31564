import { describe, expect, it } from 'vitest';
import { exampleSet, syntheticNuclei } from '../../../src/lib/core/example/synthetic';
import { countLabels } from '../../../src/lib/core/labels/count';

describe('synthetic example data', () => {
	it('is reproducible and has bright cells on a dark background', () => {
		const a = syntheticNuclei('a', 7, 128, 96, 6, 8);
		const b = syntheticNuclei('a', 7, 128, 96, 6, 8);
		expect(a.raster.data).toEqual(b.raster.data);
		expect(a.raster.data.length).toBe(128 * 96);
		const n = countLabels(a.labels.data);
		expect(n).toBeGreaterThan(2);
		let inside = 0;
		let inN = 0;
		let outside = 0;
		let outN = 0;
		for (let i = 0; i < a.labels.data.length; i++) {
			if (a.labels.data[i]) {
				inside += a.raster.data[i];
				inN++;
			} else {
				outside += a.raster.data[i];
				outN++;
			}
		}
		expect(inside / inN).toBeGreaterThan(3 * (outside / outN));
	});

	it('makes three images, one with two channels', () => {
		const set = exampleSet();
		expect(set.map((s) => s.raster.channels)).toEqual([1, 1, 2]);
		for (const s of set) expect(s.labels.data.length).toBe(s.raster.width * s.raster.height);
	});
});
