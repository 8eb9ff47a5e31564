/**
 * What `segment()` does after the network: the network output (dP, cellprob) at the flow size →
 * masks at the original size, as Cellpose 3.1 `dynamics.resize_and_compute_masks`. With
 * `resample` (the default) the flows are already at the original size and this is `computeMasks`;
 * otherwise (spec §4.6) the dynamics run at the network's size without hole filling, the labels are
 * resized nearest-neighbour to the original size, and holes and small masks are handled there.
 *
 * `segment()` ends with it, and the parameter search reruns it on cached network output, so a
 * searched setting gives exactly the masks segmenting with it gives.
 */
import type { Labels } from '../raster/types';
import { computeMasks, fillHolesAndRemoveSmallMasks, followFlows, getMasks, removeBadFlowMasks, truncatePositions } from './dynamics';
import { resizeNearest } from './resize';

/** The dynamics settings, resolved (niter already derived and truncated, as `segment()` does). */
export interface FlowMaskParams {
	niter: number;
	cellprobThreshold: number;
	flowThreshold: number;
	minSize: number;
	maxSizeFraction: number;
	cellpose31Compat: boolean;
}

/** Network output at the flow size `(flowHeight, flowWidth)`; `dP` is (2, fh, fw) = [dY, dX] at the ×5 scale. */
export interface NetworkFlows {
	dP: Float32Array;
	cellprob: Float32Array;
	flowHeight: number;
	flowWidth: number;
}

/**
 * Cellpose 3.1 `resize_and_compute_masks` with `resize` (the `resample=False` path): masks at the
 * network's size without hole filling, nearest-neighbour resize to the original size, then
 * `fill_holes_and_remove_small_masks` there.
 */
function masksResized(f: NetworkFlows, H: number, W: number, p: FlowMaskParams): Labels {
	const { dP, cellprob, flowHeight: h, flowWidth: w } = f;
	const n = h * w;
	const small = new Uint32Array(n);
	const thr = Math.fround(p.cellprobThreshold);
	let count = 0;
	for (let i = 0; i < n; i++) if (cellprob[i] > thr) count++;
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
		const final = truncatePositions(followFlows(dPm, h, w, inds, p.niter), w);
		const nMasks = getMasks(final, inds, h, w, p.maxSizeFraction, small, p.cellpose31Compat);
		if (nMasks > 0 && p.flowThreshold > 0) removeBadFlowMasks(small, dP, h, w, p.flowThreshold);
	}
	const masks = h === H && w === W ? small : resizeNearest(small, h, w, H, W, new Uint32Array(H * W));
	fillHolesAndRemoveSmallMasks(masks, H, W, p.minSize, p.cellpose31Compat);
	return { width: W, height: H, data: masks };
}

/** Masks at the original size `height × width` from the network output, exactly as `segment()` computes them. */
export function masksFromFlows(f: NetworkFlows, height: number, width: number, p: FlowMaskParams): Labels {
	if (f.flowHeight === height && f.flowWidth === width) {
		return computeMasks(f.dP, f.cellprob, height, width, {
			niter: p.niter,
			cellprobThreshold: p.cellprobThreshold,
			flowThreshold: p.flowThreshold,
			minSize: p.minSize,
			maxSizeFraction: p.maxSizeFraction,
			cellpose31Compat: p.cellpose31Compat
		});
	}
	return masksResized(f, height, width, p);
}
