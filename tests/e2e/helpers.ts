/** Shared helpers of the browser tests. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { readSessionZip } from '../../src/lib/core/session/zip-reader';

/** Absolute path of a file under ../shared; throws (fails the test) when it is missing. */
export function shared(rel: string): string {
	const p = resolve('..', 'shared', rel);
	if (!existsSync(p)) throw new Error(`shared test file missing: ${p}`);
	return p;
}

export function tempDir(): string {
	return mkdtempSync(join(tmpdir(), 'mycol-e2e-'));
}

/** Open the Data page and wait until the app has started. */
export async function openData(page: Page): Promise<void> {
	await page.goto('/#/data');
	await page.getByRole('heading', { name: 'Images and masks' }).waitFor();
}

/** Give files to the Data page's file picker and wait until they are read. */
export async function addFiles(page: Page, paths: string[]): Promise<void> {
	await page.getByTestId('file-input').setInputFiles(paths);
	await page.waitForFunction(() => !document.body.textContent?.includes('Reading '), null, { timeout: 60_000 });
}

/** The text of one column of the image row for `name`. */
export async function cell(page: Page, name: string, col: string): Promise<string> {
	return (await page.locator(`[data-testid="image-row"][data-name="${name}"] [data-col="${col}"]`).innerText()).trim();
}

/** Wait until the service worker controls the page (it has then precached the app). */
export async function waitForServiceWorker(page: Page): Promise<void> {
	await page.evaluate(async () => {
		await navigator.serviceWorker.ready;
		if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
	});
}

/** Screen position of an image point (pixel centres at .5), from the viewer's current view. */
export async function at(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
	const canvas = page.getByTestId('viewer-canvas');
	const box = (await canvas.boundingBox())!;
	const v = JSON.parse((await canvas.getAttribute('data-view'))!) as { scale: number; x: number; y: number };
	return { x: box.x + v.x + x * v.scale, y: box.y + v.y + y * v.scale };
}

/** The cell count the Annotate page shows. */
export const count = async (page: Page) => Number(await page.getByTestId('cell-count').innerText());

/** The first image's label data as saved: wait for the autosave, download the session zip, read it. */
export async function labelsFromSession(page: Page): Promise<Uint32Array> {
	await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 30_000 });
	await page.getByRole('link', { name: 'Data', exact: true }).click();
	const wait = page.waitForEvent('download');
	await page.getByTestId('download-session').click();
	const zip = new Uint8Array(readFileSync(await (await wait).path()));
	const s = await readSessionZip('s.zip', zip);
	await page.getByRole('link', { name: 'Annotate' }).click();
	return s.session.images[0].mask!.labels.data;
}
