// The CSV a search writes loads back through session/hyperparameter-csv.ts and applies the best row;
// the AP surface for the page's heat map.
import { describe, expect, it } from 'vitest';
import { searchCsv, searchDynamics, searchSurface, type SearchRow } from '../../../src/lib/core/cellpose/search';
import { HYPERPARAMETER_COLUMNS, loadHyperparameterCsv } from '../../../src/lib/core/session';
import { labFlows } from './fixtures';

function row(s: Partial<SearchRow>): SearchRow {
	return { diameter: 0, cellprob: 0, flowThreshold: 0.4, niter: 0, minSize: 15, rescale: 1, niterUsed: 200, ap50: 0, ap75: 0, ap90: 0, perImage: { ap50: [], ap75: [], ap90: [], masks: [] }, ...s };
}

describe('search CSV', () => {
	it('has the original columns plus diameter, one row per setting, best first; loading it applies the best row', async () => {
		const flows = [labFlows(0), labFlows(2)];
		const { rows } = await searchDynamics(flows, { cellprob: [-1, 0], flowThreshold: [0, 0.4], niter: [0, 100], minSize: [0, 15] }, { diameter: 24, rescale: 1.25 }, { strategy: 'grid' });
		const text = searchCsv(rows);
		const lines = text.split('\n');
		expect(lines[0]).toBe('cellprob,flow_threshold,niter,min_size,ap_iou_0.5,diameter');
		expect(lines[0]).toBe(HYPERPARAMETER_COLUMNS.join(','));
		expect(lines.length).toBe(rows.length + 2); // header, rows, final newline
		const current = { diameter: 0, cellprobThreshold: 0, flowThreshold: 0.4, niter: 0, minSize: 15, channels: [0, 0] };
		const loaded = loadHyperparameterCsv('params.csv', text, current);
		expect(loaded.rows).toHaveLength(rows.length);
		const best = rows.reduce((a, b) => (b.ap50 > a.ap50 || (b.ap50 === a.ap50 && b.ap75 > a.ap75) ? b : a));
		expect(loaded.best).toEqual({ cellprob: best.cellprob, flowThreshold: best.flowThreshold, niter: best.niter, minSize: best.minSize, apIou50: best.ap50, diameter: 24 });
		expect(loaded.settings).toEqual({ diameter: 24, cellprobThreshold: best.cellprob, flowThreshold: best.flowThreshold, niter: best.niter, minSize: best.minSize, channels: [0, 0] });
		// Every AP reads back to the same double.
		const aps = loaded.rows.map((r) => r.apIou50).sort();
		expect(aps).toEqual(rows.map((r) => r.ap50).sort());
	});

	it('on equal AP@0.5 the row with the better AP@0.75 comes first, so loading applies it', () => {
		const rows = [row({ cellprob: 1, ap50: 0.5, ap75: 0.2 }), row({ cellprob: 2, ap50: 0.75, ap75: 0.1 }), row({ cellprob: 3, ap50: 0.75, ap75: 0.3 }), row({ cellprob: 4, ap50: 0.75, ap75: 0.3 })];
		const text = searchCsv(rows);
		expect(text).toBe(
			'cellprob,flow_threshold,niter,min_size,ap_iou_0.5,diameter\n' + '3,0.4,0,15,0.75,0\n' + '4,0.4,0,15,0.75,0\n' + '2,0.4,0,15,0.75,0\n' + '1,0.4,0,15,0.5,0\n'
		);
		expect(loadHyperparameterCsv('p.csv', text, {}).best.cellprob).toBe(3);
	});

	it('the surface holds the best AP@0.5 per pair of values, null where nothing was scored', () => {
		const rows = [
			row({ cellprob: 0, flowThreshold: 0.4, minSize: 0, ap50: 0.5 }),
			row({ cellprob: 0, flowThreshold: 0.4, minSize: 15, ap50: 0.7 }),
			row({ cellprob: 1, flowThreshold: 0.4, ap50: 0.6 }),
			row({ cellprob: 1, flowThreshold: 0.8, ap50: 0.2 })
		];
		expect(searchSurface(rows, 'cellprob', 'flowThreshold')).toEqual({
			x: 'cellprob',
			y: 'flowThreshold',
			xs: [0, 1],
			ys: [0.4, 0.8],
			values: [
				[0.7, 0.6],
				[null, 0.2]
			]
		});
	});
});
