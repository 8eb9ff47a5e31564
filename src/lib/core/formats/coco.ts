/**
 * COCO "instances" JSON (the object-detection format of cocodataset.org and pycocotools):
 * `images`, `annotations` (one per cell: `segmentation`, `area` = pixel count, `bbox` [x, y, w, h]
 * of the pixels, `iscrowd` 0), `categories` (the classes, or one "cell" category), and `info`
 * carrying the provenance.
 *
 * Segmentation is one of
 * - `rle`: uncompressed RLE `{size: [h, w], counts: [...]}`, runs in column-major (Fortran) order
 *   starting with a run of zeros, as pycocotools `mask.encode` counts them;
 * - `compressed-rle`: the same runs as pycocotools' compact string (`rleToString` in maskApi.c:
 *   each count, minus the count two before it from the fourth on, in 5-bit groups + 48);
 * - `polygon`: the outer ring of each 4-connected piece, `[x0, y0, x1, y1, …]` on pixel corners.
 *   COCO polygons cannot hold holes, so a cell with holes is drawn filled there (its `area` stays
 *   the pixel count); use RLE for such cells.
 */
import { labelPolygons } from '../labels/contours';
import type { Labels } from '../raster/types';
import { FormatError, ParamError } from './errors';
import { provenanceRecord, type Provenance, type ProvenanceRecord } from './provenance';

export type CocoSegmentationKind = 'rle' | 'compressed-rle' | 'polygon';

export interface CocoRle {
	size: [number, number];
	counts: number[] | string;
}

export interface CocoAnnotation {
	id: number;
	image_id: number;
	category_id: number;
	segmentation: CocoRle | number[][];
	area: number;
	bbox: [number, number, number, number];
	iscrowd: 0;
	/** The cell's label id in the mask (not a COCO field; readers ignore it). */
	label: number;
}

export interface CocoCategory {
	id: number;
	name: string;
	supercategory: string;
}

export interface CocoImage {
	id: number;
	file_name: string;
	width: number;
	height: number;
}

export interface CocoDataset {
	info: { description: string; version: string; year: number | null; date_created: string | null; provenance: ProvenanceRecord };
	images: CocoImage[];
	annotations: CocoAnnotation[];
	categories: CocoCategory[];
}

export interface CocoImageInput {
	fileName: string;
	masks: Labels;
	/** The class of a label (by name), or null for "cell". */
	classOf?: (label: number) => string | null;
}

export interface CocoOptions {
	segmentation?: CocoSegmentationKind;
	/** Class names in category order (ids 1…); default: every class seen, in first-seen order. */
	classes?: readonly string[];
	provenance: Provenance;
}

/** Per-label column-major RLE runs, bounding boxes and areas, one pass per label's bbox. */
function labelRuns(m: Labels): Map<number, { counts: number[]; bbox: [number, number, number, number]; area: number }> {
	const { width: W, height: H, data } = m;
	const boxes = new Map<number, [number, number, number, number]>();
	for (let y = 0; y < H; y++) {
		for (let x = 0; x < W; x++) {
			const l = data[y * W + x];
			if (l === 0) continue;
			const b = boxes.get(l);
			if (!b) boxes.set(l, [x, y, x, y]);
			else {
				if (x < b[0]) b[0] = x;
				if (x > b[2]) b[2] = x;
				if (y > b[3]) b[3] = y;
			}
		}
	}
	const out = new Map<number, { counts: number[]; bbox: [number, number, number, number]; area: number }>();
	for (const [l, [x0, y0, x1, y1]] of [...boxes].sort((a, b) => a[0] - b[0])) {
		const counts: number[] = [];
		let run = x0 * H; // zeros in the columns left of the box
		let cur = 0;
		let area = 0;
		for (let x = x0; x <= x1; x++) {
			// Rows above and below the box are zeros: whole runs, added without visiting them.
			if (y0 > 0) {
				if (cur === 1) {
					counts.push(run);
					run = 0;
					cur = 0;
				}
				run += y0;
			}
			for (let y = y0; y <= y1; y++) {
				const v = data[y * W + x] === l ? 1 : 0;
				if (v !== cur) {
					counts.push(run);
					run = 0;
					cur = v;
				}
				run++;
				area += v;
			}
			if (y1 < H - 1) {
				if (cur === 1) {
					counts.push(run);
					run = 0;
					cur = 0;
				}
				run += H - 1 - y1;
			}
		}
		if (cur === 1) {
			counts.push(run);
			run = 0;
		}
		run += (W - 1 - x1) * H;
		if (run > 0) counts.push(run);
		out.set(l, { counts, bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1], area });
	}
	return out;
}

/** pycocotools `rleToString`: LEB128-like 5-bit groups, offset by 48, deltas from the 3rd count on. */
export function rleToString(counts: readonly number[]): string {
	let s = '';
	for (let i = 0; i < counts.length; i++) {
		let x = counts[i];
		if (i > 2) x -= counts[i - 2];
		let more = true;
		while (more) {
			let c = x & 0x1f;
			x = Math.floor(x / 32); // arithmetic shift, exact beyond 32 bits too
			more = c & 0x10 ? x !== -1 : x !== 0;
			if (more) c |= 0x20;
			s += String.fromCharCode(c + 48);
		}
	}
	return s;
}

/** pycocotools `rleFrString`, the inverse of `rleToString`. */
export function rleFromString(file: string, s: string): number[] {
	const counts: number[] = [];
	let p = 0;
	while (p < s.length) {
		let x = 0;
		let k = 0;
		let more = true;
		while (more) {
			if (p >= s.length) throw new FormatError(file, 'the compressed RLE string ends inside a count');
			const c = s.charCodeAt(p) - 48;
			if (c < 0 || c > 63) throw new FormatError(file, `the compressed RLE string has the character "${s[p]}", which pycocotools never writes`);
			x += (c & 0x1f) * 2 ** (5 * k);
			more = (c & 0x20) !== 0;
			p++;
			k++;
			if (!more && c & 0x10) x -= 2 ** (5 * k);
		}
		if (counts.length > 2) x += counts[counts.length - 2];
		counts.push(x);
	}
	return counts;
}

/** Decode RLE runs into a row-major 0/1 mask (for round trips and checks). */
export function rleDecode(file: string, rle: CocoRle): Uint8Array {
	const [h, w] = rle.size;
	const counts = typeof rle.counts === 'string' ? rleFromString(file, rle.counts) : rle.counts;
	const out = new Uint8Array(w * h);
	let i = 0;
	let v = 0;
	for (const c of counts) {
		if (i + c > w * h) throw new FormatError(file, `the RLE runs add up to more than the ${w} × ${h} image`);
		if (v) for (let k = i; k < i + c; k++) out[(k % h) * w + Math.floor(k / h)] = 1;
		i += c;
		v ^= 1;
	}
	if (i !== w * h) throw new FormatError(file, `the RLE runs add up to ${i} pixels, not the ${w} × ${h} = ${w * h} of the image`);
	return out;
}

/** Build a COCO instances dataset from one or more masks (image ids 1…, annotation ids 1…). */
export function cocoDataset(images: readonly CocoImageInput[], opts: CocoOptions): CocoDataset {
	const kind = opts.segmentation ?? 'rle';
	const prov = provenanceRecord(opts.provenance);
	const classIds = new Map<string, number>();
	(opts.classes ?? []).forEach((c) => {
		if (!classIds.has(c)) classIds.set(c, classIds.size + 1);
	});
	const categoryOf = (name: string): number => {
		let id = classIds.get(name);
		if (id === undefined) {
			if (opts.classes) throw new ParamError('COCO export', `the class "${name}" is not among the categories given`);
			id = classIds.size + 1;
			classIds.set(name, id);
		}
		return id;
	};
	const annotations: CocoAnnotation[] = [];
	const cocoImages: CocoImage[] = [];
	images.forEach((img, k) => {
		const imageId = k + 1;
		const { width: W, height: H } = img.masks;
		cocoImages.push({ id: imageId, file_name: img.fileName, width: W, height: H });
		const runs = labelRuns(img.masks);
		const polys = kind === 'polygon' ? new Map(labelPolygons(img.masks).map((c) => [c.label, c])) : null;
		for (const [label, r] of runs) {
			let segmentation: CocoRle | number[][];
			if (polys) segmentation = polys.get(label)!.polygons.map((p) => Array.from(p.outer));
			else segmentation = { size: [H, W], counts: kind === 'compressed-rle' ? rleToString(r.counts) : r.counts };
			annotations.push({
				id: annotations.length + 1,
				image_id: imageId,
				category_id: categoryOf(img.classOf?.(label) ?? 'cell'),
				segmentation,
				area: r.area,
				bbox: r.bbox,
				iscrowd: 0,
				label
			});
		}
	});
	const categories = [...classIds].map(([name, id]) => ({ id, name, supercategory: 'cell' }));
	const created = prov.created;
	return {
		info: {
			description: `Cell masks exported by ${prov.app} ${prov.app_version}`,
			version: prov.app_version,
			year: created ? Number(created.slice(0, 4)) || null : null,
			date_created: created,
			provenance: prov
		},
		images: cocoImages,
		annotations,
		categories
	};
}

export function writeCoco(images: readonly CocoImageInput[], opts: CocoOptions): string {
	return JSON.stringify(cocoDataset(images, opts));
}

/** Parse COCO instances JSON, checking the parts these exports use. */
export function readCoco(file: string, text: string): CocoDataset {
	let doc: unknown;
	try {
		doc = JSON.parse(text);
	} catch (e) {
		throw new FormatError(file, `the file is not valid JSON (${(e as Error).message})`);
	}
	const d = doc as CocoDataset;
	if (typeof d !== 'object' || d === null || !Array.isArray(d.images) || !Array.isArray(d.annotations) || !Array.isArray(d.categories)) {
		throw new FormatError(file, 'the file is JSON but not a COCO dataset (it needs images, annotations and categories)');
	}
	return d;
}
