/**
 * SAM 2.1 decoder output → a new cell (spec: docs/sam2-densenet.md A3, Mycol reference §5).
 *
 * 1. Of the three candidate masks take the one with the highest predicted IoU (argmax, the first
 *    on a tie), as Mycol does with `multimask_output=True`.
 * 2. Upsample its 256 × 256 logits bilinearly (half-pixel centres, `F.interpolate(...,
 *    align_corners=False)`) to the region the encoder saw: directly for 'stretch'; for 'pad' to
 *    1024 × 1024, cut to the resized content, then to the region. Logits are upsampled before
 *    thresholding (thresholding first gives 4-pixel staircases).
 * 3. Threshold: logit > 0 is inside (exactly 0 is background).
 * 4. Place it as a new cell like a drawn one (`placeNewCell`): id max + 1, background-only by
 *    default, largest 4-connected piece kept, nothing added when nothing survives.
 * Only the output pixels that can be positive are computed: a bilinear value is ≤ 0 wherever its
 * neighbouring source logits all are, so a small cell on a 4096² image costs little.
 */
import type { Labels } from '../raster/types';
import { emptyEdit, type Edit } from '../labels/edit';
import { placeNewCell, type NewCellOptions } from '../labels/new-cell';
import type { Rect } from '../labels/rect';
import { resizePlane } from './preprocess';
import { SAM_LOWRES, SAM_SIZE, type EncoderFrame } from './prompt';

/** Index of the highest score (the first on a tie). */
export function bestMaskIndex(iouScores: ArrayLike<number>): number {
	let best = 0;
	for (let k = 1; k < iouScores.length; k++) if (iouScores[k] > iouScores[best]) best = k;
	return best;
}

/** The three scores and three 256 × 256 logit planes of one prompt. */
export interface Prediction {
	iou: Float32Array;
	masks: Float32Array;
	/** The object-presence logit (convention H's `object_score_logits`), when the export gives it. */
	objectScore?: number;
}

/**
 * Prediction `p` of a decoder call: H `iou_scores` [1, P, 3] with `pred_masks` [1, P, 3, 256, 256],
 * or M `iou_predictions` [L, 3] with `masks` [L, 3, 256, 256] (the same layout per prompt).
 */
export function predictionAt(iouScores: Float32Array, masks: Float32Array, p: number, objectScores?: Float32Array): Prediction {
	const plane = SAM_LOWRES * SAM_LOWRES;
	if (iouScores.length < 3 * (p + 1) || masks.length < 3 * plane * (p + 1)) {
		throw new RangeError(`predictionAt: the outputs hold ${iouScores.length / 3} predictions, not ${p + 1}`);
	}
	return {
		iou: iouScores.subarray(3 * p, 3 * p + 3),
		masks: masks.subarray(3 * plane * p, 3 * plane * (p + 1)),
		objectScore: objectScores ? objectScores[p] : undefined
	};
}

/**
 * The output pixels of a `sh × sw` → `dh × dw` bilinear resize that can be positive: those whose
 * two source neighbours per axis reach the bbox of the positive source values; null when none is.
 */
function positiveRoi(src: Float32Array, sh: number, sw: number, dh: number, dw: number): Rect | null {
	let r0 = Infinity;
	let r1 = -1;
	let c0 = Infinity;
	let c1 = -1;
	for (let y = 0; y < sh; y++) {
		for (let x = 0; x < sw; x++) {
			if (src[y * sw + x] > 0) {
				if (y < r0) r0 = y;
				r1 = y;
				if (x < c0) c0 = x;
				if (x > c1) c1 = x;
			}
		}
	}
	if (r1 < 0) return null;
	// d reads floor(f) and floor(f) + 1 with f = (d + 0.5)·s − 0.5; keep d whose pair can meet [lo, hi] (±1 spare).
	const span = (lo: number, hi: number, s: number, n: number): [number, number] => [
		Math.max(0, Math.floor((lo - 0.5) / s - 0.5) - 1),
		Math.min(n, Math.ceil((hi + 1.5) / s - 0.5) + 2)
	];
	const [x0, x1] = span(c0, c1, sw / dw, dw);
	const [y0, y1] = span(r0, r1, sh / dh, dh);
	return { x0, y0, x1, y1 };
}

/**
 * The thresholded mask of one 256 × 256 logit plane in image coordinates: `rect` (inside the
 * frame's crop) and `mask` over it (1 = logit > 0). An empty rect when nothing is positive.
 */
export function upsampleMask(logits: Float32Array, frame: EncoderFrame): { rect: Rect; mask: Uint8Array } {
	const L = SAM_LOWRES;
	if (logits.length !== L * L) throw new RangeError(`upsampleMask: ${logits.length} logits, not ${L} × ${L}`);
	const { crop, contentWidth: cw, contentHeight: ch } = frame;
	const w = crop.x1 - crop.x0;
	const h = crop.y1 - crop.y0;
	let src = logits;
	let sh = L;
	let sw = L;
	if (frame.mode === 'pad') {
		// 256 → 1024 over the whole frame, then keep the resized content (top-left).
		const full = resizePlane(logits, L, L, SAM_SIZE, SAM_SIZE, { x0: 0, y0: 0, x1: cw, y1: ch }, false);
		src = full;
		sh = ch;
		sw = cw;
	}
	const none = { rect: { x0: 0, y0: 0, x1: 0, y1: 0 }, mask: new Uint8Array(0) };
	const roi = positiveRoi(src, sh, sw, h, w);
	if (!roi) return none;
	const up = resizePlane(src, sh, sw, h, w, roi, false);
	const mask = new Uint8Array(up.length);
	let any = false;
	for (let k = 0; k < up.length; k++) {
		if (up[k] > 0) {
			mask[k] = 1;
			any = true;
		}
	}
	if (!any) return none;
	return { rect: { x0: roi.x0 + crop.x0, y0: roi.y0 + crop.y0, x1: roi.x1 + crop.x0, y1: roi.y1 + crop.y0 }, mask };
}

export interface SamPlacement {
	/** 'added': a cell was made; 'empty': nothing survived; 'no-object': the model said there is no object. */
	status: 'added' | 'empty' | 'no-object';
	/** The candidate chosen (0–2) and its predicted IoU. */
	chosen: number;
	score: number;
	edit: Edit;
}

export interface SamPlaceOptions extends NewCellOptions {
	/** Treat a negative object-presence logit as "no object" (spec A3, optional). Default true. */
	useObjectScore?: boolean;
}

/** Turn one prediction into the edit adding its cell (see the file comment). */
export function placeSamMask(labels: Labels, pred: Prediction, frame: EncoderFrame, opts: SamPlaceOptions = {}): SamPlacement {
	if (labels.width !== frame.imageWidth || labels.height !== frame.imageHeight) {
		throw new RangeError(`placeSamMask: the frame is for a ${frame.imageWidth} × ${frame.imageHeight} image, not ${labels.width} × ${labels.height}`);
	}
	const chosen = bestMaskIndex(pred.iou);
	const score = pred.iou[chosen];
	if ((opts.useObjectScore ?? true) && pred.objectScore !== undefined && pred.objectScore < 0) {
		return { status: 'no-object', chosen, score, edit: emptyEdit() };
	}
	const plane = SAM_LOWRES * SAM_LOWRES;
	const { rect, mask } = upsampleMask(pred.masks.subarray(chosen * plane, (chosen + 1) * plane), frame);
	if (mask.length === 0) return { status: 'empty', chosen, score, edit: emptyEdit() };
	const edit = placeNewCell(labels, mask, rect, opts);
	return { status: edit.created.some((c) => c.from === 0) ? 'added' : 'empty', chosen, score, edit };
}
