// Migrations: a manifest of the pre-release format (version 0) becomes a version-1 manifest field
// by field as worked out by hand below; a version-0 zip opens; newer and unknown versions are refused.
import { describe, expect, it } from 'vitest';
import { SessionError } from '../../../src/lib/core/formats/errors';
import { SESSION_FORMAT_VERSION, formatVersionOf, migrate, migrateWithInfo, readSessionZip, writeSessionZipBytes } from '../../../src/lib/core/session';
import { sharedBytes } from '../shared';
import { REAL_PAIRS, realSession, sha256 } from './fixtures';
import { buildRawZip, text, unzipEntries } from './raw-zip';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

const V0 = {
	version: 0,
	app: '0.0.9-pre',
	saved: '2025-02-03T04:05:06Z',
	images: [
		{ file: 'images/cells.tif', bytes: 1000, sha256: SHA_A, size: [300, 400], channels: 1, dtype: 'uint16', umPerPixel: 0.65, mask: { file: 'masks/cells_masks.tif', bytes: 50, sha256: SHA_B, cells: 12 } },
		{ file: 'images/rgb.png', bytes: 2000, sha256: SHA_B.replace('b', 'c'), size: [10, 20], channels: 3, dtype: 'uint8', umPerPixel: null, mask: null }
	]
};

describe('migrate', () => {
	it('turns a version-0 manifest into version 1', () => {
		const { manifest, from } = migrateWithInfo(V0);
		expect(from).toBe(0);
		expect(manifest).toEqual({
			formatVersion: 1,
			appVersion: '0.0.9-pre',
			created: '2025-02-03T04:05:06Z',
			session: { id: 'session-2025-02-03T04:05:06Z', name: 'Session of 2025-02-03', created: '2025-02-03T04:05:06Z', modified: '2025-02-03T04:05:06Z' },
			images: [
				{
					id: 'image-1',
					name: 'cells.tif',
					stem: 'cells',
					format: 'tiff',
					file: { path: 'images/cells.tif', size: 1000, sha256: SHA_A },
					original: true,
					width: 400,
					height: 300,
					channels: 1,
					dtype: 'uint16',
					pages: 1,
					pixelSizeUm: 0.65,
					pixelSizeSource: 'user',
					notes: ['The pixel size comes from a pre-release Mycol session, which did not record its source.'],
					mask: { file: { path: 'masks/cells_masks.tif', size: 50, sha256: SHA_B }, sourceName: 'cells_masks.tif', editCount: 0, cells: 12 }
				},
				{
					id: 'image-2',
					name: 'rgb.png',
					stem: 'rgb',
					format: 'png',
					file: { path: 'images/rgb.png', size: 2000, sha256: 'c' + 'b'.repeat(63) },
					original: true,
					width: 20,
					height: 10,
					channels: 3,
					dtype: 'uint8',
					pages: 1,
					pixelSizeUm: null,
					pixelSizeSource: null,
					notes: [],
					mask: null
				}
			],
			models: [],
			parts: { classes: null, cellClasses: null, parameters: null, hyperparameters: null, histories: null, ui: null }
		});
	});

	it('passes a current manifest through unchanged', async () => {
		const zip = await writeSessionZipBytes(realSession(REAL_PAIRS.slice(0, 2)), { appVersion: 't', now: new Date('2025-01-01T00:00:00Z') });
		const json = JSON.parse(new TextDecoder().decode(unzipEntries(zip).find((e) => e.name === 'manifest.json')!.data));
		expect(migrateWithInfo(json)).toEqual({ manifest: json, from: SESSION_FORMAT_VERSION });
	});

	it('refuses newer, unknown and missing versions, and checks version-0 fields', () => {
		const msg = (json: unknown) => {
			try {
				migrate(json);
			} catch (e) {
				expect(e).toBeInstanceOf(SessionError);
				return (e as Error).message;
			}
			throw new Error('accepted');
		};
		expect(msg({ formatVersion: 2 })).toBe('manifest.json: this session was saved by a newer Mycol (session format 2; this Mycol opens formats up to 1); update Mycol to open it');
		expect(msg({ formatVersion: '1' })).toBe('manifest.json: formatVersion is "1", which is not a session format version Mycol knows (a whole number such as 1)');
		expect(msg({ formatVersion: -1 })).toContain('formatVersion is -1, which is not');
		expect(msg({ version: 3 })).toBe('manifest.json: the manifest has no formatVersion, so this is not a Mycol session');
		expect(msg([1, 2])).toBe('manifest.json: the manifest is [1,2]; it must be an object');
		expect(msg({ ...V0, saved: 'yesterday' })).toBe('manifest.json: saved is "yesterday"; it must be a date and time (ISO 8601)');
		expect(msg({ ...V0, images: [{ ...V0.images[0], size: [300] }] })).toBe('manifest.json: images[0].size is [300]; it must be [height, width]');
		expect(formatVersionOf({ formatVersion: 1 })).toBe(1);
	});

	it('opens a version-0 zip (images and masks only) with the data intact', async () => {
		const image = sharedBytes('data/mycol_demo_fungal/images/demo03.tif');
		const mask = sharedBytes('data/mycol_demo_fungal/masks/demo03_masks.tif');
		const manifest = {
			version: 0,
			app: '0.0.9-pre',
			saved: '2025-02-03T04:05:06Z',
			// 8 cells: len(np.unique(tifffile.imread('demo03_masks.tif'))) - 1, computed with Python.
			images: [{ file: 'images/demo03.tif', bytes: image.length, sha256: sha256(image), size: [512, 512], channels: 1, dtype: 'uint8', umPerPixel: null, mask: { file: 'masks/demo03_masks.tif', bytes: mask.length, sha256: sha256(mask), cells: 8 } }]
		};
		const zip = buildRawZip([
			{ name: 'manifest.json', data: text(JSON.stringify(manifest)), deflate: true },
			{ name: 'images/demo03.tif', data: image, deflate: true },
			{ name: 'masks/demo03_masks.tif', data: mask }
		]);
		const r = await readSessionZip('old.zip', zip);
		expect(r.migratedFrom).toBe(0);
		expect(r.summary).toMatchObject({ formatVersion: 0, images: 1, masks: 1, cells: 8, classes: 0, models: 0 });
		expect(r.session.images[0]).toMatchObject({ id: 'image-1', name: 'demo03.tif', width: 512, height: 512, original: true });
		expect(sha256(r.session.images[0].bytes)).toBe(sha256(image));
		expect(r.session.parameters).toEqual({ segmentation: {}, maskSuffixes: ['_cp_masks', '_masks', '_seg', '_labels'] });
		expect(r.session.classes).toEqual([]);
		expect(r.session.ui).toEqual({});
	});
});
