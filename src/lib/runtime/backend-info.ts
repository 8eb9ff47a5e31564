/** Which inference backends a browser offers (no onnxruntime import: the page uses this too). */
export type WebBackend = 'webgpu' | 'wasm';

export interface BackendInfo {
	available: WebBackend[];
	/** Why WebGPU is not offered, when it is not. */
	webgpuNote: string | null;
	/** WASM threads (1 when the page is not cross-origin isolated). */
	threads: number;
	isolated: boolean;
	webgpuAdapter: string | null;
}

/** A human name for a backend, as the UI shows it. */
export function backendLabel(b: WebBackend, threads: number): string {
	return b === 'webgpu' ? 'WebGPU' : threads > 1 ? `WASM + ${threads} threads` : 'WASM (1 thread)';
}
