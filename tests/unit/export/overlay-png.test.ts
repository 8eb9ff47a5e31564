import UPNG from 'upng-js';
import { describe, expect, it } from 'vitest';
import { encodeRgbaPng, renderOverlay, writeOverlayPng } from '../../../src/lib/core/formats/overlay-png';
import { readPng } from '../../../src/lib/core/formats/png';
import { parseProvenanceJson, type Provenance } from '../../../src/lib/core/formats/provenance';
import type { Raster } from '../../../src/lib/core/raster/types';
import { awkwardLabels, byteDiffs, labelsFromRows, rng, sharedMaskTiff, sharedTiff } from './helpers';

const provenance: Provenance = {
	app: { name: 'Mycol', version: '0.1.0' },
	model: { name: 'cyto3', sha256: 'f'.repeat(64) },
	segmentation: { diameter: 30 },
	pixelSize: { um: 0.65, source: 'user' },
	manualEdits: 1
};

const px = (rgba: Uint8Array, w: number, x: number, y: number) => Array.from(rgba.subarray(4 * (y * w + x), 4 * (y * w + x) + 4));

/** UPNG (an independent decoder) → RGBA bytes. */
function upngRgba(png: Uint8Array): { rgba: Uint8Array; tabs: Record<string, unknown>; w: number; h: number } {
	const img = UPNG.decode(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer);
	return { rgba: new Uint8Array(UPNG.toRGBA8(img)[0]), tabs: img.tabs as Record<string, unknown>, w: img.width, h: img.height };
}

describe('overlay PNG', () => {
	it('fills, outlines and scales as worked out by hand', () => {
		// 5 × 5 grey image: 0 at (0,0), 255 at (4,4), 100 elsewhere; one 3 × 3 cell at (1..3, 1..3).
		const data = new Uint8Array(25).fill(100);
		data[0] = 0;
		data[24] = 255;
		const image: Raster = { width: 5, height: 5, channels: 1, dtype: 'uint8', data };
		const labels = labelsFromRows(['.....', '.111.', '.111.', '.111.', '.....']);
		const rgba = renderOverlay(image, labels, { fillOpacity: 0.5, colorOf: () => [200, 100, 0] });
		expect(px(rgba, 5, 2, 2)).toEqual([150, 100, 50, 255]); // (100 + colour) / 2
		expect(px(rgba, 5, 1, 1)).toEqual([255, 255, 255, 255]); // border pixel: white outline
		expect(px(rgba, 5, 3, 2)).toEqual([255, 255, 255, 255]);
		expect(px(rgba, 5, 0, 0)).toEqual([0, 0, 0, 255]);
		expect(px(rgba, 5, 4, 4)).toEqual([255, 255, 255, 255]);
		expect(px(rgba, 5, 4, 0)).toEqual([100, 100, 100, 255]);
		// Two channels show as red and green.
		const two: Raster = { width: 1, height: 2, channels: 2, dtype: 'uint16', data: Uint16Array.from([0, 1000, 500, 0]) };
		expect(Array.from(renderOverlay(two, labelsFromRows(['.', '.'])))).toEqual([0, 255, 0, 255, 255, 0, 0, 255]);
	});

	it('round-trips losslessly through UPNG and our PNG reader, with provenance text and pixel size', () => {
		const labels = awkwardLabels(5, 61, 37);
		const r = rng(3);
		const image: Raster = { width: 61, height: 37, channels: 3, dtype: 'uint8', data: Uint8Array.from({ length: 3 * 61 * 37 }, () => Math.floor(r() * 256)) };
		const png = writeOverlayPng(image, labels, { provenance });
		const expected = renderOverlay(image, labels);
		const u = upngRgba(png);
		expect([u.w, u.h]).toEqual([61, 37]);
		expect(u.rgba.length).toBe(expected.length);
		expect(byteDiffs(u.rgba, expected)).toBe(0);
		const iTXt = u.tabs.iTXt as Record<string, string>;
		expect(iTXt.Software).toBe('Mycol 0.1.0');
		expect(iTXt.Description).toMatch(/segmented in Mycol 0\.1\.0 with the model "cyto3".* 0\.65 µm \(entered by the user\)\. 1 manual edit was made/);
		expect(parseProvenanceJson(iTXt['mycol:provenance'])).toMatchObject({ model_sha256: 'f'.repeat(64), manual_edits: 1 });
		const mine = readPng('o.png', png);
		expect(mine.raster.channels).toBe(4);
		const n = 61 * 37;
		const planar = new Uint8Array(4 * n);
		for (let i = 0; i < n; i++) for (let c = 0; c < 4; c++) planar[c * n + i] = expected[4 * i + c];
		expect(byteDiffs(mine.raster.data, planar)).toBe(0);
		expect(mine.pixelSizeUm).toBeCloseTo(0.65, 6);
	});

	it('draws the real demo image and masks losslessly', () => {
		const image = sharedTiff('data/mycol_demo_fungal/images/demo01.tif');
		const labels = sharedMaskTiff('data/mycol_demo_fungal/masks/demo01_masks.tif');
		const png = writeOverlayPng(image, labels, { provenance });
		const rgba = renderOverlay(image, labels);
		expect(upngRgba(png).rgba.length).toBe(rgba.length);
		expect(byteDiffs(upngRgba(png).rgba, rgba)).toBe(0);
		// Background pixels keep the (min–max scaled) image: count them against the mask.
		let same = 0;
		let bg = 0;
		for (let i = 0; i < labels.data.length; i++) {
			if (labels.data[i] !== 0) continue;
			bg++;
			if (rgba[4 * i] === rgba[4 * i + 1] && rgba[4 * i + 1] === rgba[4 * i + 2]) same++;
		}
		expect(same).toBe(bg); // grey image → grey background
	});

	it('refuses mismatched sizes and bad options with a sentence', () => {
		const image: Raster = { width: 2, height: 2, channels: 1, dtype: 'uint8', data: new Uint8Array(4) };
		expect(() => renderOverlay(image, labelsFromRows(['1']))).toThrow(/the image is 2 × 2 but the mask 1 × 1/);
		expect(() => renderOverlay(null, labelsFromRows(['1']), { fillOpacity: 2 })).toThrow(/fill opacity 2 is not between 0 and 1/);
		expect(() => encodeRgbaPng(new Uint8Array(3), 1, 1)).toThrow(/3 bytes are not 1 × 1 RGBA pixels/);
	});
});
