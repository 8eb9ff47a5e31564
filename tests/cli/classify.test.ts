// `mycol train-classifier` and `mycol classify` on Mycol's demo set (10 images, 110 cells) with
// classes given by an objective, scale-free rule: eccentricity (scikit-image's, through our
// regionprops) in the lowest third → "round", in the highest third → "elongated"; the middle third
// is left unlabelled so the two classes are told apart by shape, not by a coin toss at the median.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeLabelFile } from '../../src/lib/core/formats/image-file';
import { regionprops } from '../../src/lib/core/measure';
import { mycol, shared, tempDir } from './run';

const DEMO = 'data/mycol_demo_fungal';

interface Cell {
	image: string;
	label: number;
	eccentricity: number;
}

function demoCells(): Cell[] {
	const cells: Cell[] = [];
	for (const name of readdirSync(shared(`${DEMO}/images`)).sort()) {
		const maskName = name.replace(/\.tif$/, '_masks.tif');
		const labels = decodeLabelFile(maskName, new Uint8Array(readFileSync(shared(`${DEMO}/masks/${maskName}`)))).labels;
		const p = regionprops(labels);
		for (let i = 0; i < p.count; i++) cells.push({ image: name, label: p.label[i], eccentricity: p.eccentricity[i] });
	}
	return cells;
}

function parseCsv(text: string): string[][] {
	return text.trim().split(/\r?\n/).map((l) => l.split(','));
}

describe('mycol train-classifier and classify', () => {
	it('learns round vs elongated cells to ≥ 90 % validation accuracy, then classifies every cell', { timeout: 300_000 }, () => {
		const cells = demoCells();
		expect(cells).toHaveLength(110);
		const order = [...cells].sort((a, b) => a.eccentricity - b.eccentricity);
		const third = Math.floor(cells.length / 3);
		const classOf = new Map<Cell, string>();
		order.slice(0, third).forEach((c) => classOf.set(c, 'round'));
		order.slice(-third).forEach((c) => classOf.set(c, 'elongated'));
		const dir = tempDir();
		const classes = join(dir, 'classes.csv');
		writeFileSync(classes, ['image,label,class', ...cells.map((c) => `${c.image},${c.label},${classOf.get(c) ?? ''}`)].join('\n') + '\n');

		const model = join(dir, 'classifier');
		const images = shared(`${DEMO}/images`);
		const masks = shared(`${DEMO}/masks`);
		const t = mycol('train-classifier', '--images', images, '--masks', masks, '--classes', classes, '--out', model, '--size', '32', '--batch', '16', '--epochs', '60', '--validation', '0.25');
		expect(t.stderr).toMatch(/epoch 1\/60: train loss/);
		expect(t.status).toBe(0);
		const printed = JSON.parse(t.stdout) as { classes: string[]; cells: number; accuracy: number };
		expect(printed.classes).toEqual(['elongated', 'round']);
		expect(printed.cells).toBe(2 * third);

		// The summary the command wrote: 25 % of each class held out (round(0.25 · 36) = 9).
		const summary = JSON.parse(readFileSync(join(model, 'training-summary.json'), 'utf8')) as {
			validationCounts: number[];
			trainCounts: number[];
			metrics: { accuracy: number; confusion: number[][]; f1: number[] };
			history: unknown[];
			epochs: number;
		};
		expect(summary.validationCounts).toEqual([9, 9]);
		expect(summary.trainCounts).toEqual([27, 27]);
		const cm = summary.metrics.confusion;
		expect(cm[0][0] + cm[0][1] + cm[1][0] + cm[1][1]).toBe(18);
		expect(summary.metrics.accuracy).toBeCloseTo((cm[0][0] + cm[1][1]) / 18, 12);
		expect(summary.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
		expect(printed.accuracy).toBe(summary.metrics.accuracy);
		expect(readFileSync(join(model, 'training-history.csv'), 'utf8').trim().split(/\r?\n/)).toHaveLength(summary.epochs + 1);
		for (const f of ['model.json', 'weights.bin', 'classifier.json', 'model.pth']) expect(readFileSync(join(model, f)).length).toBeGreaterThan(100);

		const out = join(dir, 'predicted.csv');
		const c = mycol('classify', '--model', model, '--images', images, '--masks', masks, '--out', out);
		expect(c.status).toBe(0);
		expect(JSON.parse(c.stdout)).toMatchObject({ images: 10, cells: 110 });
		const [header, ...rows] = parseCsv(readFileSync(out, 'utf8'));
		expect(header).toEqual(['image', 'label', 'class', 'confidence']);
		// Every cell of every mask exactly once, each with a class and a confidence ≥ 1/2 (2 classes).
		expect(rows.map((r) => `${r[0]}:${r[1]}`).sort()).toEqual(cells.map((c) => `${c.image}:${c.label}`).sort());
		for (const r of rows) {
			expect(['round', 'elongated']).toContain(r[2]);
			expect(Number(r[3])).toBeGreaterThanOrEqual(0.5);
			expect(Number(r[3])).toBeLessThanOrEqual(1);
		}
		// On the labelled cells (training and validation), the predictions mostly agree with the rule.
		const predicted = new Map(rows.map((r) => [`${r[0]}:${r[1]}`, r[2]]));
		const labelled = cells.filter((c) => classOf.has(c));
		const agree = labelled.filter((c) => predicted.get(`${c.image}:${c.label}`) === classOf.get(c)).length;
		expect(agree / labelled.length).toBeGreaterThanOrEqual(0.9);

		// The same classifier as one .zip, and through its model.json, gives the same table.
		const zip = join(dir, 'classifier.zip');
		writeFileSync(zip, zipSync(Object.fromEntries(readdirSync(model).map((f) => [`classifier/${f}`, new Uint8Array(readFileSync(join(model, f)))]))));
		for (const m of [zip, join(model, 'model.json')]) {
			const again = join(dir, 'again.csv');
			expect(mycol('classify', '--model', m, '--images', images, '--masks', masks, '--out', again).status).toBe(0);
			expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
		}
	});

	it('explains what is wrong with its input', () => {
		const dir = tempDir();
		const classes = join(dir, 'one-class.csv');
		writeFileSync(classes, 'image,label,class\ndemo01.tif,1,round\ndemo01.tif,2,round\n');
		const images = shared(`${DEMO}/images`);
		const masks = shared(`${DEMO}/masks`);
		const one = mycol('train-classifier', '--images', images, '--masks', masks, '--classes', classes, '--out', join(dir, 'm'));
		expect(one.status).toBe(1);
		expect(one.stderr).toContain('training needs at least 2 classes, but only 1 is given');
		writeFileSync(classes, 'image,label,class\ndemo01.tif,1,round\ndemo01.tif,99,long\n');
		const absent = mycol('train-classifier', '--images', images, '--masks', masks, '--classes', classes, '--out', join(dir, 'm'));
		expect(absent.status).toBe(1);
		expect(absent.stderr).toContain('demo01.tif: cell 99 is labelled with a class but not in the mask');
		const noModel = mycol('classify', '--model', join(dir, 'nothing'), '--images', images, '--masks', masks, '--out', join(dir, 'x.csv'));
		expect(noModel.status).toBe(1);
		expect(noModel.stderr).toContain('nothing: no such file or folder');
	});
});
