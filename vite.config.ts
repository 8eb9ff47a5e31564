/// <reference types="vitest/config" />
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig, type Plugin } from 'vite';

/**
 * Cross-origin isolation (COOP/COEP) on the dev and preview servers, so WASM threads work.
 * `server.headers` does not reach SvelteKit pages or static files, hence this middleware.
 * On a static host without header control, src/service-worker.ts adds the same headers.
 */
const isolationHeaders: Record<string, string> = {
	'Cross-Origin-Opener-Policy': 'same-origin',
	'Cross-Origin-Embedder-Policy': 'require-corp',
	'Cross-Origin-Resource-Policy': 'same-origin'
};
type Next = () => void;
type Res = { setHeader(name: string, value: string): void };
const setIsolation = (_req: unknown, res: Res, next: Next) => {
	for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
	next();
};
const crossOriginIsolation = (): Plugin => ({
	name: 'cross-origin-isolation',
	configureServer: (server) => void server.middlewares.use(setIsolation),
	configurePreviewServer: (server) => void server.middlewares.use(setIsolation)
});

export default defineConfig({
	plugins: [crossOriginIsolation(), sveltekit()],
	worker: { format: 'es' },
	optimizeDeps: { exclude: ['onnxruntime-web'] },
	build: {
		chunkSizeWarningLimit: 4096,
		// The bundler's timing report is noise on a slow machine; builds stay quiet unless something is wrong.
		rolldownOptions: { checks: { bundlerTimings: false } }
	},
	test: {
		include: ['tests/unit/**/*.test.ts'],
		environment: 'node',
		testTimeout: 60_000,
		hookTimeout: 60_000
	}
});
