/**
 * Masks → flows by heat diffusion, as Cellpose 3.1 `dynamics.masks_to_flows_cpu` (spec §4.5).
 * Used by the flow-error QC of mask building and for training targets.
 *
 * All arithmetic is float64 in the same order as Cellpose's numba `_extend_centers`, so the
 * result is bit-identical to Python on the same labels.
 */
import { ParamError } from '../formats/errors';
import { groupPixelsByLabel, type LabelArray, type LabelGroups } from './labels-util';

/**
 * Unit flow vectors `(2, H, W)` = [dY, dX] (float64), 0 outside the masks.
 *
 * Per label (on its bounding box padded by one pixel, an absorbing wall): the centre is the mask
 * pixel nearest the mean coordinate (first in row-major order on ties); for `niter` steps (default
 * `2·(h + w + 4)` with h, w the box size) the centre gets +1 and every mask pixel becomes the
 * 3×3 mean of the previous heat map (Jacobi). Flows are the central differences, then
 * `mu / (1e-60 + |mu|)`. At exact symmetry points (the centre) the direction is rounding noise.
 */
export function masksToFlowsCpu(
	masks: LabelArray,
	height: number,
	width: number,
	niter?: number
): Float64Array {
	if (masks.length !== height * width) {
		throw new ParamError(undefined, `the label image holds ${masks.length} values, not ${width} × ${height}`);
	}
	if (masks instanceof Int32Array && masks.some((v) => v < 0)) {
		throw new ParamError(undefined, 'the label image holds negative labels');
	}
	const groups = groupPixelsByLabel(masks, height, width);
	const compact = flowsOfGroups(groups, width, niter);
	const n = height * width;
	const P = groups.pixels.length;
	const mu = new Float64Array(2 * n);
	for (let k = 0; k < P; k++) {
		const i = groups.pixels[k];
		mu[i] = compact[k];
		mu[n + i] = compact[P + k];
	}
	return mu;
}

/**
 * `masksToFlowsCpu` on labels grouped by `groupPixelsByLabel`, compact: for the k-th entry of
 * `groups.pixels`, dY at `[k]` and dX at `[P + k]` (P = number of labelled pixels).
 */
export function flowsOfGroups(groups: LabelGroups, width: number, niter?: number): Float64Array {
	const { maxLabel, start, pixels, box } = groups;
	const P = pixels.length;
	const mu = new Float64Array(2 * P);

	// Scratch buffers sized for the largest padded box and the largest mask.
	let maxArea = 0;
	let maxCount = 0;
	for (let l = 1; l <= maxLabel; l++) {
		if (box[4 * l] < 0) continue;
		const ly = box[4 * l + 1] - box[4 * l] + 3;
		const lx = box[4 * l + 3] - box[4 * l + 2] + 3;
		if (ly * lx > maxArea) maxArea = ly * lx;
		const c = start[l + 1] - start[l];
		if (c > maxCount) maxCount = c;
	}
	let T = new Float64Array(maxArea);
	let T2 = new Float64Array(maxArea);
	const local = new Int32Array(maxCount);
	// Row runs of the mask in the padded box, [start, end) flat local indices.
	const runs = new Int32Array(2 * maxCount);

	for (let l = 1; l <= maxLabel; l++) {
		const b = 4 * l;
		if (box[b] < 0) continue;
		const r0 = box[b];
		const c0 = box[b + 2];
		// Cellpose: ly, lx = (stop - start) + 2, i.e. box size plus a 1-px border each side.
		const ly = box[b + 1] - r0 + 3;
		const lx = box[b + 3] - c0 + 3;
		const p0 = start[l];
		const count = start[l + 1] - p0;

		// Mean of the local (+1) coordinates: integer sums are exact in float64, as numpy's mean.
		let sy = 0;
		let sx = 0;
		let nRuns = 0;
		let prev = -2;
		for (let k = 0; k < count; k++) {
			const i = pixels[p0 + k];
			const row = (i / width) | 0;
			const y = row - r0 + 1;
			const x = i - row * width - c0 + 1;
			sy += y;
			sx += x;
			const li = y * lx + x;
			local[k] = li;
			if (li === prev + 1) {
				runs[2 * nRuns - 1] = li + 1;
			} else {
				runs[2 * nRuns] = li;
				runs[2 * nRuns + 1] = li + 1;
				nRuns++;
			}
			prev = li;
		}
		const ym = sy / count;
		const xm = sx / count;
		let best = Infinity;
		let centre = local[0];
		for (let k = 0; k < count; k++) {
			const li = local[k];
			const y = (li / lx) | 0;
			const x = li - y * lx;
			const ex = x - xm;
			const ey = y - ym;
			const d = ex * ex + ey * ey;
			if (d < best) {
				best = d;
				centre = li;
			}
		}

		const steps = niter ?? 2 * (ly + lx);
		const area = ly * lx;
		T.fill(0, 0, area);
		T2.fill(0, 0, area);
		for (let t = 0; t < steps; t++) {
			T[centre] += 1;
			for (let r = 0; r < nRuns; r++) {
				const s = runs[2 * r];
				const e = runs[2 * r + 1];
				// Slide a 3×3 window along the run (3 new loads per pixel); the sum keeps the order of
				// Cellpose's _extend_centers: centre, up, down, left, right, then the four corners.
				let uL = T[s - lx - 1];
				let uC = T[s - lx];
				let cL = T[s - 1];
				let cC = T[s];
				let dL = T[s + lx - 1];
				let dC = T[s + lx];
				for (let i = s; i < e; i++) {
					const uR = T[i - lx + 1];
					const cR = T[i + 1];
					const dR = T[i + lx + 1];
					T2[i] = (1 / 9) * (cC + uC + dC + cL + cR + uL + uR + dL + dR);
					uL = uC;
					uC = uR;
					cL = cC;
					cC = cR;
					dL = dC;
					dC = dR;
				}
			}
			const tmp = T;
			T = T2;
			T2 = tmp;
		}

		for (let k = 0; k < count; k++) {
			const i = local[k];
			mu[p0 + k] = T[i + lx] - T[i - lx];
			mu[P + p0 + k] = T[i + 1] - T[i - 1];
		}
	}

	// (Background stays 0: Cellpose divides 0 by 1e-60 there.)
	for (let k = 0; k < P; k++) {
		const dy = mu[k];
		const dx = mu[P + k];
		const d = 1e-60 + Math.sqrt(dy * dy + dx * dx);
		mu[k] = dy / d;
		mu[P + k] = dx / d;
	}
	return mu;
}
