// The search scores each setting by the masks segment() would give and Cellpose's AP; checked
// against the Cellpose 3.1 dynamics fixtures (their AP values) and by recomputing rows another way.
import { describe, expect, it } from 'vitest';
import { computeMasks } from '../../../src/lib/core/cellpose/dynamics';
import { CancelledError, segment, type CellposeNet } from '../../../src/lib/core/cellpose/pipeline';
import {
	CELLPOSE_DEFAULT_SETTING,
	ORIGINAL_FIRST_TRIAL,
	originalSearchSpace,
	searchDynamics,
	searchParameters,
	settingKey,
	steps,
	type SearchProgress,
	type SearchRow
} from '../../../src/lib/core/cellpose/search';
import { ParamError } from '../../../src/lib/core/formats/errors';
import { averagePrecision } from '../../../src/lib/core/metrics/ap';
import { dPRaster, echoNet, fixtureMeta, labFlows } from './fixtures';

const FIXTURE_SETTINGS = {
	default: { cellprob: 0, flowThreshold: 0.4, niter: 200, minSize: 15 },
	flow0: { cellprob: 0, flowThreshold: 0, niter: 200, minSize: 15 },
	// min_size −1 in the fixture: any min size ≤ 0 only fills holes (spec §4.7); the CSV stores 0.
	'cp-1_min-1': { cellprob: -1, flowThreshold: 0.4, niter: 200, minSize: 0 }
} as const;

function find(rows: readonly SearchRow[], s: { cellprob: number; flowThreshold: number; niter: number; minSize: number; diameter?: number }): SearchRow {
	const r = rows.find((x) => x.cellprob === s.cellprob && x.flowThreshold === s.flowThreshold && x.niter === s.niter && x.minSize === s.minSize && (s.diameter === undefined || x.diameter === s.diameter));
	if (!r) throw new Error(`no row for ${JSON.stringify(s)}`);
	return r;
}

describe('searchDynamics on the Cellpose 3.1 dynamics fixtures (cached network output)', () => {
	const flows = [0, 1, 2].map(labFlows);
	const axes = { cellprob: [-1, 0, 1], flowThreshold: [0, 0.4, 0.8], niter: [200], minSize: [0, 15, 40] };

	it("reproduces the fixtures' AP (Cellpose average_precision) and mask counts for their three settings", async () => {
		const meta = fixtureMeta();
		// Cellpose counts the predicted cells as the largest label (metrics quirk); compat does too.
		const { rows } = await searchDynamics(flows, axes, { diameter: 0, rescale: 1 }, { strategy: 'grid', cellpose31Compat: true });
		expect(rows).toHaveLength(27);
		for (const [name, s] of Object.entries(FIXTURE_SETTINGS)) {
			const row = find(rows, s);
			flows.forEach((f, i) => {
				const ref = meta.images[f.name].results[name];
				expect(row.perImage.ap50[i], `${f.name} ${name}`).toBe(ref['ap_vs_labels@[0.5,0.75]'][0]);
				expect(row.perImage.ap75[i], `${f.name} ${name}`).toBe(ref['ap_vs_labels@[0.5,0.75]'][1]);
				expect(row.perImage.masks[i]).toBe(ref.n_masks);
			});
			const refs = flows.map((f) => meta.images[f.name].results[name]['ap_vs_labels@[0.5,0.75]'][0]);
			expect(row.ap50).toBe((refs[0] + refs[1] + refs[2]) / 3);
		}
	});

	it('by default counts the cells present: a hole filled over a nested cell leaves a gap in the labels', async () => {
		const { rows } = await searchDynamics([flows[1]], axes, { diameter: 0, rescale: 1 }, { strategy: 'grid' });
		const row = find(rows, FIXTURE_SETTINGS['cp-1_min-1']);
		// lab1 cp-1_min-1: labels up to 129 (fixture n_masks) but 127 present, 127 matched of 130 true cells:
		// Cellpose scores 127 / (127 + 2 + 3); counting present cells, 127 / (127 + 0 + 3).
		expect(row.perImage.masks[0]).toBe(129);
		expect(row.perImage.ap50[0]).toBe(Math.fround(127 / 130));
		expect(fixtureMeta().images.lab1.results['cp-1_min-1']['ap_vs_labels@[0.5,0.75]'][0]).toBe(Math.fround(127 / 132));
	});

	it('the best row is the highest mean AP@0.5, and recomputing it with computeMasks + averagePrecision gives the same values', async () => {
		const { rows } = await searchDynamics(flows, axes, { diameter: 0, rescale: 1 }, { strategy: 'grid' });
		let best = rows[0];
		for (const r of rows) if (r.ap50 > best.ap50 || (r.ap50 === best.ap50 && r.ap75 > best.ap75)) best = r;
		const sorted = [...rows].sort((a, b) => b.ap50 - a.ap50 || b.ap75 - a.ap75 || b.ap90 - a.ap90);
		expect(sorted[0]).toBe(best);
		let sum = 0;
		flows.forEach((f, i) => {
			const m = computeMasks(f.dP, f.cellprob, f.height, f.width, { niter: best.niter, cellprobThreshold: best.cellprob, flowThreshold: best.flowThreshold, minSize: best.minSize });
			const ap = averagePrecision(f.truth.data, m.data);
			expect(best.perImage.ap50[i]).toBe(ap.ap[0]);
			expect(best.perImage.ap75[i]).toBe(ap.ap[1]);
			expect(best.perImage.ap90[i]).toBe(ap.ap[2]);
			sum += ap.ap[0];
		});
		expect(best.ap50).toBe(sum / 3);
		// The fixtures' own settings are not the best here (flow0 is better on lab0).
		expect(best.ap50).toBeGreaterThanOrEqual(find(rows, FIXTURE_SETTINGS.flow0).ap50);
	});

	it('niter 0 is derived from the rescale factor as Cellpose does ((1/r)·200, truncated)', async () => {
		const { rows } = await searchDynamics([flows[2]], { cellprob: [0], flowThreshold: [0.4], niter: [200, 0, 166], minSize: [15] }, { diameter: 25, rescale: 1.2 }, { strategy: 'grid' });
		expect(rows.map((r) => [r.niter, r.niterUsed])).toEqual([[0, 166], [166, 166], [200, 200]]);
		// niter 0 and 166 run the same steps, so they score the same.
		expect(rows[0].perImage).toEqual(rows[1].perImage);
		const m = computeMasks(flows[2].dP, flows[2].cellprob, flows[2].height, flows[2].width, { niter: 166 });
		expect(rows[0].perImage.ap50[0]).toBe(averagePrecision(flows[2].truth.data, m.data).ap[0]);
	});

	it('coarse-to-fine scores fewer stages, a subset of the grid with the same values, and is deterministic', async () => {
		const one = [flows[2]];
		const wide = { cellprob: steps(-2, 2, 0.5), flowThreshold: [0, 0.4], niter: [0, 100], minSize: [15] };
		const at = { diameter: 0, rescale: 1 };
		const grid = await searchDynamics(one, wide, at, { strategy: 'grid' });
		const c2f = await searchDynamics(one, wide, at);
		const again = await searchDynamics(one, wide, at);
		expect(again).toEqual(c2f);
		expect(grid.stages).toBe(9 * 2);
		expect(c2f.stages).toBeLessThan(grid.stages);
		expect(c2f.rows.length).toBeLessThan(grid.rows.length);
		const byKey = new Map(grid.rows.map((r) => [settingKey(r), r]));
		for (const r of c2f.rows) expect(r).toEqual(byKey.get(settingKey(r)));
		// The coarse pass includes Cellpose's default threshold; the refinement visits the best's neighbours.
		expect(c2f.rows.some((r) => r.cellprob === 0)).toBe(true);
		const best = c2f.rows.reduce((a, b) => (b.ap50 > a.ap50 ? b : a));
		const i = wide.cellprob.indexOf(best.cellprob);
		for (const j of [i - 1, i + 1]) if (j >= 0 && j < 9) expect(c2f.rows.some((r) => r.cellprob === wide.cellprob[j])).toBe(true);
		const gridBest = Math.max(...grid.rows.map((r) => r.ap50));
		expect(best.ap50).toBeLessThanOrEqual(gridBest);
	});

	it('refuses a mask of another size and values the CSV cannot hold', async () => {
		const f = { ...labFlows(2), truth: { width: 10, height: 10, data: new Uint32Array(100) } };
		await expect(searchDynamics([f], { cellprob: [0], flowThreshold: [0.4], niter: [0], minSize: [15] }, { diameter: 0, rescale: 1 })).rejects.toThrow('lab2: the mask is 10 × 10 pixels but the image is 208 × 160');
		await expect(searchDynamics([flows[2]], { cellprob: [0], flowThreshold: [0.4], niter: [0], minSize: [-1] }, { diameter: 0, rescale: 1 })).rejects.toThrow(ParamError);
		await expect(searchDynamics([flows[2]], { cellprob: [0], flowThreshold: [0.4], niter: [2.5], minSize: [0] }, { diameter: 0, rescale: 1 })).rejects.toThrow('the niter value 2.5 must be a whole number, 0 or more');
		await expect(searchDynamics([], { cellprob: [0], flowThreshold: [0.4], niter: [0], minSize: [0] }, { diameter: 0, rescale: 1 })).rejects.toThrow('no annotated images');
	});
});

describe('searchParameters (network once per image per diameter)', () => {
	const model = { diamMean: 30, diamLabels: 30 };
	const fixed = { channels: [1, 2] as const, normalize: false };
	const images = [0, 2].map((n) => ({ name: `lab${n}`, raster: dPRaster(n), truth: labFlows(n).truth }));

	function counting(): { net: CellposeNet; calls: () => number } {
		let calls = 0;
		return {
			net: async (x, n, h, w) => {
				calls++;
				return echoNet(x, n, h, w);
			},
			calls: () => calls
		};
	}

	it('every row scores what segment() with that setting gives; the default setting is always in the table', async () => {
		const { net, calls } = counting();
		const space = { diameters: [0, 24], cellprob: [-0.5, 0.5], flowThreshold: [0, 0.4], niter: [0], minSize: [0, 15] };
		const seen: string[] = [];
		const progress: SearchProgress[] = [];
		const result = await searchParameters(images, net, { model, fixed, space, strategy: 'grid' }, (p) => {
			if (!seen.includes(p.phase)) seen.push(p.phase);
			progress.push(p);
		});
		expect(seen).toEqual(['network', 'masks']);
		const last = progress[progress.length - 1];
		expect(last).toMatchObject({ phase: 'masks', diameterIndex: 1, diameters: 2, image: 1, images: 2, settingsDone: result.rows.length, stagesDone: result.stages });
		expect(last.best?.ap50).toBe(result.best.ap50);
		for (let k = 1; k < progress.length; k++) expect(progress[k].settingsDone).toBeGreaterThanOrEqual(progress[k - 1].settingsDone);
		// One batch of tiles per image and diameter (both images fit in one batch).
		expect(result.networkRuns).toBe(4);
		expect(calls()).toBe(4);
		expect(result.rows).toHaveLength(2 * 2 * 2 * 2 + 1);
		expect(result.defaults).toMatchObject(CELLPOSE_DEFAULT_SETTING);
		expect(result.rows[0]).toBe(result.defaults);
		expect(result.imageNames).toEqual(['lab0', 'lab2']);
		for (const row of result.rows) {
			for (let i = 0; i < images.length; i++) {
				const s = await segment(images[i].raster, { ...fixed, ...model, diameter: row.diameter, cellprobThreshold: row.cellprob, flowThreshold: row.flowThreshold, minSize: row.minSize, niter: row.niter }, echoNet);
				const ap = averagePrecision(images[i].truth.data, s.masks.data);
				expect(row.perImage.ap50[i], settingKey(row)).toBe(ap.ap[0]);
				expect(row.perImage.ap75[i]).toBe(ap.ap[1]);
				expect(row.niterUsed).toBe(s.niter);
			}
		}
		const maxAp = Math.max(...result.rows.map((r) => r.ap50));
		expect(result.best.ap50).toBe(maxAp);
		expect(result.best.ap50).toBeGreaterThanOrEqual(result.defaults.ap50);
	});

	it('with resample off, rows still score what segment() gives', async () => {
		const space = { diameters: [24], cellprob: [0], flowThreshold: [0.4], niter: [0], minSize: [0, 15] };
		const result = await searchParameters(images.slice(0, 1), echoNet, { model, fixed: { ...fixed, resample: false }, space, strategy: 'grid', extra: [] });
		// The default setting (diameter 0) is added, alone at its diameter.
		expect(result.rows.length).toBe(3);
		expect(result.rows.filter((r) => r.diameter === 0)).toEqual([result.defaults]);
		for (const row of result.rows) {
			const s = await segment(images[0].raster, { ...fixed, ...model, resample: false, diameter: row.diameter, cellprobThreshold: row.cellprob, flowThreshold: row.flowThreshold, minSize: row.minSize, niter: row.niter }, echoNet);
			expect(row.perImage.ap50[0]).toBe(averagePrecision(images[0].truth.data, s.masks.data).ap[0]);
		}
	});

	it("the 'original' preset searches the original app's space with its first trial, diameter None", async () => {
		const result = await searchParameters(images.slice(1), echoNet, { model, fixed, preset: 'original' });
		expect(result.space).toEqual(originalSearchSpace());
		expect(result.rows.every((r) => r.diameter === 0)).toBe(true);
		expect(result.rows[0]).toMatchObject(CELLPOSE_DEFAULT_SETTING);
		expect(result.rows[1]).toMatchObject(ORIGINAL_FIRST_TRIAL);
		expect(result.networkRuns).toBe(1);
		// Coarse-to-fine: fewer stages than the 5 cellprob × 10 niter of the full grid.
		expect(result.stages).toBeLessThan(50);
	});

	it('the default space tries diameters around the masks’ median diameter', async () => {
		const result = await searchParameters(images.slice(1), echoNet, { model, fixed, space: undefined, strategy: 'coarse-to-fine' });
		expect(result.space.diameters[0]).toBe(0);
		expect(result.cellDiameter).toBeGreaterThan(5);
		expect(result.space.diameters).toContain(Math.round(result.cellDiameter * 10) / 10);
		expect(result.networkRuns).toBe(result.space.diameters.length);
	});

	it('cancels through the signal during the masks phase', async () => {
		const signal = { aborted: false };
		const space = { diameters: [0], cellprob: [-0.5, 0, 0.5], flowThreshold: [0.4], niter: [0], minSize: [15] };
		const run = searchParameters(images, echoNet, { model, fixed, space }, (p) => {
			if (p.phase === 'masks' && p.stagesDone >= 2) signal.aborted = true;
		}, signal);
		await expect(run).rejects.toBeInstanceOf(CancelledError);
	});

	it('refuses an empty mask, a mask of another size and no images, naming the image', async () => {
		const empty = { name: 'demo03.tif', raster: images[0].raster, truth: { width: 192, height: 192, data: new Uint32Array(192 * 192) } };
		await expect(searchParameters([empty], echoNet, { model, fixed })).rejects.toThrow('demo03.tif: the mask has no cells, so it cannot score a setting');
		const wrong = { name: 'demo04.tif', raster: images[0].raster, truth: images[1].truth };
		await expect(searchParameters([wrong], echoNet, { model, fixed })).rejects.toThrow('demo04.tif: the mask is 208 × 160 pixels but the image is 192 × 192');
		await expect(searchParameters([], echoNet, { model, fixed })).rejects.toThrow(ParamError);
	});
});
