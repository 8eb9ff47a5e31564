/**
 * The comparison the Measure page prints under a plot: Mann–Whitney U for two groups, Kruskal–Wallis
 * H for more, each with effect sizes, and for more than two groups every pair by Mann–Whitney with
 * Holm-adjusted p-values. Groups may hold cells or per-image values (see `aggregateByImage`).
 */
import { ParamError, formatCount } from '../../formats/errors';
import {
	bootstrapMedianDifference,
	cliffsDelta,
	hodgesLehmann,
	median,
	medianDifference,
	type BootstrapInterval,
	type BootstrapOptions
} from './effect-size';
import { holmAdjust } from './holm';
import { kruskalWallis } from './kruskal';
import { mannWhitneyU, type MannWhitneyMethod } from './mann-whitney';

export interface GroupValues {
	readonly name: string;
	readonly values: Float64Array;
}

export interface CompareOptions {
	/** Pairwise Mann–Whitney tests with Holm adjustment when there are more than two groups (default true). */
	readonly pairwise?: boolean;
	/** Bootstrap settings for the median-difference interval, or false to skip it (it is the slow part). */
	readonly bootstrap?: BootstrapOptions | false;
	/** Mann–Whitney p-value method (default 'auto', as SciPy). */
	readonly method?: MannWhitneyMethod;
}

export interface GroupSummary {
	readonly name: string;
	readonly n: number;
	readonly median: number;
	readonly mean: number;
}

/** Effect sizes of group a against group b (positive when a tends to be larger). */
export interface PairEffect {
	readonly cliffsDelta: number;
	/** median(a) − median(b). */
	readonly medianDifference: number;
	/** Median of all differences aᵢ − bⱼ. */
	readonly hodgesLehmann: number;
	/** Bootstrap interval for the median difference; null when the bootstrap was switched off. */
	readonly interval: BootstrapInterval | null;
}

export interface PairwiseRow {
	readonly a: string;
	readonly b: string;
	/** U of group a. */
	readonly u: number;
	readonly p: number;
	/** Holm-adjusted over all pairs. */
	readonly pAdjusted: number;
	readonly method: 'exact' | 'asymptotic';
	readonly effect: PairEffect;
}

export interface Comparison {
	readonly test: 'Mann–Whitney U' | 'Kruskal–Wallis H';
	/** U of the first group, or H. */
	readonly statistic: number;
	readonly p: number;
	readonly method: 'exact' | 'asymptotic' | 'chi-square';
	/** Degrees of freedom of the chi-square (Kruskal–Wallis), else null. */
	readonly df: number | null;
	readonly groups: GroupSummary[];
	/** First group against the second, when there are exactly two. */
	readonly effect: PairEffect | null;
	/** ε² = H/(n − 1), the rank effect size for Kruskal–Wallis (Tomczak & Tomczak 2014), else null. */
	readonly epsilonSquared: number | null;
	/** All pairs (first-named group as a) when there are more than two groups and `pairwise` is on. */
	readonly pairwise: PairwiseRow[];
}

function checkGroups(groups: readonly GroupValues[]): void {
	if (groups.length < 2) {
		const named = groups.length === 1 ? ` (only “${groups[0].name}”)` : '';
		throw new ParamError(undefined, `a comparison needs at least two groups, and there ${groups.length === 1 ? 'is' : 'are'} ${groups.length}${named}`);
	}
	const seen = new Set<string>();
	for (const g of groups) {
		if (seen.has(g.name)) throw new ParamError(undefined, `two groups are both named “${g.name}”; give each group its own name`);
		seen.add(g.name);
		if (g.values.length === 0) throw new ParamError(undefined, `group “${g.name}” has no values to compare`);
		let bad = 0;
		for (let i = 0; i < g.values.length; i++) if (!Number.isFinite(g.values[i])) bad++;
		if (bad > 0) {
			throw new ParamError(
				undefined,
				`group “${g.name}” holds ${formatCount(bad)} ${bad === 1 ? 'value that is' : 'values that are'} not a finite number; leave such cells out before comparing`
			);
		}
	}
}

function summary(g: GroupValues): GroupSummary {
	let s = 0;
	for (let i = 0; i < g.values.length; i++) s += g.values[i];
	return { name: g.name, n: g.values.length, median: median(g.values), mean: s / g.values.length };
}

function pairEffect(a: Float64Array, b: Float64Array, bootstrap: BootstrapOptions | false): PairEffect {
	return {
		cliffsDelta: cliffsDelta(a, b),
		medianDifference: medianDifference(a, b),
		hodgesLehmann: hodgesLehmann(a, b),
		interval: bootstrap === false ? null : bootstrapMedianDifference(a, b, bootstrap)
	};
}

/** Compare two or more groups (see the module comment); refuses fewer than two groups or empty ones. */
export function compareGroups(groups: readonly GroupValues[], options: CompareOptions = {}): Comparison {
	checkGroups(groups);
	const bootstrap = options.bootstrap ?? {};
	const summaries = groups.map(summary);
	if (groups.length === 2) {
		const r = mannWhitneyU(groups[0].values, groups[1].values, { method: options.method });
		return {
			test: 'Mann–Whitney U',
			statistic: r.u,
			p: r.p,
			method: r.method,
			df: null,
			groups: summaries,
			effect: pairEffect(groups[0].values, groups[1].values, bootstrap),
			epsilonSquared: null,
			pairwise: []
		};
	}
	const kw = kruskalWallis(groups.map((g) => g.values));
	const pairwise: PairwiseRow[] = [];
	if (options.pairwise ?? true) {
		const raw: { a: number; b: number; u: number; p: number; method: 'exact' | 'asymptotic' }[] = [];
		for (let a = 0; a < groups.length; a++) {
			for (let b = a + 1; b < groups.length; b++) {
				const r = mannWhitneyU(groups[a].values, groups[b].values, { method: options.method });
				raw.push({ a, b, u: r.u, p: r.p, method: r.method });
			}
		}
		const adjusted = holmAdjust(raw.map((r) => r.p));
		raw.forEach((r, i) =>
			pairwise.push({
				a: groups[r.a].name,
				b: groups[r.b].name,
				u: r.u,
				p: r.p,
				pAdjusted: adjusted[i],
				method: r.method,
				effect: pairEffect(groups[r.a].values, groups[r.b].values, bootstrap)
			})
		);
	}
	return {
		test: 'Kruskal–Wallis H',
		statistic: kw.h,
		p: kw.p,
		method: 'chi-square',
		df: kw.df,
		groups: summaries,
		effect: null,
		epsilonSquared: kw.h / (kw.n - 1),
		pairwise
	};
}
