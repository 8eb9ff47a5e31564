import { describe, expect, it } from 'vitest';
import { channelPercentiles, resizePlane, rgbScaling, samPixelValues, SAM_MEAN, SAM_STD, unitPlane } from '../../../src/lib/core/sam/preprocess';
import { encoderFrame } from '../../../src/lib/core/sam/prompt';
import { ParamError } from '../../../src/lib/core/formats/errors';
import type { Raster } from '../../../src/lib/core/raster/types';

const N = 1024 * 1024;
const full = (r: Raster) => ({ x0: 0, y0: 0, x1: r.width, y1: r.height });

describe('resizePlane', () => {
	it('resizes [0, 255] from 2 to 4 pixels as the spec works it out', () => {
		expect(Array.from(resizePlane(Float32Array.of(0, 255), 1, 2, 1, 4))).toEqual([0, 63.75, 191.25, 255]);
	});

	// skimage 0.19.3 `transform.resize(a, shape, order=1, mode='edge', anti_aliasing=False,
	// preserve_range=True)` (half-pixel centres, edge clamped), /usr/bin/python3.
	it('matches skimage bilinear when enlarging 3 × 4 → 5 × 7', () => {
		const src = Float32Array.from([80.5, 80.8, 51.5, 28.6, 5.4, 38.3, 40.8, 4.5, 4.9, 99.9, 65.2, 23.5]);
		const want = [
			[80.5, 80.607143, 80.778571, 66.15, 49.864286, 36.778571, 28.6],
			[50.46, 55.224286, 62.847143, 55.51, 45.201429, 29.052857, 18.96],
			[5.4, 17.15, 35.95, 39.55, 38.207143, 17.464286, 4.5],
			[5.1, 30.157143, 70.248571, 65.35, 52.615714, 30.021429, 15.9],
			[4.9, 38.828571, 93.114286, 82.55, 62.221429, 38.392857, 23.5]
		].flat();
		const got = resizePlane(src, 3, 4, 5, 7);
		want.forEach((w, k) => expect(got[k]).toBeCloseTo(w, 3));
		// A roi computes the same values for its pixels.
		const roi = resizePlane(src, 3, 4, 5, 7, { x0: 2, y0: 1, x1: 5, y1: 4 });
		expect(roi.length).toBe(9);
		expect(roi[0]).toBeCloseTo(want[1 * 7 + 2], 3);
		expect(roi[8]).toBeCloseTo(want[3 * 7 + 4], 3);
	});

	it('matches skimage bilinear when shrinking by less than 2× (7 × 5 → 4 × 3)', () => {
		const src = Float32Array.from([
			43.5, 97.4, 89.8, 84.4, 39.2, 49.3, 67.7, 6.1, 55.6, 27.1, 88.0, 6.4, 67.9, 87.0, 22.7, 89.5, 87.2, 1.9, 70.7, 0.1, 50.3, 43.7, 20.3, 32.5, 80.6,
			31.6, 14.9, 69.9, 44.9, 79.9, 23.6, 32.0, 80.0, 50.7, 50.6
		]);
		const want = [59.204167, 58.4125, 47.641667, 64.291667, 59.65, 41.570833, 53.179167, 18.0, 59.45, 26.2625, 76.2125, 57.233333];
		const got = resizePlane(src, 7, 5, 4, 3);
		want.forEach((w, k) => expect(got[k]).toBeCloseTo(w, 3));
	});

	it('averages areas when shrinking by more than 2×', () => {
		// 10 → 3: numpy `np.repeat(x, 3).reshape(3, 10).mean(1)`, the exact area average.
		const x = Float32Array.from([23.6, 1.5, 93.3, 8.6, 84.5, 36.8, 95.1, 39.9, 93.6, 55.6]);
		const got = resizePlane(x, 1, 10, 1, 3);
		[36.38, 57.13, 66.24].forEach((w, k) => expect(got[k]).toBeCloseTo(w, 4));
		// 8 × 8 → 2 × 2: the means of the 4 × 4 blocks (skimage `downscale_local_mean`).
		const img = Float32Array.from({ length: 64 }, (_, i) => i);
		const blocks = resizePlane(img, 8, 8, 2, 2);
		// Block (0, 0) holds rows 0–3, columns 0–3: mean of 8y + x = 8·1.5 + 1.5 = 13.5.
		expect(Array.from(blocks)).toEqual([13.5, 17.5, 45.5, 49.5]);
		// Without antialiasing it is plain bilinear: pixel 0 samples src 1.5 → between 1 and 2.
		expect(resizePlane(Float32Array.from([0, 10, 20, 30, 40, 50, 60, 70]), 1, 8, 1, 2, undefined, false)[0]).toBe(15);
	});
});

describe('channel percentiles', () => {
	it('matches numpy on 0..999 (spec A4) and maps 500 to 127', () => {
		const r: Raster = { width: 1000, height: 1, channels: 1, dtype: 'uint16', data: Uint16Array.from({ length: 1000 }, (_, i) => i) };
		const [p1, p998] = channelPercentiles(r.data, [1, 99.8]);
		expect(p1).toBeCloseTo(9.99, 9);
		expect(p998).toBeCloseTo(997.002, 9);
		const s = rgbScaling(r);
		expect(s.source).toEqual([0, 0, 0]);
		const plane = unitPlane(r, s, 0, full(r));
		expect(Math.round(plane[500] * 255)).toBe(127);
		expect(plane[0]).toBe(0);
		expect(plane[999]).toBe(1);
	});

	it('matches numpy.percentile on float data', () => {
		// v_i = ((7919·i) mod 2003)² / 64, exact in float32; numpy 1.24:
		// np.percentile(v, [1, 99.8]) = [6.243906250000001, 62375.18740625].
		const v = Float32Array.from({ length: 2000 }, (_, i) => ((7919 * i) % 2003) ** 2 / 64);
		const [a, b] = channelPercentiles(v, [1, 99.8]);
		expect(a).toBeCloseTo(6.24390625, 8);
		expect(b).toBeCloseTo(62375.18740625, 6);
	});

	it('falls back to min/max, then to zero for a constant channel', () => {
		// 99 % zeros: p1 = p99.8 = 0 → min/max 0 … 255.
		const d = new Uint8Array(1000);
		d[999] = 255;
		const r: Raster = { width: 1000, height: 1, channels: 1, dtype: 'uint8', data: d };
		expect(rgbScaling(r).hi[0]).toBe(255);
		expect(unitPlane(r, rgbScaling(r), 0, full(r))[999]).toBe(1);
		const flat: Raster = { width: 10, height: 1, channels: 1, dtype: 'float32', data: new Float32Array(10).fill(7) };
		expect(Array.from(unitPlane(flat, rgbScaling(flat), 0, full(flat)))).toEqual(new Array(10).fill(0));
	});

	it('reproduces Mycol with raw scaling: ÷255, or ÷65535 when the maximum exceeds 255', () => {
		const a: Raster = { width: 2, height: 1, channels: 1, dtype: 'uint16', data: Uint16Array.of(255, 100) };
		expect(Array.from(unitPlane(a, rgbScaling(a, { scaling: 'raw' }), 0, full(a)))).toEqual([1, 100 / 255].map(Math.fround));
		const b: Raster = { width: 2, height: 1, channels: 1, dtype: 'uint16', data: Uint16Array.of(256, 65535) };
		expect(Array.from(unitPlane(b, rgbScaling(b, { scaling: 'raw' }), 0, full(b)))).toEqual([256 / 65535, 1].map(Math.fround));
	});

	it('uses 8-bit RGB as it is, and picks channels', () => {
		const rgb: Raster = { width: 1, height: 1, channels: 4, dtype: 'uint8', data: Uint8Array.of(10, 20, 30, 255) };
		const s = rgbScaling(rgb);
		expect(s).toMatchObject({ source: [0, 1, 2], lo: [0, 0, 0], hi: [255, 255, 255] });
		expect(rgbScaling(rgb, { channels: [3, 2, -1] }).source).toEqual([3, 2, -1]);
		expect(() => rgbScaling(rgb, { channels: [0, 1, 4] })).toThrow(ParamError);
		const two: Raster = { width: 1, height: 1, channels: 2, dtype: 'uint16', data: Uint16Array.of(1, 2) };
		expect(rgbScaling(two).source).toEqual([0, 1, -1]);
	});
});

describe('samPixelValues', () => {
	it('normalises with the ImageNet mean/std in CHW layout (spec A4)', () => {
		// 8-bit RGB 1024 × 1024 (no resize): pixel (5, 7) has G = 200, everything else is 255/0/0.
		const W = 1024;
		const data = new Uint8Array(3 * N);
		data.fill(255, 0, N);
		data[N + 7 * W + 5] = 200;
		const r: Raster = { width: W, height: W, channels: 3, dtype: 'uint8', data };
		const out = samPixelValues(r, encoderFrame(W, W));
		expect(out.length).toBe(3 * N);
		// v = 255 in R: (1 − 0.485)/0.229 = 2.2489…
		expect(out[123]).toBeCloseTo(2.2489, 4);
		expect(out[N + 7 * W + 5]).toBeCloseTo((200 / 255 - 0.456) / 0.224, 5);
		expect(out[N + 7 * W + 6]).toBeCloseTo(-0.456 / 0.224, 5);
		expect(out[2 * N]).toBeCloseTo(-0.406 / 0.225, 5);
	});

	it('replicates gray into R, G, B, stretches, and pads with zeros after normalising', () => {
		// 200 × 100 gray, left half 0, right half 1000 (16-bit, percentile-scaled to 0 and 255).
		const w = 200;
		const h = 100;
		const g = new Uint16Array(w * h);
		for (let y = 0; y < h; y++) for (let x = w / 2; x < w; x++) g[y * w + x] = 1000;
		const r: Raster = { width: w, height: h, channels: 1, dtype: 'uint16', data: g };
		const hi = (c: number) => (1 - SAM_MEAN[c]) / SAM_STD[c];
		const lo = (c: number) => -SAM_MEAN[c] / SAM_STD[c];
		const s = samPixelValues(r, encoderFrame(w, h, 'stretch'));
		for (let c = 0; c < 3; c++) {
			expect(s[c * N + 900 * 1024 + 10]).toBeCloseTo(lo(c), 5);
			expect(s[c * N + 10 * 1024 + 1000]).toBeCloseTo(hi(c), 5);
		}
		const p = samPixelValues(r, encoderFrame(w, h, 'pad'));
		// Content 1024 × 512 at the top-left; below row 512 everything is exactly 0.
		expect(p[0]).toBeCloseTo(lo(0), 5);
		expect(p[511 * 1024 + 1023]).toBeCloseTo(hi(0), 5);
		expect(p[512 * 1024 + 1023]).toBe(0);
		expect(p[2 * N + 1023 * 1024]).toBe(0);
	});

	it('encodes only the crop of a cropped frame', () => {
		const w = 300;
		const h = 200;
		const d = new Uint8Array(3 * w * h);
		// Mark pixel (100, 50) white in all channels.
		for (let c = 0; c < 3; c++) d[c * w * h + 50 * w + 100] = 255;
		const r: Raster = { width: w, height: h, channels: 3, dtype: 'uint8', data: d };
		// A 128 × 128 crop at (100, 50): the white pixel is its origin, scaled 8×. Frame pixel (3, 3)
		// samples source (−0.06 → 0, −0.06 → 0): white; (16, 16) samples 1.56: between black pixels.
		const f = encoderFrame(w, h, 'stretch', { x0: 100, y0: 50, x1: 228, y1: 178 });
		const out = samPixelValues(r, f);
		expect(out[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
		expect(out[3 * 1024 + 3]).toBeCloseTo((1 - 0.485) / 0.229, 5);
		expect(out[16 * 1024 + 16]).toBeCloseTo(-0.485 / 0.229, 5);
		expect(() => samPixelValues(r, encoderFrame(w + 1, h))).toThrow(RangeError);
	});
});
