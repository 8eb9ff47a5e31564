import { expect, test, type Page } from '@playwright/test';
import { addFiles, openData, shared, waitForServiceWorker } from './helpers';

async function waitSaved(page: Page) {
	await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 30_000 });
}

/** Screen position of an image point from the viewer's current view. */
async function at(page: Page, x: number, y: number) {
	const canvas = page.getByTestId('viewer-canvas');
	const box = (await canvas.boundingBox())!;
	const v = JSON.parse((await canvas.getAttribute('data-view'))!) as { scale: number; x: number; y: number };
	return { x: box.x + v.x + x * v.scale, y: box.y + v.y + y * v.scale };
}

test('classes by click, a parameter and a reload; the whole workflow talks only to our own origin', async ({ page }) => {
	const foreign: string[] = [];
	const origin = 'http://localhost:4173';
	page.on('request', (r) => {
		const url = r.url();
		if (!url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:')) foreign.push(url);
	});

	await openData(page);
	await addFiles(page, [shared('data/mycol_demo_fungal/images/demo02.tif'), shared('data/mycol_demo_fungal/masks/demo02_masks.tif')]);
	await page.getByRole('link', { name: 'Annotate' }).click();
	await expect(page.getByTestId('cell-count')).toHaveText('7');

	// Two classes; give cell 1 the first by clicking it. demo02's cell 1 covers pixel (88, 75) (tifffile).
	await page.getByLabel('New class name').fill('budding');
	await page.getByTestId('class-add').click();
	await page.getByLabel('New class name').fill('round');
	await page.getByTestId('class-add').click();
	await expect(page.getByTestId('class-list').locator('li')).toHaveCount(3);
	await page.getByTestId('class-list').getByRole('button', { name: 'budding', exact: true }).click();
	const p = await at(page, 88.5, 75.5);
	await page.mouse.click(p.x, p.y);
	await expect(page.getByTestId('class-list').locator('li[data-class="budding"] .count')).toHaveText('1');
	await page.getByLabel('Flow threshold').fill('0.55');

	// Segment with the built-in model, then reload: classes, parameter and masks are back.
	await page.getByTestId('segment-image').click();
	await expect(page.getByRole('status').filter({ hasText: 'Segmented' })).toBeVisible({ timeout: 240_000 });
	const segmented = await page.getByTestId('cell-count').innerText();
	await waitSaved(page);
	await page.reload();
	await page.getByRole('link', { name: 'Annotate' }).click();
	await expect(page.getByTestId('cell-count')).toHaveText(segmented);
	await expect(page.getByLabel('Flow threshold')).toHaveValue('0.55');
	await expect(page.getByTestId('class-list').locator('li')).toHaveCount(3);
	// Segmentation replaced the mask, so its cells have no classes; undo brings the old mask and class back.
	await page.getByTestId('undo').click();
	await expect(page.getByTestId('cell-count')).toHaveText('7');
	await expect(page.getByTestId('class-list').locator('li[data-class="budding"] .count')).toHaveText('1');

	// Measure and Export pages too.
	await page.getByRole('link', { name: 'Measure' }).click();
	await expect(page.getByTestId('measure-table')).toBeVisible();
	await page.getByRole('link', { name: 'Export' }).click();
	const wait = page.waitForEvent('download');
	await page.getByTestId('export-geojson').click();
	expect((await wait).suggestedFilename()).toBe('demo02.geojson');

	expect(foreign).toEqual([]);
});

test('with the network off after the first visit, the app opens and segments', async ({ page, context }) => {
	await openData(page);
	// First visit: the service worker precaches the app, the model and the WASM runtime.
	await waitForServiceWorker(page);
	await context.setOffline(true);
	await page.reload();
	await addFiles(page, [shared('data/mycol_demo_fungal/images/demo06.tif')]);
	await page.getByRole('link', { name: 'Annotate' }).click();
	await expect(page.getByTestId('model-picker')).toHaveValue('mycol-fungal-v1', { timeout: 180_000 });
	await page.getByTestId('segment-image').click();
	await expect(page.getByRole('status').filter({ hasText: 'Segmented' })).toBeVisible({ timeout: 240_000 });
	expect(Number(await page.getByTestId('cell-count').innerText())).toBeGreaterThan(0);
	await context.setOffline(false);
});
