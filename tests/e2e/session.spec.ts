import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { readSessionZip } from '../../src/lib/core/session/zip-reader';
import { buildRawZip, text, unzipEntries } from '../unit/session/raw-zip';
import { addFiles, cell, openData, shared, tempDir } from './helpers';

async function waitSaved(page: Page) {
	await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 30_000 });
}

async function download(page: Page, testId: string): Promise<Uint8Array> {
	const wait = page.waitForEvent('download');
	await page.getByTestId(testId).click();
	return new Uint8Array(readFileSync(await (await wait).path()));
}

test('a reload brings back images, masks, pixel sizes and parameters', async ({ page }) => {
	await openData(page);
	await addFiles(page, [
		shared('data/mycol_demo_fungal/images/demo01.tif'),
		shared('data/mycol_demo_fungal/masks/demo01_masks.tif'),
		shared('data/omnipose_bacteria_phase/images/caulo_15.tif'),
		shared('data/omnipose_bacteria_phase/masks/caulo_15_cp_masks.tif')
	]);
	await page.locator('[data-name="caulo_15.tif"] input.px').fill('0.065');
	await page.locator('[data-name="caulo_15.tif"] input.px').press('Enter');
	await page.getByRole('link', { name: 'Annotate' }).click();
	await page.getByLabel('Flow threshold').fill('0.7');
	await waitSaved(page);

	await page.reload();
	await page.getByRole('link', { name: 'Data', exact: true }).click();
	await expect(page.getByTestId('image-row')).toHaveCount(2);
	expect(await cell(page, 'demo01.tif', 'cells')).toBe('9');
	expect(await cell(page, 'caulo_15.tif', 'cells')).toBe('21');
	await expect(page.locator('[data-name="caulo_15.tif"] input.px')).toHaveValue('0.065');
	await page.getByRole('link', { name: 'Annotate' }).click();
	await expect(page.getByLabel('Flow threshold')).toHaveValue('0.7');
	await page.getByRole('link', { name: 'Data', exact: true }).click();
	await expect(page.getByTestId('sessions-list').locator('li')).toHaveCount(1);
});

test('a session zip restores exactly after the site data is cleared, and hostile zips are refused', async ({ page, context }) => {
	await openData(page);
	await addFiles(page, [
		shared('data/stardist_dsb2018_nuclei/images/img2d.tif'),
		shared('data/stardist_dsb2018_nuclei/masks/img2d_masks.tif'),
		shared('data/odd_formats/images/demo05_q90.jpg'),
		shared('data/odd_formats/masks/demo05_q90_masks.tif')
	]);
	await page.getByTestId('load-example').click();
	await expect(page.getByTestId('image-row')).toHaveCount(5);
	await waitSaved(page);
	const first = await download(page, 'download-session');
	const a = await readSessionZip('first.zip', first);
	expect(a.session.images.map((im) => im.name)).toEqual(['img2d.tif', 'demo05_q90.jpg', 'example_nuclei_sparse.tif', 'example_nuclei_dense.tif', 'example_cells_2ch.tif']);

	// Clear everything the site stored, then open the zip in a fresh page.
	await page.evaluate(async () => {
		for (const db of await indexedDB.databases()) if (db.name) indexedDB.deleteDatabase(db.name);
	});
	await context.clearCookies();
	await page.reload();
	await expect(page.getByTestId('image-row')).toHaveCount(0);
	const dir = tempDir();
	writeFileSync(join(dir, 'session.zip'), first);
	await page.getByTestId('open-session').setInputFiles(join(dir, 'session.zip'));
	await expect(page.getByTestId('image-row')).toHaveCount(5);
	expect(await cell(page, 'img2d.tif', 'cells')).toBe('125');
	await waitSaved(page);

	const second = await download(page, 'download-session');
	const b = await readSessionZip('second.zip', second);
	expect(b.session.id).toBe(a.session.id);
	expect(b.session.images.length).toBe(a.session.images.length);
	for (let k = 0; k < a.session.images.length; k++) {
		const x = a.session.images[k];
		const y = b.session.images[k];
		expect([y.name, y.width, y.height, y.dtype, y.pixelSizeUm]).toEqual([x.name, x.width, x.height, x.dtype, x.pixelSizeUm]);
		expect(y.bytes).toEqual(x.bytes);
		expect(y.mask?.labels.data).toEqual(x.mask?.labels.data);
	}
	expect(b.manifest.images.map((i) => i.file.sha256)).toEqual(a.manifest.images.map((i) => i.file.sha256));

	// Hostile files: each refused with a sentence, the session untouched.
	const entries = unzipEntries(first);
	const withManifest = (change: (m: Record<string, unknown>) => void) =>
		entries.map((e) => {
			if (e.name !== 'manifest.json') return e;
			const m = JSON.parse(new TextDecoder().decode(e.data));
			change(m);
			return { ...e, data: text(JSON.stringify(m)) };
		});
	const image = entries.find((e) => e.name.startsWith('images/'))!;
	const hostile: Record<string, Uint8Array> = {
		'notes.zip': new TextEncoder().encode('not a zip at all'),
		'cut.zip': first.subarray(0, Math.floor(first.length / 2)),
		'newer.zip': buildRawZip(withManifest((m) => (m.formatVersion = 99))),
		'traversal.zip': buildRawZip([...entries, { name: '../evil.txt', data: text('x') }]),
		'absolute.zip': buildRawZip([...entries, { name: '/etc/evil.txt', data: text('x') }]),
		'duplicate.zip': buildRawZip([...entries, image]),
		'tampered.zip': buildRawZip(entries.map((e) => (e === image ? { ...e, data: Uint8Array.from(e.data, (b, i) => (i === 200 ? b ^ 1 : b)) } : e))),
		'bomb.zip': buildRawZip(entries.map((e) => (e === image ? { ...e, declaredSize: 5 * 2 ** 30 } : e)))
	};
	const said: string[] = [];
	for (const [name, bytes] of Object.entries(hostile)) {
		writeFileSync(join(dir, name), bytes);
		await page.getByTestId('open-session').setInputFiles(join(dir, name));
		const message = page.locator('[data-testid="error-message"]').filter({ hasText: name });
		await expect(message).toBeVisible();
		said.push(await message.innerText());
		await expect(page.getByTestId('image-row')).toHaveCount(5);
	}
	// Each problem has its own sentence.
	expect(new Set(said.map((m) => m.replace(/^\S+\.zip: /, ''))).size).toBe(said.length);
});

test("a hyperparameter CSV in the original app's format, dropped on the Data page, sets the parameters to its best row", async ({ page }) => {
	const dir = tempDir();
	// The columns the original app writes (pandas to_csv with index=False), sorted by AP, plus a worse row.
	const csv = 'cellprob,flow_threshold,niter,min_size,ap_iou_0.5\n0.2,0.6,300,50,0.81\n0.0,0.4,0,15,0.62\n';
	writeFileSync(join(dir, 'hyperparameter_search.csv'), csv);
	await openData(page);
	await page.getByTestId('file-input').setInputFiles(join(dir, 'hyperparameter_search.csv'));
	await expect(page.getByTestId('info-message')).toContainText('the best (AP@0.5 0.810) is applied');
	await page.getByTestId('load-example').click();
	await page.getByRole('link', { name: 'Annotate' }).click();
	await expect(page.getByLabel('Flow threshold')).toHaveValue('0.6');
	await expect(page.getByLabel('Cell probability threshold')).toHaveValue('0.2');
	await expect(page.getByLabel('Minimum size (px)')).toHaveValue('50');
	await expect(page.getByLabel('Steps (niter)')).toHaveValue('300');
});
