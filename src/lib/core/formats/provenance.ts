/**
 * Provenance: what every export carries so that a reader can write the methods section from the
 * file alone — app version, model (name + sha256), segmentation parameters, pixel size and where
 * it came from, and how many manual edits were made.
 *
 * Each format embeds it where the format allows (see `PROVENANCE_EMBEDDING`): a `#` header in
 * CSV, a top-level member in GeoJSON, `info` in COCO, a dict key in `_seg.npy`, a JSON entry in
 * the ROI zip, iTXt chunks in PNG; `provenanceJson` is the sidecar for anything else.
 */
import { ParamError } from './errors';

/** Where the pixel size came from: the image's own metadata, typed in by the user, or unknown. */
export type PixelSizeOrigin = 'metadata' | 'user' | 'none';

/** A segmentation parameter value (numbers, text, flags, channel lists). */
export type ParamValue = number | string | boolean | null | readonly number[];

export interface Provenance {
	/** The app's name and version (e.g. `{ name: 'Mycol', version: '0.1.0' }`). */
	app: { name: string; version: string };
	/** The model used, or null for masks that were not segmented here (imported / drawn). */
	model: { name: string; sha256: string | null } | null;
	/** Segmentation parameters, by their Cellpose names where one exists (`diameter`, `flow_threshold`, …). */
	segmentation: Readonly<Record<string, ParamValue>>;
	/** µm per pixel (null when unknown) and its origin. */
	pixelSize: { um: number | null; source: PixelSizeOrigin };
	/** Number of manual edits (brush, eraser, delete, merge, split, …) applied after segmentation. */
	manualEdits: number;
	/** The image the masks belong to (file name as the user loaded it). */
	image?: { name: string; width: number; height: number } | null;
	/** When the export was made (ISO 8601), if the caller wants it recorded. */
	created?: string | null;
}

/** How one export format carries the provenance. */
export type EmbeddingKind = 'header-comment' | 'metadata-field' | 'archive-entry' | 'sidecar-json';

export const PROVENANCE_EMBEDDING: Readonly<Record<string, { kind: EmbeddingKind; where: string }>> = {
	csv: { kind: 'header-comment', where: "'# key: value' lines before the header row" },
	'seg-npy': { kind: 'metadata-field', where: "dict keys 'mycol_provenance' (JSON text), 'model_path', 'flow_threshold', 'cellprob_threshold'" },
	'imagej-roi-zip': { kind: 'archive-entry', where: "'provenance.json' inside the zip (ImageJ reads only the .roi entries)" },
	geojson: { kind: 'metadata-field', where: "top-level member 'provenance' of the FeatureCollection" },
	coco: { kind: 'metadata-field', where: "'info' (description, version, date_created) and 'info.provenance'" },
	'overlay-png': { kind: 'metadata-field', where: "iTXt chunks 'Software', 'Description' and 'mycol:provenance' (JSON)" },
	'label-tiff': { kind: 'sidecar-json', where: "'<name>.provenance.json' next to the TIFF" }
};

/** Throws a ParamError when a provenance record is not usable. */
export function checkProvenance(p: Provenance): void {
	if (!p.app?.name || !p.app.version) throw new ParamError('provenance', 'the app name and version are required');
	if (p.model && p.model.sha256 !== null && !/^[0-9a-f]{64}$/.test(p.model.sha256)) {
		throw new ParamError('provenance', `the model sha256 "${p.model.sha256}" is not 64 lowercase hex digits`);
	}
	const um = p.pixelSize.um;
	if (um !== null && !(um > 0 && Number.isFinite(um))) throw new ParamError('provenance', `${um} µm is not a valid pixel size`);
	if (um === null && p.pixelSize.source !== 'none') {
		throw new ParamError('provenance', `the pixel size is unknown but its source is given as "${p.pixelSize.source}"`);
	}
	if (!Number.isSafeInteger(p.manualEdits) || p.manualEdits < 0) {
		throw new ParamError('provenance', `${p.manualEdits} is not a number of manual edits`);
	}
}

/** A JSON-ready record with snake_case keys, in a fixed order (the same in every format). */
export interface ProvenanceRecord {
	app: string;
	app_version: string;
	model: string | null;
	model_sha256: string | null;
	segmentation: Record<string, ParamValue>;
	pixel_size_um: number | null;
	pixel_size_source: PixelSizeOrigin;
	manual_edits: number;
	image: string | null;
	image_width: number | null;
	image_height: number | null;
	created: string | null;
}

export function provenanceRecord(p: Provenance): ProvenanceRecord {
	checkProvenance(p);
	return {
		app: p.app.name,
		app_version: p.app.version,
		model: p.model?.name ?? null,
		model_sha256: p.model?.sha256 ?? null,
		segmentation: { ...p.segmentation },
		pixel_size_um: p.pixelSize.um,
		pixel_size_source: p.pixelSize.source,
		manual_edits: p.manualEdits,
		image: p.image?.name ?? null,
		image_width: p.image?.width ?? null,
		image_height: p.image?.height ?? null,
		created: p.created ?? null
	};
}

/** The record as JSON text: the sidecar file, and what formats that take JSON embed. */
export function provenanceJson(p: Provenance, indent = 2): string {
	return JSON.stringify(provenanceRecord(p), null, indent);
}

/** Reads back a record written by `provenanceJson` (for round trips and re-imports). */
export function parseProvenanceJson(text: string): ProvenanceRecord {
	const r = JSON.parse(text) as ProvenanceRecord;
	if (typeof r !== 'object' || r === null || typeof r.app !== 'string' || typeof r.app_version !== 'string') {
		throw new ParamError('provenance', 'the text is not a Mycol provenance record');
	}
	return r;
}

function paramText(v: ParamValue): string {
	if (v === null) return 'none';
	if (Array.isArray(v)) return `[${v.join(', ')}]`;
	return String(v);
}

/** `key: value` lines (for `#` comment headers); values never contain line breaks. */
export function provenanceLines(p: Provenance): string[] {
	const r = provenanceRecord(p);
	const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
	const lines = [
		`app: ${r.app} ${r.app_version}`,
		`model: ${r.model ?? 'none'}`,
		`model_sha256: ${r.model_sha256 ?? 'unknown'}`,
		...Object.entries(r.segmentation).map(([k, v]) => `${k}: ${paramText(v)}`),
		`pixel_size_um: ${r.pixel_size_um ?? 'unknown'}`,
		`pixel_size_source: ${r.pixel_size_source}`,
		`manual_edits: ${r.manual_edits}`
	];
	if (r.image !== null) lines.push(`image: ${r.image} (${r.image_width} x ${r.image_height} px)`);
	if (r.created !== null) lines.push(`created: ${r.created}`);
	return lines.map(oneLine);
}

/** One paragraph in plain words, for a methods section or a PNG description. */
export function provenanceSentence(p: Provenance): string {
	const r = provenanceRecord(p);
	const params = Object.entries(r.segmentation)
		.map(([k, v]) => `${k} = ${paramText(v)}`)
		.join(', ');
	const model = r.model
		? `Cells were segmented in ${r.app} ${r.app_version} with the model "${r.model}"${r.model_sha256 ? ` (sha256 ${r.model_sha256})` : ''}${params ? `, with ${params}` : ''}.`
		: `The masks were made without a segmentation model (imported or drawn) and exported by ${r.app} ${r.app_version}${params ? `, with ${params}` : ''}.`;
	const size =
		r.pixel_size_um === null
			? 'The pixel size is unknown, so sizes are in pixels.'
			: `The pixel size is ${r.pixel_size_um} µm (${r.pixel_size_source === 'metadata' ? 'from the image metadata' : 'entered by the user'}).`;
	const edits = `${r.manual_edits} manual edit${r.manual_edits === 1 ? ' was' : 's were'} made after segmentation.`;
	return `${model} ${size} ${edits}`;
}
