import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvField, readCsv, writeCsv, type CsvValue } from '../../../src/lib/core/formats/csv';
import { provenanceLines, type Provenance } from '../../../src/lib/core/formats/provenance';
import { python, rng, tempDir } from './helpers';

const provenance: Provenance = {
	app: { name: 'Mycol', version: '0.1.0' },
	model: { name: 'cyto3', sha256: 'd'.repeat(64) },
	segmentation: { diameter: 30, flow_threshold: 0.4, channels: [0, 0] },
	pixelSize: { um: 0.325, source: 'metadata' },
	manualEdits: 5,
	image: { name: 'cells, "day 2".tif', width: 512, height: 512 }
};

const header = ['image', 'label', 'class', 'area_um2', 'note'];
const rows: CsvValue[][] = [
	['a.tif', 1, 'Hyphae', 12.5, 'plain'],
	['b, c.tif', 2, null, 0.1 + 0.2, 'has "quotes"'],
	['multi\nline', 3, '', -0, '#not a comment'],
	[' padded ', 4, 'Spore', 1e-7, 'crlf\r\ninside'],
	['µm²', 5, 'x', 123456789012345, '']
];

describe('CSV writer and reader', () => {
	it('quotes per RFC 4180 (hand-worked lines)', () => {
		expect(writeCsv(['a', 'b'], [['x,y', 'say "hi"']])).toBe('a,b\r\n"x,y","say ""hi"""\r\n');
		expect(csvField('line\nbreak')).toBe('"line\nbreak"');
		expect(csvField('#tag')).toBe('"#tag"');
		expect(csvField(' lead')).toBe('" lead"');
		expect([NaN, null, undefined, Infinity, -Infinity, -0, true, 0.1].map(csvField)).toEqual(['', '', '', 'inf', '-inf', '0', 'true', '0.1']);
	});

	it('writes # provenance lines before the header', () => {
		const text = writeCsv(header, rows, { comments: provenanceLines(provenance), newline: '\n' });
		const lines = text.split('\n');
		expect(lines[0]).toBe('# app: Mycol 0.1.0');
		expect(lines).toContain('# model_sha256: ' + 'd'.repeat(64));
		expect(lines).toContain('# pixel_size_um: 0.325');
		expect(lines).toContain('# pixel_size_source: metadata');
		expect(lines).toContain('# manual_edits: 5');
		expect(lines).toContain('# channels: [0, 0]');
		expect(lines[provenanceLines(provenance).length]).toBe('image,label,class,area_um2,note');
	});

	it('round-trips through our reader: comments, header and every field identical', () => {
		for (const newline of ['\r\n', '\n'] as const) {
			const comments = provenanceLines(provenance);
			const back = readCsv('t.csv', writeCsv(header, rows, { comments, newline }));
			expect(back.comments).toEqual(comments);
			expect(back.header).toEqual(header);
			expect(back.rows).toEqual(rows.map((r) => r.map(csvField).map((f) => (f.startsWith('"') ? f.slice(1, -1).replace(/""/g, '"') : f))));
			expect(back.rows.map((r) => Number(r[3]))).toEqual([12.5, 0.1 + 0.2, 0, 1e-7, 123456789012345]);
		}
	});

	it('round-trips random strings and doubles exactly', () => {
		const r = rng(7);
		const alphabet = 'ab,"\n\r #µ ';
		const data: string[][] = [];
		for (let i = 0; i < 200; i++) {
			const s = Array.from({ length: Math.floor(r() * 8) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
			const x = (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10);
			data.push([s, String(x)]);
		}
		const back = readCsv('r.csv', writeCsv(['s', 'x'], data));
		expect(back.rows).toEqual(data);
	});

	it('reads a trailing empty field and no final newline', () => {
		expect(readCsv('e.csv', 'a,b\n1,').rows).toEqual([['1', '']]);
		expect(readCsv('e.csv', 'a,b\r\n"",""\r\n\r\n').rows).toEqual([['', '']]);
	});

	it('refuses malformed files with the file name and line', () => {
		expect(() => readCsv('m.csv', 'a,b\n1,2,3\n')).toThrow(/m\.csv: data row 1 has 3 fields but the header has 2/);
		expect(() => readCsv('m.csv', 'a\n"open\n')).toThrow(/m\.csv: a quoted field opened on line 2 is never closed/);
		expect(() => readCsv('m.csv', 'a\n"x"y\n')).toThrow(/m\.csv: line 2: text follows a closing quote/);
		expect(() => readCsv('m.csv', '# only a comment\n')).toThrow(/m\.csv: the file has no header row/);
		expect(() => writeCsv(['a'], [[1, 2]])).toThrow(/row 1 has 2 fields/);
	});
});

describe("Python's csv module reads what we write", () => {
	const tmp = tempDir('csv');
	afterAll(tmp.cleanup);

	it('to the same rows (comment lines skipped)', () => {
		const path = join(tmp.dir, 't.csv');
		writeFileSync(path, writeCsv(header, rows, { comments: provenanceLines(provenance) }));
		const script = `
import csv, json, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    lines = [l for l in f.read().splitlines(keepends=True)]
# drop leading comment lines only
i = 0
while i < len(lines) and lines[i].startswith('#'): i += 1
print(json.dumps(list(csv.reader(lines[i:]))))
`;
		const got = JSON.parse(python(script, [path], tmp.dir)) as string[][];
		const mine = readCsv('t.csv', writeCsv(header, rows, { comments: provenanceLines(provenance) }));
		expect(got).toEqual([mine.header, ...mine.rows]);
	});
});
