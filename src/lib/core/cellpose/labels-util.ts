/**
 * Small label-image helpers used by the Cellpose dynamics and flows code. They follow the
 * semantics of the Python helpers Cellpose 3.1 calls (`fastremap.renumber`, `scipy.ndimage.find_objects`,
 * `scipy.ndimage.binary_fill_holes`), which is why they live here rather than in a general labels module.
 */

/** Integer label arrays accepted as input (row-major H×W, 0 = background). */
export type LabelArray = Uint8Array | Uint16Array | Uint32Array | Int32Array;

/**
 * Relabel in place to 1..K in order of first appearance in a row-major scan, keeping 0, as
 * `fastremap.renumber(masks, in_place=True)` (preserve_zero) does. Returns K.
 */
export function renumberByFirstAppearance(masks: Uint32Array): number {
	let maxLabel = 0;
	for (let i = 0; i < masks.length; i++) if (masks[i] > maxLabel) maxLabel = masks[i];
	if (maxLabel === 0) return 0;
	const remap = new Uint32Array(maxLabel + 1);
	let next = 0;
	for (let i = 0; i < masks.length; i++) {
		const v = masks[i];
		if (v === 0) continue;
		let r = remap[v];
		if (r === 0) {
			r = ++next;
			remap[v] = r;
		}
		masks[i] = r;
	}
	return next;
}

/** Largest label value. */
export function maxLabelOf(masks: LabelArray): number {
	let m = 0;
	for (let i = 0; i < masks.length; i++) if (masks[i] > m) m = masks[i];
	return m;
}

/**
 * The pixels of every label, grouped by label (a counting sort), each group in row-major order,
 * plus the bounding box of each label (like `scipy.ndimage.find_objects`).
 * Label l's pixels are `pixels[start[l] .. start[l+1])` (flat indices y·W + x); its box is
 * rows `box[4l] .. box[4l+1]` and columns `box[4l+2] .. box[4l+3]` (inclusive), or `box[4l] = -1`
 * when l is absent.
 */
export interface LabelGroups {
	maxLabel: number;
	start: Int32Array;
	pixels: Int32Array;
	box: Int32Array;
}

export function groupPixelsByLabel(masks: LabelArray, height: number, width: number): LabelGroups {
	const { maxLabel, box, count } = labelBoxes(masks, height, width);
	const start = new Int32Array(maxLabel + 2);
	for (let l = 1; l <= maxLabel; l++) start[l + 1] = start[l] + count[l];
	const fillPos = start.slice(0, maxLabel + 1);
	const pixels = new Int32Array(start[maxLabel + 1]);
	for (let i = 0; i < masks.length; i++) {
		const l = masks[i];
		if (l !== 0) pixels[fillPos[l]++] = i;
	}
	return { maxLabel, start, pixels, box };
}

/**
 * Bounding boxes (as in `LabelGroups.box`) and pixel counts of every label 1..max, like
 * `scipy.ndimage.find_objects`.
 */
export function labelBoxes(
	masks: LabelArray,
	height: number,
	width: number
): { maxLabel: number; box: Int32Array; count: Int32Array } {
	const maxLabel = maxLabelOf(masks);
	const count = new Int32Array(maxLabel + 1);
	const box = new Int32Array(4 * (maxLabel + 1)).fill(-1);
	for (let y = 0, i = 0; y < height; y++) {
		for (let x = 0; x < width; x++, i++) {
			const l = masks[i];
			if (l === 0) continue;
			count[l]++;
			const b = 4 * l;
			if (box[b] < 0) {
				box[b] = y;
				box[b + 2] = x;
				box[b + 3] = x;
			}
			box[b + 1] = y;
			if (x < box[b + 2]) box[b + 2] = x;
			if (x > box[b + 3]) box[b + 3] = x;
		}
	}
	return { maxLabel, box, count };
}

/**
 * Fill the holes of a binary crop in place (1 = object), as `scipy.ndimage.binary_fill_holes`
 * with its default 4-connected structure: background pixels not 4-connected to the crop border
 * become 1. `stack` must hold at least `h·w` entries.
 */
export function fillHolesBinary(crop: Uint8Array, h: number, w: number, stack: Int32Array): void {
	// Mark border-connected background as 2, then everything that is not 2 is object.
	let top = 0;
	const seed = (i: number) => {
		if (crop[i] === 0) {
			crop[i] = 2;
			stack[top++] = i;
		}
	};
	for (let x = 0; x < w; x++) {
		seed(x);
		seed((h - 1) * w + x);
	}
	for (let y = 0; y < h; y++) {
		seed(y * w);
		seed(y * w + w - 1);
	}
	while (top > 0) {
		const i = stack[--top];
		const y = (i / w) | 0;
		const x = i - y * w;
		if (y > 0 && crop[i - w] === 0) {
			crop[i - w] = 2;
			stack[top++] = i - w;
		}
		if (y < h - 1 && crop[i + w] === 0) {
			crop[i + w] = 2;
			stack[top++] = i + w;
		}
		if (x > 0 && crop[i - 1] === 0) {
			crop[i - 1] = 2;
			stack[top++] = i - 1;
		}
		if (x < w - 1 && crop[i + 1] === 0) {
			crop[i + 1] = 2;
			stack[top++] = i + 1;
		}
	}
	const n = h * w;
	for (let i = 0; i < n; i++) crop[i] = crop[i] === 2 ? 0 : 1;
}
