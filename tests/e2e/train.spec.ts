import { expect, test, type Page } from '@playwright/test';
import { decodeLabelFile } from '../../src/lib/core/formats/image-file';
import { readFileSync } from 'node:fs';
import { addFiles, at, openData, shared } from './helpers';

/** A pixel inside each cell of a mask (the one nearest its centroid). */
function cellPoints(rel: string): Map<number, [number, number]> {
	const m = decodeLabelFile(rel, new Uint8Array(readFileSync(shared(rel)))).labels;
	const sums = new Map<number, [number, number, number]>();
	for (let i = 0; i < m.data.length; i++) {
		const id = m.data[i];
		if (!id) continue;
		const s = sums.get(id) ?? [0, 0, 0];
		s[0] += i % m.width;
		s[1] += Math.floor(i / m.width);
		s[2]++;
		sums.set(id, s);
	}
	const out = new Map<number, [number, number]>();
	for (const [id, [sx, sy, n]] of sums) {
		let best = -1;
		let bd = Infinity;
		for (let i = 0; i < m.data.length; i++) if (m.data[i] === id) {
			const d = (i % m.width - sx / n) ** 2 + (Math.floor(i / m.width) - sy / n) ** 2;
			if (d < bd) [bd, best] = [d, i];
		}
		out.set(id, [(best % m.width) + 0.5, Math.floor(best / m.width) + 0.5]);
	}
	return out;
}

test('fine-tunes Cellpose for 2 epochs in the browser and shows the loss curve', async ({ page }) => {
	test.setTimeout(900_000);
	await openData(page);
	await addFiles(page, [
		shared('data/mycol_demo_fungal/images/demo03.tif'),
		shared('data/mycol_demo_fungal/masks/demo03_masks.tif'),
		shared('data/mycol_demo_fungal/images/demo04.tif'),
		shared('data/mycol_demo_fungal/masks/demo04_masks.tif'),
		shared('data/mycol_demo_fungal/images/demo05.tif'),
		shared('data/mycol_demo_fungal/masks/demo05_masks.tif')
	]);
	await page.getByRole('link', { name: 'Train' }).click();
	await page.getByLabel('Epochs', { exact: true }).fill('2');
	await page.getByLabel('Batch size', { exact: true }).first().fill('2');
	await page.getByTestId('train-start').click();
	await expect(page.getByTestId('train-summary')).toBeVisible({ timeout: 840_000 });
	await expect(page.getByTestId('loss-plot')).toHaveAttribute('data-points', /^[1-9]/);
	await expect(page.getByTestId('train-summary')).toContainText('2 epochs');
	// The trained model joins the model picker.
	await page.getByRole('link', { name: 'Annotate' }).click();
	await expect(page.getByTestId('model-picker').locator('option')).toHaveCount(2);
});

test('labels cells of two classes by click, trains a classifier, classifies all cells and shows the confusion matrix', async ({ page }) => {
	test.setTimeout(900_000);
	await openData(page);
	const files = ['demo01', 'demo02'];
	await addFiles(page, files.flatMap((f) => [shared(`data/mycol_demo_fungal/images/${f}.tif`), shared(`data/mycol_demo_fungal/masks/${f}_masks.tif`)]));
	await page.getByRole('link', { name: 'Annotate' }).click();
	await page.getByLabel('New class name').fill('first');
	await page.getByTestId('class-add').click();
	await page.getByLabel('New class name').fill('second');
	await page.getByTestId('class-add').click();
	// In each image: cells 1–3 "first", cells 4–6 "second".
	for (const [k, f] of files.entries()) {
		await page.getByTestId('image-list-item').nth(k).click();
		await expect(page.getByRole('heading', { name: `${f}.tif` })).toBeVisible();
		const points = cellPoints(`data/mycol_demo_fungal/masks/${f}_masks.tif`);
		for (const [name, ids] of [['first', [1, 2, 3]], ['second', [4, 5, 6]]] as const) {
			await page.getByTestId('class-list').getByRole('button', { name, exact: true }).click();
			for (const id of ids) {
				const p = await at(page, ...points.get(id)!);
				await page.mouse.click(p.x, p.y);
			}
		}
	}
	await expect(page.getByTestId('class-list').locator('li[data-class="first"] .count')).toHaveText('3');
	await page.getByRole('link', { name: 'Train' }).click();
	await page.getByLabel('Patch size').selectOption('32');
	await page.getByLabel('Epochs at most').fill('3');
	await page.getByTestId('train-classifier').click();
	await expect(page.getByTestId('confusion-matrix')).toBeVisible({ timeout: 840_000 });
	await expect(page.getByTestId('classifier-accuracy')).toContainText('%');
	await page.getByTestId('classify-all').click();
	await expect(page.getByRole('status').filter({ hasText: /Classified \d+ cells/ })).toBeVisible({ timeout: 300_000 });
	// demo01 has 9 cells and demo02 7: every one has a class now.
	await expect(page.getByRole('status').filter({ hasText: 'Classified 16 cells' })).toBeVisible();
});
