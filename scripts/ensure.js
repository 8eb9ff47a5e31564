// Shared by `npm start` and `npm test`: install what is missing before doing anything else.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function run(cmd, args, options = {}) {
	const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
	return r.status ?? 1;
}

/** `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureDependencies() {
	const marker = resolve(root, 'node_modules/.package-lock.json');
	const lock = resolve(root, 'package-lock.json');
	if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
	console.log('Installing dependencies (npm ci)…');
	if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) {
		console.error('npm ci failed: check your network connection to the npm registry and try again.');
		process.exit(1);
	}
}

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium for the browser tests: installed with apt-get when missing and we are root. */
export function ensureChromium() {
	if (existsSync(CHROMIUM)) return;
	const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
	const hasApt = existsSync('/usr/bin/apt-get');
	if (isRoot && hasApt) {
		console.log('Installing Chromium for the browser tests (apt-get install chromium)…');
		const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
		if (run('apt-get', ['update'], { env }) === 0 && run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env }) === 0) return;
	}
	console.error(
		`The browser tests need Chromium at ${CHROMIUM}. Install it first, e.g. on Debian or Ubuntu: sudo apt-get install chromium` +
			(isRoot ? ' (the automatic install failed).' : ' (run npm test as root to have it installed for you).')
	);
	process.exit(1);
}

export function gitVersion() {
	try {
		return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
	} catch {
		return 'unknown';
	}
}
