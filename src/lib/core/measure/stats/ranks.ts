/**
 * Ranks of pooled samples with ties sharing the mean of the ranks they span, as SciPy
 * `scipy.stats.rankdata(method='average')`; the rank tests are built on these.
 */
import { ParamError } from '../../formats/errors';

function refuseNaN(values: ArrayLike<number>, what: string): void {
	for (let i = 0; i < values.length; i++) {
		if (Number.isNaN(values[i])) throw new ParamError(undefined, `${what} holds a value that is not a number (NaN) at position ${i + 1}, which cannot be ranked`);
	}
}

/** 1-based average ranks of `values` in their own order (rankdata 'average'). */
export function averageRanks(values: Float64Array): Float64Array {
	refuseNaN(values, 'the sample');
	const n = values.length;
	const order = new Uint32Array(n);
	for (let i = 0; i < n; i++) order[i] = i;
	order.sort((a, b) => (values[a] < values[b] ? -1 : values[a] > values[b] ? 1 : a - b));
	const ranks = new Float64Array(n);
	let start = 0;
	while (start < n) {
		const v = values[order[start]];
		let end = start + 1;
		while (end < n && values[order[end]] === v) end++;
		// positions start..end-1 hold ranks start+1..end; their mean:
		const rank = (start + 1 + end) / 2;
		for (let k = start; k < end; k++) ranks[order[k]] = rank;
		start = end;
	}
	return ranks;
}

/** Rank sums of groups ranked together, and the tie term Σ(t³ − t) over tie groups of size t. */
export interface RankSums {
	/** Sum of the pooled average ranks of each group's values. */
	readonly sums: Float64Array;
	/** Σ(t³ − t) over groups of equal values, as SciPy's `tiecorrect` and `_tie_term` sum it. */
	readonly tieTerm: number;
	/** Values in all groups together. */
	readonly n: number;
}

/**
 * Rank sums of `groups` pooled, without materialising the ranks: each group is sorted (native
 * typed-array sort) and the sorted runs are merged one tie group at a time. Rank sums are sums of
 * half-integers, so they are exact whatever the order of addition (below 2⁵² per group).
 */
export function groupRankSums(groups: readonly Float64Array[]): RankSums {
	const k = groups.length;
	const sorted: Float64Array[] = [];
	let n = 0;
	for (let g = 0; g < k; g++) {
		refuseNaN(groups[g], `group ${g + 1}`);
		sorted.push(Float64Array.from(groups[g]).sort());
		n += groups[g].length;
	}
	const head = new Int32Array(k);
	const sums = new Float64Array(k);
	const count = new Float64Array(k);
	let tieTerm = 0;
	let placed = 0;
	while (placed < n) {
		let v = Infinity;
		let any = false;
		for (let g = 0; g < k; g++) {
			if (head[g] < sorted[g].length && (!any || sorted[g][head[g]] < v)) {
				v = sorted[g][head[g]];
				any = true;
			}
		}
		let t = 0;
		for (let g = 0; g < k; g++) {
			const s = sorted[g];
			let h = head[g];
			while (h < s.length && s[h] === v) h++;
			count[g] = h - head[g];
			t += count[g];
			head[g] = h;
		}
		const rank = placed + (t + 1) / 2;
		for (let g = 0; g < k; g++) if (count[g] > 0) sums[g] += count[g] * rank;
		if (t > 1) tieTerm += t * t * t - t;
		placed += t;
	}
	return { sums, tieTerm, n };
}
