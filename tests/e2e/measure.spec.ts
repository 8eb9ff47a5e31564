import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { addFiles, openData, shared } from './helpers';

test('Measure: real masks give a table, a violin and a scatter; CSV and PNG downloads carry the right contents and units', async ({ page }) => {
	await openData(page);
	await addFiles(page, [
		shared('data/mycol_demo_fungal/images/demo01.tif'),
		shared('data/mycol_demo_fungal/masks/demo01_masks.tif'),
		shared('data/mycol_demo_fungal/images/demo04.tif'),
		shared('data/mycol_demo_fungal/masks/demo04_masks.tif')
	]);
	await expect(page.getByTestId('image-row')).toHaveCount(2);

	await page.getByRole('link', { name: 'Measure' }).click();
	const table = page.getByTestId('measure-table');
	await expect(table).toBeVisible();
	// demo01 has 9 cells and demo04 17 (counted with tifffile + numpy): 26 rows.
	await expect(page.getByText('26 of 26 cells')).toBeVisible();
	await expect(page.getByTestId('units')).toContainText('Sizes in pixels');

	// A violin per image with n printed, then a scatter of two descriptors.
	const plot = page.getByTestId('plot');
	await expect(plot.locator('svg')).toBeVisible();
	await expect(plot).toContainText('n = 9');
	await expect(plot).toContainText('n = 17');
	await expect(page.getByTestId('stats')).toContainText('Mann–Whitney U');
	await page.getByTestId('plot-kind').selectOption('scatter');
	await page.getByTestId('plot-x').selectOption({ label: 'perimeter_px' });
	await expect(plot).toHaveAttribute('data-kind', 'scatter');
	await expect(plot.locator('svg circle')).toHaveCount(26);

	// PNG download: a real PNG.
	const pngDownload = page.waitForEvent('download');
	await page.getByTestId('download-png').click();
	const png = readFileSync(await (await pngDownload).path());
	expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	expect(png.length).toBeGreaterThan(5000);

	// CSV in pixels: image,label first, one row per cell.
	const csvPx = await downloadCsv(page);
	const header = csvPx.find((l) => !l.startsWith('#'))!;
	expect(header.startsWith('image,label,area_px2,perimeter_px,major_axis_px')).toBe(true);
	expect(csvPx.filter((l) => l.startsWith('demo01.tif,')).length).toBe(9);

	// Set a pixel size for all images: the CSV switches to µm, and areas scale by s².
	await page.getByRole('link', { name: 'Data', exact: true }).click();
	await page.getByLabel('Pixel size for all images, µm per pixel').fill('0.5');
	await page.getByRole('button', { name: 'Apply to all' }).click();
	await page.getByRole('link', { name: 'Measure' }).click();
	await expect(page.getByTestId('units')).toContainText('µm');
	const csvUm = await downloadCsv(page);
	const headerUm = csvUm.find((l) => !l.startsWith('#'))!.split(',');
	expect(headerUm.slice(0, 4)).toEqual(['image', 'label', 'area_um2', 'perimeter_um']);
	const rowPx = csvPx.find((l) => l.startsWith('demo01.tif,1,'))!.split(',');
	const rowUm = csvUm.find((l) => l.startsWith('demo01.tif,1,'))!.split(',');
	expect(Number(rowUm[2])).toBeCloseTo(Number(rowPx[2]) * 0.25, 9);
	expect(Number(rowUm[3])).toBeCloseTo(Number(rowPx[3]) * 0.5, 9);
	expect(csvUm.some((l) => l.startsWith('# pixel_size_um: 0.5'))).toBe(true);
});

async function downloadCsv(page: import('@playwright/test').Page): Promise<string[]> {
	const wait = page.waitForEvent('download');
	await page.getByTestId('download-csv').click();
	const d = await wait;
	expect(d.suggestedFilename()).toBe('cells.csv');
	return readFileSync(await d.path(), 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
}
