/**
 * `_loss_fn_seg` as pure maths: a hand-worked two-pixel example, the stable BCE at extreme logits,
 * the analytic gradient against central differences, and the tfjs version against the pure one.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceWithLogits, segmentationLoss, segmentationLossGradient } from '../../../src/lib/core/cellpose/train/loss';
import { segmentationLossTf } from '../../../src/lib/runtime/tfjs/cpnet-loss';
import { nchwToNhwc } from './tiny-cpnet';

beforeAll(async () => {
	await tf.setBackend('cpu');
	await tf.ready();
});

describe('segmentation loss (spec §6.4)', () => {
	it('two pixels by hand: MSE of flows against 5× targets, halved, plus the mean BCE', () => {
		// (N, 3, H, W) = (1, 3, 1, 2). Outputs [dY, dX, logit]; targets [cellprob, dY, dX].
		const y = [3, 1, 4, -1, 0, 2];
		const t = [1, 0, 0.6, 0, 0.8, 0];
		const l = segmentationLoss(y, t, 1, 1, 2);
		// Pixel 0 matches 5·(0.6, 0.8) exactly; pixel 1 misses (0, 0) by (1, −1): mean of squares 2/4, halved.
		expect(l.flow).toBeCloseTo(0.25, 15);
		// BCE: log(1 + e^0) for z = 1 at logit 0, log(1 + e^2) for z = 0 at logit 2, averaged.
		expect(l.cellprob).toBeCloseTo((Math.log(2) + Math.log(1 + Math.exp(2))) / 2, 15);
		expect(l.total).toBeCloseTo(l.flow + l.cellprob, 15);
	});

	it('the cellprob target is a threshold at 0.5, as Cellpose compares `lbl[:, 0] > 0.5`', () => {
		const a = segmentationLoss([0, 0, 1], [0.5, 0, 0], 1, 1, 1).cellprob;
		const b = segmentationLoss([0, 0, 1], [0.51, 0, 0], 1, 1, 1).cellprob;
		expect(a).toBeCloseTo(Math.log(1 + Math.E), 12);
		expect(b).toBeCloseTo(Math.log(1 + Math.exp(-1)), 12);
	});

	it('BCE with logits stays finite and exact at extreme logits', () => {
		expect(bceWithLogits(100, 1)).toBeCloseTo(Math.exp(-100), 50);
		expect(bceWithLogits(-100, 1)).toBeCloseTo(100, 10);
		expect(bceWithLogits(800, 0)).toBe(800);
		expect(Number.isFinite(bceWithLogits(-800, 0))).toBe(true);
	});

	it('the analytic gradient matches central differences', () => {
		const n = 2;
		const h = 2;
		const w = 3;
		const size = n * 3 * h * w;
		const y = Array.from({ length: size }, (_, i) => Math.sin(i * 1.7) * 3);
		const t = Array.from({ length: size }, (_, i) => (i % 7 < 3 ? Math.cos(i) : Math.sin(i * 0.3) > 0 ? 1 : 0));
		const g = segmentationLossGradient(y, t, n, h, w);
		const eps = 1e-6;
		for (let i = 0; i < size; i++) {
			const up = y.slice();
			const dn = y.slice();
			up[i] += eps;
			dn[i] -= eps;
			const fd = (segmentationLoss(up, t, n, h, w).total - segmentationLoss(dn, t, n, h, w).total) / (2 * eps);
			expect(Math.abs(fd - g[i])).toBeLessThan(1e-8);
		}
	});

	it('the tfjs loss (NHWC) equals the pure definition', () => {
		const n = 3;
		const h = 5;
		const w = 4;
		const size = n * 3 * h * w;
		const y = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.71) * 6);
		const t = Float32Array.from({ length: size }, (_, i) => (Math.floor(i / (h * w)) % 3 === 0 ? (Math.cos(i) > 0 ? 1 : 0) : Math.sin(i)));
		const want = segmentationLoss(y, t, n, h, w).total;
		const got = tf.tidy(() =>
			segmentationLossTf(tf.tensor4d(nchwToNhwc(y, n, 3, h, w), [n, h, w, 3]), tf.tensor4d(nchwToNhwc(t, n, 3, h, w), [n, h, w, 3])).dataSync()[0]
		);
		expect(Math.abs(got - want) / want).toBeLessThan(1e-6);
	});
});
