/**
 * The session's small parts as the files a zip holds: classes and per-cell class assignments as
 * CSV (so a spreadsheet opens them), parameters, training histories and UI settings as JSON.
 * Readers check everything and throw SessionError naming the part.
 */
import { SessionError, UserError } from '../formats/errors';
import { readCsv, writeCsv } from '../formats/csv';
import { DEFAULT_MASK_SUFFIXES } from '../dataset/pairing';
import { MODEL_KINDS, type CellClass, type JsonObject, type SessionParameters, type TrainingRun } from './schema';
import { JsonReader } from './validate';

export const CLASSES_COLUMNS = ['id', 'name', 'colour', 'order'] as const;
export const CELL_CLASSES_COLUMNS = ['image_id', 'label', 'class_id'] as const;

/** Known segmentation keys that hold a number or null. */
const NUMERIC_SETTINGS = ['cellprobThreshold', 'flowThreshold', 'niter', 'minSize', 'diameter'];

function table(file: string, text: string, columns: readonly string[]): string[][] {
	let t;
	try {
		t = readCsv(file, text);
	} catch (e) {
		if (e instanceof UserError) throw new SessionError(file, e.reason);
		throw e;
	}
	if (t.header.length !== columns.length || t.header.some((h, i) => h !== columns[i])) {
		throw new SessionError(file, `the header is "${t.header.join(',')}"; expected "${columns.join(',')}"`);
	}
	return t.rows;
}

export function writeClassesCsv(classes: readonly CellClass[]): string {
	return writeCsv(CLASSES_COLUMNS, classes.map((c) => [c.id, c.name, c.colour, c.order]));
}

export function readClassesCsv(file: string, text: string): CellClass[] {
	const seen = new Set<string>();
	return table(file, text, CLASSES_COLUMNS).map(([id, name, colour, order], i) => {
		const row = `row ${i + 1}`;
		if (id === '') throw new SessionError(file, `${row}: the class id is empty`);
		if (seen.has(id)) throw new SessionError(file, `${row}: the class id "${id}" is used twice`);
		seen.add(id);
		if (!/^#[0-9a-fA-F]{6}$/.test(colour)) throw new SessionError(file, `${row}: the colour "${colour}" is not a #rrggbb colour`);
		const n = Number(order);
		if (order.trim() === '' || !Number.isInteger(n) || n < 0) throw new SessionError(file, `${row}: the order "${order}" is not a whole number of 0 or more`);
		return { id, name, colour, order: n };
	});
}

/** Rows `image_id,label,class_id`, images in the given order, labels ascending. */
export function writeCellClassesCsv(images: readonly { id: string; cellClasses: ReadonlyMap<number, string> }[]): string {
	const rows: (string | number)[][] = [];
	for (const im of images) {
		const labels = [...im.cellClasses.keys()].sort((a, b) => a - b);
		for (const label of labels) rows.push([im.id, label, im.cellClasses.get(label)!]);
	}
	return writeCsv(CELL_CLASSES_COLUMNS, rows);
}

/** Per image id, cell id → class id; every image and class must exist. */
export function readCellClassesCsv(
	file: string,
	text: string,
	imageIds: ReadonlySet<string>,
	classIds: ReadonlySet<string>
): Map<string, Map<number, string>> {
	const out = new Map<string, Map<number, string>>();
	table(file, text, CELL_CLASSES_COLUMNS).forEach(([imageId, label, classId], i) => {
		const row = `row ${i + 1}`;
		if (!imageIds.has(imageId)) throw new SessionError(file, `${row}: there is no image with id "${imageId}" in the session`);
		const n = Number(label);
		if (label.trim() === '' || !Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new SessionError(file, `${row}: the cell label "${label}" is not a cell id (a whole number from 1)`);
		if (!classIds.has(classId)) throw new SessionError(file, `${row}: there is no class with id "${classId}" in the session`);
		let m = out.get(imageId);
		if (!m) out.set(imageId, (m = new Map()));
		if (m.has(n)) throw new SessionError(file, `${row}: cell ${n} of image "${imageId}" is given a class twice`);
		m.set(n, classId);
	});
	return out;
}

export function defaultParameters(): SessionParameters {
	return { segmentation: {}, maskSuffixes: [...DEFAULT_MASK_SUFFIXES] };
}

export function readParameters(file: string, json: unknown): SessionParameters {
	const r = new JsonReader(file);
	const o = r.object(json, 'the parameters');
	const segmentation = r.jsonObject(o.segmentation, 'segmentation');
	for (const k of NUMERIC_SETTINGS) {
		const v = segmentation[k];
		if (v !== undefined && v !== null) r.number(v, `segmentation.${k}`);
	}
	return { segmentation, maskSuffixes: r.strings(o.maskSuffixes, 'maskSuffixes') };
}

export function readHistories(file: string, json: unknown): TrainingRun[] {
	const r = new JsonReader(file);
	const seen = new Set<string>();
	return r.array(json, 'the histories').map((v, i) => {
		const o = r.jsonObject(v, `[${i}]`);
		const id = r.string(o.id, `[${i}].id`, true);
		if (seen.has(id)) r.fail(`[${i}].id`, `"${id}" is used by two training runs`);
		seen.add(id);
		r.oneOf(o.kind, `[${i}].kind`, MODEL_KINDS);
		return o as TrainingRun;
	});
}

export function readUi(file: string, json: unknown): JsonObject {
	return new JsonReader(file).jsonObject(json, 'the UI settings');
}
