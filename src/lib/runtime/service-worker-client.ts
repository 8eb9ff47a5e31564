/**
 * Registers Mycol's service worker (src/service-worker.ts): it precaches the app for offline use
 * and adds the cross-origin isolation headers on hosts that cannot send them, which WASM threads
 * need. On such a host the first visit is not isolated; once the worker controls the page we
 * reload once (guarded, so a browser that refuses isolation never loops).
 */
import { dev } from '$app/environment';

const RELOAD_FLAG = 'mycol-isolation-reload';

export function registerServiceWorker(): void {
	if (dev || !('serviceWorker' in navigator) || !window.isSecureContext) return;
	// Relative to index.html, which with hash routes is the only page: works under any base path.
	navigator.serviceWorker
		.register('service-worker.js')
		.then(() => {
			if (window.crossOriginIsolated || sessionStorage.getItem(RELOAD_FLAG)) return;
			const reload = () => {
				sessionStorage.setItem(RELOAD_FLAG, '1');
				location.reload();
			};
			if (navigator.serviceWorker.controller) reload();
			else navigator.serviceWorker.addEventListener('controllerchange', reload, { once: true });
		})
		.catch((e: unknown) => console.warn('Mycol: the offline service worker could not be registered', e));
}
