/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * Mycol's service worker: the whole app is precached at install so it opens offline after one
 * visit, and every response from our origin gets the cross-origin isolation headers (COOP/COEP/
 * CORP) so WASM threads work even on a static host that cannot set headers.
 */
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `mycol-${version}`;
const scope = new URL(sw.registration.scope);
/** Paths (relative to the scope) of everything the app needs offline. */
/** Optional large models a deployment may add under models/sam2/ are cached when installed, not here. */
const PRECACHE = ['./', ...build, ...files.filter((f) => !f.includes('/models/sam2/'))].map((p) => new URL(p.replace(/^\//, ''), scope).href);
const PRECACHED = new Set(PRECACHE);
const INDEX = new URL('./', scope).href;

sw.addEventListener('install', (event) => {
	event.waitUntil(
		(async () => {
			const cache = await caches.open(CACHE);
			// Bypass the HTTP cache: large files fetched twice at once would wait on its lock.
			await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'no-store' })));
			await sw.skipWaiting();
		})()
	);
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			// Only our own older app caches: other caches (e.g. installed SAM2 models) stay.
			for (const key of await caches.keys()) if (key.startsWith('mycol-') && key !== CACHE && key !== 'mycol-models') await caches.delete(key);
			await sw.clients.claim();
		})()
	);
});

function isolated(res: Response): Response {
	// Opaque and redirected responses cannot be rebuilt; pass them through.
	if (res.status === 0 || res.type === 'opaqueredirect') return res;
	const headers = new Headers(res.headers);
	headers.set('Cross-Origin-Opener-Policy', 'same-origin');
	headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
	headers.set('Cross-Origin-Resource-Policy', 'same-origin');
	return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function respond(request: Request): Promise<Response> {
	const cache = await caches.open(CACHE);
	const url = new URL(request.url);
	url.hash = '';
	const key = request.mode === 'navigate' ? INDEX : url.href;
	if (PRECACHED.has(key) && request.mode !== 'navigate') {
		// Hashed build files never change: cache first.
		const hit = await cache.match(key);
		if (hit) return hit;
	}
	try {
		const res = await fetch(request);
		if (res.ok && request.mode === 'navigate') await cache.put(INDEX, res.clone());
		return res;
	} catch (e) {
		const hit = await cache.match(key, { ignoreSearch: true });
		if (hit) return hit;
		throw e;
	}
}

sw.addEventListener('fetch', (event) => {
	const request = event.request;
	if (request.method !== 'GET') return;
	if (new URL(request.url).origin !== scope.origin) return;
	if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
	event.respondWith(respond(request).then(isolated));
});
