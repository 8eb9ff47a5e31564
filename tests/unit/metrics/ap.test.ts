import { describe, expect, it } from 'vitest';
import { readNpy, type NpyArray } from '../../../src/lib/core/formats/npy';
import { ParamError } from '../../../src/lib/core/formats/errors';
import {
	averagePrecision,
	intersectionOverUnion,
	labelOverlap,
	linearSumAssignment
} from '../../../src/lib/core/metrics/ap';
import { sharedBytes } from '../shared';

function fixture(name: string): NpyArray {
	const r = readNpy(name, sharedBytes(`fixtures/cellpose-3.1/metrics/${name}`));
	if (r.kind !== 'array') throw new Error(`${name}: expected a numeric array`);
	return r;
}

interface ApJson {
	thresholds: number[];
	pairs: Record<string, { ap: number[]; tp: number[]; fp: number[]; fn: number[]; pred_n_unique_nonzero: number; gt_max: number }>;
}
const apJson = JSON.parse(new TextDecoder().decode(sharedBytes('fixtures/cellpose-3.1/metrics/average_precision.json'))) as ApJson;

describe('IoU matrix (Cellpose 3.1 _intersection_over_union)', () => {
	for (const n of [0, 1, 2]) {
		it(`reproduces pair${n}_iou.npy exactly`, () => {
			const gt = fixture(`pair${n}_gt.npy`).data as Uint16Array;
			const pred = fixture(`pair${n}_pred.npy`).data as Uint16Array;
			const ref = fixture(`pair${n}_iou.npy`);
			const iou = intersectionOverUnion(gt, pred);
			const [rows, cols] = ref.shape;
			expect(iou.rows - 1).toBe(rows);
			expect(iou.cols - 1).toBe(cols);
			const r = ref.data as Float64Array;
			let maxDiff = 0;
			for (let i = 0; i < rows; i++) {
				for (let j = 0; j < cols; j++) maxDiff = Math.max(maxDiff, Math.abs(iou.data[(i + 1) * iou.cols + j + 1] - r[i * cols + j]));
			}
			expect(maxDiff).toBe(0);
		});
	}

	it('counts overlaps by hand on a 2×3 example', () => {
		const gt = Uint8Array.of(1, 1, 0, 2, 2, 0);
		const pred = Uint8Array.of(1, 0, 0, 1, 2, 2);
		const o = labelOverlap(gt, pred);
		expect([o.rows, o.cols]).toEqual([3, 3]);
		// rows: gt 0,1,2; cols: pred 0,1,2
		expect(Array.from(o.data)).toEqual([1, 0, 1, 1, 1, 0, 0, 1, 1]);
		const iou = intersectionOverUnion(gt, pred);
		// gt 1 (2 px) vs pred 1 (2 px): 1 / 3; gt 2 vs pred 2: 1 / (2 + 2 − 1)
		expect(iou.data[1 * 3 + 1]).toBe(1 / 3);
		expect(iou.data[2 * 3 + 2]).toBe(1 / 3);
	});
});

describe('average_precision (Cellpose 3.1 metrics.average_precision)', () => {
	for (const n of [0, 1, 2]) {
		it(`pair${n}: ap, tp, fp, fn exact (cellpose31Compat)`, () => {
			const gt = fixture(`pair${n}_gt.npy`).data as Uint16Array;
			const pred = fixture(`pair${n}_pred.npy`).data as Uint16Array;
			const ref = apJson.pairs[`pair${n}`];
			const r = averagePrecision(gt, pred, apJson.thresholds, { cellpose31Compat: true });
			expect(Array.from(r.ap)).toEqual(ref.ap);
			expect(Array.from(r.tp)).toEqual(ref.tp);
			expect(Array.from(r.fp)).toEqual(ref.fp);
			expect(Array.from(r.fn)).toEqual(ref.fn);
		});
	}

	it('pair2 by default counts only present labels (the gaps are not false positives)', () => {
		const gt = fixture('pair2_gt.npy').data as Uint16Array;
		const pred = fixture('pair2_pred.npy').data as Uint16Array;
		const ref = apJson.pairs.pair2;
		const r = averagePrecision(gt, pred, apJson.thresholds);
		expect(Array.from(r.tp)).toEqual(ref.tp);
		for (let k = 0; k < 3; k++) {
			expect(r.fp[k]).toBe(ref.pred_n_unique_nonzero - ref.tp[k]);
			expect(r.fn[k]).toBe(ref.fn[k]);
			expect(r.ap[k]).toBe(Math.fround(ref.tp[k] / (ref.tp[k] + r.fp[k] + r.fn[k])));
		}
	});

	it('computes a hand-worked example', () => {
		// gt: two 2×2 squares. pred: one equal to the first, one covering half of the second plus
		// 2 px outside it (IoU 2/6), and a stray false positive.
		const W = 8;
		const gt = new Uint16Array(4 * W);
		const pred = new Uint16Array(4 * W);
		for (const [y, x] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
			gt[y * W + x] = 1;
			pred[y * W + x] = 1;
		}
		for (const [y, x] of [[0, 4], [0, 5], [1, 4], [1, 5]]) gt[y * W + x] = 2;
		for (const [y, x] of [[1, 4], [1, 5], [2, 4], [2, 5]]) pred[y * W + x] = 2;
		pred[3 * W + 7] = 3;
		const r = averagePrecision(gt, pred, [0.3, 0.5]);
		// th 0.3: both gt matched (IoU 1 and 1/3): tp 2, fp 1, fn 0 → 2/3.
		// th 0.5: only the first: tp 1, fp 2, fn 1 → 1/4.
		expect(Array.from(r.tp)).toEqual([2, 1]);
		expect(Array.from(r.fp)).toEqual([1, 2]);
		expect(Array.from(r.fn)).toEqual([0, 1]);
		expect(r.ap[0]).toBe(Math.fround(2 / 3));
		expect(r.ap[1]).toBe(0.25);
	});

	it('gives NaN when both images are empty, and 0 when only the prediction is empty', () => {
		const empty = new Uint16Array(9);
		expect(Number.isNaN(averagePrecision(empty, empty, [0.5]).ap[0])).toBe(true);
		const gt = Uint16Array.of(0, 1, 1, 0, 0, 0, 0, 0, 0);
		const r = averagePrecision(gt, empty, [0.5]);
		expect([r.ap[0], r.tp[0], r.fp[0], r.fn[0]]).toEqual([0, 0, 0, 1]);
	});

	it('rejects label images of different sizes', () => {
		expect(() => averagePrecision(new Uint16Array(4), new Uint16Array(5))).toThrow(ParamError);
	});
});

describe('linearSumAssignment (scipy.optimize.linear_sum_assignment)', () => {
	function total(cost: Float64Array, cols: number, r: Int32Array, c: Int32Array): number {
		let s = 0;
		for (let k = 0; k < r.length; k++) s += cost[r[k] * cols + c[k]];
		return s;
	}

	/** Minimum over all injective maps of the smaller side, by brute force. */
	function bruteForce(cost: Float64Array, rows: number, cols: number): number {
		const t = cols < rows;
		const nr = t ? cols : rows;
		const nc = t ? rows : cols;
		const at = (i: number, j: number) => (t ? cost[j * cols + i] : cost[i * cols + j]);
		const used = new Uint8Array(nc);
		let best = Infinity;
		const rec = (i: number, s: number) => {
			if (i === nr) {
				best = Math.min(best, s);
				return;
			}
			for (let j = 0; j < nc; j++) {
				if (used[j]) continue;
				used[j] = 1;
				rec(i + 1, s + at(i, j));
				used[j] = 0;
			}
		};
		rec(0, 0);
		return best;
	}

	it('solves scipy’s documented example', () => {
		const cost = Float64Array.of(4, 1, 3, 2, 0, 5, 3, 2, 2);
		const { rowInd, colInd } = linearSumAssignment(cost, 3, 3);
		expect(Array.from(rowInd)).toEqual([0, 1, 2]);
		expect(Array.from(colInd)).toEqual([1, 0, 2]);
		expect(total(cost, 3, rowInd, colInd)).toBe(5);
	});

	it('finds the optimum of random square and rectangular matrices (checked by brute force)', () => {
		let seed = 7;
		const rnd = () => {
			seed = (seed * 1103515245 + 12345) >>> 0;
			return seed / 4294967296;
		};
		for (let trial = 0; trial < 60; trial++) {
			const rows = 1 + Math.floor(rnd() * 6);
			const cols = 1 + Math.floor(rnd() * 6);
			// Integer costs with many ties, and sometimes negative.
			const cost = Float64Array.from({ length: rows * cols }, () => Math.floor(rnd() * 7) - 2);
			const { rowInd, colInd } = linearSumAssignment(cost, rows, cols);
			expect(rowInd.length).toBe(Math.min(rows, cols));
			expect(new Set(rowInd).size).toBe(rowInd.length);
			expect(new Set(colInd).size).toBe(colInd.length);
			for (let k = 1; k < rowInd.length; k++) expect(rowInd[k]).toBeGreaterThan(rowInd[k - 1]);
			expect(total(cost, cols, rowInd, colInd)).toBe(bruteForce(cost, rows, cols));
		}
	});

	it('accepts +∞ entries and rejects NaN', () => {
		const cost = Float64Array.of(Infinity, 1, 2, Infinity);
		const { colInd } = linearSumAssignment(cost, 2, 2);
		expect(Array.from(colInd)).toEqual([1, 0]);
		expect(() => linearSumAssignment(Float64Array.of(NaN, 1), 1, 2)).toThrow(ParamError);
	});
});
