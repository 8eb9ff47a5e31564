/**
 * cv2.resize semantics (spec §3.5). Expected values: the spec's worked examples (checked there
 * against cv2 4.6), and a separate numpy implementation of the spec's formula
 * (/usr/bin/python3, numpy 1.24, float32 arrays: horizontal pass then vertical, each
 * `img[s]·(1−a) + img[s+1]·a` in float32) on the test images below.
 */
import { describe, expect, it } from 'vitest';
import { linearAxis, nearestAxis, resizeLinear, resizeNearest } from '../../../src/lib/core/cellpose/resize';

/** `sin(0.37y + 0.11x² + k)·100 + cos(0.05xy)·7` as float32 (numpy computed the same in float64, then cast). */
function testImage(h: number, w: number, k: number): Float32Array {
	const a = new Float32Array(h * w);
	for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a[y * w + x] = Math.sin(0.37 * y + 0.11 * x * x + k) * 100 + Math.cos(0.05 * x * y) * 7;
	return a;
}

function sum(a: Float32Array): number {
	let s = 0;
	for (const v of a) s += v;
	return s;
}

describe('cv2 INTER_LINEAR coefficients', () => {
	it('500 → 882 (rescale 30/17): the spec example', () => {
		const { s, w1 } = linearAxis(500, 882);
		expect([s[0], w1[0]]).toEqual([0, 0]);
		expect(s[1]).toBe(0);
		expect(w1[1]).toBeCloseTo(0.3503, 4);
		expect(s[2]).toBe(0);
		expect(w1[2]).toBeCloseTo(0.9172, 4);
		expect([s[881], w1[881]]).toEqual([499, 0]);
		// numpy float32 values of the same formula.
		expect(w1[1]).toBe(Math.fround(0.35034013));
		expect(w1[2]).toBe(Math.fround(0.9172336));
	});

	it('882 → 500 (back to the original size): the spec example', () => {
		const { s, w1 } = linearAxis(882, 500);
		expect(s[0]).toBe(0);
		expect(w1[0]).toBeCloseTo(0.382, 6);
		expect(s[1]).toBe(2);
		expect(w1[1]).toBeCloseTo(0.146, 4);
		expect(s[499]).toBe(880);
		expect(w1[499]).toBeCloseTo(0.618, 4);
	});

	it('weights are float32 and sum to 1', () => {
		const { w0, w1 } = linearAxis(37, 101);
		for (let i = 0; i < 101; i++) expect(w0[i] + w1[i]).toBeCloseTo(1, 7);
	});
});

describe('cv2 INTER_NEAREST indices', () => {
	it('882 → 500 and 250 → 500: the spec examples (no half-pixel offset)', () => {
		const a = nearestAxis(882, 500);
		expect([a[0], a[1], a[2], a[499]]).toEqual([0, 1, 3, 880]);
		const b = nearestAxis(250, 500);
		expect([b[0], b[1], b[2], b[3]]).toEqual([0, 0, 1, 1]);
	});

	it('resizes a label image', () => {
		const src = new Uint16Array([1, 2, 3, 4, 5, 6]); // 2 × 3
		const dst = resizeNearest(src, 2, 3, 4, 6, new Uint16Array(24));
		expect(Array.from(dst)).toEqual([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6]);
	});
});

describe('resizeLinear against numpy (float32 formula of spec §3.5)', () => {
	const cases: [number, number, number, number, string[], number][] = [
		[7, 9, 11, 5, ['11.391132354736328', '44.14673614501953', '103.8573989868164', '-54.36803436279297'], 1862.2276020050049],
		[13, 6, 20, 17, ['7.0', '71.82453155517578', '56.71906661987305', '30.041824340820312'], 1731.891788482666],
		[40, 33, 23, 71, ['20.36404800415039', '96.85128784179688', '3.184016227722168', '12.825057983398438'], 1742.206328511238]
	];
	for (const [h, w, dh, dw, px, total] of cases) {
		it(`${w}×${h} → ${dw}×${dh}`, () => {
			const out = resizeLinear(testImage(h, w, 0), 1, h, w, dh, dw);
			const at = (y: number, x: number) => out[y * dw + x];
			const got = [at(0, 0), at(dh - 1, dw - 1), at(Math.floor(dh / 2), Math.floor(dw / 3)), at(1, dw - 2)];
			// Math.sin/cos may differ from numpy's in the last bit of the float64, so allow 1 float32 ulp-ish.
			got.forEach((g, i) => expect(Math.abs(g - Number(px[i]))).toBeLessThanOrEqual(2e-5));
			expect(sum(out)).toBeCloseTo(total, 2);
		});
	}

	it('resizes every plane with the same coefficients', () => {
		const a = testImage(13, 6, 0);
		const two = new Float32Array(2 * a.length);
		two.set(a);
		two.set(a, a.length);
		const out = resizeLinear(two, 2, 13, 6, 20, 17);
		const single = resizeLinear(a, 1, 13, 6, 20, 17);
		expect(Array.from(out.subarray(0, 340))).toEqual(Array.from(single));
		expect(Array.from(out.subarray(340))).toEqual(Array.from(single));
	});

	it('copies when the size does not change', () => {
		const a = testImage(9, 11, 2);
		expect(Array.from(resizeLinear(a, 1, 9, 11, 9, 11))).toEqual(Array.from(a));
	});

	it('an exact 2× reduction is the 2×2 mean (cv2 INTER_AREA fast path), numpy values', () => {
		const a = testImage(10, 14, 1);
		const two = new Float32Array(2 * a.length);
		two.set(a);
		const out = resizeLinear(two, 2, 10, 14, 5, 7);
		const expected: [number, number, number][] = [
			[0, 0, 99.82177734375],
			[4, 6, 14.955934524536133],
			[2, 3, 65.3744888305664]
		];
		for (const [y, x, v] of expected) expect(Math.abs(out[y * 7 + x] - v)).toBeLessThanOrEqual(2e-5);
		expect(sum(out.subarray(0, 35))).toBeCloseTo(44.29703998565674, 3);
		expect(Array.from(out.subarray(35))).toEqual(new Array(35).fill(0));
	});

	it('upscaling a constant stays constant, including the replicated edges', () => {
		const a = new Float32Array(6 * 4).fill(3.25);
		const out = resizeLinear(a, 1, 6, 4, 17, 9);
		expect(out.every((v) => v === 3.25)).toBe(true);
	});
});
