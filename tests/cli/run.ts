/** Running the real `mycol` command in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');

export interface Result {
	status: number;
	stdout: string;
	stderr: string;
}

export function mycol(...args: string[]): Result {
	const r = spawnSync(process.execPath, [join(root, 'cli/mycol.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
	return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Path of a file under ../shared; throws when it is missing (the test fails, never skips). */
export function shared(rel: string): string {
	const p = resolve(root, '..', 'shared', rel);
	if (!existsSync(p)) throw new Error(`shared test file missing: ${p}`);
	return p;
}

export function tempDir(): string {
	return mkdtempSync(join(tmpdir(), 'mycol-cli-'));
}

/** Run Debian's python3 (numpy, tifffile) on a script; CI installs them. */
export function python(script: string): string {
	const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
	return r.stdout;
}
