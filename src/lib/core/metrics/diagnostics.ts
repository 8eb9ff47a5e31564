/**
 * Per-image segmentation diagnostics, as the original app shows them after training: average
 * precision at IoU 0.5/0.75/0.9 (Cellpose `metrics.average_precision`), the IoU of every matched
 * cell (the same optimal matching Cellpose uses, at IoU ≥ 0.5), and true vs predicted cell counts.
 */
import { averagePrecision, intersectionOverUnion, linearSumAssignment } from './ap';
import { countLabels } from '../labels/count';
import type { Labels } from '../raster/types';

export interface ImageDiagnostics {
	name: string;
	/** AP at 0.5, 0.75, 0.9. */
	ap: [number, number, number];
	trueCells: number;
	predictedCells: number;
	/** IoU of each matched pair (IoU ≥ `threshold`), in matching order. */
	matchedIous: Float64Array;
}

/** IoUs of the pairs Cellpose's matching makes at `threshold` (pairs below it are not matches). */
export function matchedIous(gt: Uint32Array, pred: Uint32Array, threshold = 0.5): Float64Array {
	const full = intersectionOverUnion(gt, pred);
	const rows = full.rows - 1;
	const cols = full.cols - 1;
	const nMin = Math.min(rows, cols);
	if (nMin <= 0) return new Float64Array(0);
	const iou = new Float64Array(rows * cols);
	const cost = new Float64Array(rows * cols);
	for (let r = 0; r < rows; r++) {
		for (let c = 0; c < cols; c++) {
			const v = full.data[(r + 1) * full.cols + c + 1];
			iou[r * cols + c] = v;
			cost[r * cols + c] = -(v >= threshold ? 1 : 0) - v / (2 * nMin);
		}
	}
	const { rowInd, colInd } = linearSumAssignment(cost, rows, cols);
	const out: number[] = [];
	for (let k = 0; k < rowInd.length; k++) {
		const v = iou[rowInd[k] * cols + colInd[k]];
		if (v >= threshold) out.push(v);
	}
	return Float64Array.from(out);
}

export function imageDiagnostics(name: string, truth: Labels, predicted: Labels): ImageDiagnostics {
	const ap = averagePrecision(truth.data, predicted.data);
	return {
		name,
		ap: [ap.ap[0], ap.ap[1], ap.ap[2]],
		trueCells: countLabels(truth.data),
		predictedCells: countLabels(predicted.data),
		matchedIous: matchedIous(truth.data, predicted.data)
	};
}
