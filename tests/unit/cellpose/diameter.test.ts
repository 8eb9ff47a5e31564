import { describe, expect, it } from 'vitest';
import { medianCellDiameter } from '../../../src/lib/core/cellpose/diameter';
import { decodeLabelFile } from '../../../src/lib/core/formats/image-file';
import { sharedBytes } from '../shared';

describe('median cell diameter (Cellpose utils.diameters)', () => {
	it('hand-worked: cells of 4, 9 and 16 pixels give median √9 / (√π/2)', () => {
		const labels = new Uint32Array(40);
		labels.fill(1, 0, 4);
		labels.fill(2, 4, 13);
		labels.fill(7, 13, 29);
		expect(medianCellDiameter(labels)).toBeCloseTo(3 / (Math.sqrt(Math.PI) / 2), 12);
		expect(medianCellDiameter(new Uint32Array(5))).toBe(0);
	});

	it('matches numpy on a real mask', () => {
		// /usr/bin/python3: m = tifffile.imread('img2d_masks.tif'); u, c = np.unique(m, return_counts=True)
		// np.median(c[1:] ** 0.5) / (np.pi ** 0.5 / 2) -> 23.669081090812792
		const m = decodeLabelFile('img2d_masks.tif', sharedBytes('data/stardist_dsb2018_nuclei/masks/img2d_masks.tif'));
		expect(medianCellDiameter(m.labels.data)).toBeCloseTo(23.669081090812792, 10);
	});
});
