import { expect, test } from '@playwright/test';
import { openData } from './helpers';

test('example data: viewer zooms around the cursor, pans, fits, reads pixel values, toggles the overlay', async ({ page }) => {
	await openData(page);
	await page.getByTestId('load-example').click();
	await expect(page.getByTestId('image-row')).toHaveCount(3);
	await page.getByRole('link', { name: 'Annotate' }).click();
	const canvas = page.getByTestId('viewer-canvas');
	await expect(canvas).toBeVisible();
	const box = (await canvas.boundingBox())!;
	const fitZoom = Number(await canvas.getAttribute('data-zoom'));
	expect(fitZoom).toBeGreaterThan(0);

	// Hover shows the pixel position and values.
	await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
	await expect(page.getByTestId('hover-info')).toContainText(/x \d+, y \d+ · value \d+/);

	// Wheel zoom around the cursor: the image point under the cursor stays under it.
	const before = await page.getByTestId('hover-info').innerText();
	await page.mouse.wheel(0, -400);
	await expect.poll(async () => Number(await canvas.getAttribute('data-zoom'))).toBeGreaterThan(fitZoom * 1.5);
	await page.mouse.move(box.x + box.width / 2 + 1, box.y + box.height / 2);
	await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
	const after = await page.getByTestId('hover-info').innerText();
	const pos = (s: string) => s.match(/x (\d+), y (\d+)/)!.slice(1).map(Number);
	const [bx, by] = pos(before);
	const [ax, ay] = pos(after);
	expect(Math.abs(ax - bx)).toBeLessThanOrEqual(1);
	expect(Math.abs(ay - by)).toBeLessThanOrEqual(1);

	// Fit restores the fitted zoom; 1:1 gives 100 %.
	await page.keyboard.press('f');
	await expect.poll(async () => Number(await canvas.getAttribute('data-zoom'))).toBeCloseTo(fitZoom, 3);
	await page.getByRole('button', { name: 'Actual size' }).click();
	await expect(page.getByText('100%')).toBeVisible();

	// Overlay toggle with O changes what is drawn.
	const snapshot = () => canvas.evaluate((c: HTMLCanvasElement) => {
		const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
		let s = 0;
		for (let i = 0; i < d.length; i += 97) s = (s * 31 + d[i]) >>> 0;
		return s;
	});
	await page.keyboard.press('f');
	await page.waitForTimeout(200);
	const withOverlay = await snapshot();
	await page.keyboard.press('o');
	await page.waitForTimeout(200);
	expect(await snapshot()).not.toBe(withOverlay);

	// The image list switches images.
	await page.getByTestId('image-list-item').nth(2).click();
	await expect(page.getByRole('heading', { name: 'example_cells_2ch.tif' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Composite' })).toBeVisible();
});
