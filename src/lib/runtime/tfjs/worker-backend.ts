/**
 * A worker's tfjs backend (WebGPU → WASM → CPU, WASM files from the app's own origin), started
 * once per worker and shared by its calls; a failed start is tried again on the next call.
 */
import { tfjsWasmPaths } from '../app-base';
import { initTfjsBackend, type TfjsBackendName } from './backend';

let backend: Promise<TfjsBackendName> | null = null;

export function workerTfjsBackend(prefer: TfjsBackendName | 'auto' = 'auto'): Promise<TfjsBackendName> {
	if (!backend) {
		backend = initTfjsBackend({ prefer, wasmPaths: tfjsWasmPaths() });
		backend.catch(() => (backend = null));
	}
	return backend;
}
