import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { addFiles, cell, openData, shared, tempDir } from './helpers';

/** A little-endian TIFF header + one IFD claiming width × height 8-bit pixels, with no pixel data. */
function hugeTiff(width: number, height: number): Uint8Array {
	const entries: [number, number, number, number][] = [
		[256, 4, 1, width],
		[257, 4, 1, height],
		[258, 3, 1, 8],
		[259, 3, 1, 1],
		[262, 3, 1, 1],
		[273, 4, 1, 8],
		[277, 3, 1, 1],
		[278, 4, 1, height],
		[279, 4, 1, width * height]
	];
	const buf = new Uint8Array(8 + 2 + entries.length * 12 + 4);
	const v = new DataView(buf.buffer);
	buf.set([0x49, 0x49, 42, 0]);
	v.setUint32(4, 8, true);
	v.setUint16(8, entries.length, true);
	entries.forEach(([tag, type, count, value], k) => {
		const o = 10 + k * 12;
		v.setUint16(o, tag, true);
		v.setUint16(o + 2, type, true);
		v.setUint32(o + 4, count, true);
		if (type === 3) v.setUint16(o + 8, value, true);
		else v.setUint32(o + 8, value >>> 0, true);
	});
	return buf;
}

/** An .npy header (format 1.0) with the given header dictionary and no data. */
function npy(dict: string): Uint8Array {
	const pad = (64 - ((10 + dict.length + 1) % 64)) % 64;
	const text = dict + ' '.repeat(pad) + '\n';
	const out = new Uint8Array(10 + text.length);
	out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
	new DataView(out.buffer).setUint16(8, text.length, true);
	for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
	return out;
}

test('hostile files each get a clear message and leave the loaded images untouched', async ({ page }) => {
	const dir = tempDir();
	const demo = readFileSync(shared('data/mycol_demo_fungal/images/demo03.tif'));
	const files: Record<string, Uint8Array> = {
		'empty.tif': new Uint8Array(),
		'truncated.tif': new Uint8Array(demo.subarray(0, 50_000)),
		'huge.tif': hugeTiff(100_000, 100_000),
		'notes.tif': new TextEncoder().encode('This is a lab notebook entry, not an image.\n'),
		'absurd.npy': npy("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100), }"),
		// A pickle that asks for os.system: GLOBAL 'os system', then REDUCE. It must never run.
		'evil_seg.npy': (() => {
			const header = npy("{'descr': '|O', 'fortran_order': False, 'shape': (), }");
			const text = '\x80\x02cos\nsystem\nq\x00X\x05\x00\x00\x00touch\x85R.';
			const pickle = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
			const out = new Uint8Array(header.length + pickle.length);
			out.set(header);
			out.set(pickle, header.length);
			return out;
		})()
	};
	const paths: string[] = [];
	for (const [name, bytes] of Object.entries(files)) {
		writeFileSync(join(dir, name), bytes);
		paths.push(join(dir, name));
	}
	// A mask of the wrong size for its image: caulo_15's mask renamed to demo01's.
	const wrongMask = join(dir, 'demo01_masks.tif');
	writeFileSync(wrongMask, readFileSync(shared('data/omnipose_bacteria_phase/masks/caulo_15_cp_masks.tif')));

	await openData(page);
	await addFiles(page, [shared('data/mycol_demo_fungal/images/demo01.tif'), shared('data/mycol_demo_fungal/images/demo02.tif')]);
	await expect(page.getByTestId('image-row')).toHaveCount(2);

	await addFiles(page, [...paths, wrongMask]);
	const message = (file: string) => page.locator(`[data-testid="error-message"][data-file="${file}"]`);
	await expect(message('empty.tif')).toContainText('empty');
	await expect(message('truncated.tif')).toContainText(/truncated|ends/);
	await expect(message('huge.tif')).toContainText('100,000 × 100,000');
	await expect(message('notes.tif')).toContainText(/not a TIFF|not an image/i);
	await expect(message('absurd.npy')).toContainText('100000, 100000, 100');
	await expect(message('evil_seg.npy')).toContainText(/os\.system|os system|not allowed|refus/i);
	await expect(message('demo01_masks.tif')).toContainText('never stretched');

	// The two good images are still there, unchanged, with no mask attached.
	await expect(page.getByTestId('image-row')).toHaveCount(2);
	expect(await cell(page, 'demo01.tif', 'size')).toBe('512 × 512');
	expect(await cell(page, 'demo01.tif', 'mask')).toBe('none');
});
