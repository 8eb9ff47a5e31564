/** The messages of the segmentation worker (workers/segment.worker.ts). */
import type { CellposeParams } from '$lib/core/cellpose/params';
import type { SegmentTimings, SegmentationEstimate } from '$lib/core/cellpose/pipeline';
import type { Labels, Raster } from '$lib/core/raster/types';
import type { BackendInfo, WebBackend } from './backend-info';

export interface ModelSummary {
	id: string;
	name: string;
	source: 'pth' | 'onnx';
	diamMean: number;
	diamLabels: number;
	nbase: number[] | null;
	tile: { height: number; width: number } | null;
	notes: string[];
}

export type AddModelReply = { ok: true; model: ModelSummary } | { ok: false; message: string };

export interface Calibration {
	/** Milliseconds per 224 × 224 tile on each backend tried (null where it failed). */
	msPerTile: Partial<Record<WebBackend, number | null>>;
	/** The faster backend, used from now on. */
	chosen: WebBackend;
}

/** User-facing segmentation settings (Cellpose names in camelCase). */
export type SegmentSettings = Partial<Pick<CellposeParams, 'diameter' | 'flowThreshold' | 'cellprobThreshold' | 'minSize' | 'niter' | 'augment' | 'channels' | 'tileOverlap'>>;

export interface SegmentRequest {
	modelId: string;
	raster: Raster;
	settings: SegmentSettings;
}

export interface SegmentProgressMessage {
	tilesDone: number;
	tilesTotal: number;
	stage: 'prepare' | 'network' | 'masks' | 'done';
}

export type SegmentReply =
	| {
			ok: true;
			masks: Labels;
			cellCount: number;
			rescale: number;
			niter: number;
			backend: WebBackend;
			timings: SegmentTimings;
	  }
	| { ok: false; cancelled: boolean; message: string };

export type BoxReply =
	| { ok: true; found: true; mask: Uint8Array; rect: { x0: number; y0: number; x1: number; y1: number } }
	| { ok: true; found: false }
	| { ok: false; message: string };

export type EstimateReply = { ok: true; estimate: SegmentationEstimate } | { ok: false; message: string };

export interface SegmentApi {
	backends(): Promise<BackendInfo>;
	addModel(id: string, name: string, bytes: ArrayBuffer): Promise<AddModelReply>;
	/** Time one tile on each available backend (first use) and keep the faster. */
	calibrate(modelId: string): Promise<Calibration>;
	estimate(modelId: string, width: number, height: number, settings: SegmentSettings): Promise<EstimateReply>;
	segment(request: SegmentRequest, onProgress: (p: SegmentProgressMessage) => void): Promise<SegmentReply>;
	/** Whether the worker holds this image (by key) for box prompts. */
	hasImage(key: string): Promise<boolean>;
	/** Keep an image for box prompts (one at a time: the last one). */
	setImage(key: string, raster: Raster): Promise<void>;
	/** Answer a box (image coordinates) on the kept image with Cellpose: the one cell inside it. */
	box(modelId: string, key: string, box: { x0: number; y0: number; x1: number; y1: number }, settings: SegmentSettings): Promise<BoxReply>;
	/** Stop the running segmentation after its current batch of tiles. */
	cancel(): void;
}
