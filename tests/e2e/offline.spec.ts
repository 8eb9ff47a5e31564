import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { openData, waitForServiceWorker } from './helpers';

test('the page is cross-origin isolated (WASM threads can run)', async ({ page }) => {
	await openData(page);
	expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
	expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
});

test('after one visit the app opens with the network off', async ({ page, context }) => {
	await openData(page);
	// Wait until the service worker controls the page and has precached the app.
	await waitForServiceWorker(page);
	await context.setOffline(true);
	await page.reload();
	await expect(page.getByRole('heading', { name: 'Images and masks' })).toBeVisible();
	await page.getByRole('link', { name: 'Help' }).click();
	await expect(page.getByRole('heading', { name: 'Where does my data go?' })).toBeVisible();
	// Example data is made by our own code: it works offline too.
	await page.getByRole('link', { name: 'Data', exact: true }).click();
	await page.getByTestId('load-example').click();
	await expect(page.getByTestId('image-row')).toHaveCount(3);
	await context.setOffline(false);
});

const TYPES: Record<string, string> = {
	'.html': 'text/html',
	'.js': 'text/javascript',
	'.css': 'text/css',
	'.json': 'application/json',
	'.webmanifest': 'application/manifest+json',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.wasm': 'application/wasm'
};

/** A plain static server with no COOP/COEP headers, like GitHub Pages. */
function plainStaticServer(root: string): Promise<{ server: Server; url: string }> {
	const server = createServer(async (req, res) => {
		const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
		let file = normalize(join(root, path));
		if (!file.startsWith(root)) return void res.writeHead(403).end();
		if (file.endsWith('/')) file = join(file, 'index.html');
		try {
			const body = await readFile(file);
			res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
		} catch {
			res.writeHead(404).end('not found');
		}
	});
	return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
		const addr = server.address();
		const port = typeof addr === 'object' && addr ? addr.port : 0;
		ok({ server, url: `http://localhost:${port}/` });
	}));
}

test('on a static host without header control, our service worker makes the page isolated', async ({ page }) => {
	const { server, url } = await plainStaticServer(resolve('build'));
	try {
		const first = await page.request.get(url);
		expect(first.headers()['cross-origin-embedder-policy']).toBeUndefined();
		await page.goto(url);
		// The app registers the worker and reloads once; then the page is isolated.
		await expect.poll(() => page.evaluate(() => window.crossOriginIsolated).catch(() => false), { timeout: 30_000 }).toBe(true);
		await expect(page.getByRole('heading', { name: 'Images and masks' })).toBeVisible();
	} finally {
		server.close();
	}
});
