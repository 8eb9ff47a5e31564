import { describe, expect, it } from 'vitest';
import { readNpy, type NpyArray } from '../../../src/lib/core/formats/npy';
import { ParamError } from '../../../src/lib/core/formats/errors';
import {
	computeMasks,
	fillHolesAndRemoveSmallMasks,
	followFlows,
	getMasks,
	type MaskParams
} from '../../../src/lib/core/cellpose/dynamics';
import { masksToFlowsCpu } from '../../../src/lib/core/cellpose/flows';
import { introsortArgsort } from '../../../src/lib/core/cellpose/introsort-argsort';
import { intersectionOverUnion } from '../../../src/lib/core/metrics/ap';
import { sharedBytes } from '../shared';

function fixture(name: string): NpyArray {
	const r = readNpy(name, sharedBytes(`fixtures/cellpose-3.1/dynamics/${name}`));
	if (r.kind !== 'array') throw new Error(`${name}: expected a numeric array`);
	return r;
}

/** The settings of dynamics/README (dynamics_meta.json). */
const SETTINGS: Record<string, MaskParams> = {
	default: { niter: 200, cellprobThreshold: 0, flowThreshold: 0.4, minSize: 15 },
	flow0: { niter: 200, cellprobThreshold: 0, flowThreshold: 0, minSize: 15 },
	'cp-1_min-1': { niter: 200, cellprobThreshold: -1, flowThreshold: 0.4, minSize: -1 }
};

/** Masks counts from dynamics_meta.json. */
const COUNTS: Record<string, number[]> = {
	default: [147, 127, 85],
	flow0: [149, 127, 85],
	'cp-1_min-1': [147, 129, 87]
};

describe('computeMasks against Cellpose 3.1 resize_and_compute_masks fixtures', () => {
	for (const n of [0, 1, 2]) {
		for (const [name, settings] of Object.entries(SETTINGS)) {
			it(`lab${n} ${name}: identical masks, label numbers included`, () => {
				const dP = fixture(`lab${n}_dP.npy`);
				const cp = fixture(`lab${n}_cellprob.npy`);
				const ref = fixture(`lab${n}_masks_${name}.npy`).data as Uint16Array;
				const [, H, W] = dP.shape;
				for (const compat of [true, false]) {
					const m = computeMasks(dP.data as Float32Array, cp.data as Float32Array, H, W, {
						...settings,
						cellpose31Compat: compat
					});
					expect(m.width).toBe(W);
					expect(m.height).toBe(H);
					let differing = 0;
					let max = 0;
					for (let i = 0; i < ref.length; i++) {
						if (m.data[i] !== ref[i]) differing++;
						if (m.data[i] > max) max = m.data[i];
					}
					expect(max).toBe(COUNTS[name][n]);
					// These fixtures trigger neither quirk (min-size position, seed ties): both modes equal Cellpose.
					expect(differing).toBe(0);
				}
			});
		}
	}
});

describe('computeMasks on Cellpose 3.1 network output (pipeline/ fixtures: dP, cellprob → masks)', () => {
	interface Meta {
		cases: Record<
			string,
			{
				eval_kwargs: { flow_threshold: number; cellprob_threshold: number; min_size: number; max_size_fraction: number };
				derived: { niter_used_by_dynamics: number };
				n_masks: number;
			}
		>;
	}
	const meta = JSON.parse(
		new TextDecoder().decode(sharedBytes('fixtures/cellpose-3.1/pipeline/pipeline_meta.json'))
	) as Meta;
	const pipe = (name: string): NpyArray => {
		const r = readNpy(name, sharedBytes(`fixtures/cellpose-3.1/pipeline/${name}`));
		if (r.kind !== 'array') throw new Error(`${name}: expected a numeric array`);
		return r;
	};
	for (const name of ['A_gray_uint16', 'B_rgb_cyto_nuc', 'C_gray_float_augment']) {
		it(`${name}: identical masks with cellpose31Compat (B needs torch's seed tie order)`, () => {
			const c = meta.cases[name];
			const dP = pipe(`${name}_dP.npy`);
			const cp = pipe(`${name}_cellprob.npy`);
			const ref = pipe(`${name}_masks.npy`).data as Uint16Array;
			const [, H, W] = dP.shape;
			const m = computeMasks(dP.data as Float32Array, cp.data as Float32Array, H, W, {
				niter: c.derived.niter_used_by_dynamics,
				cellprobThreshold: c.eval_kwargs.cellprob_threshold,
				flowThreshold: c.eval_kwargs.flow_threshold,
				minSize: c.eval_kwargs.min_size,
				maxSizeFraction: c.eval_kwargs.max_size_fraction,
				cellpose31Compat: true
			});
			let differing = 0;
			for (let i = 0; i < ref.length; i++) if (m.data[i] !== ref[i]) differing++;
			expect(Math.max(...m.data)).toBe(c.n_masks);
			expect(differing).toBe(0);
		});
	}
});

describe('introsortArgsort (torch 1.13 CPU argsort = libstdc++ std::sort tie order)', () => {
	// Expected orders printed by g++ 12.2 (Debian 12, the toolchain of Debian's torch 1.13) running
	// std::sort on (key, index) pairs with a key-only comparator.
	it('matches std::sort on arrays with many ties (partitioning, final insertion sort)', () => {
		const v1 = Int32Array.from({ length: 40 }, (_, i) => (i * 7) % 5);
		expect(Array.from(introsortArgsort(v1))).toEqual([
			10, 20, 25, 15, 30, 35, 5, 0, 33, 8, 28, 13, 3, 38, 23, 18, 31, 1, 36, 26, 21, 6, 16, 11, 39, 19, 4, 34, 9, 29, 14,
			24, 12, 27, 32, 7, 17, 37, 2, 22
		]);
		const v2 = Int32Array.from({ length: 64 }, (_, i) => (i * i * 3 + i) % 9);
		expect(Array.from(introsortArgsort(v2))).toEqual([
			0, 63, 36, 27, 45, 18, 9, 54, 34, 25, 43, 16, 52, 7, 61, 53, 35, 17, 8, 62, 44, 26, 12, 30, 3, 39, 57, 21, 48, 37, 46,
			55, 1, 28, 10, 19, 2, 29, 38, 56, 11, 20, 47, 15, 60, 6, 51, 33, 42, 24, 22, 49, 13, 40, 58, 31, 4, 50, 23, 14, 41, 59,
			5, 32
		]);
	});

	it('matches std::sort when the depth limit switches to heapsort (McIlroy adversary input, halved)', () => {
		const v = Int32Array.of(
			28, 0, 23, 1, 26, 2, 22, 3, 29, 4, 21, 5, 25, 6, 20, 7, 27, 8, 10, 9, 29, 28, 27, 26, 25, 24, 23, 22, 21, 24, 0, 1, 2,
			3, 4, 5, 6, 7, 8, 9, 20, 18, 19, 17, 18, 16, 17, 15, 16, 14, 15, 13, 14, 12, 13, 11, 12, 10, 11, 19
		);
		expect(Array.from(introsortArgsort(v))).toEqual([
			1, 30, 3, 31, 5, 32, 7, 33, 9, 34, 11, 35, 13, 36, 15, 37, 17, 38, 19, 39, 18, 57, 55, 58, 53, 56, 54, 51, 52, 49, 47,
			50, 45, 48, 43, 46, 41, 44, 59, 42, 14, 40, 10, 28, 27, 6, 2, 26, 29, 25, 12, 24, 23, 4, 16, 22, 21, 0, 20, 8
		]);
	});

	it('is a plain stable insertion sort for up to 16 elements', () => {
		expect(Array.from(introsortArgsort(Int32Array.of(3, 1, 3, 1, 2)))).toEqual([1, 3, 4, 0, 2]);
		expect(Array.from(introsortArgsort(new Int32Array(0)))).toEqual([]);
	});
});

describe('followFlows (Cellpose 3.1 steps_interp on CPU, numba map_coordinates)', () => {
	it('reproduces numba positions where all-float32 or all-float64 arithmetic would differ', () => {
		// Field and expectations computed with numba 0.56.4 running Cellpose's map_coordinates
		// (`@njit float32` signature) and the steps_interp CPU loop for 3 steps, every pixel moving:
		//   dY = float32(((7y + 13x) % 17 − 8) / 11), dX = float32(((5y + 3x + 4) % 19 − 9) / 13).
		// At each listed pixel either an all-float32 or an all-float64 bilinear step gives another result.
		const H = 12;
		const W = 16;
		const n = H * W;
		const dPm = new Float32Array(2 * n);
		for (let y = 0; y < H; y++) {
			for (let x = 0; x < W; x++) {
				dPm[y * W + x] = (((y * 7 + x * 13) % 17) - 8) / 11;
				dPm[n + y * W + x] = (((y * 5 + x * 3 + 4) % 19) - 9) / 13;
			}
		}
		const inds = Int32Array.from({ length: n }, (_, i) => i);
		const p = followFlows(dPm, H, W, inds, 3);
		const expected: [number, number, number][] = [
			[6, 0.5640729665756226, 4.498185157775879],
			[7, 0.005379243288189173, 6.135639667510986],
			[10, 0.403335839509964, 11.018074035644531],
			[14, 0.41378358006477356, 14.047348022460938],
			[18, 1.6945526599884033, 2.0910861492156982],
			[23, 1.705313801765442, 7.543352127075195],
			[24, 0.9778391718864441, 9.212617874145508],
			[30, 0.6116915941238403, 14.70551586151123]
		];
		for (const [i, y, x] of expected) {
			expect(p[i]).toBe(y);
			expect(p[n + i]).toBe(x);
		}
	});

	it('stops early at fixed points and 2-cycles with the position it would have after niter steps', () => {
		// 1-D oscillation: the flow at x = 1 is +1 and at x = 2 is −1, so a point alternates 1 ↔ 2.
		const H = 1;
		const W = 4;
		const dPm = new Float32Array(2 * H * W);
		dPm[W + 1] = 1;
		dPm[W + 2] = -1;
		const inds = Int32Array.of(1, 3);
		for (const niter of [0, 1, 2, 5, 200, 201]) {
			const p = followFlows(dPm, H, W, inds, niter);
			expect(p[2 + 0]).toBe(niter % 2 === 0 ? 1 : 2); // x of the point that started at 1
			expect(p[2 + 1]).toBe(3); // zero flow: stays
			expect(p[0]).toBe(0);
		}
	});
});

describe('getMasks (Cellpose 3.1 get_masks_torch)', () => {
	it('makes one mask per convergence point and removes masks above maxSizeFraction', () => {
		// 40 pixels converge to (2,3), 12 to (6,8): both are seeds (count > 10).
		const H = 10;
		const W = 12;
		const inds = Int32Array.from({ length: 52 }, (_, k) => k);
		const final = Int32Array.from({ length: 52 }, (_, k) => (k < 40 ? 2 * W + 3 : 6 * W + 8));
		const masks = new Uint32Array(H * W);
		expect(getMasks(final, inds, H, W, 0.4, masks)).toBe(2);
		for (let k = 0; k < 52; k++) expect(masks[k]).toBe(k < 40 ? 1 : 2);
		// 40 px > 0.3 · 120 = 36: the first mask is removed, the other renumbered to 1.
		expect(getMasks(final, inds, H, W, 0.3, masks)).toBe(1);
		for (let k = 0; k < 52; k++) expect(masks[k]).toBe(k < 40 ? 0 : 1);
	});

	it('finds no mask when no histogram bin exceeds 10', () => {
		const inds = Int32Array.from({ length: 10 }, (_, k) => k);
		const final = new Int32Array(10); // all 10 land on pixel 0: count 10 is not > 10
		const masks = new Uint32Array(20);
		expect(getMasks(final, inds, 4, 5, 0.4, masks)).toBe(0);
		expect(masks.every((v) => v === 0)).toBe(true);
	});
});

describe('fillHolesAndRemoveSmallMasks (Cellpose 3.1 utils.fill_holes_and_remove_small_masks)', () => {
	/** Spec §4.7 example: labels {1, 3, 4} (a gap left by the flow QC) with 50, 200 and 8 pixels. */
	function gapExample(): Uint32Array {
		const W = 20;
		const m = new Uint32Array(20 * W);
		for (let i = 0; i < 50; i++) m[i] = 1; // rows 0–2
		for (let i = 60; i < 260; i++) m[i] = 3; // rows 3–12
		for (let i = 300; i < 308; i++) m[i] = 4; // row 15
		return m;
	}

	it('compat: reproduces the list-position quirk of the spec example (label 3 wrongly lost)', () => {
		const m = gapExample();
		fillHolesAndRemoveSmallMasks(m, 20, 20, 15, true);
		// idx 2 (label 4's count) removes label 3; label 4 survives pass 1 as label 2... and is
		// removed in pass 2: only the 50-px mask remains.
		const labels = new Set(m);
		expect([...labels].sort()).toEqual([0, 1]);
		expect(m.filter((v) => v === 1).length).toBe(50);
	});

	it('default: removes exactly the masks under min_size and renumbers', () => {
		const m = gapExample();
		fillHolesAndRemoveSmallMasks(m, 20, 20, 15, false);
		expect(m.filter((v) => v === 1).length).toBe(50);
		expect(m.filter((v) => v === 2).length).toBe(200);
		expect(m.slice(300, 308).every((v) => v === 0)).toBe(true);
		expect(Math.max(...m)).toBe(2);
	});

	it('without background: compat keeps a small mask (drop-first rule), default removes it', () => {
		// 5×8 image fully covered: label 1 has 10 px, label 2 has 30 px; min_size 15.
		const make = () => Uint32Array.from({ length: 40 }, (_, i) => (i < 10 ? 1 : 2));
		const c = make();
		fillHolesAndRemoveSmallMasks(c, 5, 8, 15, true);
		expect(c.filter((v) => v === 1).length).toBe(10); // 3.1: the first count (label 1) is dropped
		const d = make();
		fillHolesAndRemoveSmallMasks(d, 5, 8, 15, false);
		expect(d.filter((v) => v === 0).length).toBe(10);
		expect(d.filter((v) => v === 1).length).toBe(30);
	});

	it('fills holes (overwriting a nested mask) even with min_size ≤ 0, and closes label gaps', () => {
		// A 7×7 ring (label 5) around a 3×3 hole holding label 2 in its centre pixel; label 9 elsewhere.
		const W = 12;
		const H = 9;
		const m = new Uint32Array(H * W);
		for (let y = 1; y <= 7; y++) for (let x = 1; x <= 7; x++) m[y * W + x] = 5;
		for (let y = 3; y <= 5; y++) for (let x = 3; x <= 5; x++) m[y * W + x] = 0;
		m[4 * W + 4] = 2;
		m[1 * W + 10] = 9;
		fillHolesAndRemoveSmallMasks(m, H, W, -1, false);
		// Label 2 (1 px) is relabelled 1, then the ring (→ 2) fills its hole over it; 9 → 3.
		for (let y = 1; y <= 7; y++) for (let x = 1; x <= 7; x++) expect(m[y * W + x]).toBe(2);
		expect(m[1 * W + 10]).toBe(3);
		expect(m.filter((v) => v === 1).length).toBe(0);
	});

	it('does not fill background that touches the bounding box border (a C shape)', () => {
		const W = 6;
		const H = 5;
		const m = new Uint32Array(H * W);
		for (let y = 0; y < 5; y++) m[y * W + 0] = 1;
		for (let x = 0; x < 4; x++) {
			m[x] = 1;
			m[4 * W + x] = 1;
		}
		fillHolesAndRemoveSmallMasks(m, H, W, -1, true);
		expect(m[2 * W + 2]).toBe(0);
		expect(m.filter((v) => v === 1).length).toBe(11);
	});
});

describe('computeMasks end to end', () => {
	it('recovers a labelled image from its own flows (flows from masksToFlowsCpu × 5)', () => {
		// Three discs and a square: the network-scale flows of the true labels, cellprob ±4.
		const H = 64;
		const W = 80;
		const n = H * W;
		const lab = new Uint16Array(n);
		const discs = [
			[18, 20, 12],
			[40, 50, 15],
			[50, 15, 9]
		];
		discs.forEach(([cy, cx, r], k) => {
			for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) lab[y * W + x] = k + 1;
		});
		for (let y = 5; y < 20; y++) for (let x = 55; x < 72; x++) lab[y * W + x] = 4;
		const mu = masksToFlowsCpu(lab, H, W);
		const dP = Float32Array.from(mu, (v) => 5 * v);
		const cp = Float32Array.from(lab, (v) => (v > 0 ? 4 : -4));
		const m = computeMasks(dP, cp, H, W);
		const iou = intersectionOverUnion(lab, m.data);
		expect(iou.rows).toBe(5);
		expect(iou.cols).toBe(5);
		for (let l = 1; l <= 4; l++) {
			let best = 0;
			for (let c = 1; c < iou.cols; c++) best = Math.max(best, iou.data[l * iou.cols + c]);
			expect(best).toBeGreaterThan(0.97);
		}
	});

	it('returns an empty mask when no pixel exceeds the cellprob threshold', () => {
		const m = computeMasks(new Float32Array(2 * 12), new Float32Array(12).fill(-1), 3, 4);
		expect(m.data.every((v) => v === 0)).toBe(true);
	});

	it('rejects inputs of the wrong size or with NaN, and invalid parameters', () => {
		expect(() => computeMasks(new Float32Array(10), new Float32Array(6), 2, 3)).toThrow(ParamError);
		expect(() => computeMasks(new Float32Array(12), new Float32Array(5), 2, 3)).toThrow(ParamError);
		const bad = new Float32Array(12);
		bad[3] = NaN;
		expect(() => computeMasks(bad, new Float32Array(6), 2, 3)).toThrow(/not finite/);
		expect(() => computeMasks(new Float32Array(12), new Float32Array(6), 2, 3, { niter: -1 })).toThrow(ParamError);
		expect(() => computeMasks(new Float32Array(12), new Float32Array(6), 2, 3, { minSize: NaN })).toThrow(ParamError);
	});
});
