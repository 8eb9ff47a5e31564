import { expect, test, type Page } from '@playwright/test';
import { addFiles, at, count, labelsFromSession, openData, shared } from './helpers';

async function drag(page: Page, points: [number, number][]) {
	const first = await at(page, ...points[0]);
	await page.mouse.move(first.x, first.y);
	await page.mouse.down();
	for (const p of points.slice(1)) {
		const s = await at(page, ...p);
		await page.mouse.move(s.x, s.y, { steps: 4 });
	}
	await page.mouse.up();
}

async function click(page: Page, x: number, y: number) {
	const s = await at(page, x, y);
	await page.mouse.click(s.x, s.y);
}

/** The viewer canvas's pixels, as a string to compare (after the next animation frame). */
async function canvasPixels(page: Page): Promise<string> {
	return page.evaluate(async () => {
		await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
		const c = document.querySelector('[data-testid="viewer-canvas"]') as HTMLCanvasElement;
		const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
		let h = 0;
		const parts: number[] = [];
		for (let i = 0; i < d.length; i++) {
			h = (Math.imul(h, 31) + d[i]) | 0;
			if ((i & 0xffff) === 0xffff) parts.push(h);
		}
		return `${c.width}x${c.height}:${parts.join(',')}:${h}`;
	});
}

test('paint, erase, lasso, delete, merge, split, undo and redo on a real image', async ({ page }) => {
	await openData(page);
	await addFiles(page, [shared('data/mycol_demo_fungal/images/demo01.tif'), shared('data/mycol_demo_fungal/masks/demo01_masks.tif')]);
	await page.getByRole('link', { name: 'Annotate' }).click();
	await expect(page.getByTestId('cell-count')).toHaveText('9');
	const original = await labelsFromSession(page);
	const idAt = (labels: Uint32Array, x: number, y: number) => labels[Math.floor(y) * 512 + Math.floor(x)];

	// Lasso a new cell on background (top-left corner region has no cells).
	await page.getByTestId('tool-lasso').click();
	await drag(page, [[30, 60], [70, 60], [70, 100], [30, 100], [30, 61]]);
	await expect(page.getByTestId('cell-count')).toHaveText('10');
	let labels = await labelsFromSession(page);
	const lassoId = idAt(labels, 50, 80);
	expect(lassoId).toBe(10);
	// Even-odd fill with pixel centres inside: about the 40 × 40 square of pixels 30..69 × 60..99.
	let area = 0;
	for (let i = 0; i < labels.length; i++) if (labels[i] === lassoId) area++;
	expect(area).toBeGreaterThan(1500);
	expect(area).toBeLessThanOrEqual(1681);

	// Brush: paint into the selected (new) cell, outward.
	await page.getByTestId('tool-brush').click();
	await drag(page, [[70, 80], [90, 80]]);
	labels = await labelsFromSession(page);
	expect(idAt(labels, 85, 80)).toBe(lassoId);

	// Eraser: cut the brushed part off again.
	await page.getByTestId('tool-eraser').click();
	await drag(page, [[70, 84], [90, 84], [90, 76]]);
	await drag(page, [[86, 70], [86, 90]]);
	// The canvas after these strokes (each frame redrew only the canvas pixels of its dirty
	// rectangle) equals a full redraw.
	const edited = await canvasPixels(page);
	await page.getByLabel('Cells O').uncheck();
	await page.getByLabel('Cells O').check();
	expect(await canvasPixels(page)).toBe(edited);
	labels = await labelsFromSession(page);
	expect(idAt(labels, 86, 80)).toBe(0);

	// Select and delete the new cell (and its cut-off piece, if any, stays a cell).
	await page.getByTestId('tool-select').click();
	await click(page, 50, 80);
	await expect(page.getByTestId('selected-cell')).toContainText(`Cell ${lassoId}`);
	const before = await count(page);
	await page.getByTestId('delete-cell').click();
	await expect(page.getByTestId('cell-count')).toHaveText(String(before - 1));

	// Undo brings the cell back, redo deletes it again.
	await page.getByTestId('undo').click();
	await expect(page.getByTestId('cell-count')).toHaveText(String(before));
	await page.keyboard.press('Control+Shift+Z');
	await expect(page.getByTestId('cell-count')).toHaveText(String(before - 1));

	// Merge two real cells: click cell A then cell B.
	const cells = [...new Set(original)].filter((v) => v !== 0).sort((a, b) => a - b);
	const centre = (id: number) => {
		let sx = 0;
		let sy = 0;
		let n = 0;
		for (let i = 0; i < original.length; i++) if (original[i] === id) (sx += i % 512, sy += Math.floor(i / 512), n++);
		// A pixel of the cell nearest its centroid.
		let best = -1;
		let bd = Infinity;
		for (let i = 0; i < original.length; i++) if (original[i] === id) {
			const d = (i % 512 - sx / n) ** 2 + (Math.floor(i / 512) - sy / n) ** 2;
			if (d < bd) (bd = d, best = i);
		}
		return [best % 512 + 0.5, Math.floor(best / 512) + 0.5] as [number, number];
	};
	const [a, b] = [cells[0], cells[1]];
	const n0 = await count(page);
	await page.getByRole('button', { name: /^Merge/ }).click();
	await click(page, ...centre(a));
	await click(page, ...centre(b));
	await expect(page.getByTestId('cell-count')).toHaveText(String(n0 - 1));
	labels = await labelsFromSession(page);
	for (let i = 0; i < original.length; i++) if (original[i] === b) expect(labels[i]).toBe(a);

	// Split the merged cell back along a line between them? Split a long cell across its middle instead.
	const big = cells.reduce((m, id) => (original.filter((v) => v === id).length > original.filter((v) => v === m).length ? id : m), cells[2]);
	let minX = 512, maxX = 0, minY = 512, maxY = 0;
	for (let i = 0; i < original.length; i++) if (original[i] === big) {
		minX = Math.min(minX, i % 512); maxX = Math.max(maxX, i % 512);
		minY = Math.min(minY, Math.floor(i / 512)); maxY = Math.max(maxY, Math.floor(i / 512));
	}
	const n1 = await count(page);
	await page.getByRole('button', { name: /^Split/ }).click();
	const [cx, cy] = centre(big);
	// A line across the cell's shorter direction through its centre.
	const wide = maxX - minX > maxY - minY;
	await drag(page, wide ? [[cx, minY - 5], [cx, maxY + 5]] : [[minX - 5, cy], [maxX + 5, cy]]);
	await expect(page.getByTestId('cell-count')).toHaveText(String(n1 + 1));
	labels = await labelsFromSession(page);
	const pieces = new Set<number>();
	let lost = 0;
	for (let i = 0; i < original.length; i++) if (original[i] === big) (labels[i] ? pieces.add(labels[i]) : lost++);
	expect(pieces.size).toBe(2);
	expect(lost).toBe(0);
});
