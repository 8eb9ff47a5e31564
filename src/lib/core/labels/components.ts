/**
 * Connected components of a binary mask or of one cell id inside a rectangle. Components are
 * numbered 1..count in the raster order of their first pixel, as `scipy.ndimage.label` numbers
 * them; 4-connectivity is scipy's default structure (and the one every label tool here uses: a
 * "piece" of a cell is a 4-connected component), 8-connectivity is `np.ones((3, 3))`.
 */
import type { Labels } from '../raster/types';
import { clipRect, type Rect } from './rect';

export type Connectivity = 4 | 8;

export interface Components {
	width: number;
	height: number;
	/** Number of components. */
	count: number;
	/** Per pixel: 0 outside the mask, else the component number 1..count. */
	comp: Int32Array;
	/** Pixel count per component; index 0 is unused (0). */
	sizes: Int32Array;
}

/**
 * Label the set pixels (non-zero) of a `width × height` mask, numbered as `scipy.ndimage.label`
 * numbers them (raster order of each component's first pixel).
 */
export function labelMask(mask: ArrayLike<number>, width: number, height: number, connectivity: Connectivity = 4): Components {
	const n = width * height;
	if (mask.length !== n) throw new RangeError(`labelMask: ${mask.length} values for a ${width} × ${height} mask`);
	const comp = new Int32Array(n);
	const stack = new Int32Array(n);
	const sizesList: number[] = [0];
	let count = 0;
	for (let start = 0; start < n; start++) {
		if (!mask[start] || comp[start] !== 0) continue;
		const c = ++count;
		comp[start] = c;
		let top = 0;
		stack[top++] = start;
		let size = 0;
		while (top > 0) {
			const i = stack[--top];
			size++;
			const y = (i / width) | 0;
			const x = i - y * width;
			const up = y > 0;
			const down = y < height - 1;
			const left = x > 0;
			const right = x < width - 1;
			if (up && mask[i - width] && comp[i - width] === 0) (comp[i - width] = c), (stack[top++] = i - width);
			if (down && mask[i + width] && comp[i + width] === 0) (comp[i + width] = c), (stack[top++] = i + width);
			if (left && mask[i - 1] && comp[i - 1] === 0) (comp[i - 1] = c), (stack[top++] = i - 1);
			if (right && mask[i + 1] && comp[i + 1] === 0) (comp[i + 1] = c), (stack[top++] = i + 1);
			if (connectivity === 8) {
				if (up && left && mask[i - width - 1] && comp[i - width - 1] === 0) (comp[i - width - 1] = c), (stack[top++] = i - width - 1);
				if (up && right && mask[i - width + 1] && comp[i - width + 1] === 0) (comp[i - width + 1] = c), (stack[top++] = i - width + 1);
				if (down && left && mask[i + width - 1] && comp[i + width - 1] === 0) (comp[i + width - 1] = c), (stack[top++] = i + width - 1);
				if (down && right && mask[i + width + 1] && comp[i + width + 1] === 0) (comp[i + width + 1] = c), (stack[top++] = i + width + 1);
			}
		}
		sizesList.push(size);
	}
	return { width, height, count, comp, sizes: Int32Array.from(sizesList) };
}

/** Components of the pixels of `id` inside `rect` (clipped to the image); `comp` covers the clipped rect. */
export function componentsOf(
	labels: Labels,
	id: number,
	rect: Rect,
	connectivity: Connectivity = 4
): Components & { rect: Rect } {
	const r = clipRect(rect, labels.width, labels.height);
	const w = r.x1 - r.x0;
	const h = r.y1 - r.y0;
	const mask = new Uint8Array(Math.max(0, w * h));
	const W = labels.width;
	const d = labels.data;
	for (let y = 0, k = 0; y < h; y++) {
		let i = (r.y0 + y) * W + r.x0;
		for (let x = 0; x < w; x++, k++, i++) mask[k] = d[i] === id ? 1 : 0;
	}
	return { ...labelMask(mask, Math.max(0, w), Math.max(0, h), connectivity), rect: r };
}

/** The number of the largest component (the first in raster order on a tie), or 0 when there is none. */
export function largestComponent(c: Components): number {
	let best = 0;
	for (let k = 1; k <= c.count; k++) if (c.sizes[k] > c.sizes[best]) best = k;
	return best;
}

/**
 * Keep only the largest component of a binary mask, in place (ties: the first in raster order),
 * as Mycol's `integrate_new_mask` does with `scipy.ndimage.label`. Returns the pixels kept.
 */
export function keepLargestComponent(mask: Uint8Array, width: number, height: number, connectivity: Connectivity = 4): number {
	const c = labelMask(mask, width, height, connectivity);
	const keep = largestComponent(c);
	for (let i = 0; i < mask.length; i++) mask[i] = keep !== 0 && c.comp[i] === keep ? 1 : 0;
	return keep === 0 ? 0 : c.sizes[keep];
}
