/**
 * Paths to the shared read-only data next to the project (`../shared`). A missing file fails
 * the test that asks for it, loudly: tests never skip because data is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedRoot = resolve(projectRoot, '../shared');

/** Absolute path of a file under ../shared; throws when it does not exist. */
export function sharedPath(rel: string): string {
	const p = resolve(sharedRoot, rel);
	if (!existsSync(p)) throw new Error(`shared test file missing: ${p}`);
	return p;
}

/** The bytes of a file under ../shared (a fresh, aligned copy). */
export function sharedBytes(rel: string): Uint8Array {
	const b = readFileSync(sharedPath(rel));
	return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
