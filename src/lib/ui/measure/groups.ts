/** Turning the joined table into plot/stat groups: by class ("unlabelled" first) or by image. */
import type { JoinedTable } from '$lib/core/measure/joined';
import type { CellClass } from '$lib/store/types';
import { OKABE_ITO } from '$lib/ui/viewer/palette';

export type GroupBy = 'class' | 'image';

export interface Group {
	name: string;
	colour: string;
	/** Row indices of the joined table. */
	rows: number[];
}

const UNLABELLED = 'unlabelled';

export function groupRows(t: JoinedTable, by: GroupBy, classes: readonly CellClass[], rows: ArrayLike<number>): Group[] {
	const map = new Map<string, number[]>();
	const key = (i: number) => (by === 'class' ? (t.cls[i] ?? UNLABELLED) : t.image[i]);
	for (let k = 0; k < rows.length; k++) {
		const i = rows[k];
		const g = key(i);
		let list = map.get(g);
		if (!list) map.set(g, (list = []));
		list.push(i);
	}
	let names = [...map.keys()];
	if (by === 'class') {
		// As the original app: unlabelled first, then classes in the user's order.
		const order = [UNLABELLED, ...classes.map((c) => c.name)];
		names = names.sort((a, b) => order.indexOf(a) - order.indexOf(b));
	}
	return names.map((name, k) => ({
		name,
		colour: by === 'class' ? (classes.find((c) => c.name === name)?.colour ?? '#999999') : OKABE_ITO[k % OKABE_ITO.length],
		rows: map.get(name) as number[]
	}));
}

export function valuesOf(t: JoinedTable, column: number, rows: readonly number[]): Float64Array {
	const v = t.values[column];
	return Float64Array.from(rows, (i) => v[i]);
}
