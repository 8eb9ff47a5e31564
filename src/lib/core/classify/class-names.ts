/**
 * Class names for an imported classifier, whose checkpoint holds only numbers: from a sidecar JSON
 * or CSV file, or typed in. Output i of the model gets name i.
 */
import { FormatError, ModelError } from '../formats/errors';
import { readCsv } from '../formats/csv';

/** `Class 1` … `Class n`, until the user names them. */
export function defaultClassNames(n: number): string[] {
	return Array.from({ length: n }, (_, i) => `Class ${i + 1}`);
}

function nameOf(file: string, v: unknown, i: number): string {
	if (typeof v !== 'string' && typeof v !== 'number') throw new FormatError(file, `class ${i + 1} has no name (found ${v === null ? 'null' : typeof v})`);
	const s = String(v).trim();
	if (!s) throw new FormatError(file, `class ${i + 1} has an empty name`);
	return s;
}

function uniqueNames(file: string, names: string[]): string[] {
	if (names.length === 0) throw new FormatError(file, 'the file lists no class names');
	const seen = new Map<string, number>();
	names.forEach((s, i) => {
		if (seen.has(s)) throw new FormatError(file, `the name '${s}' is given to classes ${seen.get(s)! + 1} and ${i + 1}; each class needs its own name`);
		seen.set(s, i);
	});
	return names;
}

function checkNames(file: string, values: unknown[]): string[] {
	return uniqueNames(file, values.map((v, i) => nameOf(file, v, i)));
}

/** Names from index → name pairs with indices 0…n−1 (or 1…n), each index named consistently. */
function byIndex(file: string, pairs: [number, string][]): string[] {
	for (const [i] of pairs) if (!Number.isInteger(i) || i < 0) throw new FormatError(file, `'${i}' is not a class index (0, 1, 2, …)`);
	const indices = new Set(pairs.map(([i]) => i));
	const base = indices.has(0) ? 0 : 1;
	for (let i = base; i < base + indices.size; i++) {
		if (!indices.has(i)) throw new FormatError(file, `no name is given for class index ${i}, although higher indices are named`);
	}
	const names = new Array<string>(indices.size);
	const filled = new Uint8Array(indices.size);
	for (const [i, name] of pairs) {
		if (filled[i - base] && names[i - base] !== name) throw new FormatError(file, `class index ${i} is named both '${names[i - base]}' and '${name}'`);
		names[i - base] = name;
		filled[i - base] = 1;
	}
	return names;
}

const NAME_LIST_KEYS = ['classes', 'class_names', 'classNames', 'labels', 'names'];
const HEADER_WORDS = new Set(['class', 'classes', 'class_name', 'classname', 'name', 'names', 'label', 'labels']);

function fromJson(file: string, v: unknown): string[] {
	if (Array.isArray(v)) return checkNames(file, v);
	if (v && typeof v === 'object') {
		const o = v as Record<string, unknown>;
		for (const k of NAME_LIST_KEYS) if (Array.isArray(o[k])) return checkNames(file, o[k] as unknown[]);
		const entries = Object.entries(o);
		if (entries.length && entries.every(([k]) => /^\d+$/.test(k))) {
			return uniqueNames(file, byIndex(file, entries.map(([k, v]) => [Number(k), nameOf(file, v, Number(k))])));
		}
	}
	throw new FormatError(file, `the JSON holds no list of class names (expected an array of names, an object with ${NAME_LIST_KEYS.map((k) => `"${k}"`).join(' or ')}, or {"0": name, "1": name, …})`);
}

function fromCsv(file: string, text: string): string[] {
	const { header, rows } = readCsv(file, text);
	const lower = header.map((h) => h.trim().toLowerCase());
	const col = (...names: string[]) => lower.findIndex((h) => names.includes(h));
	// The Mycol app's patch export (`cell_patch_labels.csv`: filename, label_idx, label) or an index + name table.
	const idx = col('label_idx', 'class_idx', 'index', 'idx', 'class_index');
	const name = col('label', 'class', 'name', 'class_name');
	if (idx >= 0 && name >= 0) {
		const pairs = rows.map((r, i): [number, string] => {
			const v = Number(r[idx]);
			if (r[idx].trim() === '' || !Number.isInteger(v)) throw new FormatError(file, `data row ${i + 1}: '${r[idx]}' is not a class index`);
			if (r[name].trim() === '') throw new FormatError(file, `data row ${i + 1} has an empty class name`);
			return [v, r[name].trim()];
		});
		return uniqueNames(file, byIndex(file, pairs));
	}
	if (header.length === 1) {
		const values = HEADER_WORDS.has(lower[0]) ? rows.map((r) => r[0]) : [header[0], ...rows.map((r) => r[0])];
		return checkNames(file, values.filter((v) => v.trim() !== ''));
	}
	throw new FormatError(file, `the CSV has columns ${header.map((h) => `'${h}'`).join(', ')}; class names need one column of names, or an index column ('label_idx') and a name column ('label')`);
}

/** Class names from a sidecar file: JSON (by content) or CSV (one name per line, or index + name columns). */
export function parseClassNames(file: string, text: string): string[] {
	const t = text.replace(/^\uFEFF/, '').trim();
	if (!t) throw new FormatError(file, 'the file is empty');
	if (t.startsWith('[') || t.startsWith('{')) {
		let v: unknown;
		try {
			v = JSON.parse(t);
		} catch (e) {
			throw new FormatError(file, `the file is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
		}
		return fromJson(file, v);
	}
	return fromCsv(file, t);
}

/** Names typed by the user: one per line, or separated by commas. */
export function parseTypedClassNames(text: string): string[] {
	const parts = (text.includes('\n') ? text.split(/\r?\n/) : text.split(',')).map((s) => s.trim()).filter((s) => s !== '');
	return checkNames('class names', parts);
}

/** Check that there is one name per model output. */
export function checkClassCount(file: string, names: readonly string[], numClasses: number): void {
	if (names.length !== numClasses) {
		throw new ModelError(file, `the model has ${numClasses} outputs but ${names.length} class names are given; give exactly one name per output`);
	}
}
