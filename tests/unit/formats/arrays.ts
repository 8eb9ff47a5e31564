/**
 * Test helper: compare large arrays quickly (vitest's deep equality is slow on typed arrays of
 * hundreds of thousands of elements).
 */

/** Index of the first element where a and b differ (the shorter length if only lengths differ), -1 when equal. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i]) && a[i] !== b[i]) return i;
	return a.length === b.length ? -1 : n;
}
