// Write → read of a session built from the shared real images and masks: everything comes back
// identical (manifest, original bytes, masks pixel by pixel, classes, models, parameters,
// histories, UI), and Python's zipfile (an independent reader) sees the same entries and CRCs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { exampleSet } from '../../../src/lib/core/example/synthetic';
import {
	losslessImageFile,
	readSessionZip,
	writeSessionZip,
	writeSessionZipBytes,
	type SessionData,
	type SessionImage
} from '../../../src/lib/core/session';
import { sharedPath } from '../shared';
import { REAL_PAIRS, realSession, sha256 } from './fixtures';
import { decodeLabelFile } from '../../../src/lib/core/formats/image-file';
import { sharedBytes } from '../shared';

const NOW = new Date('2025-06-01T12:00:00Z');

function expectSameSession(got: SessionData, want: SessionData): void {
	const { images: gi, models: gm, ...gRest } = got;
	const { images: wi, models: wm, ...wRest } = want;
	expect(gRest).toEqual(wRest);
	expect(gi.length).toBe(wi.length);
	wi.forEach((w, i) => {
		const g = gi[i];
		const { bytes: gb, mask: gmask, ...gMeta } = g;
		const { bytes: wb, mask: wmask, ...wMeta } = w;
		expect(gMeta).toEqual(wMeta);
		expect(sha256(gb)).toBe(sha256(wb));
		expect(gb.length).toBe(wb.length);
		if (!wmask) expect(gmask).toBeNull();
		else {
			expect(gmask!.sourceName).toBe(wmask.sourceName);
			expect(gmask!.editCount).toBe(wmask.editCount);
			expect(gmask!.labels.width).toBe(wmask.labels.width);
			expect(gmask!.labels.height).toBe(wmask.labels.height);
			// Pixel by pixel (a mismatch reports the first differing index, not a huge diff).
			const a = gmask!.labels.data;
			const b = wmask.labels.data;
			let firstDiff = -1;
			for (let k = 0; k < b.length && firstDiff < 0; k++) if (a[k] !== b[k]) firstDiff = k;
			expect(a.length).toBe(b.length);
			expect(firstDiff).toBe(-1);
		}
	});
	expect(gm.map(({ bytes, ...m }) => ({ ...m, sha: sha256(bytes) }))).toEqual(wm.map(({ bytes, ...m }) => ({ ...m, sha: sha256(bytes) })));
}

describe('session zip round trip', () => {
	it('restores a session of real images and masks exactly', async () => {
		const session = realSession();
		const zip = await writeSessionZipBytes(session, { appVersion: '0.1.0', now: NOW });
		const r = await readSessionZip('pheromone.zip', zip);
		expectSameSession(r.session, session);
		expect(r.migratedFrom).toBeNull();
		// Each image entry holds the original file's bytes: same SHA-256 as the file in ../shared.
		const files = unzipSync(zip);
		REAL_PAIRS.forEach(([im], i) => {
			expect(sha256(files[r.manifest.images[i].file.path])).toBe(sha256(sharedBytes(`data/${im}`)));
			expect(r.manifest.images[i].file.sha256).toBe(sha256(sharedBytes(`data/${im}`)));
		});
		expect(r.manifest).toMatchObject({ formatVersion: 1, appVersion: '0.1.0', created: '2025-06-01T12:00:00.000Z' });
		expect(r.summary).toMatchObject({ images: 9, masks: 8, classes: 3, classifiedCells: 4, models: 2, trainingRuns: 1 });
	});

	it('counts cells as SOURCES.md gives them', async () => {
		const zip = await writeSessionZipBytes(realSession(REAL_PAIRS.slice(2, 5)), { appVersion: 't', now: NOW });
		const r = await readSessionZip('s.zip', zip);
		// img2d: 125 nuclei; caulo_15: 21 cells; membranes: 28 cells (shared/data/SOURCES.md).
		expect(r.manifest.images.map((im) => im.mask?.cells)).toEqual([125, 21, 28]);
		expect(r.summary.cells).toBe(125 + 21 + 28);
	});

	it('keeps a generated image (no original file) as a lossless TIFF', async () => {
		const ex = exampleSet()[2];
		const image: SessionImage = {
			id: 'ex-1',
			name: ex.name,
			stem: ex.name.replace(/\.[^.]*$/, ''),
			format: 'example',
			bytes: losslessImageFile(ex.raster, ex.pixelSizeUm),
			original: false,
			width: ex.raster.width,
			height: ex.raster.height,
			channels: ex.raster.channels,
			dtype: ex.raster.dtype,
			pages: 1,
			pixelSizeUm: ex.pixelSizeUm,
			pixelSizeSource: 'example',
			notes: ['Synthetic'],
			mask: { labels: ex.labels, sourceName: 'example (true cells)', editCount: 0 },
			cellClasses: new Map()
		};
		const session: SessionData = { ...realSession([]), images: [image], models: [], histories: [] };
		session.classes = [];
		const r = await readSessionZip('ex.zip', await writeSessionZipBytes(session, { appVersion: 't', now: NOW }));
		expectSameSession(r.session, session);
	});

	it('round-trips with zip64 records forced and at deflate level 9', async () => {
		const session = realSession(REAL_PAIRS.slice(0, 3));
		for (const opts of [{ forceZip64: true }, { level: 9 as const }]) {
			const r = await readSessionZip('s.zip', await writeSessionZipBytes(session, { appVersion: 't', now: NOW, ...opts }));
			expectSameSession(r.session, session);
		}
	});

	it('names entries safely and uniquely, whatever the image names', async () => {
		const base = realSession(REAL_PAIRS.slice(0, 2));
		base.images[0].name = 'a:b*c?.tif';
		base.images[1].name = 'A:B*C?.TIF';
		base.images[0].cellClasses = new Map();
		const zip = await writeSessionZipBytes(base, { appVersion: 't', now: NOW });
		const names = Object.keys(unzipSync(zip));
		expect(names.slice(0, 4)).toEqual(['images/a_b_c_.tif', 'masks/a_b_c__masks.tif', 'images/A_B_C_ (2).TIF', 'masks/A_B_C_ (2)_masks.tif']);
		const r = await readSessionZip('s.zip', zip);
		expect(r.session.images.map((im) => im.name)).toEqual(['a:b*c?.tif', 'A:B*C?.TIF']);
	});

	it('is opened by Python zipfile with the same entries, CRCs and contents', async () => {
		const session = realSession();
		const dir = mkdtempSync(join(tmpdir(), 'mycol-session-'));
		const plain = join(dir, 'plain.zip');
		const z64 = join(dir, 'zip64.zip');
		const zip = await writeSessionZipBytes(session, { appVersion: 't', now: NOW });
		writeFileSync(plain, zip);
		writeFileSync(z64, await writeSessionZipBytes(session, { appVersion: 't', now: NOW, forceZip64: true }));
		const r = await readSessionZip('plain.zip', zip);
		// What Python should see: fflate's names and our CRC-32 of each entry's content.
		const files = unzipSync(zip);
		const expected = Object.keys(files).map((n) => [n, crc32(files[n])]);
		// numpy 1.24 cannot unpickle the numpy 2 _seg.npy; SOURCES.md says its TIFF copy holds the same masks.
		const original = (p: string) => sharedPath(`data/${p.replace('masks_cellpose_seg_npy/demo02_masks.npy', 'masks/demo02_masks.tif')}`);
		const masks = r.manifest.images.flatMap((im, i) => (im.mask ? [[im.mask.file.path, original(REAL_PAIRS[i][1]!)]] : []));
		const script = [
			'import json, sys, zipfile, hashlib, io, numpy as np, tifffile, PIL.Image',
			'out = {}',
			'for path in sys.argv[1:3]:',
			'    z = zipfile.ZipFile(path)',
			'    assert z.testzip() is None',
			'    m = json.loads(z.read("manifest.json"))',
			'    sha_ok = all(hashlib.sha256(z.read(im["file"]["path"])).hexdigest() == im["file"]["sha256"] for im in m["images"])',
			'    out[path] = {"entries": [[i.filename, i.CRC] for i in z.infolist()], "sha_ok": sha_ok}',
			'masks = json.loads(sys.argv[3])',
			'z = zipfile.ZipFile(sys.argv[1])',
			'same = []',
			'for entry, original in masks:',
			'    got = tifffile.imread(io.BytesIO(z.read(entry)))',
			'    ref = tifffile.imread(original) if original.endswith(".tif") else np.asarray(__import__("PIL.Image").Image.open(original))',
			'    same.append(bool(got.shape == ref.shape and (got.astype(np.int64) == ref.astype(np.int64)).all()))',
			'out["masks_equal"] = same',
			'print(json.dumps(out))'
		].join('\n');
		const py = spawnSync('/usr/bin/python3', ['-c', script, plain, z64, JSON.stringify(masks)], { encoding: 'utf8' });
		expect(py.stderr).toBe('');
		const got = JSON.parse(py.stdout);
		for (const p of [plain, z64]) {
			expect(got[p].entries).toEqual(expected);
			expect(got[p].sha_ok).toBe(true);
		}
		expect(got.masks_equal).toEqual(masks.map(() => true));
	});

	it('streams: chunks come out before later entries are even made', async () => {
		const session = realSession(REAL_PAIRS.slice(0, 3));
		const stream = writeSessionZip(session, { appVersion: 't', now: NOW });
		const it = stream[Symbol.asyncIterator]();
		const first = await it.next();
		expect(first.done).toBe(false);
		expect(stream.stats.entries).toBe(0);
		expect(stream.manifest).toBeNull();
		let n = 1;
		while (!(await it.next()).done) n++;
		expect(n).toBeGreaterThan(10);
		expect(stream.manifest?.images).toHaveLength(3);
		// 3 images, 3 masks, 2 models, 6 parts, the manifest.
		expect(stream.stats.entries).toBe(3 + 3 + 2 + 6 + 1);
		// Never more than one 64 KiB slice of deflated output waiting (see zip-stream.test.ts).
		expect(stream.stats.peakQueuedBytes).toBeLessThanOrEqual(2 ** 16 + 2 ** 15);
	});
});

describe('masks from a decoded file', () => {
	it('are compared against an independent decode of the original file', async () => {
		// The fixture decodes masks with decodeLabelFile; here the _seg.npy mask is compared to the TIFF copy.
		const tif = decodeLabelFile('demo02_masks.tif', sharedBytes('data/mycol_demo_fungal/masks/demo02_masks.tif')).labels;
		const r = await readSessionZip('s.zip', await writeSessionZipBytes(realSession(REAL_PAIRS.slice(1, 2)), { appVersion: 't', now: NOW }));
		expect(r.session.images[0].mask!.labels.data).toEqual(tif.data);
	});
});
