/** Reading and writing files for the CLI, with the same plain-sentence errors as the app. */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { FormatError } from '../src/lib/core/formats/errors';

/** The bytes of a file, or a FormatError naming it. */
export function readInput(path: string): { name: string; bytes: Uint8Array } {
	const name = basename(path);
	let st;
	try {
		st = statSync(path);
	} catch {
		throw new FormatError(path, 'no such file');
	}
	if (st.isDirectory()) throw new FormatError(path, 'this is a folder, not a file');
	const b = readFileSync(path);
	return { name, bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength) };
}

export function writeOutput(path: string, bytes: Uint8Array): void {
	try {
		writeFileSync(path, bytes);
	} catch (e) {
		throw new FormatError(path, `cannot write the file (${(e as Error).message})`);
	}
}
