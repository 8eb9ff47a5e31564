/**
 * `random_rotate_and_resize` (spec §6.5): the order and ranges of the draws, and warps checked by
 * hand (identity, integer shift, 90° rotation, mirror, 2× zoom) plus a consistency check that the
 * rotated flow targets agree with the flows of the rotated mask.
 */
import { describe, expect, it } from 'vitest';
import { drawAugmentation, randomRotateAndResize, warpTrainingPair, type AugmentDraw, type AugmentSource } from '../../../src/lib/core/cellpose/train/augment';
import { trainingTargets } from '../../../src/lib/core/cellpose/train/targets';

/** A generator that replays fixed values. */
function scripted(values: number[]): () => number {
	let i = 0;
	return () => {
		if (i >= values.length) throw new Error('scripted generator exhausted');
		return values[i++];
	};
}

/** An image whose pixel (y, x) of channel c is 100·c + 10·y + x, with zero targets. */
function ramp(width: number, height: number): AugmentSource {
	const n = width * height;
	const image = new Float32Array(2 * n);
	for (let c = 0; c < 2; c++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) image[c * n + y * width + x] = 100 * c + 10 * y + x;
	return { image, target: new Float32Array(3 * n), channels: 2, width, height };
}

function warp(src: AugmentSource, draw: AugmentDraw, bsize: number) {
	const x = new Float32Array(src.channels * bsize * bsize);
	const y = new Float32Array(3 * bsize * bsize);
	warpTrainingPair(src, draw, bsize, x, 0, y, 0);
	return { x, y };
}

const plain: AugmentDraw = { flip: false, theta: 0, scale: 1, dx: 0, dy: 0 };

describe('drawAugmentation', () => {
	it('draws flip, theta, scale, then the x and y shift, in that order', () => {
		const d = drawAugmentation(scripted([0.7, 0.25, 0.5, 0.1, 0.9]), 1000, 300, 2, 0.5, 224);
		expect(d.flip).toBe(true);
		expect(d.theta).toBeCloseTo(Math.PI / 2, 15);
		// (1 − 0.25) + 0.5·0.5 = 1, divided by the rescale factor 2.
		expect(d.scale).toBe(0.5);
		// x: (0.1 − 0.5)·(1000·0.5 − 224); y: 300·0.5 < 224, so no shift.
		expect(d.dx).toBeCloseTo(-0.4 * 276, 12);
		expect(d.dy === 0).toBe(true);
		expect(drawAugmentation(scripted([0.5, 0, 0, 0, 0]), 10, 10, 1, 0.5, 224).flip).toBe(false);
	});

	it('zoom stays within [1 − r/2, 1 + r/2) / rescale, rounded to float32 as Cellpose stores it', () => {
		expect(drawAugmentation(scripted([0, 0, 0, 0.5, 0.5]), 10, 10, 1, 0.5, 224).scale).toBe(0.75);
		const hi = drawAugmentation(scripted([0, 0, 0.999999, 0.5, 0.5]), 10, 10, 1.5, 0.5, 224).scale;
		expect(hi).toBe(Math.fround(Math.fround(0.75 + 0.5 * 0.999999) * (1 / 1.5)));
		expect(hi).toBeLessThan(1.25 / 1.5);
	});
});

describe('warpTrainingPair', () => {
	it('is the identity for no rotation, zoom, flip or shift on a bsize image', () => {
		const src = ramp(8, 8);
		expect(Array.from(warp(src, plain, 8).x)).toEqual(Array.from(src.image));
	});

	it('crops the centre of a larger image and shifts by d', () => {
		const src = ramp(8, 8);
		const { x } = warp(src, plain, 4);
		// c = (4, 4), c1 = (2, 2): output (y, x) samples (y + 2, x + 2).
		expect(Array.from(x.subarray(0, 4))).toEqual([22, 23, 24, 25]);
		expect(x[4 * 4 + 3 * 4 + 0]).toBe(100 + 52);
		const shifted = warp(src, { ...plain, dx: 1, dy: -1 }, 4).x;
		// c1 = (3, 1): output (y, x) samples (y + 3, x + 1).
		expect(shifted[0]).toBe(31);
	});

	it('rotates by θ = π/2 about the centre: output (y, x) samples (b − x, y), outside is 0', () => {
		const src = ramp(6, 6);
		const { x } = warp(src, { ...plain, theta: Math.PI / 2 }, 6);
		for (let yo = 0; yo < 6; yo++) {
			for (let xo = 0; xo < 6; xo++) {
				const v = x[yo * 6 + xo];
				if (xo === 0) expect(v).toBe(0);
				else expect(v).toBeCloseTo(10 * (6 - xo) + yo, 4);
			}
		}
	});

	it('mirrors horizontally before warping and negates dX', () => {
		const src = ramp(5, 5);
		src.target.fill(1, 0, 25); // cellprob
		src.target.fill(0.25, 25, 50); // dY
		src.target.fill(0.5, 50, 75); // dX
		const { x, y } = warp(src, { ...plain, flip: true }, 5);
		// c = c1 = (2.5, 2.5): no shift, so column x reads column 4 − x.
		expect(x[2 * 5 + 0]).toBe(24);
		expect(x[2 * 5 + 4]).toBe(20);
		expect(y[0]).toBe(1);
		expect(y[25]).toBeCloseTo(0.25, 6);
		expect(y[50]).toBeCloseTo(-0.5, 6);
	});

	it('zooms by 2 with bilinear sampling between pixels', () => {
		const src = ramp(8, 8);
		const { x } = warp(src, { ...plain, scale: 2 }, 8);
		// Output (y, x) samples ((y − 4)/2 + 4, (x − 4)/2 + 4): (4, 5) → (4, 4.5) = 44.5.
		expect(x[4 * 8 + 5]).toBeCloseTo(44.5, 5);
		expect(x[5 * 8 + 5]).toBeCloseTo(49.5, 5);
	});

	it('rotates the flow targets with the image: they match the flows of the warped mask', () => {
		const w = 64;
		const h = 56;
		const labels = new Uint32Array(w * h);
		for (let y = 0; y < h; y++)
			for (let x = 0; x < w; x++) {
				const u = (x - 30) / 18;
				const v = (y - 26) / 9;
				if (u * u + v * v < 1) labels[y * w + x] = 1;
			}
		const t = trainingTargets(labels, h, w);
		const src: AugmentSource = { image: new Float32Array(2 * w * h), target: t.data, channels: 2, width: w, height: h };
		for (const draw of [
			{ flip: false, theta: 1.1, scale: 1, dx: 2, dy: -1 },
			{ flip: true, theta: 4.0, scale: 1.2, dx: -3, dy: 2 }
		]) {
			const bs = 64;
			const out = warp(src, draw, bs);
			const mask = new Uint32Array(bs * bs);
			for (let i = 0; i < bs * bs; i++) mask[i] = out.y[i] > 0.5 ? 1 : 0;
			const ref = trainingTargets(mask, bs, bs);
			let cos = 0;
			let count = 0;
			for (let i = 0; i < bs * bs; i++) {
				if (!mask[i]) continue;
				const a = [out.y[bs * bs + i], out.y[2 * bs * bs + i]];
				const b = [ref.data[bs * bs + i], ref.data[2 * bs * bs + i]];
				const na = Math.hypot(a[0], a[1]);
				if (na < 0.5) continue; // the interpolated centre
				cos += (a[0] * b[0] + a[1] * b[1]) / na;
				count++;
			}
			expect(count).toBeGreaterThan(300);
			expect(cos / count).toBeGreaterThan(0.97);
		}
	});
});

describe('randomRotateAndResize', () => {
	it('augments each image of a batch with its own five draws, in batch order', () => {
		const a = ramp(8, 8);
		const b = ramp(10, 6);
		let calls = 0;
		const rand = () => (calls++, 0.5);
		const batch = randomRotateAndResize([a, b], [1, 2], 0.5, 4, rand);
		expect(calls).toBe(10);
		expect(batch.x.length).toBe(2 * 2 * 16);
		expect(batch.y.length).toBe(2 * 3 * 16);
		expect(batch.draws.map((d) => d.scale)).toEqual([1, 0.5]);
		expect(batch.draws[0].theta).toBeCloseTo(Math.PI, 15);
	});
});
