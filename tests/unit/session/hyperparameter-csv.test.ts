// The hyperparameter CSV: the original app's `hyperparameter_search.csv` (mycol-reference.md §4,
// §11) loads as it is and its best row is applied; ours adds a diameter column and reads back.
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/lib/core/formats/errors';
import {
	HYPERPARAMETER_COLUMNS,
	bestHyperparameterRow,
	hyperparametersFromSettings,
	loadHyperparameterCsv,
	readHyperparameterCsv,
	writeHyperparameterCsv
} from '../../../src/lib/core/session';

// Written by hand as the original app's `run_optuna` leaves it: pandas `to_csv(index=False)` of the
// trials sorted by ap_iou_0.5, descending; LF line ends; Optuna's stepped floats as Python prints
// them. (Checked at development time: pandas 1.5 writes exactly these bytes for these rows.)
const ORIGINAL_APP_FILE =
	'cellprob,flow_threshold,niter,min_size,ap_iou_0.5\n' +
	'0.4000000000000001,0.2,700,250,0.6607142857142857\n' +
	'0.2,0.4,1000,100,0.6130952380952381\n' +
	'-0.2,0.6000000000000001,100,0,0.41964285714285715\n';

describe('hyperparameter CSV', () => {
	it("reads the original app's file as it is and applies its best row", () => {
		const current = { diameter: 30, cellprobThreshold: 0, flowThreshold: 0.4, niter: 0, minSize: 15, channels: [0, 0] };
		const { settings, best, rows } = loadHyperparameterCsv('hyperparameter_search.csv', ORIGINAL_APP_FILE, current);
		expect(rows).toHaveLength(3);
		expect(best).toEqual({ cellprob: 0.4000000000000001, flowThreshold: 0.2, niter: 700, minSize: 250, apIou50: 0.6607142857142857, diameter: null });
		// The four values the original app writes into its inference settings; the rest is kept.
		expect(settings).toEqual({ diameter: 30, cellprobThreshold: 0.4000000000000001, flowThreshold: 0.2, niter: 700, minSize: 250, channels: [0, 0] });
	});

	it('applies the highest ap_iou_0.5 wherever it is, and the first row when none is scored', () => {
		const unsorted = 'niter,ap_iou_0.5,cellprob,min_size,flow_threshold\r\n100,0.5,0,0,0.4\r\n300,,0.2,50,0.4\r\n200,0.75,-0.2,100,0.2\r\n400,0.75,0.6,0,0\r\n';
		expect(bestHyperparameterRow(readHyperparameterCsv('h.csv', unsorted))).toMatchObject({ niter: 200, cellprob: -0.2, apIou50: 0.75 });
		const unscored = 'cellprob,flow_threshold,niter,min_size,ap_iou_0.5\n0.1,0.3,0,10,\n0.5,0.5,50,0,nan\n';
		expect(bestHyperparameterRow(readHyperparameterCsv('h.csv', unscored))).toMatchObject({ cellprob: 0.1, apIou50: null });
	});

	it('writes the original columns plus diameter, and reads them back', () => {
		const row = hyperparametersFromSettings({ cellprobThreshold: -0.5, flowThreshold: 0.3, niter: 250, minSize: 40, diameter: 17.5 });
		const text = writeHyperparameterCsv([row]);
		expect(text).toBe('cellprob,flow_threshold,niter,min_size,ap_iou_0.5,diameter\n-0.5,0.3,250,40,,17.5\n');
		expect(HYPERPARAMETER_COLUMNS.slice(0, 5).join(',')).toBe('cellprob,flow_threshold,niter,min_size,ap_iou_0.5');
		expect(readHyperparameterCsv('h.csv', text)).toEqual([row]);
		// A row with a diameter sets it.
		expect(loadHyperparameterCsv('h.csv', text, { diameter: 30 }).settings.diameter).toBe(17.5);
	});

	it("fills absent settings with Cellpose 3.1's defaults", () => {
		// CellposeModel.eval: cellprob_threshold 0, flow_threshold 0.4, min_size 15; niter None → 0.
		expect(hyperparametersFromSettings({})).toEqual({ cellprob: 0, flowThreshold: 0.4, niter: 0, minSize: 15, apIou50: null, diameter: 0 });
	});

	it('says what is wrong with a bad file', () => {
		const bad = (text: string) => {
			try {
				readHyperparameterCsv('search.csv', text);
			} catch (e) {
				expect(e).toBeInstanceOf(FormatError);
				return (e as Error).message;
			}
			throw new Error('accepted');
		};
		expect(bad('cellprob,flow_threshold,min_size\n0,0,0\n')).toBe(
			'search.csv: the file has no "niter" column; a hyperparameter CSV has the columns cellprob, flow_threshold, niter, min_size, ap_iou_0.5 (and optionally diameter)'
		);
		expect(bad('cellprob,flow_threshold,niter,min_size\n')).toBe('search.csv: the file has a header but no rows of values');
		expect(bad('cellprob,flow_threshold,niter,min_size\n0.2,abc,10,0\n')).toBe('search.csv: row 1, column flow_threshold: "abc" is not a number');
		expect(bad('cellprob,flow_threshold,niter,min_size\n0.2,0.4,10.5,0\n')).toBe('search.csv: row 1, column niter: 10.5 must be a whole number of 0 or more');
		expect(bad('cellprob,flow_threshold,niter,min_size\n0.2,0.4,10,-5\n')).toBe('search.csv: row 1, column min_size: -5 must be a whole number of 0 or more');
		expect(bad('cellprob,flow_threshold,niter,min_size\n0.2,0.4,10\n')).toBe('search.csv: data row 1 has 3 fields but the header has 4');
	});
});
