// `mycol search` on two real annotated images with the built-in model and a small grid; the default
// row is checked against `mycol segment` + `mycol ap` (another path through the CLI).
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HYPERPARAMETER_COLUMNS, loadHyperparameterCsv } from '../../src/lib/core/session';
import { mycol, shared, tempDir } from './run';

/** A folder of links to the demo images and one to their masks (shared data is never copied). */
function demoFolders(ids: string[]): { images: string; masks: string; dir: string } {
	const dir = tempDir();
	const images = join(dir, 'images');
	const masks = join(dir, 'masks');
	mkdirSync(images);
	mkdirSync(masks);
	for (const id of ids) {
		symlinkSync(shared(`data/mycol_demo_fungal/images/${id}.tif`), join(images, `${id}.tif`));
		symlinkSync(shared(`data/mycol_demo_fungal/masks/${id}_masks.tif`), join(masks, `${id}_masks.tif`));
	}
	return { images, masks, dir };
}

describe('mycol search', () => {
	it('writes the hyperparameter CSV; the best row beats or ties the defaults, which match mycol segment + ap', { timeout: 240_000 }, () => {
		const { images, masks, dir } = demoFolders(['demo01', 'demo02']);
		const out = join(dir, 'params.csv');
		const r = mycol(
			'search', '--images', images, '--masks', masks, '--model', 'models/mycol-fungal-v1.pth', '--out', out,
			'--diameters', '0,30', '--cellprob', '-1,0,1', '--flow-threshold', '0.4,0.8', '--niter', '0', '--min-size', '15,100', '--strategy', 'grid'
		);
		expect(r.stderr).toBe('');
		expect(r.status).toBe(0);
		const text = readFileSync(out, 'utf8');
		const lines = text.trimEnd().split('\n');
		expect(lines[0]).toBe('cellprob,flow_threshold,niter,min_size,ap_iou_0.5,diameter');
		expect(lines[0]).toBe(HYPERPARAMETER_COLUMNS.join(','));
		// 2 diameters × 3 cellprob × 2 flow × 1 niter × 2 min size; the default setting is one of them.
		expect(lines).toHaveLength(1 + 24);
		const rows = lines.slice(1).map((l) => l.split(',').map(Number));
		const defaults = rows.filter(([cp, flow, niter, min, , d]) => cp === 0 && flow === 0.4 && niter === 0 && min === 15 && d === 0);
		expect(defaults).toHaveLength(1);
		const defaultAp = defaults[0][4];
		const bestAp = rows[0][4];
		expect(Math.max(...rows.map((x) => x[4]))).toBe(bestAp);
		expect(bestAp).toBeGreaterThanOrEqual(defaultAp);
		// The table shows the best rows and the defaults' line.
		expect(r.stdout).toMatch(/^\s*default\s+0\s+0\s+0\.4\s+0 \(\d+\)\s+15\s/m);
		expect(r.stdout).toContain(`AP@0.5 ${bestAp.toFixed(3)}; Cellpose's defaults ${defaultAp.toFixed(3)}`);

		// Loading the CSV applies the first (best) row.
		const loaded = loadHyperparameterCsv('params.csv', text, {});
		expect(loaded.best.apIou50).toBe(bestAp);
		expect(loaded.settings).toMatchObject({ cellprobThreshold: rows[0][0], flowThreshold: rows[0][1], niter: rows[0][2], minSize: rows[0][3], diameter: rows[0][5] });

		// Cellpose's defaults through `mycol segment` and `mycol ap`: the mean AP@0.5 is the default row's.
		const segDir = join(dir, 'seg');
		const seg = mycol('segment', join(images, 'demo01.tif'), join(images, 'demo02.tif'), '--model', 'models/mycol-fungal-v1.pth', '--out', segDir);
		expect(seg.status).toBe(0);
		const aps = ['demo01', 'demo02'].map((id) => {
			const a = mycol('ap', join(masks, `${id}_masks.tif`), join(segDir, `${id}_masks.tif`));
			expect(a.status).toBe(0);
			return JSON.parse(a.stdout).ap[0] as number;
		});
		expect(defaultAp).toBe((aps[0] + aps[1]) / 2);
	});

	it('explains what is missing and refuses masks that match no image, before loading any model', () => {
		const { images, dir } = demoFolders(['demo01']);
		const none = join(dir, 'empty');
		mkdirSync(none);
		writeFileSync(join(none, 'other_masks.tif'), 'x');
		let r = mycol('search', '--images', images, '--masks', none, '--out', join(dir, 'p.csv'));
		expect(r.status).toBe(1);
		expect(r.stderr).toContain('no mask matches an image of');
		expect(r.stderr).toContain('no mask for demo01.tif');
		r = mycol('search', '--images', images, '--out', join(dir, 'p.csv'));
		expect(r.status).toBe(1);
		expect(r.stderr).toContain('give --images, --masks and --out');
		r = mycol('search', '--images', images, '--masks', none, '--out', join(dir, 'p.csv'), '--space', 'huge');
		expect(r.stderr).toContain('the option --space must be default or original, not "huge"');
		r = mycol('search', '--images', images, '--masks', none, '--out', join(dir, 'p.csv'), '--min-size', '15,x');
		expect(r.stderr).toContain('the option --min-size must be numbers separated by commas');
		r = mycol('search', '--images', join(dir, 'nowhere'), '--masks', none, '--out', join(dir, 'p.csv'));
		expect(r.stderr).toContain('nowhere: no such folder (the images folder)');
	});
});
