/**
 * SAM 2.1 box-prompt geometry (spec: docs/sam2-densenet.md A1–A3).
 *
 * The encoder sees a 1024 × 1024 frame made from a region of the image (the whole image, or a
 * crop around the box for large images): 'stretch' resizes the region to exactly 1024 × 1024
 * (Meta's `SAM2Transforms`, the onnx-community default); 'pad' scales its longest side to 1024 and
 * pads bottom/right (the SAM 1 convention some exports use). A box in image pixels maps to the
 * frame as x' = (x − crop.x0)·sx, y' = (y − crop.y0)·sy, without the +0.5 pixel-centre shift
 * (both export conventions add it inside the graph).
 *
 * Cropping is ours, not Meta's or Mycol's: on a 4096² image a 20-pixel cell is 5 pixels in the
 * frame, too small for SAM. `promptFrame` crops a square around the box (with a margin, so the
 * model sees context) when the box would otherwise be small in the frame. Each crop needs its own
 * encoder run.
 */
import { ParamError } from '../formats/errors';
import type { Rect } from '../labels/rect';

/** The encoder's input side. */
export const SAM_SIZE = 1024;
/** The decoder's low-resolution mask side. */
export const SAM_LOWRES = 256;

export type ResizeMode = 'stretch' | 'pad';

/** A box in image coordinates: x0 ≤ x1, y0 ≤ y1, pixel edges (pixel x spans [x, x+1)). */
export interface Box {
	x0: number;
	y0: number;
	x1: number;
	y1: number;
}

/** How an image region becomes the encoder's 1024 × 1024 input. */
export interface EncoderFrame {
	/** Image size. */
	imageWidth: number;
	imageHeight: number;
	/** The region the encoder sees, in image pixels (the whole image when not cropped). */
	crop: Rect;
	mode: ResizeMode;
	/** Frame pixels per image pixel, along x and y. */
	sx: number;
	sy: number;
	/** Size of the resized region inside the frame: 1024 × 1024 for stretch, round(w·s) × round(h·s) for pad. */
	contentWidth: number;
	contentHeight: number;
}

function checkSize(w: number, h: number, what: string): void {
	if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new ParamError(undefined, `${what} of ${w} × ${h} pixels is not a valid size`);
}

/** The frame for a region `crop` (default: the whole image) of a W × H image. */
export function encoderFrame(imageWidth: number, imageHeight: number, mode: ResizeMode = 'stretch', crop?: Rect): EncoderFrame {
	checkSize(imageWidth, imageHeight, 'an image');
	const c = crop ?? { x0: 0, y0: 0, x1: imageWidth, y1: imageHeight };
	const w = c.x1 - c.x0;
	const h = c.y1 - c.y0;
	checkSize(w, h, 'a crop');
	if (c.x0 < 0 || c.y0 < 0 || c.x1 > imageWidth || c.y1 > imageHeight) {
		throw new RangeError(`encoderFrame: crop (${c.x0}, ${c.y0})–(${c.x1}, ${c.y1}) lies outside the ${imageWidth} × ${imageHeight} image`);
	}
	if (mode === 'stretch') {
		return { imageWidth, imageHeight, crop: c, mode, sx: SAM_SIZE / w, sy: SAM_SIZE / h, contentWidth: SAM_SIZE, contentHeight: SAM_SIZE };
	}
	const s = SAM_SIZE / Math.max(w, h);
	return { imageWidth, imageHeight, crop: c, mode, sx: s, sy: s, contentWidth: Math.round(w * s), contentHeight: Math.round(h * s) };
}

/** The smallest box side accepted, in image pixels (spec A3). */
export const MIN_BOX_SIDE = 2;

/**
 * A box from the UI, made valid: each pair ordered, x clamped to [0, W] and y to [0, H]. Throws a
 * ParamError when a side is under 2 pixels (spec A3).
 */
export function checkBox(box: Box, imageWidth: number, imageHeight: number): Box {
	for (const v of [box.x0, box.y0, box.x1, box.y1]) {
		if (!Number.isFinite(v)) throw new ParamError(undefined, `the box corner value ${v} is not a finite position`);
	}
	const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
	const b = {
		x0: clamp(Math.min(box.x0, box.x1), imageWidth),
		y0: clamp(Math.min(box.y0, box.y1), imageHeight),
		x1: clamp(Math.max(box.x0, box.x1), imageWidth),
		y1: clamp(Math.max(box.y0, box.y1), imageHeight)
	};
	const bw = b.x1 - b.x0;
	const bh = b.y1 - b.y0;
	if (bw < MIN_BOX_SIDE || bh < MIN_BOX_SIDE) {
		throw new ParamError(
			undefined,
			`the box is ${+bw.toFixed(2)} × ${+bh.toFixed(2)} pixels inside the image; draw one at least ${MIN_BOX_SIDE} pixels wide and tall`
		);
	}
	return b;
}

/** An image point in the encoder frame. */
export function pointToFrame(frame: EncoderFrame, x: number, y: number): [number, number] {
	return [(x - frame.crop.x0) * frame.sx, (y - frame.crop.y0) * frame.sy];
}

/** A box in the encoder frame, as [x0', y0', x1', y1']. */
export function boxToFrame(frame: EncoderFrame, box: Box): [number, number, number, number] {
	const [x0, y0] = pointToFrame(frame, box.x0, box.y0);
	const [x1, y1] = pointToFrame(frame, box.x1, box.y1);
	return [x0, y0, x1, y1];
}

export interface CropOptions {
	/** Context on each side of the box, as a fraction of its longer side. Default 1. */
	margin?: number;
	/** Smallest crop side in image pixels (tiny boxes still get context). Default 256. */
	minSide?: number;
}

/**
 * A square crop around the box: side = max(minSide, ceil(longer box side · (1 + 2·margin))),
 * centred on the box, shifted to lie inside the image, and cut to the image where the image is
 * smaller than the side.
 */
export function cropAroundBox(box: Box, imageWidth: number, imageHeight: number, opts: CropOptions = {}): Rect {
	const margin = opts.margin ?? 1;
	const minSide = opts.minSide ?? 256;
	if (!(margin >= 0) || !(minSide >= 1)) throw new ParamError(undefined, `the crop margin (${margin}) and smallest crop side (${minSide}) must be positive`);
	const side = Math.max(minSide, Math.ceil(Math.max(box.x1 - box.x0, box.y1 - box.y0) * (1 + 2 * margin)));
	const place = (lo: number, hi: number, size: number): [number, number] => {
		if (side >= size) return [0, size];
		let a = Math.round((lo + hi) / 2 - side / 2);
		a = Math.min(Math.max(a, 0), size - side);
		return [a, a + side];
	};
	const [x0, x1] = place(box.x0, box.x1, imageWidth);
	const [y0, y1] = place(box.y0, box.y1, imageHeight);
	return { x0, y0, x1, y1 };
}

export interface PromptFrameOptions extends CropOptions {
	mode?: ResizeMode;
	/**
	 * 'auto' (default) crops when the box's longer side would be under `minBoxInFrame` frame
	 * pixels on the whole image; true always crops; false never.
	 */
	crop?: boolean | 'auto';
	/** Default 128 (an eighth of the frame). */
	minBoxInFrame?: number;
}

/** The frame a box prompt should use: the whole image, or a crop around the box (see the file comment). */
export function promptFrame(imageWidth: number, imageHeight: number, box: Box, opts: PromptFrameOptions = {}): EncoderFrame {
	const mode = opts.mode ?? 'stretch';
	const whole = encoderFrame(imageWidth, imageHeight, mode);
	const crop = opts.crop ?? 'auto';
	if (crop === false) return whole;
	if (crop === 'auto') {
		const [x0, y0, x1, y1] = boxToFrame(whole, box);
		if (Math.max(x1 - x0, y1 - y0) >= (opts.minBoxInFrame ?? 128)) return whole;
	}
	return encoderFrame(imageWidth, imageHeight, mode, cropAroundBox(box, imageWidth, imageHeight, opts));
}

/** A tensor to feed, as plain data (the runtime wraps it in an `ort.Tensor`). */
export interface TensorFeed {
	type: 'float32' | 'int64';
	data: Float32Array | BigInt64Array;
	dims: number[];
}

/**
 * Decoder feeds for convention H (onnx-community): all boxes of one image in one call,
 * `input_boxes` [1, M, 4], empty `input_points` [1, 1, 0, 2] and `input_labels` [1, M, 0]
 * (as transformers.js builds a box-only call). Boxes are already in the frame.
 */
export function boxFeedsH(framedBoxes: readonly (readonly [number, number, number, number])[]): Record<string, TensorFeed> {
	const m = framedBoxes.length;
	if (m === 0) throw new ParamError(undefined, 'draw at least one box before asking for masks');
	const boxes = new Float32Array(4 * m);
	framedBoxes.forEach((b, k) => boxes.set(b, 4 * k));
	return {
		input_boxes: { type: 'float32', data: boxes, dims: [1, m, 4] },
		input_points: { type: 'float32', data: new Float32Array(0), dims: [1, 1, 0, 2] },
		input_labels: { type: 'int64', data: new BigInt64Array(0), dims: [1, m, 0] }
	};
}

/**
 * Decoder feeds for convention M (samexporter and other Meta-wrapper exports), one box: its two
 * corners as points labelled 2 (top-left) and 3 (bottom-right), no previous mask.
 */
export function boxFeedsM(framedBox: readonly [number, number, number, number]): Record<string, TensorFeed> {
	const [x0, y0, x1, y1] = framedBox;
	return {
		point_coords: { type: 'float32', data: Float32Array.of(x0, y0, x1, y1), dims: [1, 2, 2] },
		point_labels: { type: 'float32', data: Float32Array.of(2, 3), dims: [1, 2] },
		mask_input: { type: 'float32', data: new Float32Array(SAM_LOWRES * SAM_LOWRES), dims: [1, 1, SAM_LOWRES, SAM_LOWRES] },
		has_mask_input: { type: 'float32', data: Float32Array.of(0), dims: [1] }
	};
}
