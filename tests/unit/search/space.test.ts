// The search space: the original app's Optuna space (mycol-reference.md §4) and hand-worked defaults.
import { describe, expect, it } from 'vitest';
import {
	MAX_SETTINGS,
	diameterCandidates,
	minSizeCandidates,
	normalizeSearchSpace,
	originalSearchSpace,
	searchSpaceSize,
	steps,
	truthDiameter
} from '../../../src/lib/core/cellpose/search';
import { ParamError } from '../../../src/lib/core/formats/errors';
import type { Labels } from '../../../src/lib/core/raster/types';

/** Square cells of the given sides, side by side on one row, in a label image. */
function squares(sides: number[]): Labels {
	const width = sides.reduce((a, s) => a + s + 1, 0);
	const height = Math.max(...sides);
	const data = new Uint32Array(width * height);
	let x0 = 0;
	sides.forEach((s, k) => {
		for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) data[y * width + x0 + x] = k + 1;
		x0 += s + 1;
	});
	return { width, height, data };
}

describe('search space', () => {
	it('steps are the decimals they stand for', () => {
		expect(steps(-0.2, 0.6, 0.2)).toEqual([-0.2, 0, 0.2, 0.4, 0.6]);
		expect(steps(-2, 2, 0.5)).toEqual([-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2]);
		expect(steps(0, 1, 0.1)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
		expect(() => steps(1, 0, 0.1)).toThrow(ParamError);
	});

	it("the original app's space: cellprob and flow −0.2..0.6 step 0.2, niter 100..1000 step 100, min size 0..500 step 50, diameter None", () => {
		expect(originalSearchSpace()).toEqual({
			diameters: [0],
			cellprob: [-0.2, 0, 0.2, 0.4, 0.6],
			flowThreshold: [-0.2, 0, 0.2, 0.4, 0.6],
			niter: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000],
			minSize: [0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500]
		});
		expect(searchSpaceSize(originalSearchSpace())).toBe(5 * 5 * 10 * 11);
	});

	it('diameters: the model’s own (0), and 0.8×, 1× and 1.25× the cells’ diameter unless within 5 % of one taken', () => {
		// 22 is within 5 % of diam_labels 22.7346 (ln(22.73/22) = 0.033 < ln 1.05 = 0.049); 17.6 and 27.5 are not.
		expect(diameterCandidates({ diamMean: 30, diamLabels: 22.7346 }, 22)).toEqual([0, 17.6, 27.5]);
		expect(diameterCandidates({ diamMean: 30, diamLabels: 30 }, 40)).toEqual([0, 32, 40, 50]);
		// 0.8 × 36.5 = 29.2 is within 5 % of 30.
		expect(diameterCandidates({ diamMean: 30, diamLabels: 30 }, 36.5)).toEqual([0, 36.5, 45.6]);
		expect(diameterCandidates({ diamMean: 30, diamLabels: 30 }, 0)).toEqual([0]);
	});

	it('min sizes: off, 15, and a tenth, quarter and half of the cell area rounded to 5 px', () => {
		// d = 20: area π·100 = 314.16 → 31.4, 78.5, 157.1 → 30, 80, 155.
		expect(minSizeCandidates(20)).toEqual([0, 15, 30, 80, 155]);
		// d = 8: area 50.27 → 5.0, 12.6, 25.1 → 5, 15 (already there), 25.
		expect(minSizeCandidates(8)).toEqual([0, 5, 15, 25]);
	});

	it('the cells’ diameter is the median over images of Cellpose’s per-image diameter', () => {
		// Image 1: squares of 4 and 8 px → √areas 4, 8 → median 6. Image 2: 10 px → 10. Median of the two: 8.
		// Cellpose's diameter of a median √area r is r / (√π / 2).
		expect(truthDiameter([squares([4, 8]), squares([10])])).toBeCloseTo(8 / (Math.sqrt(Math.PI) / 2), 12);
		expect(truthDiameter([squares([4, 8]), squares([10]), squares([3])])).toBeCloseTo(6 / (Math.sqrt(Math.PI) / 2), 12);
		expect(truthDiameter([{ width: 2, height: 2, data: new Uint32Array(4) }])).toBe(0);
	});

	it('checks values the CSV must hold, and sorts and de-duplicates each axis', () => {
		const ok = { diameters: [30, 0, 30], cellprob: [1, -1], flowThreshold: [0.4], niter: [0], minSize: [15, 0] };
		expect(normalizeSearchSpace(ok)).toEqual({ diameters: [0, 30], cellprob: [-1, 1], flowThreshold: [0.4], niter: [0], minSize: [0, 15] });
		expect(() => normalizeSearchSpace({ ...ok, minSize: [-1] })).toThrow('the minimum size value -1 must be a whole number, 0 or more');
		expect(() => normalizeSearchSpace({ ...ok, diameters: [-3] })).toThrow("the diameter value -3 must be 0 (the model’s own) or a positive number of pixels");
		expect(() => normalizeSearchSpace({ ...ok, cellprob: [] })).toThrow('the search space has no cell probability threshold values');
		expect(() => normalizeSearchSpace({ ...ok, flowThreshold: [NaN] })).toThrow('the flow threshold value NaN is not a finite number');
		const big = steps(0, 1000, 1);
		expect(() => normalizeSearchSpace({ ...ok, cellprob: big, niter: big })).toThrow(`more than ${MAX_SETTINGS.toLocaleString('en-US')}`);
	});
});
