import { describe, expect, it } from 'vitest';
import { fitView, imagePoint, zoomAt, actualSizeView } from '../../../src/lib/ui/viewer/view';
import { ViewRenderer, canvasRectOf, pixelInfo, type DisplaySettings } from '../../../src/lib/ui/viewer/render';
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

describe('viewer redraw of an edit', () => {
	// 60 × 40 image of a gradient with a few square cells; an edit paints a new cell over two of them.
	const W = 60;
	const H = 40;
	const raster: Raster = { width: W, height: H, channels: 1, dtype: 'uint8', data: Uint8Array.from({ length: W * H }, (_, i) => (i * 7) % 256) };
	const display: DisplaySettings = { channels: [{ visible: true, min: 0, max: 255, colour: [255, 255, 255] }], showImage: true, overlay: true, fillOpacity: 0.4, outlines: true };
	function cells(): Uint32Array {
		const l = new Uint32Array(W * H);
		for (let k = 0; k < 6; k++) for (let y = 5; y < 15; y++) for (let x = 2 + k * 9; x < 9 + k * 9; x++) l[y * W + x] = k + 1;
		return l;
	}
	const rect = { x0: 10, y0: 8, x1: 25, y1: 20 };
	for (const view of [{ scale: 0.37, x: 3.2, y: 1.7 }, { scale: 1, x: 0, y: 0 }, { scale: 3.3, x: -17.4, y: -9.1 }]) {
		it(`at scale ${view.scale}, redrawing only the edit's canvas rect gives the full redraw's pixels`, () => {
			const cw = 150;
			const ch = 100;
			const labels = cells();
			const r = new ViewRenderer();
			const partial = new Uint32Array(cw * ch);
			r.render(partial, cw, ch, raster, labels, view, display);
			for (let y = rect.y0; y < rect.y1; y++) for (let x = rect.x0; x < rect.x1; x++) labels[y * W + x] = 9;
			const before = partial.slice();
			const c = canvasRectOf(rect, view, cw, ch);
			r.render(partial, cw, ch, raster, labels, view, display, c);
			const full = new Uint32Array(cw * ch);
			new ViewRenderer().render(full, cw, ch, raster, labels, view, display);
			expect(Array.from(partial)).toEqual(Array.from(full));
			// The clip really limited the work: pixels outside it were left as they were.
			let changedOutside = 0;
			for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) if ((x < c.x0 || x >= c.x1 || y < c.y0 || y >= c.y1) && before[y * cw + x] !== full[y * cw + x]) changedOutside++;
			expect(changedOutside).toBe(0);
			expect((c.x1 - c.x0) * (c.y1 - c.y0)).toBeLessThan(cw * ch);
		});
	}
});
