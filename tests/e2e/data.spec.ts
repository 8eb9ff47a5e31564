import { expect, test } from '@playwright/test';
import { addFiles, cell, openData, shared } from './helpers';

test('real images and masks from ../shared/data load, pair and show in the table and the viewer', async ({ page }, info) => {
	await openData(page);
	await addFiles(page, [
		shared('data/mycol_demo_fungal/images/demo01.tif'),
		shared('data/mycol_demo_fungal/masks/demo01_masks.tif'),
		shared('data/stardist_dsb2018_nuclei/images/img2d.tif'),
		shared('data/stardist_dsb2018_nuclei/masks/img2d_masks.tif'),
		shared('data/omnipose_bacteria_phase/images/caulo_15.tif'),
		shared('data/omnipose_bacteria_phase/masks/caulo_15_cp_masks.tif'),
		shared('data/odd_formats/images/bbbc022_IXMtest_A02_s9_3ch_imagej.tif'),
		shared('data/odd_formats/images/demo05_imagej_calibrated_0.65um.tif'),
		shared('data/odd_formats/masks/demo05_imagej_calibrated_0.65um_masks.tif'),
		shared('data/mycol_demo_fungal/masks_cellpose_seg_npy/demo07_masks.npy'),
		shared('data/mycol_demo_fungal/images/demo07.tif')
	]);
	await expect(page.getByTestId('image-row')).toHaveCount(6);
	await expect(page.getByTestId('error-message')).toHaveCount(0);

	// Sizes, bit depths and channels as SOURCES.md lists them (width × height).
	expect(await cell(page, 'demo01.tif', 'size')).toBe('512 × 512');
	expect(await cell(page, 'demo01.tif', 'dtype')).toBe('8-bit');
	expect(await cell(page, 'img2d.tif', 'dtype')).toBe('16-bit');
	expect(await cell(page, 'caulo_15.tif', 'size')).toBe('310 × 281');
	expect(await cell(page, 'bbbc022_IXMtest_A02_s9_3ch_imagej.tif', 'size')).toBe('695 × 395');
	expect(await cell(page, 'bbbc022_IXMtest_A02_s9_3ch_imagej.tif', 'channels')).toBe('3');
	// Cell counts: img2d has 125 nuclei with ids up to 183; caulo_15 has 21 cells; demo05 has 11.
	expect(await cell(page, 'img2d.tif', 'cells')).toBe('125');
	expect(await cell(page, 'caulo_15.tif', 'cells')).toBe('21');
	expect(await cell(page, 'demo05_imagej_calibrated_0.65um.tif', 'cells')).toBe('11');
	expect(await cell(page, 'demo07.tif', 'mask')).toContain('demo07_masks.npy');
	// Counted with tifffile + numpy from the label TIFFs: demo01 has 9 cells, demo07 8.
	expect(await cell(page, 'demo01.tif', 'cells')).toBe('9');
	expect(await cell(page, 'demo07.tif', 'cells')).toBe('8');
	// Pixel size from the ImageJ calibration; 72 dpi is not a calibration.
	const calibrated = page.locator('[data-name="demo05_imagej_calibrated_0.65um.tif"] input.px');
	await expect(calibrated).toHaveValue('0.65');
	await expect(page.locator('[data-name="caulo_15.tif"] input.px')).toHaveValue('');

	// The viewer shows demo01 with its overlay.
	await page.locator('[data-name="demo01.tif"] a.name').click();
	const canvas = page.getByTestId('viewer-canvas');
	await expect(canvas).toBeVisible();
	await expect(page.getByTestId('cell-count')).toHaveText('9');
	await page.waitForTimeout(300);
	// Coloured overlay pixels exist (the image itself is grey).
	const coloured = await canvas.evaluate((c: HTMLCanvasElement) => {
		const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 1]) > 20 || Math.abs(d[i + 1] - d[i + 2]) > 20) n++;
		return n;
	});
	expect(coloured).toBeGreaterThan(1000);
	await page.screenshot({ path: info.outputPath('annotate-demo01.png') });
});
