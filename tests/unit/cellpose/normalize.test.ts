/**
 * normalize_img / normalize99 (spec §3.3). Expected values come from numpy 1.24 (/usr/bin/python3):
 * `np.percentile` and `X -= p1; X /= (p99 - p1)` on the float32 arrays built below.
 */
import { describe, expect, it } from 'vitest';
import { ParamError } from '../../../src/lib/core/formats/errors';
import { normalize99, normalizeImage, percentileSample, percentilesF32 } from '../../../src/lib/core/cellpose/normalize';

/** numpy: `a = ((i*7919) % 1013).astype(float32) * f32(0.37) - f32(50)` for i < 1001, then `a[::10] = a[5]`. */
function tiesArray(): Float32Array {
	const a = new Float32Array(1001);
	for (let i = 0; i < 1001; i++) a[i] = Math.fround(Math.fround(((i * 7919) % 1013) * Math.fround(0.37)) - 50);
	const v = a[5];
	for (let i = 0; i < 1001; i += 10) a[i] = v;
	return a;
}

describe('np.percentile (linear) on float32 data', () => {
	it('matches numpy 1.24 on an array with ties, bit for bit', () => {
		const qs = [0, 1, 2, 33.3, 50, 98, 99, 100];
		const expected = [
			-49.630001068115234, -45.560001373291016, -41.86000061035156, 47.68000030517576, 116.8699951171875, 315.55999755859375, 319.6300048828125,
			324.44000244140625
		];
		expect(percentilesF32(tiesArray(), qs)).toEqual(expected);
	});

	it('returns float64 results and uses the t ≥ 0.5 branch of numpy _lerp', () => {
		expect(percentilesF32(new Float32Array([3, 1, 2]), [1, 50, 75.5, 99])).toEqual([1.02, 2, 2.51, 2.98]);
		// numpy: [16777216, 16777218, 1e-3, 3e7] at 10/40/60/99 %.
		expect(percentilesF32(new Float32Array([16777216, 16777218, 1e-3, 3e7]), [10, 40, 60, 99])).toEqual([
			5033164.801000001, 16777216.4, 16777217.6, 29603316.539999995
		]);
	});

	it('handles one value and all-equal values', () => {
		expect(percentilesF32(new Float32Array([4.5]), [1, 99])).toEqual([4.5, 4.5]);
		expect(percentilesF32(new Float32Array(1000).fill(-2), [1, 99])).toEqual([-2, -2]);
	});

	it('agrees with a full sort on many random arrays (selection is exact)', () => {
		let seed = 12345;
		const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
		for (let k = 0; k < 50; k++) {
			const n = 1 + Math.floor(Math.abs(rnd()) * 5000);
			const a = new Float32Array(n);
			for (let i = 0; i < n; i++) a[i] = k % 3 === 0 ? Math.round(rnd() * 5) + 0 : rnd() * 1000; // + 0: no −0 (its order against 0 is arbitrary, the value the same)
			const sorted = Float32Array.from(a).sort();
			const ref = (q: number) => {
				const rank = (n - 1) * (q / 100);
				const i = Math.floor(rank);
				const t = rank - i;
				if (rank >= n - 1) return sorted[n - 1];
				const x = sorted[i];
				const y = sorted[i + 1];
				const d = Math.fround(y - x);
				return t < 0.5 ? x + d * t : y - d * (1 - t);
			};
			expect(percentilesF32(a, [1, 2, 50, 98, 99])).toEqual([1, 2, 50, 98, 99].map(ref));
		}
	});
});

describe('normalize99', () => {
	it('matches numpy on a 53×37 plane', () => {
		const H = 37;
		const W = 53;
		const p = new Float32Array(H * W);
		for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) p[y * W + x] = ((y * 31 + x * 17) % 1000) * 1.5 + 7;
		const [lo, hi] = normalize99(p, H, W);
		expect([lo, hi]).toEqual([22, 1489]);
		expect(p[0]).toBe(Math.fround(-0.010224948637187481));
		expect(p[5 * W + 9]).toBe(Math.fround(0.3047034740447998));
		let s = 0;
		for (const v of p) s += v;
		expect(s).toBe(980.9713696762919);
	});

	it('takes percentiles on [::Ly//224, ::Lx//224] above 224³ pixels (3400² → 227² samples)', () => {
		const H = 3400;
		const W = 3400;
		const p = new Float32Array(H * W);
		for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) p[y * W + x] = (y * 31 + x * 17) % 1000;
		const s = percentileSample(p, H, W);
		expect(s.length).toBe(227 * 227);
		expect(s[1]).toBe(p[15]);
		expect(s[227]).toBe(p[15 * W]);
		// numpy: np.percentile(big[::15, ::15], 1 / 99) = 10.0 / 988.6000000000058 (the full image gives 10 / 989).
		expect(normalize99(p, H, W)).toEqual([10, 988.6000000000058]);
	});

	it('sets a channel with p99 − p1 ≤ 1e-3 to 0', () => {
		const p = new Float32Array(1000).fill(5);
		p[0] = 6; // range > 0, but the 1st and 99th percentiles are equal
		normalize99(p, 1, 1000);
		expect(p.every((v) => v === 0)).toBe(true);
	});
});

describe('normalize_img', () => {
	it('leaves a constant channel unchanged (ptp == 0) and inverts only normalised channels', () => {
		const n = 100;
		const img = new Float32Array(2 * n);
		for (let i = 0; i < n; i++) img[i] = i;
		img.fill(3, n);
		const good = normalizeImage(img, 2, 10, 10, { invert: true });
		expect(good).toEqual([true, false]);
		expect(img[n]).toBe(3);
		// numpy: p1 = 0.99, p99 = 98.01 → x = 1 − (i − 0.99)/97.02 in float32.
		const lo = Math.fround(0.99);
		const r = Math.fround(98.01 - 0.99);
		expect(img[50]).toBe(Math.fround(1 - Math.fround(Math.fround(50 - lo) / r)));
	});

	it('uses custom percentiles', () => {
		const img = new Float32Array(200);
		for (let i = 0; i < 100; i++) img[i] = i;
		normalizeImage(img, 2, 10, 10, { percentile: [2, 98] });
		// p2 = 1.98, p98 = 97.02
		expect(img[0]).toBe(Math.fround(-Math.fround(1.98) / Math.fround(97.02 - 1.98)));
	});

	it('applies lowhigh to every channel, even an all-zero one', () => {
		const img = new Float32Array([0, 10, 20, 30, 0, 0, 0, 0]);
		normalizeImage(img, 2, 2, 2, { lowhigh: [10, 30] });
		expect(Array.from(img)).toEqual([-0.5, 0, 0.5, 1, -0.5, -0.5, -0.5, -0.5]);
		const img2 = new Float32Array([0, 10, 20, 30, 0, 1, 2, 3]);
		normalizeImage(img2, 2, 2, 2, { lowhigh: [
			[0, 30],
			[1, 3]
		] });
		expect(Array.from(img2.subarray(4))).toEqual([-0.5, 0, 0.5, 1]);
	});

	it('does nothing with normalize off', () => {
		const img = new Float32Array([5, 6, 7, 8, 0, 0, 0, 0]);
		normalizeImage(img, 2, 2, 2, { normalize: false });
		expect(Array.from(img)).toEqual([5, 6, 7, 8, 0, 0, 0, 0]);
	});

	it('rejects bad options with plain sentences', () => {
		const img = new Float32Array(8);
		expect(() => normalizeImage(img, 2, 2, 2, { percentile: [99, 1] })).toThrow(ParamError);
		expect(() => normalizeImage(img, 2, 2, 2, { percentile: [1, 101] })).toThrow(/0 ≤ lower < upper ≤ 100/);
		expect(() => normalizeImage(img, 2, 2, 2, { lowhigh: [5, 5] })).toThrow(/low < high/);
		expect(() => normalizeImage(img, 2, 2, 2, { lowhigh: [[0, 1]] })).toThrow(/one pair for each of the 2 channels/);
		expect(() => normalizeImage(img, 2, 2, 2, { normalize: false, invert: true })).toThrow(/needs normalisation/);
	});
});
