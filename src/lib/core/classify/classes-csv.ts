/**
 * The per-cell class table: `image,label,class`, plus `confidence` for predictions. `mycol
 * train-classifier --classes` reads it (the labelled cells), `mycol classify --out` writes it. It
 * has the first columns of the per-cell measurement CSV (conventions §5.2), so a measurement table
 * with classes can serve as training labels too: other columns are ignored, and a row with an
 * empty class is an unlabelled cell.
 */
import { FormatError } from '../formats/errors';
import { readCsv, writeCsv, type CsvValue } from '../formats/csv';
import { fileStem } from '../dataset/pairing';

export interface CellClass {
	/** The image's file name (or its stem). */
	image: string;
	/** Cell id in the image's mask. */
	label: number;
	className: string;
	/** Softmax probability of the class, for predictions. */
	confidence?: number;
}

export const CLASSES_CSV_COLUMNS = ['image', 'label', 'class'] as const;

/** The CSV text; with `confidence`, a fourth column (empty where a row has none). */
export function writeClassesCsv(rows: readonly CellClass[], opts: { confidence?: boolean; comments?: readonly string[] } = {}): string {
	const header: string[] = [...CLASSES_CSV_COLUMNS, ...(opts.confidence ? ['confidence'] : [])];
	const data = rows.map((r): CsvValue[] => (opts.confidence ? [r.image, r.label, r.className, r.confidence] : [r.image, r.label, r.className]));
	return writeCsv(header, data, { comments: opts.comments });
}

/** Labelled cells of a class table (rows with an empty class are skipped). */
export function readClassesCsv(file: string, text: string): CellClass[] {
	const { header, rows } = readCsv(file, text);
	const lower = header.map((h) => h.trim().toLowerCase());
	const col = (name: string) => lower.indexOf(name);
	const [ci, li, ki] = CLASSES_CSV_COLUMNS.map(col);
	const missing = CLASSES_CSV_COLUMNS.filter((_, j) => [ci, li, ki][j] < 0);
	if (missing.length) {
		throw new FormatError(file, `the table has no ${missing.map((m) => `'${m}'`).join(' or ')} column; a class table has the columns image, label, class`);
	}
	const fi = col('confidence');
	const out: CellClass[] = [];
	const seen = new Map<string, { cls: string; row: number }>();
	rows.forEach((r, i) => {
		const row = i + 1;
		const className = r[ki].trim();
		if (className === '') return;
		const image = r[ci].trim();
		if (image === '') throw new FormatError(file, `data row ${row} has a class but no image name`);
		const labelText = r[li].trim();
		const label = Number(labelText);
		if (labelText === '' || !Number.isInteger(label) || label < 1 || label > 0xffffffff) {
			throw new FormatError(file, `data row ${row}: '${r[li]}' is not a cell label (a whole number ≥ 1)`);
		}
		const key = `${image}\u0000${label}`;
		const prev = seen.get(key);
		if (prev) {
			if (prev.cls !== className) throw new FormatError(file, `cell ${label} of ${image} is labelled '${prev.cls}' in data row ${prev.row} and '${className}' in data row ${row}`);
			return;
		}
		seen.set(key, { cls: className, row });
		const cell: CellClass = { image, label, className };
		if (fi >= 0 && r[fi].trim() !== '') {
			const c = Number(r[fi]);
			if (!(c >= 0 && c <= 1)) throw new FormatError(file, `data row ${row}: the confidence '${r[fi]}' is not a number from 0 to 1`);
			cell.confidence = c;
		}
		out.push(cell);
	});
	return out;
}

/** The distinct class names, sorted (code-point order, so the class indices never depend on row order). */
export function classNamesOf(rows: readonly CellClass[]): string[] {
	return [...new Set(rows.map((r) => r.className))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The rows of one image, matched by file name or by stem (`demo01.tif` ↔ `demo01`), as label → class. */
export function classesOfImage(rows: readonly CellClass[], imageName: string): Map<number, string> {
	const stem = fileStem(imageName);
	const out = new Map<number, string>();
	for (const r of rows) if (r.image === imageName || r.image === stem || fileStem(r.image) === stem) out.set(r.label, r.className);
	return out;
}
