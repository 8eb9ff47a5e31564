/**
 * The session's typed schema, format version 1. Two views of one thing:
 * - `SessionManifest` is what `manifest.json` holds (and what IndexedDB can store as one record):
 *   every small field inline, every large binary part *referenced* by a `BlobRef` (path, size,
 *   SHA-256), never embedded.
 * - `SessionData` is the session in memory, as the writer takes it and the reader restores it:
 *   the same fields with the referenced parts resolved (bytes, label images, maps).
 * A zip holds `manifest.json` plus one entry per BlobRef; the manifest lists every other entry.
 */
import type { DType, Labels } from '../raster/types';

/** The format version this code writes; older ones are migrated (migrations.ts), newer refused. */
export const SESSION_FORMAT_VERSION = 1;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Where a pixel size came from (as the app's store records it). */
export type PixelSizeSource = 'imagej' | 'ome' | 'resolution' | 'user' | 'example' | null;
export const PIXEL_SIZE_SOURCES: readonly PixelSizeSource[] = ['imagej', 'ome', 'resolution', 'user', 'example', null];

export type ModelKind = 'cellpose' | 'densenet' | 'sam2';
export const MODEL_KINDS: readonly ModelKind[] = ['cellpose', 'densenet', 'sam2'];

export const DTYPES: readonly DType[] = ['uint8', 'uint16', 'uint32', 'int8', 'int16', 'int32', 'float32', 'float64'];

/** A binary part stored beside the manifest: a zip entry path (or a storage key). */
export interface BlobRef {
	path: string;
	/** Bytes. */
	size: number;
	/** SHA-256, 64 lower-case hex digits. */
	sha256: string;
}

/** A class cells can be assigned to. */
export interface CellClass {
	id: string;
	name: string;
	/** `#rrggbb`. */
	colour: string;
	/** Position in lists and legends (0 first). */
	order: number;
}

/**
 * Segmentation settings: a JSON object whose known keys use `CellposeParams`' names
 * (`cellprobThreshold`, `flowThreshold`, `niter`, `minSize`, `diameter`, …); those known keys
 * hold numbers or null. Absent keys mean the defaults.
 */
export type SegmentationSettings = JsonObject;

export interface SessionParameters {
	segmentation: SegmentationSettings;
	/** Mask suffixes used to pair files (e.g. `_masks`), in the user's order. */
	maskSuffixes: string[];
}

/** One training run (its configuration, per-epoch values, results): free JSON with an id and kind. */
export interface TrainingRun {
	id: string;
	kind: ModelKind;
	[key: string]: JsonValue;
}

/* ---------------------------------------------------------------- manifest (JSON) */

export interface SessionInfo {
	id: string;
	name: string;
	/** ISO 8601 times. */
	created: string;
	modified: string;
}

export interface ImageEntry {
	id: string;
	/** The file name as loaded (folders dropped). */
	name: string;
	stem: string;
	/** 'tiff' | 'png' | 'jpeg' | 'npy', or 'example' for generated images. */
	format: string;
	/** The image file. */
	file: BlobRef;
	/** True when `file` holds the original file's bytes; false when Mycol wrote it (generated images). */
	original: boolean;
	width: number;
	height: number;
	channels: number;
	dtype: DType;
	pages: number;
	pixelSizeUm: number | null;
	pixelSizeSource: PixelSizeSource;
	/** Plain sentences about how the file was read. */
	notes: string[];
	mask: MaskEntry | null;
}

export interface MaskEntry {
	/** The label TIFF. */
	file: BlobRef;
	/** The file it came from, or what made it ('segmentation', 'example (true cells)'). */
	sourceName: string;
	/** Edits made to it in Mycol. */
	editCount: number;
	/** Distinct non-zero ids (so a summary needs no decoding). */
	cells: number;
}

export interface ModelEntry {
	id: string;
	name: string;
	kind: ModelKind;
	/** The model file's own name (e.g. `cyto3_finetuned.onnx`). */
	fileName: string;
	/** The model's bytes; `file.sha256` is the model's checksum. */
	file: BlobRef;
	/** The model card (provenance, training data, metrics): free JSON. */
	card: JsonObject;
}

/** Parts every session has, each a file beside the manifest (null: absent, use the empty default). */
export interface SessionParts {
	/** CSV `id,name,colour,order`. */
	classes: BlobRef | null;
	/** CSV `image_id,label,class_id`. */
	cellClasses: BlobRef | null;
	/** JSON `SessionParameters`. */
	parameters: BlobRef | null;
	/** The segmentation parameters again, as the original app's `hyperparameter_search.csv` (+ diameter). */
	hyperparameters: BlobRef | null;
	/** JSON `TrainingRun[]`. */
	histories: BlobRef | null;
	/** JSON object of UI settings. */
	ui: BlobRef | null;
}

export interface SessionManifest {
	formatVersion: typeof SESSION_FORMAT_VERSION;
	/** The Mycol version that wrote it. */
	appVersion: string;
	/** When this file was written (ISO 8601). */
	created: string;
	session: SessionInfo;
	images: ImageEntry[];
	models: ModelEntry[];
	parts: SessionParts;
}

/* ---------------------------------------------------------------- in memory */

export interface SessionMask {
	labels: Labels;
	sourceName: string;
	editCount: number;
}

export interface SessionImage {
	id: string;
	name: string;
	stem: string;
	format: string;
	/** The original file's bytes (or, when `original` is false, a lossless TIFF Mycol wrote). */
	bytes: Uint8Array;
	original: boolean;
	width: number;
	height: number;
	channels: number;
	dtype: DType;
	pages: number;
	pixelSizeUm: number | null;
	pixelSizeSource: PixelSizeSource;
	notes: string[];
	mask: SessionMask | null;
	/** Cell id → class id. */
	cellClasses: Map<number, string>;
}

export interface SessionModel {
	id: string;
	name: string;
	kind: ModelKind;
	fileName: string;
	bytes: Uint8Array;
	card: JsonObject;
}

export interface SessionData extends SessionInfo {
	images: SessionImage[];
	classes: CellClass[];
	models: SessionModel[];
	parameters: SessionParameters;
	histories: TrainingRun[];
	ui: JsonObject;
}
