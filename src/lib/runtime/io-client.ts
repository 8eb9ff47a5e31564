/** The page's handle on the file-reading worker; one worker, started on first use. */
import * as Comlink from 'comlink';
import type { IoApi } from './io-types';

let remote: Comlink.Remote<IoApi> | null = null;

export function ioWorker(): Comlink.Remote<IoApi> {
	if (!remote) {
		const worker = new Worker(new URL('../../../workers/io.worker.ts', import.meta.url), { type: 'module', name: 'io' });
		remote = Comlink.wrap<IoApi>(worker);
	}
	return remote;
}

/** Decode a file in the worker; the buffer is transferred (the caller must not use it afterwards). */
export function decodeInWorker(name: string, buffer: ArrayBuffer, maskSuffixes: string[]) {
	return ioWorker().decode(name, Comlink.transfer(buffer, [buffer]), [...maskSuffixes]);
}
