/**
 * `computeMasks` (Cellpose 3.1 `resize_and_compute_masks` without resize) cut at its joints so that
 * a search can share work between settings:
 *
 *   cellprob threshold, niter → Euler steps and `get_masks` (the costly part)  — `flowStage`
 *   flow threshold            → drop labels whose flow error exceeds it        — `applyFlowQc`
 *   min size                  → `fill_holes_and_remove_small_masks`            — `finishMasks`
 *
 * The flow errors depend only on the stage's masks and dP, so they are computed once per stage.
 * Run in this order with the same values, the three give exactly `computeMasks`'s masks (the
 * tests check this setting by setting on Cellpose fixtures).
 */
import { ParamError } from '../../formats/errors';
import { fillHolesAndRemoveSmallMasks, flowErrors, followFlows, getMasks, truncatePositions } from '../dynamics';

/** The masks after `get_masks` for one cellprob threshold and niter, before the flow QC. */
export interface FlowStage {
	height: number;
	width: number;
	/** Labels 1..nMasks (renumbered by first appearance), 0 = background. Do not modify. */
	masks: Uint32Array;
	nMasks: number;
	/** `flow_error` per label (index 0 unused), computed on first use. */
	errors: Float64Array | null;
	/** Kept for the flow errors. */
	dP: Float32Array;
}

/** Throw as `computeMasks` does when the network output holds NaN or infinite flows. */
export function checkFlows(dP: Float32Array, cellprob: Float32Array, height: number, width: number, file?: string): void {
	const n = height * width;
	if (dP.length !== 2 * n || cellprob.length !== n) {
		throw new ParamError(file, `the network output holds ${dP.length} flow and ${cellprob.length} probability values, not ${2 * n} and ${n} for ${width} × ${height} pixels`);
	}
	let bad = 0;
	for (let i = 0; i < dP.length; i++) if (!Number.isFinite(dP[i])) bad++;
	for (let i = 0; i < n; i++) if (Number.isNaN(cellprob[i])) bad++;
	if (bad > 0) throw new ParamError(file, `the network output contains ${bad} values that are not finite numbers`);
}

/**
 * The first part of `computeMasks`: pixels with cellprob (float32) above the threshold follow
 * `dP · sel / 5` for `trunc(niter)` Euler steps, then `get_masks` builds and renumbers the masks
 * (too-large masks removed).
 */
export function flowStage(
	dP: Float32Array,
	cellprob: Float32Array,
	height: number,
	width: number,
	cellprobThreshold: number,
	niter: number,
	maxSizeFraction: number,
	cellpose31Compat: boolean
): FlowStage {
	const n = height * width;
	const masks = new Uint32Array(n);
	const thr = Math.fround(cellprobThreshold);
	let count = 0;
	for (let i = 0; i < n; i++) if (cellprob[i] > thr) count++;
	let nMasks = 0;
	if (count > 0) {
		const inds = new Int32Array(count);
		const dPm = new Float32Array(2 * n);
		for (let i = 0, k = 0; i < n; i++) {
			if (cellprob[i] > thr) {
				inds[k++] = i;
				dPm[i] = dP[i] / 5;
				dPm[n + i] = dP[n + i] / 5;
			}
		}
		const final = truncatePositions(followFlows(dPm, height, width, inds, Math.trunc(niter)), width);
		nMasks = getMasks(final, inds, height, width, maxSizeFraction, masks, cellpose31Compat);
	}
	return { height, width, masks, nMasks, errors: null, dP };
}

function errorsOf(stage: FlowStage): Float64Array {
	stage.errors ??= flowErrors(stage.masks, stage.dP, stage.height, stage.width);
	return stage.errors;
}

/**
 * How many labels the flow QC removes at this threshold (`remove_bad_flow_masks`: error > threshold;
 * none when the threshold is ≤ 0 or there are no masks). The removed sets are nested, so two
 * thresholds with the same count give the same masks.
 */
export function flowQcRemovedCount(stage: FlowStage, flowThreshold: number): number {
	if (stage.nMasks === 0 || !(flowThreshold > 0)) return 0;
	const err = errorsOf(stage);
	let c = 0;
	for (let l = 1; l < err.length; l++) if (err[l] > flowThreshold) c++;
	return c;
}

/** A copy of the stage's masks after the flow QC at this threshold (labels not renumbered, as Cellpose). */
export function applyFlowQc(stage: FlowStage, flowThreshold: number): Uint32Array {
	const out = stage.masks.slice();
	if (stage.nMasks === 0 || !(flowThreshold > 0)) return out;
	const err = errorsOf(stage);
	for (let i = 0; i < out.length; i++) {
		const l = out[i];
		if (l !== 0 && err[l] > flowThreshold) out[i] = 0;
	}
	return out;
}

/** The last part: `fill_holes_and_remove_small_masks`, in place; returns `masks`. */
export function finishMasks(masks: Uint32Array, height: number, width: number, minSize: number, cellpose31Compat: boolean): Uint32Array {
	fillHolesAndRemoveSmallMasks(masks, height, width, minSize, cellpose31Compat);
	return masks;
}
