/**
 * CSV as RFC 4180 defines it: comma-separated, CRLF line ends, a field quoted when it holds a
 * comma, a quote, CR or LF (quotes doubled inside). Two additions for measurement tables:
 * optional `#`-prefixed comment lines before the header (provenance; pandas `comment='#'`, R
 * `comment.char='#'` skip them), and fields that contain `#` are quoted too, so that no data
 * cell is mistaken for a comment. Numbers are written in JavaScript's shortest round-trip form
 * (so they read back to the same double); NaN, null and undefined are empty fields; ±Infinity
 * is `inf`/`-inf` (what pandas and R read as infinity).
 */
import { FormatError } from './errors';

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvWriteOptions {
	/** Lines written first, each as `# line` (line breaks inside are replaced by spaces). */
	comments?: readonly string[];
	/** Line end (default CRLF, as RFC 4180). */
	newline?: '\r\n' | '\n';
}

const NEEDS_QUOTES = /[",\r\n#]/;

/** One field, quoted when needed. */
export function csvField(v: CsvValue): string {
	let s: string;
	if (v === null || v === undefined) return '';
	if (typeof v === 'number') {
		if (Number.isNaN(v)) return '';
		if (v === Infinity) return 'inf';
		if (v === -Infinity) return '-inf';
		s = Object.is(v, -0) ? '0' : String(v);
	} else if (typeof v === 'boolean') {
		s = v ? 'true' : 'false';
	} else {
		s = v;
	}
	// Leading/trailing spaces are data in RFC 4180, but many readers trim them: quote to keep them.
	return NEEDS_QUOTES.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Write a table: comment lines, the header row, then the rows (each as long as the header). */
export function writeCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[], opts: CsvWriteOptions = {}): string {
	const nl = opts.newline ?? '\r\n';
	const parts: string[] = [];
	for (const c of opts.comments ?? []) parts.push(`# ${c.replace(/[\r\n]+/g, ' ')}`);
	parts.push(header.map(csvField).join(','));
	rows.forEach((r, i) => {
		if (r.length !== header.length) throw new RangeError(`writeCsv: row ${i + 1} has ${r.length} fields, the header ${header.length}`);
		parts.push(r.map(csvField).join(','));
	});
	return parts.join(nl) + nl;
}

export interface CsvTable {
	/** Comment lines before the header, without the leading `#` and one following space. */
	comments: string[];
	header: string[];
	rows: string[][];
}

/**
 * Read CSV text (RFC 4180, CRLF or LF, a UTF-8 BOM ignored). Lines starting with `#` before the
 * header are comments; after it, every line is data. Every row must have as many fields as the
 * header; a blank last line is ignored.
 */
export function readCsv(file: string, text: string): CsvTable {
	let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
	const comments: string[] = [];
	while (pos < text.length && text[pos] === '#') {
		let end = text.indexOf('\n', pos);
		if (end < 0) end = text.length;
		const line = text.slice(pos + 1, end).replace(/\r$/, '');
		comments.push(line.startsWith(' ') ? line.slice(1) : line);
		pos = end + 1;
	}
	const records: string[][] = [];
	let fields: string[] = [];
	let line = 1 + comments.length;
	const n = text.length;
	while (pos < n) {
		// One field: quoted (runs to the next lone quote) or plain (runs to a comma or line end).
		let value = '';
		if (text[pos] === '"') {
			const startLine = line;
			pos++;
			for (;;) {
				if (pos >= n) throw new FormatError(file, `a quoted field opened on line ${startLine} is never closed`);
				const c = text[pos];
				if (c === '"') {
					if (text[pos + 1] !== '"') break;
					value += '"';
					pos += 2;
					continue;
				}
				if (c === '\n') line++;
				value += c;
				pos++;
			}
			pos++; // the closing quote
			const next = text[pos];
			if (pos < n && next !== ',' && next !== '\n' && next !== '\r') {
				throw new FormatError(file, `line ${line}: text follows a closing quote (a quote inside a field must be doubled)`);
			}
		} else {
			const start = pos;
			while (pos < n && text[pos] !== ',' && text[pos] !== '\n' && text[pos] !== '\r') pos++;
			value = text.slice(start, pos);
		}
		fields.push(value);
		if (pos >= n) break;
		if (text[pos] === ',') {
			pos++;
			if (pos >= n) fields.push(''); // a trailing comma ends with an empty field
			continue;
		}
		pos += text[pos] === '\r' && text[pos + 1] === '\n' ? 2 : 1;
		line++;
		records.push(fields);
		fields = [];
	}
	if (fields.length > 0) records.push(fields);
	// Blank lines at the end are not records.
	while (records.length > 0 && records[records.length - 1].length === 1 && records[records.length - 1][0] === '') records.pop();
	if (records.length === 0) throw new FormatError(file, 'the file has no header row');
	const [header, ...rows] = records;
	rows.forEach((r, i) => {
		if (r.length !== header.length) {
			throw new FormatError(file, `data row ${i + 1} has ${r.length} fields but the header has ${header.length}`);
		}
	});
	return { comments, header, rows };
}
