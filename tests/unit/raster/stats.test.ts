import { describe, expect, it } from 'vitest';
import { channelStats, percentileOfSorted, rasterStats } from '../../../src/lib/core/raster/stats';
import type { Raster } from '../../../src/lib/core/raster/types';

describe('display statistics', () => {
	it('percentileOfSorted follows numpy linear interpolation (hand-worked)', () => {
		// numpy: np.percentile([1,2,3,4], 1) = 1.03, 99 -> 3.97, 50 -> 2.5
		expect(percentileOfSorted([1, 2, 3, 4], 1)).toBeCloseTo(1.03, 12);
		expect(percentileOfSorted([1, 2, 3, 4], 99)).toBeCloseTo(3.97, 12);
		expect(percentileOfSorted([1, 2, 3, 4], 50)).toBe(2.5);
		expect(percentileOfSorted([7], 99)).toBe(7);
	});

	it('the histogram path equals sorting for uint16 and int16', () => {
		const n = 10_007;
		const u = new Uint16Array(n);
		const s = new Int16Array(n);
		let x = 12345;
		for (let i = 0; i < n; i++) {
			x = (x * 1103515245 + 12345) >>> 0;
			u[i] = x & 0xffff;
			s[i] = (x >>> 16) - 32768;
		}
		for (const [data, dtype] of [[u, 'uint16'], [s, 'int16']] as const) {
			const r: Raster = { width: n, height: 1, channels: 1, dtype, data };
			const sorted = Float64Array.from(data).sort();
			const st = channelStats(r, 0);
			expect(st.min).toBe(sorted[0]);
			expect(st.max).toBe(sorted[n - 1]);
			expect(st.p1).toBeCloseTo(percentileOfSorted(sorted, 1), 9);
			expect(st.p99).toBeCloseTo(percentileOfSorted(sorted, 99), 9);
		}
	});

	it('handles float data with NaN and several channels', () => {
		const data = new Float32Array([0, 1, 2, NaN, 10, 20, 30, 40]);
		const st = rasterStats({ width: 2, height: 2, channels: 2, dtype: 'float32', data });
		expect(st[0].min).toBe(0);
		expect(st[0].max).toBe(2);
		expect(st[1].min).toBe(10);
		expect(st[1].p99).toBeCloseTo(40 - 0.03 * 10, 9);
	});
});
