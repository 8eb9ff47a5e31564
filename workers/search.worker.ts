/**
 * The segmentation parameter search off the main thread (core: cellpose/search). Models are
 * prepared once per id (weights → ONNX) and run on onnxruntime-web, on the backend the page chose
 * for segmentation. Progress per network batch and per scored stage; cancel between them (the
 * search yields to the event loop between images so the cancel message gets through).
 */
import * as Comlink from 'comlink';
import type { InferenceSession } from 'onnxruntime-web';
import { prepareCellposeModel, type PreparedModel } from '../src/lib/core/cellpose/model';
import { CancelledError } from '../src/lib/core/cellpose/pipeline';
import { searchCsv, searchParameters, type SearchApi, type SearchReply } from '../src/lib/core/cellpose/search';
import { UserError } from '../src/lib/core/formats/errors';
import { cellposeNetFor, createWebSession, detectBackends, type WebBackend } from '../src/lib/runtime/ort-web';

const models = new Map<string, PreparedModel>();
const sessions = new Map<string, Promise<InferenceSession>>();
let abort = { aborted: false };

/** Close the sessions of a model id (its file was replaced or forgotten). */
function dropSessions(id: string): void {
	for (const [key, s] of [...sessions]) {
		if (!key.startsWith(`${id}:`)) continue;
		sessions.delete(key);
		s.then((x) => x.release()).catch(() => undefined);
	}
}

function model(id: string, name: string, bytes: ArrayBuffer | undefined): PreparedModel {
	if (bytes) {
		const m = prepareCellposeModel(name, new Uint8Array(bytes));
		dropSessions(id);
		models.set(id, m);
		return m;
	}
	const m = models.get(id);
	if (!m) throw new UserError(name, 'this model is not loaded in the search any more; pick it again');
	return m;
}

function session(id: string, m: PreparedModel, backend: WebBackend): Promise<InferenceSession> {
	const key = `${id}:${backend}`;
	let s = sessions.get(key);
	if (!s) {
		s = createWebSession(m, backend);
		sessions.set(key, s);
		s.catch(() => sessions.delete(key));
	}
	return s;
}

const yieldNow = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

const api: SearchApi = {
	async search(request, onProgress): Promise<SearchReply> {
		abort = { aborted: false };
		const signal = abort;
		const { options } = request;
		try {
			const m = model(request.model.id, request.model.name, request.model.bytes);
			const available = (await detectBackends()).available;
			const backend: WebBackend = options.backend && available.includes(options.backend) ? options.backend : 'wasm';
			const net = cellposeNetFor(await session(request.model.id, m, backend), m);
			const result = await searchParameters(
				request.images,
				net,
				{
					model: { diamMean: m.diamMean, diamLabels: m.diamLabels },
					fixed: { ...options.fixed, bsize: m.tile?.height ?? 224, batchSize: m.batch ?? options.fixed?.batchSize ?? 8 },
					preset: options.preset,
					space: options.space,
					strategy: options.strategy,
					extra: options.extra,
					yieldNow
				},
				(p) => onProgress({ ...p }),
				signal
			);
			return { ok: true, result, csv: searchCsv(result.rows), backend };
		} catch (e) {
			if (e instanceof CancelledError) return { ok: false, cancelled: true, message: 'Parameter search cancelled.' };
			if (e instanceof UserError) return { ok: false, cancelled: false, message: e.message };
			throw e;
		}
	},

	cancel() {
		abort.aborted = true;
	},

	async forget(modelId) {
		models.delete(modelId);
		dropSessions(modelId);
	}
};

Comlink.expose(api);
