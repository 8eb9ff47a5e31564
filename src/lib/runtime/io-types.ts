/** The messages of the file-reading worker (workers/io.worker.ts). */
import type { ChannelStats } from '$lib/core/raster/stats';
import type { Labels, Raster } from '$lib/core/raster/types';
import type { CellTable } from '$lib/core/measure/descriptors';
import type { SessionData } from '$lib/core/session/schema';
import type { LabelledImage, LabelledPatches } from '$lib/core/classify/train/dataset';
import type { PatchOptions } from '$lib/core/classify/patches';
import type { ExportFormat, ExportImage, ExportedFile } from '$lib/core/formats/export-bundle';
import type { CompareOptions, Comparison, GroupValues } from '$lib/core/measure/stats/compare';

export type DecodeReply =
	| {
			ok: true;
			kind: 'image';
			format: string;
			raster: Raster;
			stats: ChannelStats[];
			pages: number;
			pixelSizeUm: number | null;
			pixelSizeSource: 'imagej' | 'ome' | 'resolution' | null;
			notes: string[];
	  }
	| { ok: true; kind: 'labels'; format: string; labels: Labels; cellCount: number; pixelSizeUm: number | null }
	| { ok: false; message: string };

export interface ExampleReply {
	name: string;
	raster: Raster;
	stats: ChannelStats[];
	labels: Labels;
	cellCount: number;
	pixelSizeUm: number;
}

export type MeasureReply = { ok: true; table: CellTable } | { ok: false; message: string };

export type CompareReply = { ok: true; result: Comparison } | { ok: false; message: string };

export type ReadSessionReply = { ok: true; data: SessionData; migratedFrom: number | null } | { ok: false; message: string };

export interface IoApi {
	/** One patch per labelled cell, for training a classifier. */
	patches(images: LabelledImage[], classNames: string[], opts: PatchOptions): { ok: true; value: LabelledPatches } | { ok: false; message: string };
	/** Masks in an export format (several files zipped into `zipName`). */
	exportMasks(format: ExportFormat, images: ExportImage[], zipName: string): ExportedFile;
	/** The session zip, streamed entry by entry (to a private disk file where possible). */
	writeSessionFile(data: SessionData, appVersion: string): Promise<Blob>;
	/** Validate and read a session zip completely; nothing is applied here. */
	readSessionFile(name: string, file: Blob): Promise<ReadSessionReply>;
	stats(raster: Raster): ChannelStats[];
	/** Deflate a label image for storage (off the page's thread). */
	pack(labels: Labels): Uint8Array;
	unpack(name: string, packed: Uint8Array): Labels | { error: string };
	/** Mann–Whitney / Kruskal–Wallis with effect sizes (the bootstrap is too slow for the page's thread). */
	compare(groups: GroupValues[], options: CompareOptions): CompareReply;
	/** Per-cell descriptors (and intensities of every channel of `intensity`) of one image. */
	measure(name: string, labels: Labels, intensity: Raster | null, pixelSizeUm: number | null): MeasureReply;
	/** Decode a file as a mask (by name suffix or `_seg.npy` content) or as an image. */
	decode(name: string, buffer: ArrayBuffer, maskSuffixes: string[]): Promise<DecodeReply>;
	example(): ExampleReply[];
}
