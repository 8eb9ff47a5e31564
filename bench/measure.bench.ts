/**
 * Benchmark of per-cell measurement: 10,000 disks on a 2000 × 2000 label image (a 100 × 100 grid
 * of 20 × 20 tiles, radius 6–9.5 px, jittered centres), with and without a uint16 intensity
 * channel. Run: `npx tsx bench/measure.bench.ts`. Prints one JSON object.
 */
import { measureCells, regionprops } from '../src/lib/core/measure/index';
import type { Labels, Raster } from '../src/lib/core/raster/types';

function makeImage(): { labels: Labels; intensity: Raster; cells: number } {
	const W = 2000;
	const H = 2000;
	const data = new Uint32Array(W * H);
	const pix = new Uint16Array(W * H);
	let seed = 12345;
	const rand = (): number => {
		seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
		return seed / 4294967296;
	};
	let id = 0;
	for (let ty = 0; ty < 100; ty++) {
		for (let tx = 0; tx < 100; tx++) {
			id++;
			const r = 6 + rand() * 3.5;
			const cy = ty * 20 + 10 + (rand() - 0.5) * 2;
			const cx = tx * 20 + 10 + (rand() - 0.5) * 2;
			for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
				for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
					if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) data[y * W + x] = id;
				}
			}
		}
	}
	for (let i = 0; i < pix.length; i++) pix[i] = (data[i] ? 1000 : 100) + Math.floor(rand() * 500);
	return {
		labels: { width: W, height: H, data },
		intensity: { width: W, height: H, channels: 1, dtype: 'uint16', data: pix },
		cells: id
	};
}

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[s.length >> 1];
}

function time(fn: () => unknown, runs: number): number {
	fn(); // warm-up (JIT)
	const t: number[] = [];
	for (let i = 0; i < runs; i++) {
		const t0 = performance.now();
		fn();
		t.push(performance.now() - t0);
	}
	return median(t);
}

const { labels, intensity, cells } = makeImage();
const labelled = labels.data.reduce((n, v) => n + (v ? 1 : 0), 0);
const count = regionprops(labels).count;
const runs = 7;
const result = {
	bench: 'measure',
	image: `${labels.width}x${labels.height}`,
	cells,
	measured: count,
	labelledPixels: labelled,
	runs,
	regionpropsMs: Number(time(() => regionprops(labels), runs).toFixed(1)),
	regionpropsWithIntensityMs: Number(time(() => regionprops(labels, intensity), runs).toFixed(1)),
	measureCellsWithIntensityUmMs: Number(time(() => measureCells(labels, { intensity, pixelSizeUm: 0.65 }), runs).toFixed(1)),
	node: process.version
};
console.log(JSON.stringify(result));
