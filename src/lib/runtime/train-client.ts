/** The page's handles on the training, classification and parameter-search workers (started on first use). */
import * as Comlink from 'comlink';
import type { TrainApi } from './train-types';
import type { ClassifyApi } from '../../../workers/classify.worker';
import type { SearchApi } from '$lib/core/cellpose/search/api';

let train: Comlink.Remote<TrainApi> | null = null;
let classify: Comlink.Remote<ClassifyApi> | null = null;
let search: Comlink.Remote<SearchApi> | null = null;

export function trainWorker(): Comlink.Remote<TrainApi> {
	train ??= Comlink.wrap<TrainApi>(new Worker(new URL('../../../workers/train.worker.ts', import.meta.url), { type: 'module', name: 'train' }));
	return train;
}

export function classifyWorker(): Comlink.Remote<ClassifyApi> {
	classify ??= Comlink.wrap<ClassifyApi>(new Worker(new URL('../../../workers/classify.worker.ts', import.meta.url), { type: 'module', name: 'classify' }));
	return classify;
}

export function searchWorker(): Comlink.Remote<SearchApi> {
	search ??= Comlink.wrap<SearchApi>(new Worker(new URL('../../../workers/search.worker.ts', import.meta.url), { type: 'module', name: 'search' }));
	return search;
}

export const proxy = Comlink.proxy;
export const transfer = Comlink.transfer;
