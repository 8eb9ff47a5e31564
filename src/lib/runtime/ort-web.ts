/**
 * onnxruntime-web in the browser (inside a worker): which backends exist here, sessions per
 * backend, and a Cellpose runner for the pipeline. WebGPU when the browser has an adapter; WASM
 * with SIMD and threads when the page is cross-origin isolated, single-threaded WASM otherwise.
 * The WASM files are bundled by Vite and served from the app's own origin.
 */
import * as ort from 'onnxruntime-web';
import type { CellposeNet } from '$lib/core/cellpose/pipeline';
import type { PreparedModel } from '$lib/core/cellpose/model';

import type { BackendInfo, WebBackend } from './backend-info';
import { appBase } from './app-base';

export type { BackendInfo, WebBackend };

let configured = false;


/** Threads for WASM: all cores up to 8 when SharedArrayBuffer is allowed. Set once, before any session. */
function configureWasm(): number {
	const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
	const threads = isolated ? Math.max(1, Math.min(8, navigator.hardwareConcurrency || 2)) : 1;
	if (!configured) {
		// ORT's WASM files are served from the app's own `ort/` folder (precached for offline use).
		ort.env.wasm.wasmPaths = new URL('ort/', appBase()).href;
		ort.env.wasm.numThreads = threads;
		ort.env.wasm.simd = true;
		ort.env.logLevel = 'error';
		configured = true;
	}
	return ort.env.wasm.numThreads as number;
}

export async function detectBackends(): Promise<BackendInfo> {
	const threads = configureWasm();
	const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
	let adapterName: string | null = null;
	let webgpuNote: string | null = 'this browser offers no WebGPU';
	const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
	if (gpu) {
		try {
			const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
			const info = adapter?.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
			if (!adapter) webgpuNote = 'no WebGPU adapter is available';
			else if (info?.isFallbackAdapter) {
				// A software adapter (e.g. SwiftShader) runs the network on the CPU far slower than WASM.
				webgpuNote = `the WebGPU adapter is a software one (${info.architecture || info.vendor}), slower than WASM`;
			} else {
				adapterName = info?.description || info?.vendor || 'WebGPU adapter';
				webgpuNote = null;
			}
		} catch {
			webgpuNote = 'the WebGPU adapter could not be opened';
		}
	}
	return { available: adapterName ? ['webgpu', 'wasm'] : ['wasm'], webgpuNote, threads, isolated, webgpuAdapter: adapterName };
}

export async function createWebSession(model: PreparedModel, backend: WebBackend): Promise<ort.InferenceSession> {
	configureWasm();
	return ort.InferenceSession.create(model.onnx, {
		executionProviders: [backend],
		graphOptimizationLevel: 'all'
	});
}

/**
 * The pipeline's network function for a session. A model with a fixed tile size gets each tile
 * zero-padded up to it (bottom/right) and the output cropped back.
 */
export function cellposeNetFor(session: ort.InferenceSession, model: PreparedModel): CellposeNet {
	const { io, tile } = model;
	return async (input, n, h, w) => {
		const th = tile?.height ?? h;
		const tw = tile?.width ?? w;
		if (th < h || tw < w) {
			throw new Error(`the model takes ${tw} × ${th} tiles, smaller than the ${w} × ${h} tiles the pipeline cuts`);
		}
		let x = input;
		if (th !== h || tw !== w) {
			x = new Float32Array(n * 2 * th * tw);
			for (let b = 0; b < n * 2; b++) for (let y = 0; y < h; y++) x.set(input.subarray((b * h + y) * w, (b * h + y + 1) * w), (b * th + y) * tw);
		}
		const feeds = { [io.input]: new ort.Tensor('float32', x, [n, 2, th, tw]) };
		const out = await session.run(feeds, io.style ? [io.y, io.style] : [io.y]);
		let y = out[io.y].data as Float32Array;
		if (th !== h || tw !== w) {
			const full = y;
			y = new Float32Array(n * 3 * h * w);
			for (let b = 0; b < n * 3; b++) for (let r = 0; r < h; r++) y.set(full.subarray((b * th + r) * tw, (b * th + r) * tw + w), (b * h + r) * w);
		}
		const style = io.style ? (out[io.style].data as Float32Array) : null;
		for (const t of Object.values(out)) t.dispose();
		return { y, style };
	};
}
