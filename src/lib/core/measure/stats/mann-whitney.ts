/**
 * Two-sided Mann–Whitney U test, as SciPy 1.10 `scipy.stats.mannwhitneyu(x, y)` with its defaults
 * (`use_continuity=True`, `alternative='two-sided'`, `method='auto'`): the U reported is that of the
 * first sample; 'auto' takes the exact null distribution unless both samples exceed 8 values or
 * there are ties, and otherwise the normal approximation with tie and continuity corrections.
 */
import { ParamError, formatCount } from '../../formats/errors';
import { normalSf } from './normal';
import { groupRankSums } from './ranks';

export type MannWhitneyMethod = 'auto' | 'exact' | 'asymptotic';

export interface MannWhitneyResult {
	/** U of the first sample: the number of (x, y) pairs with x > y, ties counting ½. */
	readonly u: number;
	/** Two-sided p-value. */
	readonly p: number;
	/** How p was found ('auto' resolved). */
	readonly method: 'exact' | 'asymptotic';
	readonly n1: number;
	readonly n2: number;
	/** Whether any values are tied (across or within the samples). */
	readonly ties: boolean;
}

export interface MannWhitneyOptions {
	readonly method?: MannWhitneyMethod;
	/** Continuity correction of the normal approximation (SciPy `use_continuity`, default true). */
	readonly continuity?: boolean;
}

/** The exact distribution is refused beyond this much work (min(n1, n2) × tail length). */
const EXACT_WORK_LIMIT = 2e8;

/**
 * SciPy's `special.binom(n, k)` for integer arguments (Cephes `binom`): the multiplicative formula
 * with k reduced by symmetry, rescaled past 1e50, so the exact p-values match SciPy to the last bit.
 */
function binomLikeScipy(n: number, k: number): number {
	let kx = k;
	if (kx > n / 2 && n > 0) kx = n - kx;
	let num = 1;
	let den = 1;
	for (let i = 1; i <= kx; i++) {
		num *= i + n - kx;
		den *= i;
		if (Math.abs(num) > 1e50) {
			num /= den;
			den = 1;
		}
	}
	return num / den;
}

/**
 * P(U ≥ u) under the null for samples of n1 and n2 values without ties, as SciPy's `_MWU.sf`:
 * by symmetry the lower tail up to n1·n2 − u, each count divided by C(n1+n2, n1), then summed in
 * order. The counts (the q-binomial coefficients [n1+n2 choose m]_q, m the smaller size) are
 * built by m steps of ×(1 − q^(n+i)) / (1 − q^i), truncated at the degree needed.
 */
export function mannWhitneyExactSf(u: number, n1: number, n2: number): number {
	const m = Math.min(n1, n2);
	const other = Math.max(n1, n2);
	const k = n1 * n2 - u;
	if (k < 0) return 0;
	const top = Math.min(k, n1 * n2);
	if (m * top > EXACT_WORK_LIMIT) {
		throw new ParamError(
			undefined,
			`samples of ${formatCount(n1)} and ${formatCount(n2)} values are too large for the exact Mann–Whitney distribution; use the asymptotic method`
		);
	}
	const counts = new Float64Array(top + 1);
	counts[0] = 1;
	for (let i = 1; i <= m; i++) {
		const drop = other + i;
		for (let j = top; j >= drop; j--) counts[j] -= counts[j - drop];
		for (let j = i; j <= top; j++) counts[j] += counts[j - i];
	}
	const total = binomLikeScipy(n1 + n2, n1);
	let cdf = 0;
	for (let j = 0; j <= top; j++) cdf += counts[j] / total;
	return cdf;
}

/** Two-sided Mann–Whitney U test of x against y (see the module comment for the SciPy defaults). */
export function mannWhitneyU(x: Float64Array, y: Float64Array, options: MannWhitneyOptions = {}): MannWhitneyResult {
	const n1 = x.length;
	const n2 = y.length;
	if (n1 === 0 || n2 === 0) throw new ParamError(undefined, 'the Mann–Whitney test needs at least one value in each sample');
	const { sums, tieTerm } = groupRankSums([x, y]);
	const ties = tieTerm > 0;
	let method = options.method ?? 'auto';
	if (method === 'auto') method = (n1 > 8 && n2 > 8) || ties ? 'asymptotic' : 'exact';
	const u1 = sums[0] - (n1 * (n1 + 1)) / 2;
	const u2 = n1 * n2 - u1;
	const u = Math.max(u1, u2);
	let p: number;
	if (method === 'exact') {
		p = 2 * mannWhitneyExactSf(Math.trunc(u), n1, n2);
	} else {
		const n = n1 + n2;
		const mu = (n1 * n2) / 2;
		const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
		let numerator = u - mu;
		if (options.continuity ?? true) numerator -= 0.5;
		// s = 0 only when every value is tied: z = −∞ and the p-value is 1, as in SciPy.
		p = 2 * normalSf(numerator / s);
	}
	return { u: u1, p: Math.min(Math.max(p, 0), 1), method, n1, n2, ties };
}
