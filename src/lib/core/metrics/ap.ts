/**
 * Segmentation metrics as Cellpose 3.1 `metrics.py` (spec §5): the label-overlap and IoU
 * matrices, and `average_precision` with its optimal matching (`scipy.optimize.linear_sum_assignment`).
 *
 * Quirk (spec §5, fixtures README #16): Cellpose counts `n_true`/`n_pred` as the **largest label**,
 * so gaps in the numbering count as false positives / negatives. By default we count the labels
 * that are present; `cellpose31Compat: true` reproduces 3.1. True positives are the same either way
 * (absent labels have IoU 0 with everything).
 */
import { ParamError } from '../formats/errors';

/** Integer label arrays (row-major, 0 = background). */
export type LabelData = Uint8Array | Uint16Array | Uint32Array | Int32Array;

function maxOf(a: LabelData): number {
	let m = 0;
	for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
	return m;
}

function countPresent(a: LabelData, max: number): number {
	const seen = new Uint8Array(max + 1);
	let c = 0;
	for (let i = 0; i < a.length; i++) {
		const v = a[i];
		if (v !== 0 && seen[v] === 0) {
			seen[v] = 1;
			c++;
		}
	}
	return c;
}

/** A dense row-major matrix. */
export interface Matrix {
	rows: number;
	cols: number;
	data: Float64Array;
}

function checkPair(gt: LabelData, pred: LabelData): void {
	if (gt.length !== pred.length) {
		throw new ParamError(undefined, `the true and predicted label images differ in size (${gt.length} and ${pred.length} pixels)`);
	}
	for (const a of [gt, pred]) {
		if (!(a instanceof Int32Array)) continue;
		for (let i = 0; i < a.length; i++) {
			if (a[i] < 0) throw new ParamError(undefined, `label images must not hold negative labels (found ${a[i]})`);
		}
	}
}

/**
 * Contingency matrix of pixel counts, `(max_t + 1) × (max_p + 1)`, row = true label, column =
 * predicted label (including 0), as Cellpose `_label_overlap`.
 */
export function labelOverlap(gt: LabelData, pred: LabelData): Matrix {
	checkPair(gt, pred);
	const rows = maxOf(gt) + 1;
	const cols = maxOf(pred) + 1;
	const data = new Float64Array(rows * cols);
	for (let i = 0; i < gt.length; i++) data[gt[i] * cols + pred[i]]++;
	return { rows, cols, data };
}

/**
 * IoU matrix `overlap / (rowsum + colsum − overlap)` with NaN → 0, `(max_t + 1) × (max_p + 1)`,
 * as Cellpose `_intersection_over_union` (callers drop row and column 0).
 */
export function intersectionOverUnion(gt: LabelData, pred: LabelData): Matrix {
	const { rows, cols, data } = labelOverlap(gt, pred);
	const rowSum = new Float64Array(rows);
	const colSum = new Float64Array(cols);
	for (let r = 0; r < rows; r++) {
		for (let c = 0; c < cols; c++) {
			rowSum[r] += data[r * cols + c];
			colSum[c] += data[r * cols + c];
		}
	}
	const iou = new Float64Array(rows * cols);
	for (let r = 0; r < rows; r++) {
		for (let c = 0; c < cols; c++) {
			const o = data[r * cols + c];
			const u = rowSum[r] + colSum[c] - o;
			iou[r * cols + c] = u > 0 ? o / u : 0;
		}
	}
	return { rows, cols, data: iou };
}

/**
 * Optimal assignment minimising the total cost of a rectangular `rows × cols` matrix, as
 * `scipy.optimize.linear_sum_assignment` (the same shortest-augmenting-path Jonker–Volgenant
 * variant, Crouse 2016): `min(rows, cols)` pairs, returned sorted by row.
 */
export function linearSumAssignment(cost: Float64Array, rows: number, cols: number): { rowInd: Int32Array; colInd: Int32Array } {
	if (cost.length !== rows * cols) throw new ParamError(undefined, `the cost matrix holds ${cost.length} values, not ${rows} × ${cols}`);
	for (let i = 0; i < cost.length; i++) {
		if (Number.isNaN(cost[i]) || cost[i] === -Infinity) throw new ParamError(undefined, 'the cost matrix holds NaN or −∞');
	}
	const transpose = cols < rows;
	const nr = transpose ? cols : rows;
	const nc = transpose ? rows : cols;
	if (nr === 0) return { rowInd: new Int32Array(0), colInd: new Int32Array(0) };
	const c = new Float64Array(nr * nc);
	for (let i = 0; i < nr; i++) {
		for (let j = 0; j < nc; j++) c[i * nc + j] = transpose ? cost[j * cols + i] : cost[i * cols + j];
	}

	const u = new Float64Array(nr);
	const v = new Float64Array(nc);
	const shortest = new Float64Array(nc);
	const path = new Int32Array(nc).fill(-1);
	const col4row = new Int32Array(nr).fill(-1);
	const row4col = new Int32Array(nc).fill(-1);
	const SR = new Uint8Array(nr);
	const SC = new Uint8Array(nc);
	const remaining = new Int32Array(nc);

	for (let curRow = 0; curRow < nr; curRow++) {
		// Dijkstra-like search for the shortest augmenting path from curRow.
		let minVal = 0;
		let i = curRow;
		let numRemaining = nc;
		for (let it = 0; it < nc; it++) remaining[it] = nc - it - 1;
		SR.fill(0);
		SC.fill(0);
		shortest.fill(Infinity);
		let sink = -1;
		while (sink === -1) {
			let index = -1;
			let lowest = Infinity;
			SR[i] = 1;
			for (let it = 0; it < numRemaining; it++) {
				const j = remaining[it];
				const r = minVal + c[i * nc + j] - u[i] - v[j];
				if (r < shortest[j]) {
					path[j] = i;
					shortest[j] = r;
				}
				if (shortest[j] < lowest || (shortest[j] === lowest && row4col[j] === -1)) {
					lowest = shortest[j];
					index = it;
				}
			}
			minVal = lowest;
			if (minVal === Infinity) throw new ParamError(undefined, 'the cost matrix has no finite assignment');
			const j = remaining[index];
			if (row4col[j] === -1) sink = j;
			else i = row4col[j];
			SC[j] = 1;
			remaining[index] = remaining[--numRemaining];
		}
		// Update the dual variables and augment along the path.
		u[curRow] += minVal;
		for (let r = 0; r < nr; r++) {
			if (SR[r] && r !== curRow) u[r] += minVal - shortest[col4row[r]];
		}
		for (let j = 0; j < nc; j++) {
			if (SC[j]) v[j] -= minVal - shortest[j];
		}
		let j = sink;
		for (;;) {
			const r = path[j];
			row4col[j] = r;
			const tmp = col4row[r];
			col4row[r] = j;
			j = tmp;
			if (r === curRow) break;
		}
	}

	const rowInd = new Int32Array(nr);
	const colInd = new Int32Array(nr);
	if (!transpose) {
		for (let r = 0; r < nr; r++) {
			rowInd[r] = r;
			colInd[r] = col4row[r];
		}
	} else {
		// Pairs (col4row[k], k) in the original orientation, sorted by original row.
		const order = Array.from({ length: nr }, (_, k) => k).sort((a, b) => col4row[a] - col4row[b]);
		for (let k = 0; k < nr; k++) {
			rowInd[k] = col4row[order[k]];
			colInd[k] = order[k];
		}
	}
	return { rowInd, colInd };
}

/**
 * Number of true positives at IoU threshold `th`, as Cellpose `_true_positive`: the optimal
 * matching of `cost = −(iou ≥ th) − iou / (2·n_min)` and the count of matched pairs with iou ≥ th.
 * `iou` excludes the background row and column.
 */
export function truePositives(iou: Matrix, th: number): number {
	const { rows, cols, data } = iou;
	const nMin = Math.min(rows, cols);
	if (nMin === 0) return 0;
	const cost = new Float64Array(rows * cols);
	for (let k = 0; k < cost.length; k++) cost[k] = -(data[k] >= th ? 1 : 0) - data[k] / (2 * nMin);
	const { rowInd, colInd } = linearSumAssignment(cost, rows, cols);
	let tp = 0;
	for (let k = 0; k < rowInd.length; k++) if (data[rowInd[k] * cols + colInd[k]] >= th) tp++;
	return tp;
}

export interface AveragePrecision {
	/** `tp / (tp + fp + fn)` per threshold, a float32 quotient as in Cellpose (NaN when both are empty). */
	ap: Float32Array;
	tp: Float32Array;
	fp: Float32Array;
	fn: Float32Array;
}

/**
 * Cellpose 3.1 `metrics.average_precision` for one image. Thresholds default to [0.5, 0.75, 0.9].
 * With `cellpose31Compat`, the true/predicted counts are the largest labels (see the module comment).
 */
export function averagePrecision(
	gt: LabelData,
	pred: LabelData,
	thresholds: readonly number[] = [0.5, 0.75, 0.9],
	options: { cellpose31Compat?: boolean } = {}
): AveragePrecision {
	checkPair(gt, pred);
	const k = thresholds.length;
	const ap = new Float32Array(k);
	const tp = new Float32Array(k);
	const fp = new Float32Array(k);
	const fn = new Float32Array(k);
	const maxT = maxOf(gt);
	const maxP = maxOf(pred);
	const nTrue = options.cellpose31Compat ? maxT : countPresent(gt, maxT);
	const nPred = options.cellpose31Compat ? maxP : countPresent(pred, maxP);
	if (maxP > 0) {
		const full = intersectionOverUnion(gt, pred);
		// Drop row and column 0 (background).
		const rows = full.rows - 1;
		const cols = full.cols - 1;
		const data = new Float64Array(rows * cols);
		for (let r = 0; r < rows; r++) {
			for (let c = 0; c < cols; c++) data[r * cols + c] = full.data[(r + 1) * full.cols + c + 1];
		}
		for (let t = 0; t < k; t++) tp[t] = truePositives({ rows, cols, data }, thresholds[t]);
	}
	for (let t = 0; t < k; t++) {
		fp[t] = nPred - tp[t];
		fn[t] = nTrue - tp[t];
		ap[t] = tp[t] / (tp[t] + fp[t] + fn[t]);
	}
	return { ap, tp, fp, fn };
}
