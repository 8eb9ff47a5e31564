/**
 * Lasso / polygon: fill a closed polygon and add it as a new cell.
 *
 * Fill rule: even-odd, a pixel is inside when its centre (x + 0.5, y + 0.5) is (the rule of PIL's
 * `ImageDraw.polygon`, which Mycol's lasso uses, and of `skimage.draw.polygon`). Centres exactly on
 * an edge follow the half-open scanline convention: an edge counts for a row when one end is at or
 * above the row's centre line and the other below it, and a span [a, b) includes a centre at a but
 * not at b. Mycol fills at display resolution and nearest-resizes; here the polygon is filled at
 * full image resolution directly.
 *
 * The new cell is placed by `placeNewCell`: id max + 1, background-only keeps existing cells, and
 * only the largest connected piece is kept.
 */
import { ParamError } from '../formats/errors';
import type { Labels } from '../raster/types';
import { emptyEdit, type Edit } from './edit';
import { placeNewCell, type NewCellOptions } from './new-cell';
import { clipRect, isEmptyRect, pixelBoundsOf, type Point, type Rect } from './rect';

function checkPolygon(points: readonly Point[]): void {
	if (points.length < 3) throw new ParamError(undefined, `a lasso needs at least 3 points, but this one has ${points.length}`);
	for (const p of points) {
		if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new ParamError(undefined, `a lasso point (${p.x}, ${p.y}) is not a finite position`);
	}
}

/** The pixels inside the polygon (even-odd, pixel centres), clipped to the image, and their rect. */
export function polygonMask(points: readonly Point[], width: number, height: number): { rect: Rect; mask: Uint8Array } {
	checkPolygon(points);
	const n = points.length;
	const xs = new Float64Array(n);
	const ys = new Float64Array(n);
	let minX = Infinity;
	let minY = Infinity;
	let maxX = -Infinity;
	let maxY = -Infinity;
	for (let k = 0; k < n; k++) {
		xs[k] = points[k].x;
		ys[k] = points[k].y;
		minX = Math.min(minX, xs[k]);
		maxX = Math.max(maxX, xs[k]);
		minY = Math.min(minY, ys[k]);
		maxY = Math.max(maxY, ys[k]);
	}
	const rect = clipRect(pixelBoundsOf(minX, minY, maxX, maxY), width, height);
	if (isEmptyRect(rect)) return { rect, mask: new Uint8Array(0) };
	const w = rect.x1 - rect.x0;
	const mask = new Uint8Array(w * (rect.y1 - rect.y0));
	// Edges sorted by their top, so each row only looks at edges that can reach it.
	const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => Math.min(ys[a], ys[(a + 1) % n]) - Math.min(ys[b], ys[(b + 1) % n]));
	const active: number[] = [];
	const cross = new Float64Array(n);
	let next = 0;
	for (let y = rect.y0; y < rect.y1; y++) {
		const yc = y + 0.5;
		while (next < n && Math.min(ys[order[next]], ys[(order[next] + 1) % n]) <= yc) active.push(order[next++]);
		let m = 0;
		for (let a = 0; a < active.length; a++) {
			const e = active[a];
			const ya = ys[e];
			const yb = ys[(e + 1) % n];
			if (Math.max(ya, yb) < yc) {
				// Entirely above this row and every later one: drop it.
				active[a] = active[active.length - 1];
				active.pop();
				a--;
				continue;
			}
			if (ya <= yc !== yb <= yc) {
				const xa = xs[e];
				const xb = xs[(e + 1) % n];
				const x = xa + ((yc - ya) * (xb - xa)) / (yb - ya);
				// Insertion sort: a row crosses few edges.
				let j = m++;
				while (j > 0 && cross[j - 1] > x) {
					cross[j] = cross[j - 1];
					j--;
				}
				cross[j] = x;
			}
		}
		const row = (y - rect.y0) * w;
		for (let p = 0; p + 1 < m; p += 2) {
			const xa = Math.max(rect.x0, Math.ceil(cross[p] - 0.5));
			const xb = Math.min(rect.x1, Math.ceil(cross[p + 1] - 0.5));
			for (let x = xa; x < xb; x++) mask[row + x - rect.x0] = 1;
		}
	}
	return { rect, mask };
}

/**
 * The edit that adds the polygon as a new cell (see `placeNewCell`); an empty edit when no pixel
 * survives (a polygon off the image, or entirely on other cells under background-only).
 */
export function drawPolygonCell(labels: Labels, points: readonly Point[], opts: NewCellOptions = {}): Edit {
	const { rect, mask } = polygonMask(points, labels.width, labels.height);
	if (isEmptyRect(rect)) return emptyEdit();
	return placeNewCell(labels, mask, rect, opts);
}
