import { expect, test } from '@playwright/test';
import { addFiles, openData, shared } from './helpers';

test('segments a real image with the built-in model in a worker, showing progress and the backend', async ({ page }) => {
	await openData(page);
	await addFiles(page, [shared('data/mycol_demo_fungal/images/demo03.tif')]);
	await page.getByRole('link', { name: 'Annotate' }).click();
	await expect(page.getByTestId('model-picker')).toHaveValue('mycol-fungal-v1', { timeout: 180_000 });
	await page.getByTestId('segment-image').click();
	await expect(page.getByTestId('progress')).toBeVisible({ timeout: 60_000 });
	await expect(page.getByRole('status').filter({ hasText: 'Segmented' })).toBeVisible({ timeout: 300_000 });
	await expect(page.getByTestId('backend')).toHaveText(/WebGPU|WASM/);
	const cells = Number(await page.getByTestId('cell-count').innerText());
	expect(cells).toBeGreaterThan(0);
});
