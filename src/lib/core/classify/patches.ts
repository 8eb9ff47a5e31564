/**
 * One square RGB patch per cell, the input of the DenseNet classifier (spec B7), following the
 * original Mycol app's `generate_cell_patch` + `resize_with_aspect_ratio` (PyTorch port):
 * 1. the cell's bounding box [y0, y1) × [x0, x1) (optionally grown by a margin, clamped to the image);
 * 2. the crop, with every pixel outside the cell set to 0 (unless "keep context");
 * 3. grey → 3 identical channels, RGBA → RGB (a channel map picks any 3 channels);
 * 4. letterboxed to S × S (`letterbox.ts`: area averaging when shrinking, bilinear when enlarging);
 * 5. intensities, one of:
 *    - `'percentile'` (Mycol's default here): each image channel is first mapped to [0, 1] by its
 *      own 1st and 99th percentiles over the whole image (numpy's linear method, `raster/stats`),
 *      v' = clamp((v − p1) / (p99 − p1), 0, 1) — falling back to min/max when p99 ≤ p1, and to 0
 *      when the channel is constant — and the patch is cut from that, so every cell of an image
 *      shares one scale;
 *    - `'mycol'`, for checkpoints of the original app: the crop keeps the raw values (rounded after
 *      resizing for integer images, as OpenCV resizes integer arrays), then its `normalize_image`
 *      on the whole S × S × 3 patch (× 127.5 / mean in float32, clipped to 0–255, truncated to
 *      uint8; min/max scaling when the mean is ≤ 0) and its `patch_to_tensor`'s / 255. This is
 *      invariant to the image's scale, so Mycol's 8-bit conversion on upload does not matter;
 *      its resizing of every image to 512² does, and is not copied.
 * 6. optionally ImageNet standardisation, (x − mean) / std per channel over the whole patch
 *    (background included), for torchvision-style weights.
 * Output is NHWC float32, ready for tfjs.
 */
import { ParamError, formatCount } from '../formats/errors';
import { channelStats } from '../raster/stats';
import type { Labels, Raster } from '../raster/types';
import { letterbox, roundHalfEven } from './letterbox';

export type PatchIntensity = 'percentile' | 'mycol';
export type PatchStandardize = 'none' | 'imagenet';

/** Everything a model needs to know about its input; stored with the model, applied at inference. */
export interface PatchPreprocessing {
	/** S: patches are S × S (Mycol: 64, 96 or 128; default 64). */
	size: number;
	intensity: PatchIntensity;
	standardize: PatchStandardize;
}

export interface PatchOptions extends Partial<PatchPreprocessing> {
	/** Context around the box, as a fraction of its longer side on each side (0 = Mycol's tight box). */
	margin?: number;
	/** Zero every pixel outside the cell (Mycol's behaviour; default true). */
	maskBackground?: boolean;
	/** Source channel for R, G and B; −1 for a zero channel. Default: see `defaultChannelMap`. */
	channels?: readonly [number, number, number];
	/** Only these cell ids (default: every id in the mask, ascending). */
	ids?: ArrayLike<number>;
}

export const DEFAULT_PATCH_SIZE = 64;
/** The sizes the original Mycol app offers. */
export const PATCH_SIZES: readonly number[] = [64, 96, 128];
export const DEFAULT_PREPROCESSING: PatchPreprocessing = { size: DEFAULT_PATCH_SIZE, intensity: 'percentile', standardize: 'none' };

/** torchvision's ImageNet statistics (RGB, on [0, 1] values). */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

/** Most floats one call may produce (1 GiB); classify more cells in chunks with `ids`. */
const MAX_BATCH_FLOATS = 2 ** 28;

/** A cell's box: rows [y0, y1), columns [x0, x1). */
export interface CellBox {
	id: number;
	y0: number;
	x0: number;
	y1: number;
	x1: number;
}

export interface PatchBatch {
	size: number;
	count: number;
	/** Cell id of each patch. */
	ids: Uint32Array;
	/** The crop box of each patch (margin included). */
	boxes: CellBox[];
	/** count × S × S × 3, NHWC. */
	data: Float32Array;
}

/** Tight bounding boxes of every id > 0, ascending by id, in one pass over the mask. */
export function cellBoxes(labels: Labels): CellBox[] {
	const { width, height, data } = labels;
	const index = new Map<number, CellBox>();
	let last = 0;
	let box: CellBox | undefined;
	for (let y = 0; y < height; y++) {
		const row = y * width;
		for (let x = 0; x < width; x++) {
			const id = data[row + x];
			if (id === 0) continue;
			if (id !== last) {
				last = id;
				box = index.get(id);
				if (!box) {
					box = { id, y0: y, x0: x, y1: y + 1, x1: x + 1 };
					index.set(id, box);
				}
			}
			const b = box!;
			if (x < b.x0) b.x0 = x;
			if (x + 1 > b.x1) b.x1 = x + 1;
			b.y1 = y + 1;
		}
	}
	return [...index.values()].sort((a, b) => a.id - b.id);
}

/** Grey → (0, 0, 0); two channels → (0, 1, zero); three or more → (0, 1, 2) (alpha and extras dropped). */
export function defaultChannelMap(channels: number): [number, number, number] {
	if (channels === 1) return [0, 0, 0];
	if (channels === 2) return [0, 1, -1];
	return [0, 1, 2];
}

/** v' = (v − lo) · scale, clamped to [0, 1]; scale 0 makes the channel 0. */
export interface IntensityMap {
	lo: number;
	scale: number;
}

/** Per-output-channel maps from each source channel's 1st/99th percentiles (then min/max, then 0). */
export function percentileMaps(image: Raster, map: readonly [number, number, number]): IntensityMap[] {
	const cache = new Map<number, IntensityMap>();
	return map.map((c) => {
		if (c < 0) return { lo: 0, scale: 0 };
		let m = cache.get(c);
		if (!m) {
			const s = channelStats(image, c);
			if (s.p99 > s.p1) m = { lo: s.p1, scale: 1 / (s.p99 - s.p1) };
			else if (s.max > s.min) m = { lo: s.min, scale: 1 / (s.max - s.min) };
			else m = { lo: 0, scale: 0 };
			cache.set(c, m);
		}
		return m;
	});
}

/**
 * The original Mycol app's `normalize_image` then `/ 255` (its `patch_to_tensor`), in place on
 * `n` values: × float32(127.5 / mean), clip to [0, 255], truncate to an integer, / 255.
 */
export function mycolNormalize(data: Float32Array, from: number, n: number): void {
	let sum = 0;
	let min = Infinity;
	let max = -Infinity;
	for (let i = from; i < from + n; i++) {
		const v = data[i];
		sum += v;
		if (v < min) min = v;
		if (v > max) max = v;
	}
	const mean = n ? sum / n : 0;
	const f32 = Math.fround;
	const factor = f32(127.5 / mean);
	const range = max - min;
	for (let i = from; i < from + n; i++) {
		let v = mean > 0 ? f32(data[i] * factor) : range > 0 ? f32(f32(f32(data[i] - min) / f32(range)) * 255) : 0;
		v = v < 0 ? 0 : v > 255 ? 255 : Math.trunc(v);
		data[i] = f32(v / 255);
	}
}

function checkOptions(image: Raster, labels: Labels, o: PatchOptions): { size: number; margin: number; map: [number, number, number] } {
	const size = o.size ?? DEFAULT_PATCH_SIZE;
	if (!Number.isInteger(size) || size < 1 || size > 1024) throw new ParamError(undefined, `the patch size must be a whole number of pixels from 1 to 1024, not ${size}`);
	const margin = o.margin ?? 0;
	if (!Number.isFinite(margin) || margin < 0 || margin > 2) throw new ParamError(undefined, `the patch margin must be between 0 and 2 (a fraction of the cell's longer side), not ${margin}`);
	if (labels.width !== image.width || labels.height !== image.height) {
		throw new ParamError(undefined, `the mask is ${labels.width} × ${labels.height} pixels but the image is ${image.width} × ${image.height}; they must match`);
	}
	const map = o.channels ? ([...o.channels] as [number, number, number]) : defaultChannelMap(image.channels);
	for (const c of map) {
		if (!Number.isInteger(c) || c < -1 || c >= image.channels) throw new ParamError(undefined, `channel ${c + 1} does not exist: the image has ${image.channels} channel${image.channels > 1 ? 's' : ''}`);
	}
	return { size, margin, map };
}

const INTEGER_DTYPES = new Set(['uint8', 'uint16', 'uint32', 'int8', 'int16', 'int32']);

/** Cut, mask, letterbox and normalise one patch per cell (see the file comment for every step). */
export function extractPatches(image: Raster, labels: Labels, opts: PatchOptions = {}): PatchBatch {
	const { size, margin, map } = checkOptions(image, labels, opts);
	const intensity = opts.intensity ?? 'percentile';
	const standardize = opts.standardize ?? 'none';
	const maskBackground = opts.maskBackground ?? true;
	let boxes = cellBoxes(labels);
	if (opts.ids) {
		const wanted = new Set(Array.from(opts.ids));
		boxes = boxes.filter((b) => wanted.has(b.id));
	}
	const per = size * size * 3;
	if (boxes.length * per > MAX_BATCH_FLOATS) {
		throw new ParamError(undefined, `${formatCount(boxes.length)} patches of ${size} × ${size} pixels would need ${formatCount((boxes.length * per * 4) / 2 ** 20)} MiB; classify the cells in smaller groups`);
	}
	const maps = intensity === 'percentile' ? percentileMaps(image, map) : null;
	const roundAfterResize = intensity === 'mycol' && INTEGER_DTYPES.has(image.dtype);
	const { width: W, height: H, data: src } = image;
	const plane = W * H;
	const out = new Float32Array(boxes.length * per);
	const cropBoxes: CellBox[] = [];
	const ids = new Uint32Array(boxes.length);
	boxes.forEach((b, n) => {
		const m = roundHalfEven(margin * Math.max(b.y1 - b.y0, b.x1 - b.x0));
		const y0 = Math.max(0, b.y0 - m);
		const x0 = Math.max(0, b.x0 - m);
		const y1 = Math.min(H, b.y1 + m);
		const x1 = Math.min(W, b.x1 + m);
		const h = y1 - y0;
		const w = x1 - x0;
		const crop = new Float32Array(3 * h * w);
		for (let c = 0; c < 3; c++) {
			const sc = map[c];
			if (sc < 0) continue;
			const im = maps?.[c];
			for (let y = 0; y < h; y++) {
				const row = (y0 + y) * W + x0;
				const dst = (c * h + y) * w;
				for (let x = 0; x < w; x++) {
					if (maskBackground && labels.data[row + x] !== b.id) continue;
					let v = src[sc * plane + row + x];
					if (im) {
						v = (v - im.lo) * im.scale;
						v = v > 1 ? 1 : v > 0 ? v : 0; // NaN → 0 too
					} else if (!Number.isFinite(v)) v = 0;
					crop[dst + x] = v;
				}
			}
		}
		const { data: boxed } = letterbox(crop, 3, h, w, size);
		if (roundAfterResize) for (let i = 0; i < boxed.length; i++) boxed[i] = roundHalfEven(boxed[i]);
		// Planar (3, S, S) → NHWC.
		const base = n * per;
		const ss = size * size;
		for (let i = 0; i < ss; i++) {
			out[base + 3 * i] = boxed[i];
			out[base + 3 * i + 1] = boxed[ss + i];
			out[base + 3 * i + 2] = boxed[2 * ss + i];
		}
		if (intensity === 'mycol') mycolNormalize(out, base, per);
		if (standardize === 'imagenet') {
			for (let i = 0; i < ss; i++) {
				for (let c = 0; c < 3; c++) out[base + 3 * i + c] = (out[base + 3 * i + c] - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
			}
		}
		ids[n] = b.id;
		cropBoxes.push({ id: b.id, y0, x0, y1, x1 });
	});
	return { size, count: boxes.length, ids, boxes: cropBoxes, data: out };
}

/** NHWC → NCHW (for the reference forward pass and torch-layout exports). */
export function nhwcToNchw(data: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
	const out = new Float32Array(data.length);
	for (let b = 0; b < n; b++) {
		for (let y = 0; y < h; y++) {
			for (let x = 0; x < w; x++) {
				for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + x] = data[((b * h + y) * w + x) * c + k];
			}
		}
	}
	return out;
}
