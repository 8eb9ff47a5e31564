import { describe, expect, it } from 'vitest';
import { fitView, imagePoint, zoomAt, actualSizeView } from '../../../src/lib/ui/viewer/view';
import { ViewRenderer, pixelInfo, type DisplaySettings } from '../../../src/lib/ui/viewer/render';
import type { Raster } from '../../../src/lib/core/raster/types';

describe('viewer camera', () => {
	it('fits and centres the image', () => {
		const v = fitView(400, 200, 800, 800);
		expect(v.scale).toBe(2);
		expect(v.x).toBe(0);
		expect(v.y).toBe(200);
	});

	it('zooms around a point, keeping that image point fixed', () => {
		const v = { scale: 1.5, x: 10, y: -20 };
		const before = { col: (300 - v.x) / v.scale, row: (200 - v.y) / v.scale };
		const z = zoomAt(v, 3, 300, 200);
		expect(z.scale).toBeCloseTo(4.5, 12);
		expect((300 - z.x) / z.scale).toBeCloseTo(before.col, 9);
		expect((200 - z.y) / z.scale).toBeCloseTo(before.row, 9);
		expect(actualSizeView(z, 600, 400).scale).toBeCloseTo(1, 12);
		expect(imagePoint({ scale: 2, x: 0, y: 0 }, 5, 3)).toEqual({ col: 2, row: 1 });
	});
});

describe('viewer rendering', () => {
	const raster: Raster = { width: 4, height: 2, channels: 1, dtype: 'uint16', data: new Uint16Array([0, 100, 200, 300, 400, 500, 600, 700]) };
	const settings = (over: Partial<DisplaySettings> = {}): DisplaySettings => ({
		channels: [{ visible: true, min: 100, max: 500, colour: [255, 255, 255] }],
		showImage: true,
		overlay: false,
		fillOpacity: 0.5,
		outlines: false,
		...over
	});
	const rgba = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255];

	it('maps values through the contrast range at 1:1', () => {
		const out = new Uint32Array(8);
		new ViewRenderer().render(out, 4, 2, raster, null, { scale: 1, x: 0, y: 0 }, settings());
		// (v - 100) / 400 * 255, clamped, rounded: 0 -> 0, 100 -> 0, 200 -> 64, 300 -> 128, >= 500 -> 255
		expect(Array.from(out).map((v) => rgba(v)[0])).toEqual([0, 0, 64, 128, 191, 255, 255, 255]);
	});

	it('samples nearest pixels when zoomed and paints the background outside', () => {
		const out = new Uint32Array(6 * 2);
		new ViewRenderer().render(out, 6, 2, raster, null, { scale: 2, x: 0, y: 0 }, settings());
		const row0 = Array.from(out.subarray(0, 6)).map((v) => rgba(v)[0]);
		expect(row0).toEqual([0, 0, 0, 0, 64, 64]);
		const shifted = new Uint32Array(4);
		new ViewRenderer().render(shifted, 4, 1, raster, null, { scale: 1, x: 2, y: 0 }, settings());
		expect(rgba(shifted[0])).toEqual([16, 21, 27]);
	});

	it('draws cell fill and outlines only where cells are', () => {
		const labels = new Uint32Array([0, 1, 1, 0, 0, 1, 1, 0]);
		const out = new Uint32Array(8);
		new ViewRenderer().render(out, 4, 2, raster, labels, { scale: 1, x: 0, y: 0 }, settings({ overlay: true, outlines: true }));
		// Every pixel of this 2×2 cell touches the outside: all outlined white; background untouched.
		expect(rgba(out[1])).toEqual([255, 255, 255]);
		expect(rgba(out[0])).toEqual([0, 0, 0]);
		expect(pixelInfo(raster, labels, 2, 1)).toEqual({ col: 2, row: 1, values: [600], cell: 1 });
		expect(pixelInfo(raster, labels, 4, 0)).toBeNull();
	});
});
