/** The messages of the file-reading worker (workers/io.worker.ts). */
import type { ChannelStats } from '$lib/core/raster/stats';
import type { Labels, Raster } from '$lib/core/raster/types';

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

export interface IoApi {
	/** Decode a file as a mask (by name suffix or `_seg.npy` content) or as an image. */
	decode(name: string, buffer: ArrayBuffer, maskSuffixes: string[]): Promise<DecodeReply>;
	example(): ExampleReply[];
}
