import { describe, expect, it } from 'vitest';
import { readNpy, type NpyArray } from '../../../src/lib/core/formats/npy';
import { masksToFlowsCpu } from '../../../src/lib/core/cellpose/flows';
import { ParamError } from '../../../src/lib/core/formats/errors';
import { sharedBytes } from '../shared';

function fixture(name: string): NpyArray {
	const r = readNpy(name, sharedBytes(`fixtures/cellpose-3.1/dynamics/${name}`));
	if (r.kind !== 'array') throw new Error(`${name}: expected a numeric array`);
	return r;
}

/** Labels image with one w×h rectangle per entry [label, top, left, h, w]. */
function rects(height: number, width: number, boxes: number[][]): Uint16Array {
	const m = new Uint16Array(height * width);
	for (const [l, top, left, h, w] of boxes) {
		for (let y = top; y < top + h; y++) for (let x = left; x < left + w; x++) m[y * width + x] = l;
	}
	return m;
}

describe('masksToFlowsCpu (Cellpose 3.1 masks_to_flows_cpu)', () => {
	for (const n of [0, 1, 2]) {
		it(`reproduces dynamics/lab${n}_flows.npy from lab${n}_labels.npy`, () => {
			const lab = fixture(`lab${n}_labels.npy`);
			const ref = fixture(`lab${n}_flows.npy`);
			const [H, W] = lab.shape;
			expect(ref.shape).toEqual([2, H, W]);
			const mu = masksToFlowsCpu(lab.data as Uint16Array, H, W);
			const r = ref.data as Float32Array;
			let maxDiff = 0;
			let inexact = 0;
			for (let i = 0; i < mu.length; i++) {
				// The fixture stores Cellpose's float64 flows as float32.
				const d = Math.abs(Math.fround(mu[i]) - r[i]);
				if (d > maxDiff) maxDiff = d;
				if (d !== 0) inexact++;
			}
			expect(maxDiff).toBeLessThanOrEqual(1e-6);
			// Same float64 operations in the same order as numba: bit-identical after the cast,
			// including the noise-direction unit vectors at the centre pixels.
			expect(inexact).toBe(0);
		});
	}

	it('matches the spec §4.5 worked example (5×5 square in a 7×7 image)', () => {
		const m = rects(7, 7, [[1, 1, 1, 5, 5]]);
		const mu = masksToFlowsCpu(m, 7, 7);
		const dy = (y: number, x: number) => mu[y * 7 + x];
		const dx = (y: number, x: number) => mu[49 + y * 7 + x];
		const row1 = [0.7071, 0.9655, 1, 0.9655, 0.7071];
		const row2 = [0.2603, 0.7071, 1, 0.7071, 0.2603];
		for (let k = 0; k < 5; k++) {
			expect(dy(1, 1 + k)).toBeCloseTo(row1[k], 4);
			expect(dy(2, 1 + k)).toBeCloseTo(row2[k], 4);
			expect(dy(4, 1 + k)).toBeCloseTo(-row2[k], 4);
			expect(dy(5, 1 + k)).toBeCloseTo(-row1[k], 4);
			// dX is the transposed pattern.
			expect(dx(1 + k, 1)).toBeCloseTo(row1[k], 4);
			expect(dx(1 + k, 2)).toBeCloseTo(row2[k], 4);
			expect(dx(1 + k, 5)).toBeCloseTo(-row1[k], 4);
			if (k !== 2) expect(dy(3, 1 + k)).toBeCloseTo(0, 12); // row 3 is 0 except the centre
		}
		// Background is exactly 0.
		for (let x = 0; x < 7; x++) {
			expect(dy(0, x)).toBe(0);
			expect(dx(6, x)).toBe(0);
		}
	});

	it('gives two equal touching cells translated copies of the same flows, pointing inwards', () => {
		// Two 6×5 cells side by side (touching), each its own diffusion with the other as a wall.
		const H = 8;
		const W = 12;
		const m = rects(H, W, [
			[1, 1, 1, 6, 5],
			[2, 1, 6, 6, 5]
		]);
		const mu = masksToFlowsCpu(m, H, W);
		const n = H * W;
		for (let y = 1; y < 7; y++) {
			for (let x = 1; x < 6; x++) {
				expect(mu[y * W + x + 5]).toBe(mu[y * W + x]);
				expect(mu[n + y * W + x + 5]).toBe(mu[n + y * W + x]);
			}
		}
		// Left-right mirror symmetry inside a cell (centre column x = 3): dX antisymmetric, dY symmetric.
		for (let y = 1; y < 7; y++) {
			expect(mu[n + y * W + 1]).toBeCloseTo(-mu[n + y * W + 5], 12);
			expect(mu[y * W + 2]).toBeCloseTo(mu[y * W + 4], 12);
			expect(mu[n + y * W + 1]).toBeGreaterThan(0); // left edge flows right, towards the centre
		}
		// Unit vectors inside both cells away from the centre row/column noise.
		const norm = Math.hypot(mu[1 * W + 1], mu[n + 1 * W + 1]);
		expect(norm).toBeCloseTo(1, 12);
	});

	it('uses a given iteration count instead of 2·(h + w + 4)', () => {
		const m = rects(9, 9, [[3, 1, 1, 7, 7]]);
		const a = masksToFlowsCpu(m, 9, 9);
		const b = masksToFlowsCpu(m, 9, 9, 1);
		// After one step only the centre's 3×3 neighbourhood is warm: the corner pixel (1,1) is
		// two pixels from the heat and gets a zero gradient, unlike with the default count.
		expect(b[1 * 9 + 1]).toBe(0);
		expect(a[1 * 9 + 1]).toBeGreaterThan(0.5);
	});

	it('rejects a label image of the wrong size or with negative labels', () => {
		expect(() => masksToFlowsCpu(new Uint16Array(11), 3, 4)).toThrow(ParamError);
		expect(() => masksToFlowsCpu(Int32Array.of(0, -1, 0, 0), 2, 2)).toThrow(ParamError);
	});

	it('returns all zeros for an image without labels', () => {
		const mu = masksToFlowsCpu(new Uint16Array(12), 3, 4);
		expect(mu.every((v) => v === 0)).toBe(true);
	});
});
