/**
 * Gaussian kernel density for violin plots, as SciPy's `stats.gaussian_kde` with its default
 * bandwidth (Scott's rule: factor n^(-1/5) times the sample standard deviation, ddof 1).
 */

/** Scott's-rule bandwidth of a sample; 0 when it has fewer than 2 distinct values. */
export function scottBandwidth(values: ArrayLike<number>): number {
	const n = values.length;
	if (n < 2) return 0;
	let mean = 0;
	for (let i = 0; i < n; i++) mean += values[i];
	mean /= n;
	let ss = 0;
	for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
	return Math.pow(n, -1 / 5) * Math.sqrt(ss / (n - 1));
}

/** The density at each of `at`, for the sample `values` and bandwidth `h` (Scott's when omitted). */
export function gaussianKde(values: ArrayLike<number>, at: ArrayLike<number>, h = scottBandwidth(values)): Float64Array {
	const out = new Float64Array(at.length);
	const n = values.length;
	if (n === 0 || !(h > 0)) return out;
	const norm = 1 / (n * h * Math.sqrt(2 * Math.PI));
	for (let j = 0; j < at.length; j++) {
		let s = 0;
		for (let i = 0; i < n; i++) {
			const z = (at[j] - values[i]) / h;
			s += Math.exp(-0.5 * z * z);
		}
		out[j] = s * norm;
	}
	return out;
}

/**
 * `count` evenly spaced points covering the sample and `cut` bandwidths beyond each end (as
 * seaborn's `cut`; violins use 0 so they never suggest values outside the data).
 */
export function densityGrid(values: ArrayLike<number>, count = 64, cut = 3): Float64Array {
	let lo = Infinity;
	let hi = -Infinity;
	for (let i = 0; i < values.length; i++) {
		lo = Math.min(lo, values[i]);
		hi = Math.max(hi, values[i]);
	}
	if (!Number.isFinite(lo)) return new Float64Array(0);
	const pad = cut * scottBandwidth(values);
	lo -= pad;
	hi += pad;
	const grid = new Float64Array(count);
	for (let k = 0; k < count; k++) grid[k] = count === 1 ? lo : lo + ((hi - lo) * k) / (count - 1);
	return grid;
}
