/** The in-memory shape of a session: images, their masks and what the user set for them. */
import type { ChannelStats } from '$lib/core/raster/stats';
import type { Labels, Raster } from '$lib/core/raster/types';

export type PixelSizeSource = 'imagej' | 'ome' | 'resolution' | 'user' | 'example' | null;

export interface MaskRecord {
	/** The file it came from, or what made it ('example', 'segmentation'). */
	name: string;
	labels: Labels;
	/** Number of distinct non-zero ids. */
	cellCount: number;
	/** Edits made to it in Mycol (brush, eraser, merge, …), for provenance. */
	editCount?: number;
	/** Bumped whenever its labels change in place (views and autosave compare it). */
	version?: number;
	/** How it was made, when Mycol segmented it (for provenance). */
	segmentedWith?: { modelId: string; modelName: string; sha256: string | null; settings: SegmentationSettings; rescale: number; niter: number };
}

/** A segmentation model: the built-in one (from the app's origin) or a user's file (kept in the session). */
export interface ModelEntry {
	id: string;
	name: string;
	source: 'builtin' | 'user';
	/** The file's bytes for user models (null for built-in ones, which the app serves). */
	bytes: Uint8Array | null;
	sha256: string | null;
	format: 'pth' | 'onnx';
	diamMean: number;
	diamLabels: number;
	nbase: number[] | null;
	notes: string[];
	/** The model card (built-in models). */
	card: Record<string, unknown> | null;
}

/** Segmentation settings the user chose (null = the model's or Cellpose's default). */
export interface SegmentationSettings {
	diameter: number | null;
	flowThreshold: number;
	cellprobThreshold: number;
	minSize: number;
	niter: number | null;
	augment: boolean;
	/** Cellpose channels: [cytoplasm, nucleus], 1-based, 0 = grey (mean of all) / none. */
	channels: [number, number];
}

export const DEFAULT_SEGMENTATION: SegmentationSettings = {
	diameter: null,
	flowThreshold: 0.4,
	cellprobThreshold: 0,
	minSize: 15,
	niter: null,
	augment: false,
	channels: [0, 0]
};

/** A user-defined class of cells (e.g. "budding"). */
export interface CellClass {
	id: string;
	name: string;
	/** #RRGGBB */
	colour: string;
}

export interface ImageRecord {
	id: string;
	/** The file name as dropped (folders dropped). */
	name: string;
	stem: string;
	format: string;
	/** The original file's bytes, kept for the session file; null for generated images. */
	fileBytes: Uint8Array | null;
	raster: Raster;
	stats: ChannelStats[];
	pages: number;
	pixelSizeUm: number | null;
	pixelSizeSource: PixelSizeSource;
	/** Plain sentences about how the file was read (e.g. "2 pages; page 1 is shown"). */
	notes: string[];
	mask: MaskRecord | null;
	/** Class id of each classified cell (cell id → class id); unlisted cells are unlabelled. */
	cellClasses: ReadonlyMap<number, string>;
	/** The classifier's confidence in the class it gave a cell (absent for cells labelled by hand). */
	classConfidence?: ReadonlyMap<number, number>;
}

/** A message about a file that did not load or did not pair, shown on the Data page. */
export interface FileMessage {
	file: string;
	text: string;
	level: 'error' | 'warning' | 'info';
}
