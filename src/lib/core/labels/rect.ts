/**
 * Axis-aligned pixel rectangles and points in image coordinates.
 *
 * Coordinates: pixel (x, y) is the unit square [x, x+1) × [y, y+1), its centre (x + 0.5, y + 0.5);
 * the same convention as the polygon tracer in `contours.ts`. A `Rect` counts whole pixels with an
 * exclusive maximum, so its width is `x1 − x0` and an empty rect has `x1 ≤ x0` or `y1 ≤ y0`.
 */

/** A point in continuous image coordinates (pixel (x, y) spans [x, x+1) × [y, y+1)). */
export interface Point {
	x: number;
	y: number;
}

/** Pixels x0 ≤ x < x1, y0 ≤ y < y1 (integers). */
export interface Rect {
	readonly x0: number;
	readonly y0: number;
	readonly x1: number;
	readonly y1: number;
}

export const EMPTY_RECT: Rect = Object.freeze({ x0: 0, y0: 0, x1: 0, y1: 0 });

export function makeRect(x0: number, y0: number, x1: number, y1: number): Rect {
	return { x0, y0, x1, y1 };
}

export function isEmptyRect(r: Rect): boolean {
	return r.x1 <= r.x0 || r.y1 <= r.y0;
}

export function rectWidth(r: Rect): number {
	return Math.max(0, r.x1 - r.x0);
}

export function rectHeight(r: Rect): number {
	return Math.max(0, r.y1 - r.y0);
}

/** Number of pixels in the rect (0 when empty). */
export function rectArea(r: Rect): number {
	return rectWidth(r) * rectHeight(r);
}

/** The whole image. */
export function fullRect(width: number, height: number): Rect {
	return { x0: 0, y0: 0, x1: width, y1: height };
}

/** The smallest rect holding both; an empty rect adds nothing. */
export function unionRect(a: Rect, b: Rect): Rect {
	if (isEmptyRect(a)) return isEmptyRect(b) ? EMPTY_RECT : b;
	if (isEmptyRect(b)) return a;
	return {
		x0: Math.min(a.x0, b.x0),
		y0: Math.min(a.y0, b.y0),
		x1: Math.max(a.x1, b.x1),
		y1: Math.max(a.y1, b.y1)
	};
}

/** The pixels in both; `EMPTY_RECT` when they do not overlap. */
export function intersectRect(a: Rect, b: Rect): Rect {
	const r = {
		x0: Math.max(a.x0, b.x0),
		y0: Math.max(a.y0, b.y0),
		x1: Math.min(a.x1, b.x1),
		y1: Math.min(a.y1, b.y1)
	};
	return isEmptyRect(r) ? EMPTY_RECT : r;
}

/** The part of `r` inside a `width × height` image. */
export function clipRect(r: Rect, width: number, height: number): Rect {
	return intersectRect(r, fullRect(width, height));
}

/** `r` grown by `m` pixels on every side (not clipped). */
export function expandRect(r: Rect, m: number): Rect {
	return { x0: r.x0 - m, y0: r.y0 - m, x1: r.x1 + m, y1: r.y1 + m };
}

/** Whether pixel (x, y) (integers) lies in `r`. */
export function rectContains(r: Rect, x: number, y: number): boolean {
	return x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1;
}

/** Whether every pixel of `inner` lies in `outer` (an empty rect lies in anything). */
export function rectContainsRect(outer: Rect, inner: Rect): boolean {
	if (isEmptyRect(inner)) return true;
	return inner.x0 >= outer.x0 && inner.y0 >= outer.y0 && inner.x1 <= outer.x1 && inner.y1 <= outer.y1;
}

export function rectsEqual(a: Rect, b: Rect): boolean {
	if (isEmptyRect(a) && isEmptyRect(b)) return true;
	return a.x0 === b.x0 && a.y0 === b.y0 && a.x1 === b.x1 && a.y1 === b.y1;
}

/**
 * The pixels whose centres lie within `r` of some point of the given continuous-coordinate
 * bounds, i.e. the pixel box of [minX − r, maxX + r] × [minY − r, maxY + r] (not clipped).
 */
export function pixelBoundsOf(minX: number, minY: number, maxX: number, maxY: number, r = 0): Rect {
	// Pixel x has its centre at x + 0.5; it is in [a, b] when ceil(a − 0.5) ≤ x ≤ floor(b − 0.5).
	return {
		x0: Math.ceil(minX - r - 0.5),
		y0: Math.ceil(minY - r - 0.5),
		x1: Math.floor(maxX + r - 0.5) + 1,
		y1: Math.floor(maxY + r - 0.5) + 1
	};
}
