import { describe, expect, it } from 'vitest';
import { imageDiagnostics, matchedIous } from '../../../src/lib/core/metrics/diagnostics';
import { readNpy, type NpyArray } from '../../../src/lib/core/formats/npy';
import { sharedBytes } from '../shared';

function labels(rel: string) {
	const a = readNpy(rel, sharedBytes(rel)) as NpyArray;
	return { width: a.shape[1], height: a.shape[0], data: Uint32Array.from(a.data as Uint16Array) };
}

describe('segmentation diagnostics', () => {
	it('matched IoUs by hand: one exact cell, one half-covered cell, one missed', () => {
		// gt: cell 1 = pixels 0..3, cell 2 = pixels 4..7, cell 3 = pixel 9
		const gt = Uint32Array.from([1, 1, 1, 1, 2, 2, 2, 2, 0, 3]);
		// pred: exact copy of cell 1; cell 2 predicted as pixels 4..5 (IoU 2/4 = 0.5); nothing at 9
		const pred = Uint32Array.from([5, 5, 5, 5, 6, 6, 0, 0, 0, 0]);
		expect(Array.from(matchedIous(gt, pred))).toEqual([1, 0.5]);
		expect(Array.from(matchedIous(gt, pred, 0.6))).toEqual([1]);
	});

	it('the number of matched IoUs at 0.5 equals the true positives Cellpose reports (fixtures)', () => {
		const ref = JSON.parse(new TextDecoder().decode(sharedBytes('fixtures/cellpose-3.1/metrics/average_precision.json')));
		for (const pair of ['pair0', 'pair1']) {
			const gt = labels(`fixtures/cellpose-3.1/metrics/${pair}_gt.npy`);
			const pred = labels(`fixtures/cellpose-3.1/metrics/${pair}_pred.npy`);
			const d = imageDiagnostics(pair, gt, pred);
			const expected = ref.pairs[pair];
			expect(d.matchedIous.length).toBe(expected.tp[0]);
			expect(d.ap[0]).toBe(expected.ap[0]);
			expect(d.trueCells).toBe(expected.gt_max);
			for (const v of d.matchedIous) expect(v).toBeGreaterThanOrEqual(0.5);
		}
	});
});
