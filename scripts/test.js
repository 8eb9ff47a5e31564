// `npm test`: install what is missing, then every check — types, unit tests, a production build,
// browser tests against that build, CLI tests — and a closing "N passed, N failed" line.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureChromium, ensureDependencies, run } from './ensure.js';

ensureDependencies();
ensureChromium();

const out = mkdtempSync(join(tmpdir(), 'mycol-test-'));
const steps = [];
let passed = 0;
let failed = 0;

function step(name, cmd, args, count, options = {}) {
	const t0 = Date.now();
	console.log(`\n=== ${name} ===`);
	const status = run(cmd, args, options);
	const seconds = ((Date.now() - t0) / 1000).toFixed(0);
	const c = count?.() ?? { passed: status === 0 ? 1 : 0, failed: status === 0 ? 0 : 1 };
	// A step that fails without failing tests (a crash, a type error) still counts as a failure.
	if (status !== 0 && c.failed === 0) c.failed = 1;
	passed += c.passed;
	failed += c.failed;
	steps.push(`${status === 0 ? 'ok  ' : 'FAIL'} ${name} (${c.passed} passed, ${c.failed} failed, ${seconds} s)`);
	return status === 0;
}

function vitestCounts(file) {
	return () => {
		if (!existsSync(file)) return { passed: 0, failed: 0 };
		const r = JSON.parse(readFileSync(file, 'utf8'));
		return { passed: r.numPassedTests ?? 0, failed: (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0) };
	};
}

function playwrightCounts(file) {
	return () => {
		if (!existsSync(file)) return { passed: 0, failed: 0 };
		const s = JSON.parse(readFileSync(file, 'utf8')).stats ?? {};
		return { passed: (s.expected ?? 0) + (s.flaky ?? 0), failed: s.unexpected ?? 0 };
	};
}

const unitJson = join(out, 'unit.json');
const cliJson = join(out, 'cli.json');
const e2eJson = join(out, 'e2e.json');

step('svelte-check (types)', 'npm', ['run', '--silent', 'check']);
step('unit tests (vitest)', 'node_modules/.bin/vitest', ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${unitJson}`], vitestCounts(unitJson));
const built = step('production build', 'node_modules/.bin/vite', ['build', '--logLevel', 'warn']);
if (built) {
	step('browser tests (Playwright, Chromium)', 'node_modules/.bin/playwright', ['test', '--reporter=list,json'], playwrightCounts(e2eJson), {
		env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson }
	});
}
step('CLI tests', 'node_modules/.bin/vitest', ['run', '--config', 'vitest.cli.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${cliJson}`], vitestCounts(cliJson));

rmSync(out, { recursive: true, force: true });
console.log('\n' + steps.join('\n'));
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
