/**
 * Shared helpers for the export tests: label images from the shared fixtures, a deterministic
 * random label image with awkward shapes, running Debian's python3 and ImageJ on temp files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, type NpyArray } from '../../../src/lib/core/formats/npy';
import type { Labels, Raster } from '../../../src/lib/core/raster/types';
import { readTiff } from '../../../src/lib/core/formats/tiff';
import type { Ring } from '../../../src/lib/core/labels/contours';
import { sharedBytes, sharedPath } from '../shared';

/** Label fixtures with rings, holes, C shapes, 1-px lines and touching cells (Cellpose 3.1 / skimage). */
export const LABEL_FIXTURES = [
	'fixtures/cellpose-3.1/dynamics/lab0_labels.npy',
	'fixtures/cellpose-3.1/dynamics/lab1_labels.npy',
	'fixtures/cellpose-3.1/dynamics/lab2_labels.npy',
	'fixtures/cellpose-3.1/regionprops/rp0_labels.npy',
	'fixtures/cellpose-3.1/regionprops/rp1_labels.npy',
	'fixtures/cellpose-3.1/regionprops/rp2_labels.npy'
];

export function labelsFromNpy(rel: string): Labels {
	const a = readNpy(rel, sharedBytes(rel)) as NpyArray;
	const [height, width] = a.shape;
	return { width, height, data: Uint32Array.from(a.data as ArrayLike<number>) };
}

export { sharedPath };

/** Pixel count of every label (the independent reference for areas). */
export function pixelCounts(labels: Labels): Map<number, number> {
	const m = new Map<number, number>();
	for (const v of labels.data) if (v) m.set(v, (m.get(v) ?? 0) + 1);
	return m;
}

/** mulberry32: a small deterministic PRNG. */
export function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/**
 * A random label image full of awkward topology: speckled blobs (holes, pinches, diagonal-only
 * contacts, islands inside holes) with a few labels sharing pixels of several components.
 */
export function awkwardLabels(seed: number, width = 48, height = 40, ids = 12): Labels {
	const r = rng(seed);
	const data = new Uint32Array(width * height);
	for (let k = 0; k < ids * 3; k++) {
		const id = 1 + Math.floor(r() * ids);
		const cx = r() * width;
		const cy = r() * height;
		const rad = 2 + r() * 6;
		for (let y = 0; y < height; y++) {
			for (let x = 0; x < width; x++) {
				const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
				if (d < rad && r() < 0.8) data[y * width + x] = id;
			}
		}
	}
	return { width, height, data };
}

/** The hand-made tricky shapes, as rows of characters ('.' = 0, digits/letters = ids). */
export function labelsFromRows(rows: string[]): Labels {
	const height = rows.length;
	const width = rows[0].length;
	const data = new Uint32Array(width * height);
	rows.forEach((row, y) => {
		for (let x = 0; x < width; x++) {
			const ch = row[x];
			data[y * width + x] = ch === '.' ? 0 : parseInt(ch, 36);
		}
	});
	return { width, height, data };
}

/**
 * Rasterise rings by the even-odd rule at pixel centres (an independent scanline fill): the pixel
 * (x, y) is inside when a ray from (x + ½, y + ½) towards +x crosses an odd number of edges.
 */
export function rasterize(rings: readonly Ring[], width: number, height: number): Uint8Array {
	const out = new Uint8Array(width * height);
	for (let y = 0; y < height; y++) {
		const cy = y + 0.5;
		const xs: number[] = [];
		for (const r of rings) {
			const n = r.length / 2;
			for (let i = 0; i < n; i++) {
				const j = (i + 1) % n;
				const [x0, y0, x1, y1] = [r[2 * i], r[2 * i + 1], r[2 * j], r[2 * j + 1]];
				if (y0 === y1) continue;
				if ((y0 < cy) !== (y1 < cy)) xs.push(x0 + ((cy - y0) / (y1 - y0)) * (x1 - x0));
			}
		}
		xs.sort((a, b) => a - b);
		for (let k = 0; k + 1 < xs.length; k += 2) {
			for (let x = Math.max(0, Math.ceil(xs[k] - 0.5)); x < Math.min(width, xs[k + 1] - 0.5); x++) out[y * width + x] ^= 1;
		}
	}
	return out;
}

/** A fresh temp folder (under os.tmpdir, never ../shared) with a cleanup function. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
	const dir = mkdtempSync(join(tmpdir(), `mycol-${prefix}-`));
	return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run a Python script with Debian's python3; returns stdout. Fails (throws) when python3 is absent. */
export function python(script: string, args: string[], dir: string): string {
	const path = join(dir, 'check.py');
	writeFileSync(path, script);
	return execFileSync('/usr/bin/python3', [path, ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
}

/** Run an ImageJ macro headless (xvfb-run + Debian's ij.jar); returns stdout. Throws when absent. */
export function imagej(macro: string, arg: string, dir: string): string {
	const path = join(dir, 'check.ijm');
	writeFileSync(path, macro);
	return execFileSync('xvfb-run', ['-a', 'java', '-jar', '/usr/share/java/ij.jar', '-batch', path, arg], {
		encoding: 'utf8',
		timeout: 180_000,
		maxBuffer: 64 << 20,
		env: { ...process.env, HOME: dir }
	});
}

/** A TIFF from ../shared as a raster, read with the project's TIFF reader. */
export function sharedTiff(rel: string): Raster {
	return readTiff(rel, sharedBytes(rel)).raster;
}

/** A label mask TIFF from ../shared. */
export function sharedMaskTiff(rel: string): Labels {
	const r = sharedTiff(rel);
	return { width: r.width, height: r.height, data: Uint32Array.from(r.data as ArrayLike<number>) };
}

/** Positions where two byte arrays differ (fast, unlike deep equality on large typed arrays). */
export function byteDiffs(a: ArrayLike<number>, b: ArrayLike<number>): number {
	if (a.length !== b.length) return Math.max(a.length, b.length);
	let n = 0;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
	return n;
}
