/**
 * The AP surface over two searched parameters, for the page's heat map: each cell holds the best
 * mean AP@0.5 among the rows with that pair of values (the other parameters at their best), or
 * null where no row was scored (coarse-to-fine leaves gaps).
 */
import type { SearchRow } from './score';
import type { SearchSetting } from './space';

export type SurfaceAxis = keyof SearchSetting;

export interface SearchSurface {
	x: SurfaceAxis;
	y: SurfaceAxis;
	/** The values present on each axis, ascending. */
	xs: number[];
	ys: number[];
	/** `values[j][i]`: the best AP@0.5 at `ys[j]`, `xs[i]`. */
	values: (number | null)[][];
}

export function searchSurface(rows: readonly SearchRow[], x: SurfaceAxis, y: SurfaceAxis): SearchSurface {
	const xs = [...new Set(rows.map((r) => r[x]))].sort((a, b) => a - b);
	const ys = [...new Set(rows.map((r) => r[y]))].sort((a, b) => a - b);
	const xi = new Map(xs.map((v, i) => [v, i]));
	const yi = new Map(ys.map((v, j) => [v, j]));
	const values: (number | null)[][] = ys.map(() => xs.map(() => null));
	for (const r of rows) {
		const row = values[yi.get(r[y]) as number];
		const i = xi.get(r[x]) as number;
		const v = row[i];
		if (v === null || r.ap50 > v) row[i] = r.ap50;
	}
	return { x, y, xs, ys, values };
}
