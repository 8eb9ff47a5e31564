/**
 * Test helpers for label grids written out as text: one character per pixel, '0'–'9' then 'a'–'z'
 * for ids 10–35, '.' also background. Plus independent checks used by several label tests.
 */
import { expect } from 'vitest';
import type { Labels } from '../../../src/lib/core/raster/types';
import type { Edit } from '../../../src/lib/core/labels/edit';

export function grid(text: string): Labels {
	const rows = text
		.trim()
		.split('\n')
		.map((r) => r.trim());
	const height = rows.length;
	const width = rows[0].length;
	const data = new Uint32Array(width * height);
	rows.forEach((r, y) => {
		if (r.length !== width) throw new Error(`row ${y} has ${r.length} characters, not ${width}`);
		for (let x = 0; x < width; x++) {
			const ch = r[x];
			data[y * width + x] = ch === '.' ? 0 : parseInt(ch, 36);
		}
	});
	return { width, height, data };
}

export function show(l: Labels): string {
	const rows: string[] = [];
	for (let y = 0; y < l.height; y++) {
		let s = '';
		for (let x = 0; x < l.width; x++) s += l.data[y * l.width + x].toString(36);
		rows.push(s);
	}
	return rows.join('\n');
}

/** The grid text normalised like `show` prints it ('.' → '0'). */
export function norm(text: string): string {
	return text
		.trim()
		.split('\n')
		.map((r) => r.trim().replace(/\./g, '0'))
		.join('\n');
}

export function copyLabels(l: Labels): Labels {
	return { width: l.width, height: l.height, data: l.data.slice() };
}

/** Apply an edit to a copy (through the same applyEdit the app uses), checking its contract on the way. */
export function applied(l: Labels, e: Edit, applyEdit: (l: Labels, e: Edit) => void): Labels {
	checkEditContract(l, e);
	const c = copyLabels(l);
	applyEdit(c, e);
	return c;
}

/**
 * The edit's contract, checked independently: patch sizes equal the rect, the rect lies in the
 * image, `before` is the image's content there.
 */
export function checkEditContract(l: Labels, e: Edit): void {
	const { x0, y0, x1, y1 } = e.rect;
	const n = x1 > x0 && y1 > y0 ? (x1 - x0) * (y1 - y0) : 0;
	expect(e.before.length).toBe(n);
	expect(e.after.length).toBe(n);
	if (n === 0) return;
	expect(x0 >= 0 && y0 >= 0 && x1 <= l.width && y1 <= l.height).toBe(true);
	for (let y = y0, k = 0; y < y1; y++) for (let x = x0; x < x1; x++, k++) if (e.before[k] !== l.data[y * l.width + x]) throw new Error(`before[${k}] differs from the image at (${x}, ${y})`);
}

/** Pixels that differ between two images, as "x,y" strings, and whether they all lie in the rect. */
export function changedOutside(a: Labels, b: Labels, rect: Edit['rect']): string[] {
	const out: string[] = [];
	for (let y = 0; y < a.height; y++) {
		for (let x = 0; x < a.width; x++) {
			const i = y * a.width + x;
			const inside = x >= rect.x0 && x < rect.x1 && y >= rect.y0 && y < rect.y1;
			if (!inside && a.data[i] !== b.data[i]) out.push(`${x},${y}`);
		}
	}
	return out;
}

/**
 * Number of 4-connected pieces of every id (a plain BFS written for the tests, independent of
 * src/lib/core/labels/components.ts).
 */
export function piecesPerId(l: Labels): Map<number, number> {
	const { width: W, height: H, data } = l;
	const seen = new Uint8Array(W * H);
	const out = new Map<number, number>();
	for (let s = 0; s < W * H; s++) {
		const v = data[s];
		if (v === 0 || seen[s]) continue;
		out.set(v, (out.get(v) ?? 0) + 1);
		const queue = [s];
		seen[s] = 1;
		while (queue.length) {
			const i = queue.pop()!;
			const x = i % W;
			const y = (i - x) / W;
			for (const [nx, ny] of [
				[x - 1, y],
				[x + 1, y],
				[x, y - 1],
				[x, y + 1]
			]) {
				if (nx < 0 || ny < 0 || nx >= W || ny >= H) continue;
				const j = ny * W + nx;
				if (!seen[j] && data[j] === v) {
					seen[j] = 1;
					queue.push(j);
				}
			}
		}
	}
	return out;
}

/** Pixel count per id. */
export function areas(l: Labels): Map<number, number> {
	const m = new Map<number, number>();
	for (const v of l.data) if (v !== 0) m.set(v, (m.get(v) ?? 0) + 1);
	return m;
}

/** A seeded PRNG (LCG) for test images. */
export function lcg(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		return s / 4294967296;
	};
}

/** Random discs on a W × H image, ids 1..n (later discs overwrite earlier ones). */
export function randomDiscs(W: number, H: number, n: number, seed: number, rMin = 3, rMax = 8): Labels {
	const rand = lcg(seed);
	const data = new Uint32Array(W * H);
	for (let id = 1; id <= n; id++) {
		const r = rMin + rand() * (rMax - rMin);
		const cx = rand() * W;
		const cy = rand() * H;
		for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(H, Math.ceil(cy + r)); y++) {
			for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(W, Math.ceil(cx + r)); x++) {
				if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) data[y * W + x] = id;
			}
		}
	}
	return { width: W, height: H, data };
}
