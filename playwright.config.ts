import { defineConfig } from '@playwright/test';

// Browser tests run against the production build (`vite build` first), served by `vite preview`
// with cross-origin isolation, in Debian's Chromium (never a downloaded browser).
export default defineConfig({
	testDir: 'tests/e2e',
	timeout: 300_000,
	expect: { timeout: 20_000 },
	workers: 1,
	retries: 0,
	outputDir: process.env.PLAYWRIGHT_OUTPUT_DIR ?? 'test-results',
	webServer: {
		command: 'node_modules/.bin/vite preview --port 4173 --strictPort',
		port: 4173,
		reuseExistingServer: false,
		timeout: 60_000
	},
	use: {
		baseURL: 'http://localhost:4173',
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
		}
	}
});
