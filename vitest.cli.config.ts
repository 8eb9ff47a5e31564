/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// The CLI tests run the real `mycol` command in child processes.
export default defineConfig({
	test: { include: ['tests/cli/**/*.test.ts'], environment: 'node', testTimeout: 120_000 }
});
