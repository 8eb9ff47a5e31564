/**
 * onnxruntime sessions for Node (CLI, tests, benchmarks): onnxruntime-node's native CPU EP where it
 * loads, else onnxruntime-web's WASM EP. Both packages implement the same onnxruntime-common API.
 * The browser has its own session factory; this file must not be imported by page code.
 */
import type * as OrtCommon from 'onnxruntime-web';
import { CELLPOSE_ONNX_IO } from '../core/cellpose/graph';

export type NodeOrtBackend = 'node' | 'wasm';

export interface OrtNodeSession {
	backend: NodeOrtBackend;
	session: OrtCommon.InferenceSession;
	/** The module the session came from, to build tensors of the matching class. */
	ort: typeof OrtCommon;
}

export interface CreateSessionOptions {
	/** 'auto' (default) tries onnxruntime-node first, then onnxruntime-web's WASM. */
	backend?: NodeOrtBackend | 'auto';
	/** Intra-op threads. For WASM it applies only to the first WASM session of the process. */
	threads?: number;
}

let wasmConfigured = false;

async function loadOrt(backend: NodeOrtBackend, threads: number | undefined): Promise<typeof OrtCommon> {
	if (backend === 'node') return (await import('onnxruntime-node')) as unknown as typeof OrtCommon;
	const ort = await import('onnxruntime-web');
	if (!wasmConfigured) {
		if (threads) ort.env.wasm.numThreads = threads;
		wasmConfigured = true;
	}
	return ort;
}

/** Create an inference session from model bytes. */
export async function createSession(modelBytes: Uint8Array, options: CreateSessionOptions = {}): Promise<OrtNodeSession> {
	const wanted = options.backend ?? 'auto';
	const order: NodeOrtBackend[] = wanted === 'auto' ? ['node', 'wasm'] : [wanted];
	let lastError: unknown = null;
	for (const backend of order) {
		try {
			const ort = await loadOrt(backend, options.threads);
			const sessionOptions: OrtCommon.InferenceSession.SessionOptions = {
				executionProviders: [backend === 'node' ? 'cpu' : 'wasm'],
				graphOptimizationLevel: 'all'
			};
			if (backend === 'node' && options.threads) sessionOptions.intraOpNumThreads = options.threads;
			const session = await ort.InferenceSession.create(modelBytes, sessionOptions);
			return { backend, session, ort };
		} catch (e) {
			lastError = e;
		}
	}
	throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

export interface CellposeNetOutput {
	/** (N, 3, H, W): dY, dX, cellprob logit. */
	y: Float32Array;
	/** (N, S) L2-normalised style, or null when the model has no style output. */
	style: Float32Array | null;
}

/** Names of a Cellpose net's input and outputs; defaults are those of `buildCellposeOnnx`. */
export interface CellposeIoNames {
	input: string;
	y: string;
	style: string | null;
}

/** Run a Cellpose net on `input` (N, 2, H, W) float32. */
export async function run(
	s: OrtNodeSession,
	input: Float32Array,
	n: number,
	h: number,
	w: number,
	names: CellposeIoNames = CELLPOSE_ONNX_IO
): Promise<CellposeNetOutput> {
	if (input.length !== n * 2 * h * w) throw new Error(`input has ${input.length} values, expected N·2·H·W = ${n * 2 * h * w}`);
	const feeds = { [names.input]: new s.ort.Tensor('float32', input, [n, 2, h, w]) };
	const fetches = names.style ? [names.y, names.style] : [names.y];
	const out = await s.session.run(feeds, fetches);
	const y = out[names.y].data as Float32Array;
	const style = names.style ? (out[names.style].data as Float32Array) : null;
	return { y, style };
}

/** Release the session's native/WASM memory. */
export async function releaseSession(s: OrtNodeSession): Promise<void> {
	await s.session.release();
}
