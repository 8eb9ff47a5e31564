/**
 * Where the app's own static files are, seen from a worker: its root URL, from the worker's own
 * address (…/_app/immutable/workers/x.js in a build). WASM runtimes are loaded from there — the
 * service worker precaches that folder, so they work offline too.
 */
export function appBase(): string {
	const here = (globalThis as { location?: Location }).location?.href ?? '';
	const i = here.indexOf('/_app/');
	return i >= 0 ? here.slice(0, i + 1) : new URL('/', here).href;
}

/** tfjs' WASM binaries, served from the app's `tfjs-wasm/` folder. */
export function tfjsWasmPaths(): Record<string, string> {
	const dir = new URL('tfjs-wasm/', appBase()).href;
	return Object.fromEntries(['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => [f, dir + f]));
}
