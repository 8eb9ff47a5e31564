/** The messages of the parameter-search worker (workers/search.worker.ts); types only. */
import type { SearchFixedParams, SearchImage, SearchPreset, SearchProgress, SearchResult, SearchStrategy } from './search';
import type { SearchSetting, SearchSpace } from './space';

/** A Cellpose model for the search: its file's bytes, or only its id when sent before. */
export interface SearchModelRef {
	id: string;
	/** The file name (`.pth`, a built-in Cellpose file, or `.onnx`), used in messages. */
	name: string;
	bytes?: ArrayBuffer;
}

export interface SearchWorkerOptions {
	preset?: SearchPreset;
	/** Overrides the preset. */
	space?: SearchSpace;
	strategy?: SearchStrategy;
	/** Settings scored in any case (default: Cellpose's defaults; with the original preset, also its first trial). */
	extra?: SearchSetting[];
	/** Channels, normalisation, augmentation… kept fixed. Tile and batch size follow the model. */
	fixed?: SearchFixedParams;
	/** The backend the page chose for segmentation (default WASM). */
	backend?: 'webgpu' | 'wasm';
}

export interface SearchRequest {
	model: SearchModelRef;
	images: SearchImage[];
	options: SearchWorkerOptions;
}

export type SearchReply =
	| {
			ok: true;
			result: SearchResult;
			/** The hyperparameter CSV of the result (best row first). */
			csv: string;
			backend: 'webgpu' | 'wasm';
	  }
	| { ok: false; cancelled: boolean; message: string };

export interface SearchApi {
	/** Run a search; progress per network batch and per scored stage. */
	search(request: SearchRequest, onProgress: (p: SearchProgress) => void): Promise<SearchReply>;
	/** Stop the running search after its current batch of tiles or stage. */
	cancel(): void;
	/** Drop a model sent before, with its sessions. */
	forget(modelId: string): Promise<void>;
}
