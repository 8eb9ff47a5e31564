/**
 * Search results as the hyperparameter CSV (session/hyperparameter-csv.ts): the original app's
 * `hyperparameter_search.csv` columns plus `diameter`, one row per setting tried, best first (so
 * that loading the file applies the best row, as `bestHyperparameterRow` takes the first of equals).
 */
import { writeHyperparameterCsv, type HyperparameterRow } from '../../session/hyperparameter-csv';
import { rankRows, type SearchRow } from './score';

/** One CSV row per search row, best first. */
export function searchRowsToHyperparameters(rows: readonly SearchRow[]): HyperparameterRow[] {
	return rankRows(rows).map((r) => ({
		cellprob: r.cellprob,
		flowThreshold: r.flowThreshold,
		niter: r.niter,
		minSize: r.minSize,
		apIou50: r.ap50,
		diameter: r.diameter
	}));
}

/** The CSV text of a search (LF line ends, as pandas writes the original's file). */
export function searchCsv(rows: readonly SearchRow[]): string {
	return writeHyperparameterCsv(searchRowsToHyperparameters(rows));
}
