/**
 * `--model` for the Cellpose commands: a model file (Cellpose `.pth`, a built-in Cellpose file such
 * as `cyto3`, or `.onnx`), or the name of one of Mycol's built-in models (`models/manifest.json`,
 * found next to the CLI's own files and checked against the manifest's sha256, as the app checks
 * what it downloads).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { ModelError, ParamError } from '../src/lib/core/formats/errors';
import type { CellposeNet } from '../src/lib/core/cellpose/pipeline';
import { prepareCellposeModel, type PreparedModel } from '../src/lib/core/cellpose/model';
import { isZipOrPickle } from '../src/lib/core/cellpose/model-sniff';
import { builtinModelName } from '../src/lib/core/cellpose/weights';
import { createSession, releaseSession, run, type NodeOrtBackend, type OrtNodeSession } from '../src/lib/runtime/ort-node';
import { readInput } from './files';

/** The folder that holds the built-in models, relative to this file (cli/ → ../models). */
export const MODELS_DIR = resolve(import.meta.dirname, '..', 'models');

/** The built-in model the Cellpose commands use when `--model` is not given (the app's default). */
export const DEFAULT_MODEL = 'mycol-fungal-v1';

export interface ManifestEntry {
	id: string;
	name: string;
	kind: string;
	file: string;
	sha256: string;
	bytes: number;
	channels?: [number, number];
}

/** The built-in models listed in `models/manifest.json`. */
export function builtinModels(dir = MODELS_DIR): ManifestEntry[] {
	const path = resolve(dir, 'manifest.json');
	let parsed: unknown;
	try {
		parsed = JSON.parse(readFileSync(path, 'utf8'));
	} catch (e) {
		throw new ModelError(path, `the list of built-in models cannot be read (${(e as Error).message})`);
	}
	const models = (parsed as { models?: unknown }).models;
	if (!Array.isArray(models)) throw new ModelError(path, 'the list of built-in models has no "models" array');
	return (models as ManifestEntry[]).filter((m) => m && typeof m.id === 'string' && typeof m.file === 'string' && m.kind === 'cellpose');
}

export interface ResolvedModel {
	/** What the user gave (a path or a built-in name). */
	given: string;
	/** The file read. */
	path: string;
	/** The built-in model's id, or null for a user's file. */
	builtinId: string | null;
	prepared: PreparedModel;
	/**
	 * Cellpose's built-in model name the file stands for (`cyto3`, `nuclei`, …), or null: for those,
	 * Cellpose divides diam_mean / diam_labels in float64 (see params.ts `deriveRescale`).
	 */
	cellposeBuiltin: string | null;
}

function sha256Hex(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Read and prepare `--model`. A path that exists wins; otherwise a built-in model's id or file
 * name. Every failure is a ModelError (or FormatError for an unreadable path) naming the file.
 */
export function resolveModel(given: string, dir = MODELS_DIR): ResolvedModel {
	if (!existsSync(given)) {
		const entries = builtinModels(dir);
		const entry = entries.find((m) => m.id === given || m.file === given);
		if (!entry) {
			const names = entries.map((m) => m.id).join(', ');
			throw new ModelError(given, `no such file, and not the name of a built-in model (built-in: ${names || 'none'})`);
		}
		const path = resolve(dir, entry.file);
		const { bytes } = readInput(path);
		if (sha256Hex(bytes) !== entry.sha256) {
			throw new ModelError(path, `the built-in model's checksum does not match models/manifest.json (damaged or replaced file?)`);
		}
		return { given, path, builtinId: entry.id, prepared: prepareCellposeModel(entry.file, bytes), cellposeBuiltin: null };
	}
	const { name, bytes } = readInput(given);
	const ext = extname(name).toLowerCase();
	if ((ext === '.pth' || ext === '.pt') && bytes.length > 0 && !isZipOrPickle(bytes)) {
		throw new ModelError(name, 'this is not a PyTorch model file: a Cellpose .pth is a zip archive or a pickle, and this file is neither');
	}
	const prepared = prepareCellposeModel(name, bytes);
	return { given, path: given, builtinId: null, prepared, cellposeBuiltin: prepared.source === 'pth' ? builtinModelName(basename(given)) : null };
}

export interface NetRunner {
	/** The pipeline's network function (tiles padded up to a fixed-size ONNX model's tile). */
	net: CellposeNet;
	backend: NodeOrtBackend;
	release(): Promise<void>;
}

/**
 * An onnxruntime session for a prepared model: onnxruntime-node's CPU EP or onnxruntime-web's WASM
 * (`backend` 'auto' tries them in that order). A model onnxruntime refuses, or a run that fails,
 * is a ModelError naming the model file.
 */
export async function openNet(model: PreparedModel, options: { backend?: NodeOrtBackend | 'auto'; threads?: number } = {}): Promise<NetRunner> {
	let s: OrtNodeSession;
	try {
		s = await createSession(model.onnx, { backend: options.backend ?? 'auto', threads: options.threads });
	} catch (e) {
		throw new ModelError(model.name, `onnxruntime cannot load this network (${firstLine(e)})`);
	}
	const { io, tile } = model;
	/** One call with exactly `n` tiles of the model's size. */
	const call = async (x: Float32Array, n: number, th: number, tw: number) => {
		try {
			return await run(s, x, n, th, tw, io);
		} catch (e) {
			throw new ModelError(model.name, `the network failed on ${n} tile${n === 1 ? '' : 's'} of ${tw} × ${th} pixels (${firstLine(e)})`);
		}
	};
	const net: CellposeNet = async (input, n, h, w) => {
		const th = tile?.height ?? h;
		const tw = tile?.width ?? w;
		if (th < h || tw < w) {
			throw new ModelError(model.name, `the model takes ${tw} × ${th} tiles, smaller than the ${w} × ${h} tiles needed here`);
		}
		if (th === h && tw === w && (model.batch === null || model.batch === n)) return call(input, n, h, w);
		// A fixed tile size: zero-pad each tile at the bottom/right (as the app does); a fixed batch:
		// run chunks of exactly that many tiles, the last one filled up with zero tiles.
		const B = model.batch ?? n;
		const tin = 2 * th * tw;
		const tout = 3 * th * tw;
		const y = new Float32Array(n * 3 * h * w);
		let style: Float32Array | null = null;
		for (let b0 = 0; b0 < n; b0 += B) {
			const m = Math.min(B, n - b0);
			let x: Float32Array;
			if (th === h && tw === w && m === B) x = input.slice(b0 * tin, (b0 + m) * tin);
			else {
				x = new Float32Array(B * tin);
				for (let p = 0; p < m * 2; p++) {
					for (let r = 0; r < h; r++) x.set(input.subarray(((b0 * 2 + p) * h + r) * w, ((b0 * 2 + p) * h + r + 1) * w), (p * th + r) * tw);
				}
			}
			const out = await call(x, B, th, tw);
			if (out.y.length !== B * tout) {
				throw new ModelError(model.name, `the network returned ${out.y.length} values for ${B} tiles of ${tw} × ${th}, not ${B * tout}`);
			}
			for (let p = 0; p < m * 3; p++) {
				for (let r = 0; r < h; r++) y.set(out.y.subarray((p * th + r) * tw, (p * th + r) * tw + w), ((b0 * 3 + p) * h + r) * w);
			}
			if (out.style) {
				const S = out.style.length / B;
				style ??= new Float32Array(n * S);
				style.set(out.style.subarray(0, m * S), b0 * S);
			}
		}
		return { y, style };
	};
	return { net, backend: s.backend, release: () => releaseSession(s) };
}

function firstLine(e: unknown): string {
	const m = e instanceof Error ? e.message : String(e);
	return m.split('\n')[0].slice(0, 300);
}

/** `--backend` and `--threads` as the Cellpose commands take them. */
export function backendOptions(backend: string | undefined, threads: number | undefined): { backend: NodeOrtBackend | 'auto'; threads?: number } {
	if (backend !== undefined && backend !== 'node' && backend !== 'wasm' && backend !== 'auto') {
		throw new ParamError(undefined, `the option --backend must be node, wasm or auto, not "${backend}"`);
	}
	if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 256)) {
		throw new ParamError(undefined, `the option --threads must be a whole number from 1 to 256, not ${threads}`);
	}
	return { backend: (backend as NodeOrtBackend | 'auto' | undefined) ?? 'auto', threads };
}
