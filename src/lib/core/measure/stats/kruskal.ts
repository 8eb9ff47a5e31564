/**
 * Kruskal–Wallis H test, as SciPy 1.10 `scipy.stats.kruskal(*groups)`: H from the pooled average
 * ranks, divided by the tie correction 1 − Σ(t³ − t)/(N³ − N), with the chi-square p-value on
 * k − 1 degrees of freedom. The arithmetic follows SciPy's order so H agrees to the last bits.
 */
import { ParamError, formatCount } from '../../formats/errors';
import { chiSquareSf } from './gamma';
import { groupRankSums } from './ranks';

export interface KruskalResult {
	/** H, corrected for ties. */
	readonly h: number;
	/** P(χ²(df) ≥ H). */
	readonly p: number;
	/** Degrees of freedom, groups − 1. */
	readonly df: number;
	/** Values in all groups. */
	readonly n: number;
}

export function kruskalWallis(groups: readonly Float64Array[]): KruskalResult {
	const k = groups.length;
	if (k < 2) throw new ParamError(undefined, `the Kruskal–Wallis test needs at least two groups, not ${k}`);
	for (let g = 0; g < k; g++) {
		if (groups[g].length === 0) throw new ParamError(undefined, `the Kruskal–Wallis test needs values in every group, and group ${g + 1} is empty`);
	}
	const { sums, tieTerm, n } = groupRankSums(groups);
	const ties = 1 - tieTerm / (n * n * n - n);
	if (ties === 0) {
		throw new ParamError(undefined, `all ${formatCount(n)} values are identical, so the Kruskal–Wallis test has nothing to rank`);
	}
	let ssbn = 0;
	for (let g = 0; g < k; g++) ssbn += (sums[g] * sums[g]) / groups[g].length;
	let h = (12.0 / (n * (n + 1))) * ssbn - 3 * (n + 1);
	h /= ties;
	const df = k - 1;
	return { h, p: chiSquareSf(h, df), df, n };
}
