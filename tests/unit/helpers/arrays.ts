import { expect } from 'vitest';

/** Largest |a[i] − b[i]| of two arrays of the same length; NaN anywhere gives NaN (a failure). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
	expect(a.length).toBe(b.length);
	let m = 0;
	for (let i = 0; i < a.length; i++) {
		const d = Math.abs(a[i] - b[i]);
		if (!(d <= m)) m = d; // NaN propagates as a failure
	}
	return m;
}
