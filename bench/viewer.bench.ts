/**
 * Viewer frame time on a 4096 × 4096 16-bit image with ~40,000 labelled cells: one full redraw of
 * a 1600 × 1000 canvas (the work of one pan or zoom frame) at fit, 1:1 and 8× zoom, with and without
 * the overlay, and a contrast change (lookup table rebuilt); and the frame of one edit as the
 * Annotate page draws it: a brush dab (paint + apply) and the redraw of the canvas pixels its dirty
 * rect covers, at fit and 1:1. Run: `npx tsx bench/viewer.bench.ts`.
 * Prints one JSON object. Target: well under 16 ms per frame.
 */
import { ViewRenderer, canvasRectOf, type DisplaySettings } from '../src/lib/ui/viewer/render';
import { applyEdit, paintStroke, revertEdit } from '../src/lib/core/labels/index';
import { fitView, type View } from '../src/lib/ui/viewer/view';
import type { Raster } from '../src/lib/core/raster/types';

const W = 4096;
const H = 4096;
const data = new Uint16Array(W * H);
const labels = new Uint32Array(W * H);
let s = 1;
for (let y = 0; y < H; y++) {
	for (let x = 0; x < W; x++) {
		s = (Math.imul(s, 1103515245) + 12345) >>> 0;
		const cell = (y >> 5) * 128 + (x >> 5) + 1; // 32 px cells, with a 4 px gap
		const inside = (y & 31) > 3 && (x & 31) > 3;
		labels[y * W + x] = inside ? cell : 0;
		data[y * W + x] = (inside ? 3000 : 400) + (s >>> 20);
	}
}
const raster: Raster = { width: W, height: H, channels: 1, dtype: 'uint16', data };
const cw = 1600;
const ch = 1000;
const out = new Uint32Array(cw * ch);
const renderer = new ViewRenderer();
const display = (overlay: boolean, min = 400, max = 7000): DisplaySettings => ({
	channels: [{ visible: true, min, max, colour: [255, 255, 255] }],
	showImage: true,
	overlay,
	fillOpacity: 0.35,
	outlines: true
});

function frameMs(view: View, settings: DisplaySettings, runs = 15): { median: number; p95: number } {
	renderer.render(out, cw, ch, raster, labels, view, settings);
	const t: number[] = [];
	for (let i = 0; i < runs; i++) {
		const t0 = performance.now();
		renderer.render(out, cw, ch, raster, labels, { ...view, x: view.x - i }, settings);
		t.push(performance.now() - t0);
	}
	t.sort((a, b) => a - b);
	return { median: +t[t.length >> 1].toFixed(2), p95: +t[Math.floor(t.length * 0.95)].toFixed(2) };
}

/** One brush dab (radius 6) into a cell near the view's centre, then the clipped redraw; p50/p95 over `runs`. */
function editFrameMs(view: View, runs = 200): { p50: number; p95: number } {
	const lab = { width: W, height: H, data: labels };
	renderer.render(out, cw, ch, raster, labels, view, display(true));
	const t: number[] = [];
	for (let i = 0; i < runs; i++) {
		const cx = Math.floor((cw / 2 - view.x) / view.scale / 32) * 32 + 16 + (i % 7) * 32;
		const cy = Math.floor((ch / 2 - view.y) / view.scale / 32) * 32 + 16 + ((i >> 3) % 5) * 32;
		const id = labels[cy * W + cx];
		const t0 = performance.now();
		const e = paintStroke(lab, [{ x: cx + 12, y: cy }], 6, id, { nextId: 1 << 20 });
		applyEdit(lab, e);
		const c = canvasRectOf(e.rect, view, cw, ch);
		renderer.render(out, cw, ch, raster, labels, view, display(true), c);
		t.push(performance.now() - t0);
		revertEdit(lab, e);
	}
	t.sort((a, b) => a - b);
	return { p50: +t[t.length >> 1].toFixed(3), p95: +t[Math.floor(t.length * 0.95)].toFixed(3) };
}

const fit = fitView(W, H, cw, ch);
let contrast = 0;
const t0 = performance.now();
for (let i = 0; i < 10; i++) renderer.render(out, cw, ch, raster, labels, fit, display(true, 400 + ++contrast, 7000));
const contrastMs = (performance.now() - t0) / 10;

console.log(
	JSON.stringify({
		benchmark: 'viewer',
		image: '4096x4096 uint16, 16384 cells',
		canvas: `${cw}x${ch}`,
		frameMs: {
			fitOverlay: frameMs(fit, display(true)),
			fitNoOverlay: frameMs(fit, display(false)),
			oneToOneOverlay: frameMs({ scale: 1, x: -1000, y: -1000 }, display(true)),
			zoom8Overlay: frameMs({ scale: 8, x: -10000, y: -10000 }, display(true))
		},
		contrastChangeFrameMs: +contrastMs.toFixed(2),
		editFrameMs: { fit: editFrameMs(fit), oneToOne: editFrameMs({ scale: 1, x: -1000, y: -1000 }) }
	})
);
