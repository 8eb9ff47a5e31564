// Hostile and broken session zips, each built here by hand (raw-zip.ts, independent of our
// writer): every one is refused with its own plain sentence, naming the zip and what is wrong.
import { beforeAll, describe, expect, it } from 'vitest';
import { SessionError } from '../../../src/lib/core/formats/errors';
import { readSessionZip, writeSessionZipBytes } from '../../../src/lib/core/session';
import { sharedBytes } from '../shared';
import { REAL_PAIRS, realSession, sha256 } from './fixtures';
import { buildRawZip, text, unzipEntries, type RawEntry } from './raw-zip';

let good: RawEntry[] = [];

beforeAll(async () => {
	const session = realSession(REAL_PAIRS.slice(0, 2));
	good = unzipEntries(await writeSessionZipBytes(session, { appVersion: '0.1.0', now: new Date('2025-06-01T12:00:00Z') }));
});

/** The good entries with some changed: `edit` may replace, drop or add entries. */
function variant(edit: (entries: RawEntry[]) => RawEntry[]): Uint8Array {
	return buildRawZip(edit(good.map((e) => ({ ...e }))));
}

type Obj = Record<string, unknown>;

/** The object at a path of keys and indices inside parsed JSON. */
function at(root: Obj, ...keys: (string | number)[]): Obj {
	let v: unknown = root;
	for (const k of keys) v = (v as Record<string | number, unknown>)[k];
	return v as Obj;
}

/** The good entries with the manifest JSON edited. */
function withManifest(edit: (m: Obj) => void, entries?: (e: RawEntry[]) => RawEntry[]): Uint8Array {
	return variant((es) => {
		const out = entries ? entries(es) : es;
		const m = out.find((e) => e.name === 'manifest.json')!;
		const json = JSON.parse(new TextDecoder().decode(m.data)) as Obj;
		edit(json);
		m.data = text(JSON.stringify(json));
		return out;
	});
}

const messages = new Map<string, string>();

async function refused(zip: Uint8Array, fragment: string | RegExp, label: string): Promise<void> {
	let err: unknown = null;
	try {
		await readSessionZip('bad.zip', zip);
	} catch (e) {
		err = e;
	}
	expect(err, `${label} was accepted`).toBeInstanceOf(SessionError);
	const msg = (err as SessionError).message;
	expect(msg.startsWith('bad.zip: ')).toBe(true);
	if (typeof fragment === 'string') expect(msg).toContain(fragment);
	else expect(msg).toMatch(fragment);
	messages.set(label, msg);
}

describe('hostile session zips', () => {
	it('accepts the hand-rebuilt good zip (so each refusal below is for its one defect)', async () => {
		const r = await readSessionZip('good.zip', buildRawZip(good));
		expect(r.summary.images).toBe(2);
	});

	it('refuses newer, unknown and missing format versions', async () => {
		await refused(withManifest((m) => (m.formatVersion = 2)), 'this session was saved by a newer Mycol (session format 2; this Mycol opens formats up to 1); update Mycol to open it', 'newer');
		await refused(withManifest((m) => (m.formatVersion = 'abc')), 'manifest.json: formatVersion is "abc", which is not a session format version Mycol knows', 'unknown');
		await refused(withManifest((m) => (m.formatVersion = 1.5)), 'formatVersion is 1.5, which is not a session format version', 'fractional');
		await refused(withManifest((m) => delete m.formatVersion), 'manifest.json: the manifest has no formatVersion, so this is not a Mycol session', 'no version');
	});

	it('refuses a missing entry and an extra entry', async () => {
		await refused(
			variant((es) => es.filter((e) => e.name !== 'masks/demo01_masks.tif')),
			'the session lists masks/demo01_masks.tif (the mask of demo01.tif) but the zip has no such entry',
			'missing'
		);
		await refused(variant((es) => [...es, { name: 'notes.txt', data: text('hello') }]), "the zip holds notes.txt, which the session's manifest does not list", 'extra');
		await refused(variant((es) => es.filter((e) => e.name !== 'manifest.json')), 'the zip has no manifest.json, so it is not a Mycol session (it holds images/demo01.tif', 'no manifest');
	});

	it('refuses a changed file (SHA-256) and damaged data (CRC-32)', async () => {
		await refused(
			variant((es) => {
				const im = es.find((e) => e.name === 'images/demo01.tif')!;
				im.data = im.data.slice();
				im.data[100_000] ^= 1;
				return es;
			}),
			'images/demo01.tif does not match its SHA-256 checksum in the manifest',
			'sha256'
		);
		await refused(
			variant((es) => {
				es.find((e) => e.name === 'images/demo01.tif')!.crc = 0x12345678;
				return es;
			}),
			"the zip entry 'images/demo01.tif' is damaged: its CRC-32 checksum does not match its data",
			'crc'
		);
	});

	it("refuses '../evil', '/abs' and 'C:\\x' names before reading anything", async () => {
		await refused(variant((es) => [...es, { name: '../evil', data: text('x') }]), "the zip entry '../evil' climbs out of the session's folder with '..'; Mycol refuses to open it", 'dotdot');
		await refused(variant((es) => [...es, { name: 'images/../../evil', data: text('x') }]), "'images/../../evil' climbs out", 'inner dotdot');
		await refused(variant((es) => [...es, { name: '/abs', data: text('x') }]), "the zip entry '/abs' is an absolute path", 'absolute');
		await refused(variant((es) => [...es, { name: 'C:\\x', data: text('x') }]), "the zip entry 'C:\\x' is a Windows drive path", 'drive');
		await refused(variant((es) => [...es, { name: 'a\\..\\b', data: text('x') }]), 'has a backslash in its name', 'backslash');
	});

	it('refuses a declared size of 5 GiB', async () => {
		await refused(
			variant((es) => {
				es.find((e) => e.name === 'images/demo01.tif')!.declaredSize = 5 * 2 ** 30;
				return es;
			}),
			"the zip entry 'images/demo01.tif' declares 5,368,709,120 bytes uncompressed, more than Mycol's limit of 4,294,967,296 bytes per entry (a zip bomb?)",
			'5 GiB'
		);
	});

	it('refuses a compression ratio over 1000, declared or only found while inflating', async () => {
		const zeros = new Uint8Array(20 * 2 ** 20);
		// fflate deflates 20 MiB of zeros to 20,473 bytes: a ratio of 1024.
		await refused(
			variant((es) => [...es, { name: 'bomb.bin', data: zeros, deflate: true }]),
			"the zip entry 'bomb.bin' would expand from 20,473 to 20,971,520 bytes, more than 1,000 times its compressed size (a zip bomb?)",
			'ratio'
		);
		// The same stream declared as 1 MiB (ratio 51, listed in the manifest as ui.json): inflating stops at the cap.
		await refused(
			withManifest(
				(m) => (at(m, 'parts', 'ui').size = 2 ** 20),
				(es) => {
					const ui = es.find((e) => e.name === 'ui.json')!;
					Object.assign(ui, { data: zeros, deflate: true, declaredSize: 2 ** 20 });
					return es;
				}
			),
			"the zip entry 'ui.json' inflates to more than the 1,048,576 bytes it declares (a zip bomb or a damaged zip)",
			'lying size'
		);
	});

	it('refuses entries that each pass but add up to more than 16 GiB (a bomb in many parts)', async () => {
		// Five entries of 3.8 MB (junk) deflated data declaring 3.5 GiB each: each under 4 GiB with a
		// ratio of 989, so each passes alone; together 17.5 GiB.
		const junk = new Uint8Array(3_800_000);
		const parts = Array.from({ length: 5 }, (_, i) => ({ name: `part${i}.bin`, data: new Uint8Array(0), deflate: true, rawCompressed: junk, declaredSize: 3.5 * 2 ** 30 }));
		await refused(
			variant((es) => [...es, ...parts]),
			/the zip's entries add up to [\d,]+ bytes uncompressed, more than Mycol's limit of 17,179,869,184 bytes for a session \(a zip bomb\?\)/,
			'total'
		);
	});

	it('refuses duplicate names', async () => {
		await refused(
			variant((es) => [...es, { ...es[0] }]),
			"the zip holds two entries named 'images/demo01.tif'; a session has each file once",
			'duplicate'
		);
	});

	it('refuses a truncated zip, a non-zip file, an image and an empty file', async () => {
		const whole = buildRawZip(good);
		await refused(whole.slice(0, whole.length >> 1), /the zip file is truncated: its directory, which belongs at the end, is missing \([\d,]+ bytes; an interrupted download or copy\?\)/, 'truncated');
		await refused(whole.slice(0, whole.length - 10), 'the zip file is truncated', 'truncated end');
		await refused(text('name,value\nfoo,1\n'), 'this is not a zip file, so not a Mycol session', 'text');
		await refused(sharedBytes('data/mycol_demo_fungal/images/demo01.tif'), 'this is a TIFF file, not a Mycol session', 'tiff');
		await refused(new Uint8Array(0), 'the file is empty; a Mycol session is a .zip file', 'empty');
	});

	it('refuses a local header that disagrees with the directory, and encryption', async () => {
		await refused(
			variant((es) => {
				es[1].localName = 'masks/other_masks.tif';
				return es;
			}),
			"the zip entry 'masks/demo01_masks.tif' is named 'masks/other_masks.tif' in its own header; the two disagree",
			'local name'
		);
		await refused(
			variant((es) => {
				es[0].flags = 1;
				return es;
			}),
			"the zip entry 'images/demo01.tif' is encrypted",
			'encrypted'
		);
	});

	it('refuses a manifest that is not JSON, has a bad field, or disagrees with its entries', async () => {
		await refused(
			variant((es) => {
				es.find((e) => e.name === 'manifest.json')!.data = text('{"formatVersion": 1, ');
				return es;
			}),
			'manifest.json: the file is not valid JSON',
			'not json'
		);
		await refused(withManifest((m) => (at(m, 'images', 0).width = 'abc')), 'manifest.json: images[0].width is "abc"; it must be a whole number of at least 1', 'bad field');
		await refused(withManifest((m) => (at(m, 'images', 1).dtype = 'complex64')), 'images[1].dtype is "complex64"; it must be one of "uint8"', 'bad dtype');
		await refused(withManifest((m) => (at(m, 'images', 0, 'file').size = 262_267)), 'images/demo01.tif is 262,266 bytes but the manifest says 262,267', 'size');
		await refused(withManifest((m) => (at(m, 'images', 1).id = 'img-1')), 'the id "img-1" is used twice in images', 'same id');
		await refused(withManifest((m) => (at(m, 'images', 0, 'mask').cells = 99)), 'masks/demo01_masks.tif holds 9 cells but the manifest says 99', 'cells');
		await refused(withManifest((m) => (at(m, 'images', 0).width = 256)), 'images/demo01.tif is 512 × 512 pixels but the manifest says 256 × 512', 'image size');
	});

	it('refuses a mask whose size differs from its image', async () => {
		const other = sharedBytes('data/omnipose_bacteria_phase/masks/caulo_15_cp_masks.tif');
		await refused(
			withManifest(
				(m) => Object.assign(at(m, 'images', 0, 'mask', 'file'), { size: other.length, sha256: sha256(other) }),
				(es) => {
					es.find((e) => e.name === 'masks/demo01_masks.tif')!.data = other;
					return es;
				}
			),
			'masks/demo01_masks.tif is 310 × 281 pixels but its image demo01.tif is 512 × 512',
			'mask size'
		);
	});

	it('refuses broken parts: classes, assignments, parameters', async () => {
		const part = (name: string, body: string) =>
			withManifest(
				(m) => {
					const parts = at(m, 'parts');
					const key = Object.keys(parts).find((k) => at(parts, k).path === name)!;
					Object.assign(at(parts, key), { size: text(body).length, sha256: sha256(text(body)) });
				},
				(es) => {
					es.find((e) => e.name === name)!.data = text(body);
					return es;
				}
			);
		await refused(part('classes.csv', 'id,name,colour,order\r\na,A,red,0\r\n'), 'classes.csv: row 1: the colour "red" is not a #rrggbb colour', 'colour');
		await refused(part('cell-classes.csv', 'image_id,label,class_id\r\nimg-1,3,nope\r\n'), 'cell-classes.csv: row 1: there is no class with id "nope" in the session', 'class id');
		await refused(part('parameters.json', '{"segmentation": {"diameter": "big"}, "maskSuffixes": []}'), 'parameters.json: segmentation.diameter is "big"; it must be a number', 'params');
		await refused(part('hyperparameters.csv', 'cellprob,flow_threshold\n0.1,0.4\n'), 'hyperparameters.csv: the file has no "niter" column', 'hyper');
	});

	it('gives each defect its own message', () => {
		const all = [...messages.values()];
		expect(all.length).toBeGreaterThan(35);
		expect(new Set(all).size).toBe(all.length);
	});
});
