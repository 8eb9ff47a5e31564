/**
 * Holm–Bonferroni step-down adjustment, as statsmodels `multipletests(p, method='holm')`: sort the
 * m p-values ascending, multiply the i-th (0-based) by m − i, take the running maximum so adjusted
 * values never decrease with the raw ones, cap at 1, and return them in the input order.
 */
import { ParamError } from '../../formats/errors';

export function holmAdjust(p: ArrayLike<number>): Float64Array {
	const m = p.length;
	for (let i = 0; i < m; i++) {
		if (!(p[i] >= 0 && p[i] <= 1)) throw new ParamError(undefined, `p-value ${i + 1} is ${p[i]}, not a probability between 0 and 1`);
	}
	const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => p[a] - p[b] || a - b);
	const adjusted = new Float64Array(m);
	let running = 0;
	for (let r = 0; r < m; r++) {
		const i = order[r];
		running = Math.max(running, p[i] * (m - r));
		adjusted[i] = Math.min(running, 1);
	}
	return adjusted;
}
