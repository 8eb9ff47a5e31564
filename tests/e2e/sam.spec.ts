/**
 * SAM2 box prompts end to end in Chromium, on the tiny same-interface models of
 * src/lib/core/sam/test-models.ts (real SAM2 weights cannot be downloaded where this runs): install
 * from the file picker (onnx-community export with a .onnx_data file; samexporter export) and from
 * the deployment's models/sam2/manifest.json (served here by page.route), then a dragged box must
 * become a cell shaped as the test decoder computes: the box itself.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { testSamFiles } from '../../src/lib/core/sam/test-models';
import type { SamConvention } from '../../src/lib/core/sam/onnx-contract';
import { sha256Hex } from '../../src/lib/core/session/sha256';
import { addFiles, at, count, labelsFromSession, openData, shared, tempDir } from './helpers';

// page.route must see the manifest request (a service worker would answer it first).
test.use({ serviceWorkers: 'block' });

const W = 512; // demo01.tif is 512 × 512

/** Write a convention's test files to a temp dir; returns their paths. */
function writeTestModels(convention: SamConvention, externalData: boolean): string[] {
	const dir = tempDir();
	return testSamFiles(convention, { externalData }).map((f) => {
		const p = join(dir, f.name);
		writeFileSync(p, f.bytes);
		return p;
	});
}

/** Drag a box with the box tool; returns the corners as the viewer maps the screen points back. */
async function dragBox(page: Page, a: [number, number], b: [number, number]) {
	await page.getByTestId('tool-box').click();
	const s = await at(page, ...a);
	const e = await at(page, ...b);
	await page.mouse.move(s.x, s.y);
	await page.mouse.down();
	await page.mouse.move(e.x, e.y, { steps: 5 });
	await page.mouse.up();
	const canvas = page.getByTestId('viewer-canvas');
	const c = (await canvas.boundingBox())!;
	const v = JSON.parse((await canvas.getAttribute('data-view'))!) as { scale: number; x: number; y: number };
	const back = (p: { x: number; y: number }) => [(p.x - c.x - v.x) / v.scale, (p.y - c.y - v.y) / v.scale];
	const [x0, y0] = back(s);
	const [x1, y1] = back(e);
	return { x0, y0, x1, y1 };
}

/** The cell with id `id` must be the pixels whose centres lie in the box (IoU ≥ 0.95, edges ±2 px: the screen rounds the drag). */
function expectCellIsBox(labels: Uint32Array, id: number, box: { x0: number; y0: number; x1: number; y1: number }) {
	let inter = 0, union = 0, x0 = W, y0 = W, x1 = 0, y1 = 0;
	for (let i = 0; i < labels.length; i++) {
		const x = i % W;
		const y = Math.floor(i / W);
		const inBox = x + 0.5 > box.x0 && x + 0.5 < box.x1 && y + 0.5 > box.y0 && y + 0.5 < box.y1;
		const inCell = labels[i] === id;
		if (inCell) (x0 = Math.min(x0, x), y0 = Math.min(y0, y), x1 = Math.max(x1, x + 1), y1 = Math.max(y1, y + 1));
		if (inBox && inCell) inter++;
		if (inBox || inCell) union++;
	}
	expect(inter / union).toBeGreaterThanOrEqual(0.95);
	for (const [got, want] of [[x0, box.x0], [y0, box.y0], [x1, box.x1], [y1, box.y1]]) expect(Math.abs(got - want)).toBeLessThanOrEqual(2);
}

async function openImage(page: Page) {
	await openData(page);
	await addFiles(page, [shared('data/mycol_demo_fungal/images/demo01.tif')]);
	await page.getByRole('link', { name: 'Annotate' }).click();
	await expect(page.getByTestId('cell-count')).toHaveText('0');
}

test('SAM2 from files: refuse a wrong set, install the onnx-community export, box → cell; then the samexporter one', async ({ page }) => {
	await openImage(page);
	const status = page.getByTestId('sam-status');
	await expect(status).toHaveAttribute('data-state', 'none');
	await expect(status).toContainText('not installed');
	// No manifest in this build: said plainly.
	await expect(page.getByTestId('sam-deployment')).toContainText('models/sam2/manifest.json is absent');

	const h = writeTestModels('H', true);
	// The decoder without its .onnx_data file: refused, naming the missing file.
	await page.getByTestId('sam-files').setInputFiles([h[0], h[1]]);
	await expect(page.getByTestId('error-message')).toContainText('prompt_encoder_mask_decoder.onnx_data; pick it together');
	await expect(status).toHaveAttribute('data-state', 'none');

	await page.getByTestId('sam-files').setInputFiles(h);
	await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
	await expect(page.getByTestId('sam-installed')).toContainText('onnx-community');

	const box1 = await dragBox(page, [100.3, 150.7], [180.2, 230.9]);
	await expect(page.getByTestId('cell-count')).toHaveText('1', { timeout: 60_000 });
	let labels = await labelsFromSession(page);
	expectCellIsBox(labels, labels[190 * W + 140], box1);
	expect(labels[190 * W + 140]).toBeGreaterThan(0);

	// Replace it with the samexporter-style export.
	await page.getByTestId('sam-remove').click();
	await expect(status).toHaveAttribute('data-state', 'none');
	await page.getByTestId('sam-files').setInputFiles(writeTestModels('M', false));
	await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
	await expect(page.getByTestId('sam-installed')).toContainText('samexporter');
	const box2 = await dragBox(page, [300.6, 60.2], [420.4, 130.8]);
	await expect(page.getByTestId('cell-count')).toHaveText('2', { timeout: 60_000 });
	labels = await labelsFromSession(page);
	const id2 = labels[95 * W + 360];
	expect(id2).toBeGreaterThan(0);
	expect(id2).not.toBe(labels[190 * W + 140]);
	expectCellIsBox(labels, id2, box2);

	// A box over the existing cell adds nothing there (new cells fill background only): it keeps the free part.
	const before = await count(page);
	await dragBox(page, [90.2, 140.4], [200.1, 240.3]);
	await expect(page.getByTestId('cell-count')).toHaveText(String(before + 1), { timeout: 60_000 });
	labels = await labelsFromSession(page);
	expectCellIsBox(labels, labels[190 * W + 140], box1);
});

test('SAM2 from the deployment folder: progress, sha256 check, kept on the device across visits', async ({ page }) => {
	const files = testSamFiles('H', { externalData: true });
	const entry = (f: { name: string; bytes: Uint8Array }, sha = sha256Hex(f.bytes)) => ({ file: `tiny/${f.name}`, bytes: f.bytes.length, sha256: sha });
	let manifest = { formatVersion: 1, models: [{ id: 'test-tiny', name: 'SAM 2.1 test tiny', licence: 'Apache-2.0', files: files.map((f) => entry(f)) }] };
	let release: () => void = () => {};
	const held = new Promise<void>((r) => (release = r));
	await page.route('**/models/sam2/manifest.json', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(manifest) }));
	await page.route('**/models/sam2/tiny/*', async (route) => {
		const name = decodeURIComponent(new URL(route.request().url()).pathname.split('/').pop()!);
		const f = files.find((x) => x.name === name)!;
		if (name.endsWith('_data')) await held; // hold the largest file until the progress bar is seen
		await route.fulfill({ contentType: 'application/octet-stream', body: Buffer.from(f.bytes) });
	});

	// A manifest whose checksum does not match the file: refused.
	manifest = { ...manifest, models: [{ ...manifest.models[0], files: [entry(files[0], '0'.repeat(64)), ...files.slice(1).map((f) => entry(f))] }] };
	await openImage(page);
	const install = page.getByTestId('sam-install-deployment');
	await expect(install).toContainText('SAM 2.1 test tiny');
	await install.click();
	await expect(page.getByTestId('error-message')).toContainText("checksum does not match the model list");
	await expect(page.getByTestId('sam-status')).toHaveAttribute('data-state', 'none');

	// The right list: a progress bar while it downloads, then installed and ready.
	manifest = { formatVersion: 1, models: [{ id: 'test-tiny', name: 'SAM 2.1 test tiny', licence: 'Apache-2.0', files: files.map((f) => entry(f)) }] };
	await page.reload();
	await page.getByRole('link', { name: 'Annotate' }).click();
	if (await page.getByText('No image is loaded yet').isVisible()) await openImage(page);
	await page.getByTestId('sam-install-deployment').click();
	await expect(page.getByTestId('progress')).toBeVisible();
	release();
	await expect(page.getByTestId('sam-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
	await expect(page.getByTestId('progress')).toHaveCount(0);
	await expect(page.getByTestId('sam-status')).toContainText('SAM 2.1 test tiny');

	// A new visit: the model comes from this device (the files are not fetched again).
	await page.unroute('**/models/sam2/tiny/*');
	await page.route('**/models/sam2/tiny/*', (route) => route.abort());
	await page.reload();
	await page.getByRole('link', { name: 'Annotate' }).click();
	if (await page.getByText('No image is loaded yet').isVisible()) await openImage(page);
	await expect(page.getByTestId('sam-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
	const n = await count(page);
	const box = await dragBox(page, [250.5, 300.5], [330.5, 360.5]);
	await expect(page.getByTestId('cell-count')).toHaveText(String(n + 1), { timeout: 60_000 });
	const labels = await labelsFromSession(page);
	expectCellIsBox(labels, labels[330 * W + 290], box);
});
