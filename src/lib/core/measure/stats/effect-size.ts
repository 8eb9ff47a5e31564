/**
 * Effect sizes to print next to p-values: Cliff's delta, the difference of medians with a seeded
 * percentile-bootstrap confidence interval, and the Hodges–Lehmann shift (median of all pairwise
 * differences). Medians and percentiles follow NumPy (`np.median`, `np.percentile` 'linear').
 */
import { seededRandom } from '../../example/random';
import { ParamError } from '../../formats/errors';
import { groupRankSums } from './ranks';

function requireValues(values: Float64Array, what: string): void {
	if (values.length === 0) throw new ParamError(undefined, `${what} has no values`);
}

/**
 * Rearranges buf[lo..hi] so buf[k] holds the value a full sort would put there, everything left of
 * it is ≤ and everything right of it ≥ (Hoare selection, median-of-three pivot). NaN-free input.
 */
function selectInPlace(buf: Float64Array, lo: number, hi: number, k: number): void {
	while (hi > lo) {
		const mid = (lo + hi) >>> 1;
		// median of three to the middle, as pivot
		if (buf[mid] < buf[lo]) swap(buf, mid, lo);
		if (buf[hi] < buf[lo]) swap(buf, hi, lo);
		if (buf[hi] < buf[mid]) swap(buf, hi, mid);
		const pivot = buf[mid];
		let i = lo;
		let j = hi;
		while (i <= j) {
			while (buf[i] < pivot) i++;
			while (buf[j] > pivot) j--;
			if (i <= j) {
				swap(buf, i, j);
				i++;
				j--;
			}
		}
		if (k <= j) hi = j;
		else if (k >= i) lo = i;
		else return;
	}
}

function swap(buf: Float64Array, a: number, b: number): void {
	const t = buf[a];
	buf[a] = buf[b];
	buf[b] = t;
}

/** Median of buf[0..n), reordering it; the mean of the two middle values when n is even (np.median). */
function medianInPlace(buf: Float64Array, n: number): number {
	const k = (n - 1) >> 1;
	selectInPlace(buf, 0, n - 1, k);
	const lower = buf[k];
	if (n % 2 === 1) return lower;
	let upper = buf[k + 1];
	for (let i = k + 2; i < n; i++) if (buf[i] < upper) upper = buf[i];
	return (lower + upper) / 2;
}

/** Median as NumPy's `np.median` (NaN-free values). */
export function median(values: Float64Array): number {
	requireValues(values, 'the sample');
	return medianInPlace(Float64Array.from(values), values.length);
}

/**
 * q-th percentile (0–100) of ascending `sorted`, as NumPy's `np.percentile(a, q)` (method
 * 'linear', including its two-sided lerp that is exact at both ends).
 */
export function percentileSorted(sorted: Float64Array, q: number): number {
	requireValues(sorted, 'the sample');
	if (!(q >= 0 && q <= 100)) throw new ParamError(undefined, `a percentile must lie between 0 and 100, not ${q}`);
	const h = (sorted.length - 1) * (q / 100);
	const i = Math.floor(h);
	const t = h - i;
	const a = sorted[i];
	if (i + 1 >= sorted.length) return a;
	const b = sorted[i + 1];
	const diff = b - a;
	return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Cliff's delta, P(X > Y) − P(X < Y) over all pairs: +1 when every x exceeds every y. Computed
 * from the rank sum, since #(x > y) − #(x < y) = 2·U₁ − n₁n₂, in O(n log n) and exactly.
 */
export function cliffsDelta(x: Float64Array, y: Float64Array): number {
	requireValues(x, 'the first sample');
	requireValues(y, 'the second sample');
	const n1 = x.length;
	const n2 = y.length;
	const u1 = groupRankSums([x, y]).sums[0] - (n1 * (n1 + 1)) / 2;
	return (2 * u1 - n1 * n2) / (n1 * n2);
}

/** Difference of medians, median(x) − median(y). */
export function medianDifference(x: Float64Array, y: Float64Array): number {
	return median(x) - median(y);
}

/**
 * Hodges–Lehmann shift: the median (np.median) of all n₁·n₂ differences xᵢ − yⱼ, found without
 * listing them. The differences form a matrix sorted along rows and columns (x ascending, y
 * descending); random pivots drawn from the remaining candidates narrow each row's window of
 * column indices until few candidates are left (expected O((n₁ + n₂)·log(n₁n₂)) time).
 */
export function hodgesLehmann(x: Float64Array, y: Float64Array): number {
	requireValues(x, 'the first sample');
	requireValues(y, 'the second sample');
	const xs = Float64Array.from(x).sort();
	const ys = Float64Array.from(y).sort().reverse(); // so xs[i] - ys[j] rises with j
	const total = xs.length * ys.length;
	const k = Math.floor((total - 1) / 2);
	const lower = kthDifference(xs, ys, k);
	return total % 2 === 1 ? lower : (lower + kthDifference(xs, ys, k + 1)) / 2;
}

/** The k-th smallest (0-based) xs[i] − ys[j]; rows ascend with j and columns with i. */
function kthDifference(xs: Float64Array, ys: Float64Array, k: number): number {
	const n1 = xs.length;
	const n2 = ys.length;
	const lo = new Int32Array(n1); // candidates in row i: columns lo[i] .. hi[i]-1
	const hi = new Int32Array(n1).fill(n2);
	const less = new Int32Array(n1);
	const lessEq = new Int32Array(n1);
	const rand = seededRandom(0x5eed);
	let below = 0; // differences known to be smaller than every candidate
	for (;;) {
		let candidates = 0;
		for (let i = 0; i < n1; i++) candidates += hi[i] - lo[i];
		if (candidates <= Math.max(64, n1)) {
			const rest = new Float64Array(candidates);
			let c = 0;
			for (let i = 0; i < n1; i++) for (let j = lo[i]; j < hi[i]; j++) rest[c++] = xs[i] - ys[j];
			rest.sort();
			return rest[k - below];
		}
		// a pivot drawn uniformly from the candidates
		let r = Math.floor(rand() * candidates);
		let pivot = 0;
		for (let i = 0; i < n1; i++) {
			const w = hi[i] - lo[i];
			if (r < w) {
				pivot = xs[i] - ys[lo[i] + r];
				break;
			}
			r -= w;
		}
		// per row, how many differences are < pivot and ≤ pivot (two pointers: both fall as i rises)
		let jl = n2;
		let je = n2;
		let countLess = 0;
		let countLessEq = 0;
		for (let i = 0; i < n1; i++) {
			while (jl > 0 && xs[i] - ys[jl - 1] >= pivot) jl--;
			while (je > 0 && xs[i] - ys[je - 1] > pivot) je--;
			less[i] = Math.min(Math.max(jl, lo[i]), hi[i]);
			lessEq[i] = Math.min(Math.max(je, lo[i]), hi[i]);
			countLess += less[i] - lo[i];
			countLessEq += lessEq[i] - lo[i];
		}
		if (k < below + countLess) {
			for (let i = 0; i < n1; i++) hi[i] = less[i];
		} else if (k < below + countLessEq) {
			return pivot;
		} else {
			below += countLessEq;
			for (let i = 0; i < n1; i++) lo[i] = lessEq[i];
		}
	}
}

export interface BootstrapOptions {
	/** Resamples drawn (default 2000). */
	readonly resamples?: number;
	/** Coverage of the interval (default 0.95). */
	readonly confidence?: number;
	/** Seed of the generator, so the interval is the same every run (default 1). */
	readonly seed?: number;
}

export interface BootstrapInterval {
	/** median(x) − median(y) of the data themselves. */
	readonly estimate: number;
	readonly lower: number;
	readonly upper: number;
	readonly confidence: number;
	readonly resamples: number;
	readonly seed: number;
}

/**
 * Percentile-bootstrap interval for median(x) − median(y): each resample draws n₁ values from x and
 * n₂ from y with replacement (index ⌊u·n⌋, u from `seededRandom(seed)`, x before y), and the
 * interval is the (1 − c)/2 and (1 + c)/2 percentiles of the resampled differences (np.percentile).
 */
export function bootstrapMedianDifference(x: Float64Array, y: Float64Array, options: BootstrapOptions = {}): BootstrapInterval {
	requireValues(x, 'the first sample');
	requireValues(y, 'the second sample');
	const resamples = options.resamples ?? 2000;
	const confidence = options.confidence ?? 0.95;
	const seed = options.seed ?? 1;
	if (!Number.isInteger(resamples) || resamples < 1 || resamples > 1e6) {
		throw new ParamError(undefined, `the number of bootstrap resamples must be a whole number from 1 to 1,000,000, not ${resamples}`);
	}
	if (!(confidence > 0 && confidence < 1)) throw new ParamError(undefined, `the confidence level must lie between 0 and 1, not ${confidence}`);
	const rand = seededRandom(seed);
	const bx = new Float64Array(x.length);
	const by = new Float64Array(y.length);
	const diffs = new Float64Array(resamples);
	for (let b = 0; b < resamples; b++) {
		for (let i = 0; i < bx.length; i++) bx[i] = x[Math.floor(rand() * x.length)];
		for (let i = 0; i < by.length; i++) by[i] = y[Math.floor(rand() * y.length)];
		diffs[b] = medianInPlace(bx, bx.length) - medianInPlace(by, by.length);
	}
	diffs.sort();
	const tail = ((1 - confidence) / 2) * 100;
	return {
		estimate: medianDifference(x, y),
		lower: percentileSorted(diffs, tail),
		upper: percentileSorted(diffs, 100 - tail),
		confidence,
		resamples,
		seed
	};
}
