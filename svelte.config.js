import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// A single-page app: one prerendered shell, every route rendered in the browser.
		adapter: adapter({ pages: 'build', assets: 'build', strict: true }),
		// Serve from a sub-folder of a static host by building with BASE_PATH=/folder (README).
		paths: { base: process.env.BASE_PATH ?? '' },
		serviceWorker: { register: false },
		// Hash routes (#/annotate): one index.html serves every page, on any static host, offline.
		router: { type: 'hash' },
		typescript: {
			// Type-check the workers, CLI, tests and benchmarks with the app.
			config: (tsconfig) => {
				tsconfig.include.push('../workers/**/*.ts', '../cli/**/*.ts', '../tests/**/*.ts', '../bench/**/*.ts', '../playwright.config.ts');
			}
		}
	}
};

export default config;
