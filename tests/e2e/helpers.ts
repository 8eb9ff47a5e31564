/** Shared helpers of the browser tests. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';

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
