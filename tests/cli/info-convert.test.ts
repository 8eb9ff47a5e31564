import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mycol, python, root, shared, tempDir } from './run';

function lines(out: string) {
	return out
		.trim()
		.split('\n')
		.map((l) => JSON.parse(l));
}

describe('mycol info', () => {
	it('describes images and masks as SOURCES.md lists them', () => {
		const r = mycol(
			'info',
			shared('data/omnipose_bacteria_phase/images/caulo_15.tif'),
			shared('data/stardist_dsb2018_nuclei/masks/img2d_masks.tif'),
			shared('data/odd_formats/images/bbbc022_IXMtest_A02_s9_3ch_imagej.tif'),
			shared('data/odd_formats/images/demo05_imagej_calibrated_0.65um.tif'),
			shared('data/clesperanto_membranes/masks/membranes_masks.tif'),
			shared('data/mycol_demo_fungal/masks_cellpose_seg_npy/demo07_masks.npy')
		);
		expect(r.stderr).toBe('');
		expect(r.status).toBe(0);
		const [caulo, nuclei, bbbc, calibrated, membranes, seg] = lines(r.stdout);
		// caulo_15: 281×310 uint16, PackBits, a 72 dpi tag that is not a calibration.
		expect(caulo).toEqual({ file: shared('data/omnipose_bacteria_phase/images/caulo_15.tif'), kind: 'image', width: 310, height: 281, channels: 1, dtype: 'uint16', pages: 1, pixelSizeUm: null });
		// img2d masks: 125 nuclei with ids up to 183.
		expect(nuclei).toMatchObject({ kind: 'labels', width: 512, height: 512, dtype: 'uint16', nLabels: 125 });
		expect(bbbc).toMatchObject({ kind: 'image', width: 695, height: 395, channels: 3, dtype: 'uint16', pages: 3 });
		expect(calibrated.pixelSizeUm).toBe(0.65);
		expect(membranes).toMatchObject({ kind: 'labels', dtype: 'int32', nLabels: 28 });
		expect(seg).toMatchObject({ kind: 'labels', width: 512, height: 512, nLabels: 8 });
	});

	it('reports an unreadable file on stderr with a non-zero exit, and still describes the others', () => {
		const dir = tempDir();
		writeFileSync(join(dir, 'notes.tif'), 'not an image at all\n');
		const r = mycol('info', join(dir, 'notes.tif'), shared('data/mycol_demo_fungal/images/demo01.tif'));
		expect(r.status).toBe(1);
		expect(r.stderr).toContain('notes.tif: this is a text file, not an image');
		expect(lines(r.stdout)).toHaveLength(1);
	});

	it('runs as `npx mycol` right after npm ci', () => {
		const r = spawnSync('npx', ['mycol', 'info', shared('data/mycol_demo_fungal/images/demo02.tif')], { cwd: root, encoding: 'utf8' });
		expect(r.status).toBe(0);
		expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'image', width: 512, height: 512, dtype: 'uint8' });
	});

	it('explains usage and refuses unknown commands', () => {
		expect(mycol('--help').stdout).toContain('Commands:');
		const r = mycol('frobnicate');
		expect(r.status).toBe(2);
		expect(r.stderr).toContain('unknown command "frobnicate"');
	});
});

describe('mycol convert', () => {
	it('converts a _seg.npy to a label TIFF and .npy that numpy and tifffile read as the original masks', () => {
		const dir = tempDir();
		const tif = join(dir, 'demo07_masks.tif');
		const npy = join(dir, 'demo07_masks.npy');
		expect(mycol('convert', shared('data/mycol_demo_fungal/masks_cellpose_seg_npy/demo07_masks.npy'), tif).status).toBe(0);
		expect(mycol('convert', shared('data/mycol_demo_fungal/masks_cellpose_seg_npy/demo07_masks.npy'), npy).status).toBe(0);
		const ref = shared('data/mycol_demo_fungal/masks/demo07_masks.tif');
		const out = python(
			`import numpy as np, tifffile\nref = tifffile.imread(${JSON.stringify(ref)})\n` +
				`a = tifffile.imread(${JSON.stringify(tif)}); b = np.load(${JSON.stringify(npy)})\n` +
				`print(a.dtype, b.dtype, a.shape, b.shape, (a == ref).all(), (b == ref).all())`
		);
		expect(out.trim()).toBe('uint16 uint16 (512, 512) (512, 512) True True');
	});

	it('converts a 3-channel 16-bit ImageJ hyperstack to (H, W, C) .npy and back to TIFF, values kept', () => {
		const dir = tempDir();
		const src = shared('data/odd_formats/images/bbbc022_IXMtest_A02_s9_3ch_imagej.tif');
		const npy = join(dir, 'bbbc.npy');
		const tif = join(dir, 'bbbc.tif');
		expect(mycol('convert', src, npy).status).toBe(0);
		expect(mycol('convert', npy, tif).status).toBe(0);
		const out = python(
			`import numpy as np, tifffile\nref = tifffile.imread(${JSON.stringify(src)})\n` +
				`a = np.load(${JSON.stringify(npy)}); t = tifffile.TiffFile(${JSON.stringify(tif)}); b = t.asarray()\n` +
				`print(a.shape, a.dtype, (np.moveaxis(a, -1, 0) == ref).all(), b.shape, (b == ref).all(), t.imagej_metadata['channels'])`
		);
		expect(out.trim()).toBe('(395, 695, 3) uint16 True (3, 395, 695) True 3');
	});

	it('keeps the pixel size when converting to TIFF', () => {
		const dir = tempDir();
		const tif = join(dir, 'cal.tif');
		expect(mycol('convert', shared('data/odd_formats/images/demo05_imagej_calibrated_0.65um.tif'), tif).status).toBe(0);
		expect(JSON.parse(mycol('info', tif).stdout).pixelSizeUm).toBe(0.65);
		const out = python(`import tifffile\nt = tifffile.TiffFile(${JSON.stringify(tif)})\nprint(t.imagej_metadata['unit'], round(1 / (t.pages[0].tags['XResolution'].value[0] / t.pages[0].tags['XResolution'].value[1]), 6))`);
		expect(out.trim()).toBe('micron 0.65');
	});

	it('refuses a bad output name and bad input with a sentence', () => {
		const dir = tempDir();
		const r = mycol('convert', shared('data/mycol_demo_fungal/images/demo01.tif'), join(dir, 'out.png'));
		expect(r.status).toBe(1);
		expect(r.stderr).toContain('the output must end in .npy, .tif or .tiff');
		writeFileSync(join(dir, 'empty.tif'), new Uint8Array());
		const e = mycol('convert', join(dir, 'empty.tif'), join(dir, 'x.npy'));
		expect(e.status).toBe(1);
		expect(e.stderr).toContain('empty.tif: the file is empty');
		expect(() => readFileSync(join(dir, 'x.npy'))).toThrow();
	});
});
