/**
 * tfjs backend start-up for training. Browser: WebGPU, then WASM, then the JS CPU backend; WASM
 * is always the single-threaded SIMD build (`WASM_HAS_MULTITHREAD_SUPPORT = false`), because the
 * threaded build's blob workers hang once bundled by Vite (environment.md). Node (CLI, tests,
 * benchmarks): 'wasm' or 'cpu' (tfjs-node cannot be installed here). Whenever WASM is used, the
 * training kernels it lacks or runs badly are registered first (`wasm-conv-grad.ts`); on the CPU
 * backend, a faster convolution filter gradient (`cpu-conv-grad.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-conv-grad';
import { registerCpuTrainingKernels } from './cpu-conv-grad';

export type TfjsBackendName = 'webgpu' | 'wasm' | 'cpu';

export interface TfjsBackendOptions {
	/** Try only this backend (no fallback); default: the best available. */
	prefer?: TfjsBackendName | 'auto';
	/**
	 * Where the WASM binaries are served from in a browser: a folder URL ending in '/', or one URL
	 * per file name (`tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm`, …). Node finds them itself.
	 */
	wasmPaths?: string | Record<string, string>;
}

const inNode = typeof process !== 'undefined' && typeof process.versions === 'object' && typeof process.versions.node === 'string';

/** A hardware WebGPU adapter: a software one (e.g. SwiftShader) trains far slower than WASM. */
async function hasWebGpu(): Promise<boolean> {
	const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
	if (inNode || !gpu) return false;
	try {
		const adapter = await gpu.requestAdapter();
		const info = adapter?.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
		return !!adapter && !info?.isFallbackAdapter;
	} catch {
		return false;
	}
}

async function tryBackend(name: TfjsBackendName, opts: TfjsBackendOptions): Promise<boolean> {
	try {
		if (name === 'cpu') {
			registerCpuTrainingKernels();
		} else if (name === 'webgpu') {
			if (!(await hasWebGpu())) return false;
			await import('@tensorflow/tfjs-backend-webgpu');
		} else if (name === 'wasm') {
			const wasm = await import('@tensorflow/tfjs-backend-wasm');
			tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
			if (opts.wasmPaths !== undefined) wasm.setWasmPaths(opts.wasmPaths as Parameters<typeof wasm.setWasmPaths>[0]);
			registerWasmTrainingKernels();
		}
		if (!(await tf.setBackend(name))) return false;
		await tf.ready();
		return tf.getBackend() === name;
	} catch {
		return false;
	}
}

/**
 * Select and initialise a backend; returns the one in use. With `prefer` set to a backend, only
 * that one is tried and a failure throws.
 */
export async function initTfjsBackend(opts: TfjsBackendOptions = {}): Promise<TfjsBackendName> {
	const prefer = opts.prefer ?? 'auto';
	if (prefer !== 'auto') {
		if (await tryBackend(prefer, opts)) return prefer;
		throw new Error(`the tfjs '${prefer}' backend could not be started here`);
	}
	const order: TfjsBackendName[] = inNode ? ['wasm', 'cpu'] : ['webgpu', 'wasm', 'cpu'];
	for (const name of order) if (await tryBackend(name, opts)) return name;
	throw new Error('no tfjs backend could be started');
}
