/**
 * All cells of all images in one table (the Measure page, the per-cell CSV): `image`, `label`,
 * `class` (when classes exist), then the descriptor columns of conventions §5.2, in that order.
 */
import { ParamError } from '../formats/errors';
import { writeCsv, type CsvValue } from '../formats/csv';
import type { CellTable } from './descriptors';

export interface ImageCells {
	image: string;
	table: CellTable;
	/** Class name of a cell id, or null when it has none. */
	classOf?: (label: number) => string | null;
}

export interface JoinedTable {
	/** Descriptor columns (without image, label, class). */
	columns: string[];
	image: string[];
	label: Uint32Array;
	/** Class name per row (null = unlabelled); all null when no classes exist. */
	cls: (string | null)[];
	hasClasses: boolean;
	values: Float64Array[];
	rowCount: number;
}

/** Join per-image tables; they must have the same columns (same units and channels). */
export function joinTables(parts: readonly ImageCells[], hasClasses = false): JoinedTable {
	const first = parts[0]?.table.columns ?? ['label'];
	const columns = first.slice(1);
	const rowCount = parts.reduce((n, p) => n + p.table.rowCount, 0);
	const values = columns.map(() => new Float64Array(rowCount));
	const image = new Array<string>(rowCount);
	const label = new Uint32Array(rowCount);
	const cls = new Array<string | null>(rowCount).fill(null);
	let r = 0;
	for (const p of parts) {
		const t = p.table;
		if (t.columns.length !== first.length || t.columns.some((c, j) => c !== first[j])) {
			throw new ParamError(p.image, `its measurements have other columns (${t.columns.slice(1, 4).join(', ')}, …) than the first image's (${first.slice(1, 4).join(', ')}, …); measure images with the same channels and units together`);
		}
		const labels = t.values[0];
		for (let i = 0; i < t.rowCount; i++, r++) {
			image[r] = p.image;
			label[r] = labels[i];
			if (hasClasses && p.classOf) cls[r] = p.classOf(labels[i]);
			for (let j = 0; j < columns.length; j++) values[j][r] = t.values[j + 1][i];
		}
	}
	return { columns, image, label, cls, hasClasses, values, rowCount };
}

/** The header of the per-cell CSV. */
export function csvHeader(t: JoinedTable): string[] {
	return ['image', 'label', ...(t.hasClasses ? ['class'] : []), ...t.columns];
}

/** The per-cell CSV; `rows` (indices) picks and orders rows (default: all in table order). */
export function joinedCsv(t: JoinedTable, comments: string[] = [], rows?: ArrayLike<number>): string {
	const order = rows ?? Uint32Array.from({ length: t.rowCount }, (_, i) => i);
	const out: CsvValue[][] = [];
	for (let k = 0; k < order.length; k++) {
		const i = order[k];
		const row: CsvValue[] = [t.image[i], t.label[i]];
		if (t.hasClasses) row.push(t.cls[i] ?? '');
		for (let j = 0; j < t.columns.length; j++) {
			const v = t.values[j][i];
			row.push(Number.isNaN(v) ? '' : v);
		}
		out.push(row);
	}
	return writeCsv(csvHeader(t), out, { comments });
}
