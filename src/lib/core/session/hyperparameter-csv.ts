/**
 * The hyperparameter CSV. The original app writes `hyperparameter_search.csv` after an Optuna
 * search, with the columns `cellprob,flow_threshold,niter,min_size,ap_iou_0.5` (pandas
 * `to_csv(index=False)`, rows sorted by `ap_iou_0.5`), and then applies the best row's values to
 * inference. Mycol reads such files as they are, applies the row with the highest `ap_iou_0.5`
 * the same way, and writes the same columns plus `diameter` (empty `ap_iou_0.5` when the values
 * come from the user rather than a search).
 */
import { FormatError } from '../formats/errors';
import { readCsv, writeCsv, type CsvValue } from '../formats/csv';
import { CELLPOSE_DEFAULTS } from '../cellpose/params';
import type { SegmentationSettings } from './schema';

/** The columns written, in order: the original app's five, then ours. */
export const HYPERPARAMETER_COLUMNS = ['cellprob', 'flow_threshold', 'niter', 'min_size', 'ap_iou_0.5', 'diameter'] as const;

/** Columns a file must have (the original app's parameters). */
const REQUIRED = ['cellprob', 'flow_threshold', 'niter', 'min_size'] as const;

export interface HyperparameterRow {
	/** Cell probability threshold (`cellprobThreshold`). */
	cellprob: number;
	/** Flow error threshold (`flowThreshold`). */
	flowThreshold: number;
	/** Euler steps; 0 = derived from the diameter. */
	niter: number;
	/** Smallest mask kept, in pixels. */
	minSize: number;
	/** Mean AP at IoU 0.5 of a search trial, or null when the row was not scored. */
	apIou50: number | null;
	/** Cell diameter in pixels (0 = the model's own), or null when the file has no value. */
	diameter: number | null;
}

function isMissing(s: string): boolean {
	const t = s.trim().toLowerCase();
	return t === '' || t === 'nan';
}

/** Every row of a hyperparameter CSV, checked; columns are found by name, unknown ones ignored. */
export function readHyperparameterCsv(file: string, text: string): HyperparameterRow[] {
	const table = readCsv(file, text);
	const header = table.header.map((h) => h.trim());
	const col = (name: string): number => header.indexOf(name);
	for (const name of REQUIRED) {
		if (col(name) < 0) {
			throw new FormatError(file, `the file has no "${name}" column; a hyperparameter CSV has the columns ${HYPERPARAMETER_COLUMNS.slice(0, 5).join(', ')} (and optionally diameter)`);
		}
	}
	if (table.rows.length === 0) throw new FormatError(file, 'the file has a header but no rows of values');
	const apCol = col('ap_iou_0.5');
	const diameterCol = col('diameter');
	return table.rows.map((row, i) => {
		const cell = (name: string, k: number, kind: 'number' | 'count' | 'size'): number => {
			const raw = row[k];
			const v = isMissing(raw) ? NaN : Number(raw.trim());
			const where = `row ${i + 1}, column ${name}`;
			if (!Number.isFinite(v)) throw new FormatError(file, `${where}: "${raw}" is not a number`);
			if (kind === 'count' && (!Number.isInteger(v) || v < 0)) throw new FormatError(file, `${where}: ${raw} must be a whole number of 0 or more`);
			if (kind === 'size' && v < 0) throw new FormatError(file, `${where}: ${raw} must be 0 or more`);
			return v;
		};
		const optional = (name: string, k: number): number | null => (k < 0 || isMissing(row[k]) ? null : cell(name, k, 'size'));
		return {
			cellprob: cell('cellprob', col('cellprob'), 'number'),
			flowThreshold: cell('flow_threshold', col('flow_threshold'), 'number'),
			niter: cell('niter', col('niter'), 'count'),
			minSize: cell('min_size', col('min_size'), 'count'),
			apIou50: apCol < 0 || isMissing(row[apCol]) ? null : cell('ap_iou_0.5', apCol, 'number'),
			diameter: optional('diameter', diameterCol)
		};
	});
}

/** The row the original app applies: the highest `ap_iou_0.5` (the first on ties); without scores, the first row. */
export function bestHyperparameterRow(rows: readonly HyperparameterRow[]): HyperparameterRow {
	if (rows.length === 0) throw new RangeError('bestHyperparameterRow: no rows');
	let best = rows[0];
	for (const r of rows) {
		if (r.apIou50 !== null && (best.apIou50 === null || r.apIou50 > best.apIou50)) best = r;
	}
	return best;
}

/** Settings with a row's values applied (a row without a diameter leaves the diameter as it was). */
export function applyHyperparameters(settings: SegmentationSettings, row: HyperparameterRow): SegmentationSettings {
	const out: SegmentationSettings = {
		...settings,
		cellprobThreshold: row.cellprob,
		flowThreshold: row.flowThreshold,
		niter: row.niter,
		minSize: row.minSize
	};
	if (row.diameter !== null) out.diameter = row.diameter;
	return out;
}

/** Read a hyperparameter CSV and apply its best row to the settings. */
export function loadHyperparameterCsv(
	file: string,
	text: string,
	settings: SegmentationSettings
): { settings: SegmentationSettings; best: HyperparameterRow; rows: HyperparameterRow[] } {
	const rows = readHyperparameterCsv(file, text);
	const best = bestHyperparameterRow(rows);
	return { settings: applyHyperparameters(settings, best), best, rows };
}

function numberOr(v: unknown, fallback: number): number {
	return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** The current settings as one unscored row (absent values are Cellpose 3.1's defaults; niter null is 0). */
export function hyperparametersFromSettings(settings: SegmentationSettings): HyperparameterRow {
	return {
		cellprob: numberOr(settings.cellprobThreshold, CELLPOSE_DEFAULTS.cellprobThreshold),
		flowThreshold: numberOr(settings.flowThreshold, CELLPOSE_DEFAULTS.flowThreshold),
		niter: numberOr(settings.niter, 0),
		minSize: numberOr(settings.minSize, CELLPOSE_DEFAULTS.minSize),
		apIou50: null,
		diameter: numberOr(settings.diameter, 0)
	};
}

/** The CSV text (LF line ends, as pandas writes it). */
export function writeHyperparameterCsv(rows: readonly HyperparameterRow[]): string {
	const values = rows.map((r): CsvValue[] => [r.cellprob, r.flowThreshold, r.niter, r.minSize, r.apIou50, r.diameter]);
	return writeCsv(HYPERPARAMETER_COLUMNS, values, { newline: '\n' });
}
