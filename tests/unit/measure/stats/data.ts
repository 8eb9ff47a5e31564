/**
 * Deterministic samples shared with the Python scripts that produced the SciPy reference values:
 * MINSTD (a ← a·48271 mod 2³¹−1) gives the same integers in both languages, and the mappings
 * below are single IEEE operations, so NumPy and JavaScript see identical doubles.
 */
function minstd(seed: number, n: number): number[] {
	let a = seed;
	const out: number[] = [];
	for (let i = 0; i < n; i++) {
		a = (a * 48271) % 2147483647;
		out.push(a);
	}
	return out;
}

/** Python: [(a / 2147483648) * scale + shift for a in minstd(seed, n)] — no ties in practice. */
export function cont(seed: number, n: number, scale = 1, shift = 0): Float64Array {
	return Float64Array.from(minstd(seed, n), (a) => (a / 2147483648) * scale + shift);
}

/** Python: [float(a % mod + shift) for a in minstd(seed, n)] — small integers, many ties. */
export function ints(seed: number, n: number, mod: number, shift = 0): Float64Array {
	return Float64Array.from(minstd(seed, n), (a) => (a % mod) + shift);
}

export function relErr(got: number, want: number): number {
	if (got === want) return 0;
	return Math.abs(got - want) / Math.abs(want);
}
