import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { decodeLabelFile } from '../../src/lib/core/formats/image-file';
import { addFiles, openData, shared, tempDir } from './helpers';

test('segments a real image with the built-in model in the browser (WASM), giving the masks the CLI gives', async ({ page }) => {
	const image = shared('data/mycol_demo_fungal/images/demo03.tif');
	// The CLI on the same core and the same WASM runtime, in Node.
	const dir = tempDir();
	const cli = spawnSync(process.execPath, ['cli/mycol.js', 'segment', image, '--model', 'mycol-fungal-v1', '--backend', 'wasm', '--out', dir], { encoding: 'utf8' });
	expect(cli.stderr).toBe('');
	expect(cli.status).toBe(0);
	const fromCli = decodeLabelFile('demo03_masks.tif', new Uint8Array(readFileSync(join(dir, 'demo03_masks.tif')))).labels;

	await openData(page);
	await addFiles(page, [image]);
	await page.getByRole('link', { name: 'Annotate' }).click();
	await expect(page.getByTestId('model-picker')).toHaveValue('mycol-fungal-v1', { timeout: 180_000 });
	await page.getByTestId('segment-image').click();
	await expect(page.getByTestId('progress')).toBeVisible({ timeout: 60_000 });
	await expect(page.getByRole('status').filter({ hasText: 'Segmented' })).toBeVisible({ timeout: 300_000 });
	await expect(page.getByTestId('backend')).toHaveText(/WASM/);
	const cells = Number(await page.getByTestId('cell-count').innerText());
	expect(cells).toBeGreaterThan(0);
	expect(cells).toBe(JSON.parse(cli.stdout.trim().split('\n')[0]).cells);

	// The page's masks, as its own label TIFF export writes them.
	await page.getByRole('link', { name: 'Export' }).click();
	const wait = page.waitForEvent('download');
	await page.getByTestId('export-label-tiff').click();
	const zip = await wait;
	const { unzipSync } = await import('fflate');
	const files = unzipSync(new Uint8Array(readFileSync(await zip.path())));
	const fromPage = decodeLabelFile('demo03_masks.tif', files['demo03_masks.tif']).labels;
	expect([fromPage.width, fromPage.height]).toEqual([fromCli.width, fromCli.height]);
	let differ = 0;
	for (let i = 0; i < fromCli.data.length; i++) if (fromCli.data[i] !== fromPage.data[i]) differ++;
	expect(differ).toBe(0);
});
