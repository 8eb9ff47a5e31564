/**
 * ImageJ `.roi` files (format version 228, as ImageJ 1.52t+ `RoiEncoder` writes them) and the
 * RoiManager's zip of them, for cells traced along pixel edges (`labels/contours`):
 *
 * - a cell of one 4-connected piece without holes is a *traced* polygon ROI (type 8, what the wand
 *   and Analyze Particles make): integer vertices on pixel corners, stored as shorts relative to
 *   the bounds, so ImageJ's pixel count (pixel centres inside) equals the mask's;
 * - a cell with holes or several pieces is a *composite* ROI (a ShapeRoi: type rect with the
 *   shape-array size at offset 36 and MOVETO/LINETO/CLOSE segments as floats), holes reversed so
 *   that both the even-odd and the non-zero rule leave them out;
 * - the ROI name (`cell-<label>`), and properties `mycol_label`/`mycol_class` in header 2.
 *
 * The zip holds `0001-cell-<label>.roi`, … in label order, plus `provenance.json` (ImageJ opens
 * only the `.roi` entries). `readImageJRoi`/`readImageJRoiZip` read these back for round trips.
 */
import { unzipSync, zipSync, strToU8, strFromU8 } from 'fflate';
import { labelPolygons, ringsBounds, type Ring } from '../labels/contours';
import type { Labels } from '../raster/types';
import { FormatError, LIMITS, formatCount } from './errors';
import { provenanceJson, type Provenance } from './provenance';

export const ROI_VERSION = 228;
const HEADER_SIZE = 64;
const HEADER2_SIZE = 64;
const TYPE_RECT = 1;
const TYPE_TRACED = 8;
const TYPE_POLYGON = 0;
// Header offsets (RoiDecoder constants).
const VERSION_OFFSET = 4;
const TYPE = 6;
const TOP = 8;
const LEFT = 10;
const BOTTOM = 12;
const RIGHT = 14;
const N_COORDINATES = 16;
const SHAPE_ROI_SIZE = 36;
const STROKE_COLOR = 40;
const HEADER2_OFFSET = 60;
// Header-2 offsets.
const NAME_OFFSET = 16;
const NAME_LENGTH = 20;
const ROI_PROPS_OFFSET = 40;
const ROI_PROPS_LENGTH = 44;
// java.awt.geom.PathIterator segment types.
const SEG_MOVETO = 0;
const SEG_LINETO = 1;
const SEG_CLOSE = 4;

/** Largest coordinate a short field holds (ImageJ reads shorts below −5000 as unsigned). */
const MAX_SHORT_COORD = 60000;

export interface RoiCell {
	label: number;
	/** Outer rings and holes of the cell (pixel-corner coordinates, as `labels/contours`). */
	rings: Ring[];
	/** The cell's class name, if any (stored as an ROI property). */
	className?: string | null;
	/** Stroke colour [r, g, b] shown in ImageJ, if any. */
	color?: readonly [number, number, number] | null;
}

/** What a `.roi` file holds, as far as these exports use it. */
export interface ImageJRoi {
	name: string;
	/** 8 = traced polygon, 0 = polygon, 'composite' = ShapeRoi. */
	type: number | 'composite';
	bounds: { left: number; top: number; right: number; bottom: number };
	/** Rings in absolute pixel-corner coordinates (one for polygons; every subpath for composites). */
	rings: Ring[];
	/** ROI properties ("key: value" lines), or null. */
	properties: string | null;
	version: number;
}

function utf16Units(s: string): number[] {
	const out: number[] = [];
	for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
	return out;
}

/** Encode one cell as a `.roi` file. */
export function encodeRoi(cell: RoiCell): Uint8Array {
	if (cell.rings.length === 0) throw new RangeError(`encodeRoi: cell ${cell.label} has no outline`);
	const [x0, y0, x1, y1] = ringsBounds(cell.rings);
	const name = utf16Units(`cell-${cell.label}`);
	const propsText = `mycol_label: ${cell.label}\n` + (cell.className ? `mycol_class: ${cell.className.replace(/[\r\n]+/g, ' ')}\n` : '');
	const props = utf16Units(propsText);
	const vertices = cell.rings[0].length / 2;
	const composite = cell.rings.length > 1 || vertices > 65535 || x1 > MAX_SHORT_COORD || y1 > MAX_SHORT_COORD;

	let bodySize: number;
	let shape: Float32Array | null = null;
	if (composite) {
		let n = 0;
		for (const r of cell.rings) n += (r.length / 2) * 3 + 1;
		shape = new Float32Array(n);
		let k = 0;
		for (const r of cell.rings) {
			for (let i = 0; i < r.length; i += 2) {
				shape[k++] = i === 0 ? SEG_MOVETO : SEG_LINETO;
				shape[k++] = r[i];
				shape[k++] = r[i + 1];
			}
			shape[k++] = SEG_CLOSE;
		}
		bodySize = n * 4;
	} else {
		bodySize = vertices * 4;
	}
	const hdr2 = HEADER_SIZE + bodySize;
	const size = hdr2 + HEADER2_SIZE + name.length * 2 + props.length * 2;
	const data = new Uint8Array(size);
	const view = new DataView(data.buffer);
	data.set([73, 111, 117, 116], 0); // "Iout"
	view.setInt16(VERSION_OFFSET, ROI_VERSION);
	data[TYPE] = composite ? TYPE_RECT : TYPE_TRACED;
	view.setUint16(TOP, y0);
	view.setUint16(LEFT, x0);
	view.setUint16(BOTTOM, y1);
	view.setUint16(RIGHT, x1);
	if (cell.color) {
		const [r, g, b] = cell.color;
		view.setUint32(STROKE_COLOR, ((0xff << 24) | (r << 16) | (g << 8) | b) >>> 0);
	}
	view.setInt32(HEADER2_OFFSET, hdr2);
	if (shape) {
		view.setInt32(SHAPE_ROI_SIZE, shape.length);
		for (let i = 0; i < shape.length; i++) view.setFloat32(HEADER_SIZE + 4 * i, shape[i]);
	} else {
		const r = cell.rings[0];
		view.setUint16(N_COORDINATES, vertices);
		for (let i = 0; i < vertices; i++) {
			view.setUint16(HEADER_SIZE + 2 * i, r[2 * i] - x0);
			view.setUint16(HEADER_SIZE + 2 * vertices + 2 * i, r[2 * i + 1] - y0);
		}
	}
	const nameAt = hdr2 + HEADER2_SIZE;
	view.setInt32(hdr2 + NAME_OFFSET, nameAt);
	view.setInt32(hdr2 + NAME_LENGTH, name.length);
	name.forEach((u, i) => view.setUint16(nameAt + 2 * i, u));
	const propsAt = nameAt + name.length * 2;
	view.setInt32(hdr2 + ROI_PROPS_OFFSET, propsAt);
	view.setInt32(hdr2 + ROI_PROPS_LENGTH, props.length);
	props.forEach((u, i) => view.setUint16(propsAt + 2 * i, u));
	return data;
}

export interface RoiZipOptions {
	provenance: Provenance;
	classOf?: (label: number) => { name: string; color: readonly [number, number, number] } | null;
}

/** Entry name of the i-th ROI (0-based) in the zip, e.g. `0001-cell-17.roi`. */
export function roiEntryName(index: number, label: number, total: number): string {
	const digits = Math.max(4, String(total).length);
	return `${String(index + 1).padStart(digits, '0')}-cell-${label}.roi`;
}

/** All cells of a label image as an ImageJ RoiManager zip (see the module comment). */
export function writeImageJRoiZip(labels: Labels, opts: RoiZipOptions): Uint8Array {
	const cells = labelPolygons(labels);
	const files: Record<string, Uint8Array> = {};
	cells.forEach((c, i) => {
		const cls = opts.classOf?.(c.label) ?? null;
		const rings: Ring[] = [];
		for (const p of c.polygons) rings.push(p.outer, ...p.holes);
		files[roiEntryName(i, c.label, cells.length)] = encodeRoi({ label: c.label, rings, className: cls?.name ?? null, color: cls?.color ?? null });
	});
	files['provenance.json'] = strToU8(provenanceJson(opts.provenance));
	return zipSync(files, { level: 6 });
}

/** Read one `.roi` file (polygon-type and composite ROIs). */
export function readImageJRoi(file: string, bytes: Uint8Array): ImageJRoi {
	if (bytes.length < HEADER_SIZE) throw new FormatError(file, `the file has ${bytes.length} bytes, fewer than an ImageJ ROI header (64)`);
	if (bytes[0] !== 73 || bytes[1] !== 111 || bytes[2] !== 117 || bytes[3] !== 116) {
		throw new FormatError(file, 'this is not an ImageJ ROI (it does not start with "Iout")');
	}
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const version = view.getInt16(VERSION_OFFSET);
	const type = bytes[TYPE];
	const bounds = { top: view.getUint16(TOP), left: view.getUint16(LEFT), bottom: view.getUint16(BOTTOM), right: view.getUint16(RIGHT) };
	const hdr2 = view.getInt32(HEADER2_OFFSET);
	const text = (offsetAt: number, lengthAt: number): string | null => {
		if (hdr2 <= 0 || hdr2 + HEADER2_SIZE > bytes.length) return null;
		const off = view.getInt32(hdr2 + offsetAt);
		const len = view.getInt32(hdr2 + lengthAt);
		if (off <= 0 || len <= 0 || off + 2 * len > bytes.length) return null;
		let s = '';
		for (let i = 0; i < len; i++) s += String.fromCharCode(view.getUint16(off + 2 * i));
		return s;
	};
	const name = text(NAME_OFFSET, NAME_LENGTH) ?? file.replace(/\.roi$/, '');
	const properties = text(ROI_PROPS_OFFSET, ROI_PROPS_LENGTH);
	const shapeSize = view.getInt32(SHAPE_ROI_SIZE);
	if (shapeSize > 0) {
		if (HEADER_SIZE + 4 * shapeSize > bytes.length) {
			throw new FormatError(file, `the composite ROI declares ${formatCount(shapeSize)} shape values but the file ends before them (truncated?)`);
		}
		const rings: Ring[] = [];
		let cur: number[] = [];
		let k = 0;
		const at = (i: number) => view.getFloat32(HEADER_SIZE + 4 * i);
		while (k < shapeSize) {
			const seg = at(k++);
			if (seg === SEG_MOVETO || seg === SEG_LINETO) {
				if (k + 2 > shapeSize) throw new FormatError(file, 'the composite ROI ends inside a segment');
				if (seg === SEG_MOVETO && cur.length) rings.push(Int32Array.from(cur));
				if (seg === SEG_MOVETO) cur = [];
				cur.push(at(k), at(k + 1));
				k += 2;
			} else if (seg === SEG_CLOSE) {
				if (cur.length) rings.push(Int32Array.from(cur));
				cur = [];
			} else {
				throw new FormatError(file, `the composite ROI has a curved segment (type ${seg}); only polygons are read`);
			}
		}
		if (cur.length) rings.push(Int32Array.from(cur));
		return { name, type: 'composite', bounds, rings, properties, version };
	}
	if (type !== TYPE_POLYGON && type !== TYPE_TRACED && type !== 7 /* freehand */) {
		throw new FormatError(file, `the ROI has type ${type}; only polygon, freehand and traced ROIs are read`);
	}
	const n = view.getUint16(N_COORDINATES);
	if (HEADER_SIZE + 4 * n > bytes.length) throw new FormatError(file, `the ROI declares ${formatCount(n)} vertices but the file ends before them (truncated?)`);
	const ring = new Int32Array(2 * n);
	for (let i = 0; i < n; i++) {
		ring[2 * i] = bounds.left + view.getInt16(HEADER_SIZE + 2 * i);
		ring[2 * i + 1] = bounds.top + view.getInt16(HEADER_SIZE + 2 * n + 2 * i);
	}
	return { name, type, bounds, rings: [ring], properties, version };
}

/** Read a RoiManager zip: its ROIs in entry order, and `provenance.json` if present. */
export function readImageJRoiZip(file: string, bytes: Uint8Array): { entries: string[]; rois: ImageJRoi[]; provenance: string | null } {
	let files: Record<string, Uint8Array>;
	try {
		files = unzipSync(bytes, {
			filter: (f) => {
				if (f.originalSize > LIMITS.maxZipEntryBytes || (f.size > 0 && f.originalSize / f.size > LIMITS.maxCompressionRatio)) {
					throw new FormatError(file, `the zip entry ${f.name} would unpack to ${formatCount(f.originalSize)} bytes, more than allowed`);
				}
				return true;
			}
		});
	} catch (e) {
		if (e instanceof FormatError) throw e;
		throw new FormatError(file, `the file is not a readable zip archive (${(e as Error).message})`);
	}
	const entries = Object.keys(files);
	const rois = entries.filter((n) => n.endsWith('.roi')).map((n) => readImageJRoi(`${file}/${n}`, files[n]));
	const prov = files['provenance.json'];
	return { entries, rois, provenance: prov ? strFromU8(prov) : null };
}
