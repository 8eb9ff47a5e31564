import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync, unzipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { mycol, python, shared, tempDir } from './run';

const demo = (n: string) => ({ image: shared(`data/mycol_demo_fungal/images/demo${n}.tif`), mask: shared(`data/mycol_demo_fungal/masks/demo${n}_masks.tif`) });

/** Cells per mask counted by numpy (distinct non-zero ids), independently of Mycol. */
function numpyCells(paths: string[]): number {
	const script = `import numpy as np, tifffile\nprint(sum(len(np.unique(m[m != 0])) for m in map(tifffile.imread, ${JSON.stringify(paths)})))`;
	return Number(python(script).trim());
}

describe('mycol session new + check', () => {
	it('builds a session zip from images and masks that check then describes', () => {
		const dir = tempDir();
		const zip = join(dir, 'fungi.zip');
		const files = ['01', '02', '03'].map(demo);
		const made = mycol('session', 'new', ...files.map((f) => f.image), '--masks', ...files.map((f) => f.mask), '--out', zip, '--name', 'Fungi');
		expect(made.stderr).toBe('');
		expect(made.status).toBe(0);
		const cells = numpyCells(files.map((f) => f.mask));
		expect(JSON.parse(made.stdout)).toMatchObject({ file: zip, images: 3, masks: 3, cells });
		const checked = mycol('session', 'check', zip);
		expect(checked.stderr).toBe('');
		expect(checked.status).toBe(0);
		expect(JSON.parse(checked.stdout)).toEqual({
			file: zip,
			formatVersion: 1,
			appVersion: JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')).version,
			images: 3,
			masks: 3,
			cells,
			classes: 0,
			classifiedCells: 0,
			models: 0,
			trainingRuns: 0
		});
		// Python's zipfile reads it; the manifest names the session and lists every image with its SHA-256.
		const out = python(
			`import zipfile, json, hashlib\nz = zipfile.ZipFile(${JSON.stringify(zip)})\nassert z.testzip() is None\nm = json.loads(z.read('manifest.json'))\n` +
				`print(json.dumps([m['session']['name'], [im['name'] for im in m['images']], all(hashlib.sha256(z.read(im['file']['path'])).hexdigest() == im['file']['sha256'] for im in m['images'])]))`
		);
		expect(JSON.parse(out)).toEqual(['Fungi', ['demo01.tif', 'demo02.tif', 'demo03.tif'], true]);
		expect(readdirSync(dir)).toEqual(['fungi.zip']);
	});

	it('pairs masks given among the images by their suffix, including a _cp_masks file', () => {
		const dir = tempDir();
		const zip = join(dir, 's.zip');
		const caulo = shared('data/omnipose_bacteria_phase/images/caulo_15.tif');
		const cauloMask = shared('data/omnipose_bacteria_phase/masks/caulo_15_cp_masks.tif');
		const r = mycol('session', 'new', caulo, cauloMask, demo('04').image, '--out', zip);
		expect(r.status).toBe(0);
		// caulo_15: 21 cells (shared/data/SOURCES.md); demo04 has no mask.
		expect(JSON.parse(r.stdout)).toMatchObject({ images: 2, masks: 1, cells: 21 });
		expect(JSON.parse(mycol('session', 'check', zip).stdout)).toMatchObject({ images: 2, masks: 1, cells: 21 });
	});

	it('refuses a mask that fits no image, leaving no file behind', () => {
		const dir = tempDir();
		const zip = join(dir, 's.zip');
		const r = mycol('session', 'new', demo('01').image, '--masks', shared('data/omnipose_bacteria_phase/masks/caulo_15_cp_masks.tif'), '--out', zip);
		expect(r.status).toBe(1);
		expect(r.stderr).toContain('caulo_15_cp_masks.tif: no image named caulo_15.* is loaded');
		expect(existsSync(zip)).toBe(false);
		expect(mycol('session', 'new', demo('01').image).stderr).toContain('give the zip to write with --out');
	});
});

describe('mycol session check on broken zips', () => {
	function made(): string {
		const dir = tempDir();
		const zip = join(dir, 'good.zip');
		expect(mycol('session', 'new', demo('05').image, '--masks', demo('05').mask, '--out', zip).status).toBe(0);
		return zip;
	}

	it('exits 1 with the reason on stderr and nothing on stdout', () => {
		const good = made();
		const bytes = new Uint8Array(readFileSync(good));
		const dir = tempDir();
		const cases: [string, Uint8Array, string][] = [];
		cases.push(['truncated.zip', bytes.slice(0, bytes.length >> 1), 'the zip file is truncated']);
		cases.push(['notes.zip', strToU8('just some text\n'), 'this is not a zip file, so not a Mycol session']);
		// The same entries, rezipped with a newer formatVersion in the manifest (fflate, not our writer).
		const entries = unzipSync(bytes);
		const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json']));
		manifest.formatVersion = 2;
		cases.push(['newer.zip', zipSync({ ...entries, 'manifest.json': strToU8(JSON.stringify(manifest)) }), 'manifest.json: this session was saved by a newer Mycol (session format 2']);
		cases.push(['extra.zip', zipSync({ ...entries, '../evil': strToU8('x') }), "the zip entry '../evil' climbs out of the session's folder"]);
		const withoutMask = Object.fromEntries(Object.entries(entries).filter(([n]) => n !== 'masks/demo05_masks.tif'));
		cases.push(['missing.zip', zipSync(withoutMask), 'the session lists masks/demo05_masks.tif (the mask of demo05.tif) but the zip has no such entry']);
		for (const [name, data, reason] of cases) {
			const path = join(dir, name);
			writeFileSync(path, data);
			const r = mycol('session', 'check', path);
			expect(r.status, name).toBe(1);
			expect(r.stdout, name).toBe('');
			expect(r.stderr, name).toContain(`mycol session: ${path}: ${reason}`);
		}
		// The untouched original still checks.
		expect(mycol('session', 'check', good).status).toBe(0);
	});

	it('explains its usage', () => {
		expect(mycol('session', '--help').stdout).toContain('mycol session check ZIP');
		const r = mycol('session', 'frob');
		expect(r.status).toBe(1);
		expect(r.stderr).toContain('unknown subcommand "frob"');
		expect(mycol('session', 'check').stderr).toContain('give one session zip');
		expect(mycol('--help').stdout).toMatch(/session\s+check a session zip/);
	});
});
