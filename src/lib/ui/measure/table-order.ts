/** Sorting and filtering the joined cell table by row indices (the table itself never moves). */
import type { JoinedTable } from '$lib/core/measure/joined';

export type SortKey = { column: 'image' | 'label' | 'class' | number; descending: boolean };

export interface RowFilter {
	/** Rows whose image or class contains this text (case-insensitive). */
	text: string;
	/** Column index and inclusive bounds (null = open). */
	column: number | null;
	min: number | null;
	max: number | null;
}

/** Row indices that pass the filter, in the sort order. NaN sorts last either way. */
export function orderRows(t: JoinedTable, sort: SortKey | null, filter: RowFilter): Uint32Array {
	const text = filter.text.trim().toLowerCase();
	const keep: number[] = [];
	const col = filter.column !== null ? t.values[filter.column] : null;
	for (let i = 0; i < t.rowCount; i++) {
		if (text && !t.image[i].toLowerCase().includes(text) && !(t.cls[i] ?? 'unlabelled').toLowerCase().includes(text)) continue;
		if (col) {
			const v = col[i];
			if (filter.min !== null && !(v >= filter.min)) continue;
			if (filter.max !== null && !(v <= filter.max)) continue;
		}
		keep.push(i);
	}
	const rows = Uint32Array.from(keep);
	if (!sort) return rows;
	const dir = sort.descending ? -1 : 1;
	let cmp: (a: number, b: number) => number;
	if (sort.column === 'image') cmp = (a, b) => dir * t.image[a].localeCompare(t.image[b], undefined, { numeric: true }) || t.label[a] - t.label[b];
	else if (sort.column === 'class') cmp = (a, b) => dir * (t.cls[a] ?? '').localeCompare(t.cls[b] ?? '') || a - b;
	else if (sort.column === 'label') cmp = (a, b) => dir * (t.label[a] - t.label[b]) || a - b;
	else {
		const v = t.values[sort.column];
		cmp = (a, b) => {
			const x = v[a];
			const y = v[b];
			if (Number.isNaN(x)) return Number.isNaN(y) ? a - b : 1;
			if (Number.isNaN(y)) return -1;
			return dir * (x - y) || a - b;
		};
	}
	return rows.sort(cmp);
}
