/**
 * SAM 2.1 encoder input (spec: docs/sam2-densenet.md A2), as Meta's `SAM2Transforms` builds it:
 * image → RGB in [0, 1] → resize to the 1024 frame (bilinear, half-pixel centres) → normalise with
 * the ImageNet mean/std → CHW float32, batch 1. Under 'pad' the resized region sits top-left and
 * the rest is 0 after normalisation.
 *
 * Microscopy images become RGB 0–255 first (spec A2): 8-bit images with 3 or more channels as they
 * are; anything else (grayscale of any depth, 16-bit, float, 2 channels) per channel by
 * percentiles: lo = p1, hi = p99.8 (numpy's linear interpolation), v' = round(clamp((v − lo) /
 * (hi − lo), 0, 1)·255), falling back to min/max when hi ≤ lo and to 0 when the channel is
 * constant. 'raw' scaling reproduces Mycol instead: v / 255, or v / 65535 when the image's maximum
 * exceeds 255, no rounding.
 */
import { ParamError } from '../formats/errors';
import { percentileOfSorted } from '../raster/stats';
import { channelView, type PixelArray, type Raster } from '../raster/types';
import type { Rect } from '../labels/rect';
import { SAM_SIZE, type EncoderFrame } from './prompt';

/** ImageNet mean and std per R, G, B channel (`SAM2Transforms`). */
export const SAM_MEAN = [0.485, 0.456, 0.406] as const;
export const SAM_STD = [0.229, 0.224, 0.225] as const;

export type Scaling = 'percentile' | 'raw';

export interface RgbOptions {
	/** Default 'percentile'. */
	scaling?: Scaling;
	/** The image channel for R, G and B (−1 = black). Default: gray → [0, 0, 0]; 2 channels → [0, 1, −1]; else [0, 1, 2]. */
	channels?: readonly [number, number, number];
}

/** How each output channel maps an image value v to [0, 1]: clamp((v − lo)/(hi − lo)), rounded to 1/255 steps when `round`. */
export interface RgbScaling {
	source: [number, number, number];
	lo: [number, number, number];
	hi: [number, number, number];
	round: boolean;
}

/** Percentiles (0–100) of a channel, numpy's linear interpolation, NaN and ±∞ ignored. */
export function channelPercentiles(data: PixelArray, qs: readonly number[]): number[] {
	const isInt = data instanceof Uint8Array || data instanceof Int8Array || data instanceof Uint16Array || data instanceof Int16Array;
	if (isInt) {
		// Exact, all pixels: a histogram.
		const offset = data instanceof Int8Array ? -128 : data instanceof Int16Array ? -32768 : 0;
		const size = data instanceof Uint8Array || data instanceof Int8Array ? 256 : 65536;
		const hist = new Float64Array(size);
		for (let i = 0; i < data.length; i++) hist[data[i] - offset]++;
		const n = data.length;
		const at = (rank: number): number => {
			let seen = 0;
			for (let v = 0; v < size; v++) {
				seen += hist[v];
				if (seen > rank) return v + offset;
			}
			return size - 1 + offset;
		};
		return qs.map((q) => {
			if (n === 0) return NaN;
			const rank = ((n - 1) * q) / 100;
			const i = Math.floor(rank);
			const a = at(i);
			const b = at(Math.min(i + 1, n - 1));
			return percentileOfSorted([a, b], (rank - i) * 100);
		});
	}
	// Other dtypes: a sorted stride sample of at least ~1 M values (all of them for smaller images).
	const step = Math.max(1, Math.floor(data.length / 1_048_576));
	const sample = new Float64Array(Math.ceil(data.length / step));
	let k = 0;
	for (let i = 0; i < data.length; i += step) if (Number.isFinite(data[i])) sample[k++] = data[i];
	const sorted = sample.subarray(0, k).sort();
	return qs.map((q) => percentileOfSorted(sorted, q));
}

function minMax(data: PixelArray): [number, number] {
	let lo = Infinity;
	let hi = -Infinity;
	for (let i = 0; i < data.length; i++) {
		const v = data[i];
		if (v < lo) lo = v;
		if (v > hi) hi = v;
	}
	return [lo, hi];
}

/** The RGB mapping of an image (computed once per image; see the file comment). */
export function rgbScaling(raster: Raster, opts: RgbOptions = {}): RgbScaling {
	const C = raster.channels;
	const source: [number, number, number] = opts.channels ? [...opts.channels] : C === 1 ? [0, 0, 0] : C === 2 ? [0, 1, -1] : [0, 1, 2];
	for (const c of source) {
		if (!Number.isInteger(c) || c < -1 || c >= C) throw new ParamError(undefined, `channel ${c} does not exist: the image has ${C} channel${C === 1 ? '' : 's'}`);
	}
	const lo: [number, number, number] = [0, 0, 0];
	const hi: [number, number, number] = [1, 1, 1];
	if ((opts.scaling ?? 'percentile') === 'raw') {
		let max = -Infinity;
		for (let c = 0; c < C; c++) max = Math.max(max, minMax(channelView(raster, c))[1]);
		const div = max > 255 ? 65535 : 255;
		return { source, lo, hi: [div, div, div], round: false };
	}
	if (raster.dtype === 'uint8' && C >= 3) return { source, lo, hi: [255, 255, 255], round: false };
	const cache = new Map<number, [number, number]>();
	source.forEach((c, k) => {
		if (c < 0) return;
		let r = cache.get(c);
		if (!r) {
			const data = channelView(raster, c);
			let [a, b] = channelPercentiles(data, [1, 99.8]);
			if (!(b > a)) [a, b] = minMax(data);
			// A constant channel maps to 0: hi = +∞ makes every (v − lo)/(hi − lo) zero.
			if (!(b > a)) b = Infinity;
			cache.set(c, (r = [a, b]));
		}
		[lo[k], hi[k]] = r;
	});
	return { source, lo, hi, round: true };
}

/** One output channel of a region, as float32 in [0, 1] (0 for a black channel). */
export function unitPlane(raster: Raster, scaling: RgbScaling, k: number, region: Rect): Float32Array {
	const w = region.x1 - region.x0;
	const h = region.y1 - region.y0;
	const out = new Float32Array(w * h);
	const c = scaling.source[k];
	if (c < 0) return out;
	const data = channelView(raster, c);
	const lo = scaling.lo[k];
	const span = scaling.hi[k] - lo;
	const W = raster.width;
	for (let y = 0, o = 0; y < h; y++) {
		let i = (region.y0 + y) * W + region.x0;
		for (let x = 0; x < w; x++, i++, o++) {
			let v = (data[i] - lo) / span;
			v = v > 0 ? (v < 1 ? v : 1) : 0; // NaN → 0
			out[o] = scaling.round ? Math.round(v * 255) / 255 : v;
		}
	}
	return out;
}

/** Per destination index along one axis: `taps` source indices and weights. */
interface AxisTable {
	taps: number;
	index: Int32Array;
	weight: Float32Array;
}

/**
 * Bilinear weights with half-pixel centres, as `F.interpolate(mode='bilinear',
 * align_corners=False)`: src = (d + 0.5)·(in/out) − 0.5, below 0 clamped to 0, the upper
 * neighbour clamped to the last pixel.
 */
function bilinearAxis(src: number, dst: number): AxisTable {
	const index = new Int32Array(2 * dst);
	const weight = new Float32Array(2 * dst);
	const scale = src / dst;
	for (let d = 0; d < dst; d++) {
		let f = (d + 0.5) * scale - 0.5;
		if (f < 0) f = 0;
		const i0 = Math.min(Math.floor(f), src - 1);
		const a = Math.min(f - i0, 1);
		index[2 * d] = i0;
		index[2 * d + 1] = Math.min(i0 + 1, src - 1);
		weight[2 * d] = 1 - a;
		weight[2 * d + 1] = a;
	}
	return { taps: 2, index, weight };
}

/** Area averaging: destination pixel d averages source [d·r, (d+1)·r), r = in/out, by overlap. */
function areaAxis(src: number, dst: number): AxisTable {
	const r = src / dst;
	const taps = Math.ceil(r) + 1;
	const index = new Int32Array(taps * dst);
	const weight = new Float32Array(taps * dst);
	for (let d = 0; d < dst; d++) {
		const a = d * r;
		const b = Math.min((d + 1) * r, src);
		const first = Math.floor(a);
		for (let t = 0; t < taps; t++) {
			const i = Math.min(first + t, src - 1);
			const overlap = Math.max(0, Math.min(b, first + t + 1) - Math.max(a, first + t));
			index[taps * d + t] = i;
			weight[taps * d + t] = overlap / r;
		}
	}
	return { taps, index, weight };
}

/** Bilinear when enlarging or shrinking up to 2×, area averaging beyond (spec A2: avoid aliasing). */
function axisTable(src: number, dst: number, antialias: boolean): AxisTable {
	return antialias && src > 2 * dst ? areaAxis(src, dst) : bilinearAxis(src, dst);
}

/**
 * Resize one `sh × sw` plane to `dh × dw`, separably (rows, then columns). Only the output pixels
 * in `roi` (default all) are computed, returned as a plane of the roi's size. `antialias` (default
 * true) switches to area averaging for reductions of more than 2×; masks' logits are upsampled
 * with plain bilinear.
 */
export function resizePlane(
	src: Float32Array,
	sh: number,
	sw: number,
	dh: number,
	dw: number,
	roi: Rect = { x0: 0, y0: 0, x1: dw, y1: dh },
	antialias = true
): Float32Array {
	if (src.length !== sh * sw) throw new RangeError(`resizePlane: ${src.length} values for a ${sw} × ${sh} plane`);
	const ty = axisTable(sh, dh, antialias);
	const tx = axisTable(sw, dw, antialias);
	const rw = roi.x1 - roi.x0;
	const rh = roi.y1 - roi.y0;
	// Vertical pass over the roi's rows, all source columns.
	const mid = new Float32Array(rh * sw);
	for (let y = 0; y < rh; y++) {
		const d = roi.y0 + y;
		const row = y * sw;
		for (let t = 0; t < ty.taps; t++) {
			const wgt = ty.weight[ty.taps * d + t];
			if (wgt === 0) continue;
			const s = ty.index[ty.taps * d + t] * sw;
			for (let x = 0; x < sw; x++) mid[row + x] += wgt * src[s + x];
		}
	}
	const out = new Float32Array(rw * rh);
	for (let x = 0; x < rw; x++) {
		const d = roi.x0 + x;
		for (let t = 0; t < tx.taps; t++) {
			const wgt = tx.weight[tx.taps * d + t];
			if (wgt === 0) continue;
			const s = tx.index[tx.taps * d + t];
			for (let y = 0; y < rh; y++) out[y * rw + x] += wgt * mid[y * sw + s];
		}
	}
	return out;
}

/**
 * The encoder input `pixel_values` / `image` [1, 3, 1024, 1024] for the frame's region of the
 * image: pixel (x, y) of channel c at index c·1024² + y·1024 + x.
 */
export function samPixelValues(raster: Raster, frame: EncoderFrame, scaling: RgbScaling = rgbScaling(raster)): Float32Array {
	if (raster.width !== frame.imageWidth || raster.height !== frame.imageHeight) {
		throw new RangeError(`samPixelValues: the frame is for a ${frame.imageWidth} × ${frame.imageHeight} image, not ${raster.width} × ${raster.height}`);
	}
	const N = SAM_SIZE * SAM_SIZE;
	const out = new Float32Array(3 * N);
	const { crop, contentWidth: cw, contentHeight: ch } = frame;
	const w = crop.x1 - crop.x0;
	const h = crop.y1 - crop.y0;
	let prev: Float32Array | null = null;
	for (let k = 0; k < 3; k++) {
		// Gray images use one channel three times: resize it once.
		const same = k > 0 && scaling.source[k] === scaling.source[k - 1] && scaling.lo[k] === scaling.lo[k - 1] && scaling.hi[k] === scaling.hi[k - 1];
		let resized: Float32Array;
		if (same && prev) resized = prev;
		else {
			const plane = unitPlane(raster, scaling, k, crop);
			resized = w === cw && h === ch ? plane : resizePlane(plane, h, w, ch, cw);
		}
		prev = resized;
		const mean = SAM_MEAN[k];
		const std = SAM_STD[k];
		for (let y = 0; y < ch; y++) {
			const o = k * N + y * SAM_SIZE;
			for (let x = 0; x < cw; x++) out[o + x] = (resized[y * cw + x] - mean) / std;
		}
	}
	return out;
}
