/**
 * Training targets (`labels_to_flows` + the loader's `[cellprob, dY, dX]`) against spec §4.5's
 * worked 5×5 square, Python Cellpose's `masks_to_flows` fixtures, and `utils.diameters` values.
 */
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../../src/lib/core/formats/npy';
import { cellposeDiameters, trainingTargets } from '../../../src/lib/core/cellpose/train/targets';
import { ParamError } from '../../../src/lib/core/formats/errors';
import { sharedBytes } from '../shared';

function npy(rel: string) {
	const a = readNpy(rel, sharedBytes(rel));
	if (a.kind !== 'array') throw new Error(`${rel} is not a numeric array`);
	return a;
}

describe('trainingTargets', () => {
	it('the 5×5 square of spec §4.5: cellprob 1 inside, unit flows pointing to the centre', () => {
		const labels = new Uint32Array(49);
		for (let y = 1; y <= 5; y++) for (let x = 1; x <= 5; x++) labels[y * 7 + x] = 9;
		const t = trainingTargets(labels, 7, 7);
		expect(t.masks).toBe(1);
		expect(t.diameter).toBeCloseTo(5 / (Math.sqrt(Math.PI) / 2), 12);
		const at = (c: number, y: number, x: number) => t.data[c * 49 + y * 7 + x];
		for (let i = 0; i < 49; i++) expect(t.data[i]).toBe(labels[i] ? 1 : 0);
		const row1 = [0.7071, 0.9655, 1, 0.9655, 0.7071];
		const row2 = [0.2603, 0.7071, 1, 0.7071, 0.2603];
		for (let k = 0; k < 5; k++) {
			expect(at(1, 1, 1 + k)).toBeCloseTo(row1[k], 4);
			expect(at(1, 2, 1 + k)).toBeCloseTo(row2[k], 4);
			expect(at(1, 4, 1 + k)).toBeCloseTo(-row2[k], 4);
			expect(at(1, 5, 1 + k)).toBeCloseTo(-row1[k], 4);
			// dX is the transposed pattern.
			expect(at(2, 1 + k, 1)).toBeCloseTo(row1[k], 4);
			expect(at(2, 1 + k, 5)).toBeCloseTo(-row1[k], 4);
		}
		expect(at(1, 0, 3)).toBe(0);
		expect(at(2, 6, 6)).toBe(0);
	});

	it('equals Python Cellpose masks_to_flows on the dynamics fixtures (lab0, lab2), bit for bit in float32', () => {
		for (const name of ['lab0', 'lab2']) {
			const lab = npy(`fixtures/cellpose-3.1/dynamics/${name}_labels.npy`);
			const flows = npy(`fixtures/cellpose-3.1/dynamics/${name}_flows.npy`);
			const [h, w] = lab.shape;
			const t = trainingTargets(Uint32Array.from(lab.data as Uint16Array), h, w);
			const n = h * w;
			let worst = 0;
			for (let i = 0; i < n; i++) {
				expect(t.data[i]).toBe((lab.data as Uint16Array)[i] > 0 ? 1 : 0);
				worst = Math.max(worst, Math.abs(t.data[n + i] - Number(flows.data[i])), Math.abs(t.data[2 * n + i] - Number(flows.data[n + i])));
			}
			// The fixtures hold the float64 flows rounded to float32, as our targets are: bit-identical.
			expect(worst).toBe(0);
		}
	});

	it('refuses a mask of the wrong size', () => {
		expect(() => trainingTargets(new Uint32Array(10), 3, 3, 'a_masks.tif')).toThrow(ParamError);
		expect(() => trainingTargets(new Uint32Array(10), 3, 3, 'a_masks.tif')).toThrow('a_masks.tif: the mask holds 10 values, not the 3 × 3 of its image');
	});
});

describe('cellposeDiameters (utils.diameters)', () => {
	it('areas 25, 100 and 400 give 11.283791670955127 (spec appendix A)', () => {
		const labels = new Uint32Array(1000);
		let i = 0;
		for (const [id, area] of [
			[1, 25],
			[2, 100],
			[3, 400]
		]) {
			for (let k = 0; k < area; k++) labels[i++] = id;
		}
		expect(cellposeDiameters(labels)).toBeCloseTo(11.283791670955127, 12);
	});

	it('no cells: 0; no background: the smallest label is dropped as Cellpose drops the first unique value', () => {
		expect(cellposeDiameters(new Uint32Array(5))).toBe(0);
		// Labels 1 (area 4) and 2 (area 16), no zeros: only area 16 counts → 4 / (√π/2).
		const full = new Uint32Array(20).fill(2);
		full.fill(1, 0, 4);
		expect(cellposeDiameters(full)).toBeCloseTo(4 / (Math.sqrt(Math.PI) / 2), 12);
	});
});
