/**
 * The viewer's camera: screen = image × scale + offset, in canvas (device) pixels.
 * Pure maths, so zoom and pan are tested without a browser.
 */
export interface View {
	scale: number;
	/** Canvas position of the image's top-left corner. */
	x: number;
	y: number;
}

export const MIN_SCALE = 1 / 64;
export const MAX_SCALE = 64;

/** The view that shows the whole image centred in the canvas. */
export function fitView(imageW: number, imageH: number, canvasW: number, canvasH: number): View {
	const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, Math.min(canvasW / imageW, canvasH / imageH)));
	return { scale, x: (canvasW - imageW * scale) / 2, y: (canvasH - imageH * scale) / 2 };
}

/** One image pixel per canvas pixel, keeping the image point under the canvas centre in place. */
export function actualSizeView(view: View, canvasW: number, canvasH: number): View {
	return zoomAt(view, 1 / view.scale, canvasW / 2, canvasH / 2);
}

/** Zoom by `factor` keeping the image point under canvas position (cx, cy) fixed. */
export function zoomAt(view: View, factor: number, cx: number, cy: number): View {
	const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, view.scale * factor));
	const k = scale / view.scale;
	return { scale, x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k };
}

export function panBy(view: View, dx: number, dy: number): View {
	return { scale: view.scale, x: view.x + dx, y: view.y + dy };
}

/** The image pixel (column, row) under a canvas position; may lie outside the image. */
export function imagePoint(view: View, cx: number, cy: number): { col: number; row: number } {
	return { col: Math.floor((cx - view.x) / view.scale), row: Math.floor((cy - view.y) / view.scale) };
}
