/**
 * Flows → masks, as Cellpose 3.1 `dynamics.resize_and_compute_masks` for a 2D image without
 * resize (spec §4.1–4.7, CPU code path): Euler steps along the flows, histogram of the final
 * positions, seeds and growth (`get_masks_torch`), removal of too-large masks, flow-error QC
 * (`remove_bad_flow_masks`), then `fill_holes_and_remove_small_masks`.
 *
 * Numerics follow the reference exactly: float32 positions and flows, the bilinear step with
 * numba's own mix of float32 and float64 (see `followFlows`), flow errors in float64. On the
 * Cellpose 3.1 fixtures the final positions equal numba's and the masks are identical, label
 * numbers included.
 *
 * Quirks (spec §9), corrected by default; `cellpose31Compat: true` reproduces 3.1:
 * - §4.7 min-size removal by list position: 3.1 deletes label `idx+1` for the idx-th entry of the
 *   sorted counts (dropping the first entry as if it were background), so after the QC step
 *   leaves gaps (or when no pixel is background) it deletes the wrong, valid masks. Corrected:
 *   each label is judged by its own pixel count.
 * - §4.3 seed tie order: 3.1 sorts the seeds by count with `torch.argsort`, whose tie order is
 *   that of libstdc++ `std::sort` (torch 1.13 CPU); where seeds with equal counts lie close
 *   together, the later one takes the overlap. Corrected: a stable sort (ties in row-major order).
 *   Compat reproduces the introsort order (`introsortArgsort`); the pipeline/ fixture case B needs it.
 */
import { ParamError } from '../formats/errors';
import type { Labels } from '../raster/types';
import { flowsOfGroups } from './flows';
import { introsortArgsort } from './introsort-argsort';
import {
	fillHolesBinary,
	groupPixelsByLabel,
	labelBoxes,
	maxLabelOf,
	renumberByFirstAppearance
} from './labels-util';

export interface MaskParams {
	/** Euler steps (Cellpose casts with `uint32`, i.e. truncates). Default 200. */
	niter?: number;
	/** Pixels with cellprob logit strictly above this take part. Default 0. */
	cellprobThreshold?: number;
	/** Masks whose flow error exceeds this are removed; ≤ 0 turns the QC off. Default 0.4. */
	flowThreshold?: number;
	/** Masks with fewer pixels are removed; ≤ 0 turns removal off (holes are still filled). Default 15. */
	minSize?: number;
	/** Masks larger than this fraction of the image are removed. Default 0.4. */
	maxSizeFraction?: number;
	/** Reproduce Cellpose 3.1's quirks (see the module comment). Default false. */
	cellpose31Compat?: boolean;
}

const RPAD = 20;

function checkNumber(name: string, v: number): void {
	if (!Number.isFinite(v)) throw new ParamError(undefined, `${name} must be a finite number, not ${v}`);
}

/**
 * Cellpose 3.1 `resize_and_compute_masks` for a 2D image without resize.
 * `dP` is the network output scale `(2, H, W)` = [dY, dX] (divided by 5 here, as Cellpose does),
 * `cellprob` the logits `(H, W)`. Returns row-major labels 1..K (0 = background).
 */
export function computeMasks(
	dP: Float32Array,
	cellprob: Float32Array,
	height: number,
	width: number,
	params: MaskParams = {}
): Labels {
	const niter = params.niter ?? 200;
	const cellprobThreshold = params.cellprobThreshold ?? 0;
	const flowThreshold = params.flowThreshold ?? 0.4;
	const minSize = params.minSize ?? 15;
	const maxSizeFraction = params.maxSizeFraction ?? 0.4;
	const compat = params.cellpose31Compat ?? false;
	checkNumber('niter', niter);
	checkNumber('cellprobThreshold', cellprobThreshold);
	checkNumber('flowThreshold', flowThreshold);
	checkNumber('minSize', minSize);
	checkNumber('maxSizeFraction', maxSizeFraction);
	if (niter < 0 || niter >= 2 ** 32) {
		throw new ParamError(undefined, `niter must be between 0 and 2^32, not ${niter}`);
	}
	if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
		throw new ParamError(undefined, `the image size ${width} × ${height} is not a valid size`);
	}
	const n = height * width;
	if (dP.length !== 2 * n) {
		throw new ParamError(
			undefined,
			`the flows hold ${dP.length} values, but a ${width} × ${height} image needs ${2 * n} (2 × H × W)`
		);
	}
	if (cellprob.length !== n) {
		throw new ParamError(
			undefined,
			`the cell probabilities hold ${cellprob.length} values, but a ${width} × ${height} image needs ${n}`
		);
	}
	let bad = 0;
	for (let i = 0; i < dP.length; i++) if (!Number.isFinite(dP[i])) bad++;
	for (let i = 0; i < n; i++) if (Number.isNaN(cellprob[i])) bad++;
	if (bad > 0) throw new ParamError(undefined, `the network output contains ${bad} values that are not finite numbers`);

	const masks = new Uint32Array(n);
	// numpy 1.24 compares a float32 array with a Python float in float32.
	const thr = Math.fround(cellprobThreshold);
	let count = 0;
	for (let i = 0; i < n; i++) if (cellprob[i] > thr) count++;
	if (count > 0) {
		const inds = new Int32Array(count);
		// dP · (cellprob > thr) / 5 in float32, interleaved (dY, dX) per pixel.
		const field = new Float32Array(2 * n);
		for (let i = 0, k = 0; i < n; i++) {
			if (cellprob[i] > thr) {
				inds[k++] = i;
				field[2 * i] = dP[i] / 5;
				field[2 * i + 1] = dP[n + i] / 5;
			}
		}
		const final = truncatePositions(stepPoints(field, height, width, inds, Math.trunc(niter)), width);
		const nMasks = getMasks(final, inds, height, width, maxSizeFraction, masks, compat);
		if (nMasks > 0 && flowThreshold > 0) removeBadFlowMasks(masks, dP, height, width, flowThreshold);
	}
	fillHolesAndRemoveSmallMasks(masks, height, width, minSize, compat);
	return { width, height, data: masks };
}

/**
 * Euler integration along `dPm` (already divided by 5 and zeroed outside the cell pixels), as
 * Cellpose 3.1 `steps_interp` on CPU with numba `map_coordinates`: every point starts at its pixel,
 * each step adds the bilinearly interpolated flow (integer coordinate = pixel centre, corner
 * indices clamped) and clamps to `[0, L−1]`. Returns the final float32 positions, all y then
 * all x (`(2, N)`). The arithmetic is numba's: `1 − y` and `I·(1−y)·…` are float64, `I·y` and
 * `I·y·x` are float32 products, the sum is rounded to float32 (checked against numba 0.56).
 *
 * Points are independent. They are run in blocks (so the CPU can overlap the dependency chains of
 * different points), and a point that reaches a fixed point or a 2-cycle stops early with the
 * position it would have after `niter` steps (exactly: the map is deterministic).
 */
export function followFlows(
	dPm: Float32Array,
	height: number,
	width: number,
	inds: Int32Array,
	niter: number
): Float32Array {
	const n = height * width;
	// Interleaved (dY, dX) per pixel: one cache line serves both components.
	const f = new Float32Array(2 * n);
	for (let i = 0; i < n; i++) {
		f[2 * i] = dPm[i];
		f[2 * i + 1] = dPm[n + i];
	}
	return stepPoints(f, height, width, inds, Math.trunc(niter));
}

/** `followFlows` on an interleaved field `f[2i] = dY, f[2i+1] = dX`. */
function stepPoints(f: Float32Array, height: number, width: number, inds: Int32Array, niter: number): Float32Array {
	const ymax = height - 1;
	const xmax = width - 1;
	const N = inds.length;
	const out = new Float32Array(2 * N);
	const w2 = 2 * width;
	const fr = Math.fround;
	const B = 256;
	const py = new Float64Array(B);
	const px = new Float64Array(B);
	const ry = new Float64Array(B); // previous position, for the 2-cycle test
	const rx = new Float64Array(B);
	const active = new Int32Array(B);
	for (let k0 = 0; k0 < N; k0 += B) {
		const nb = Math.min(B, N - k0);
		let na = nb;
		for (let j = 0; j < nb; j++) {
			const i0 = inds[k0 + j];
			const y = (i0 / width) | 0;
			py[j] = y;
			px[j] = i0 - y * width;
			ry[j] = -1;
			rx[j] = -1;
			active[j] = j;
		}
		for (let t = 0; t < niter && na > 0; t++) {
			// Steps left after this one; a 2-cycle ends on the new position iff it is even.
			const evenLeft = ((niter - t - 1) & 1) === 0;
			for (let q = 0; q < na; q++) {
				const j = active[q];
				const cy = py[j];
				const cx = px[j];
				const y0 = cy | 0;
				const x0 = cx | 0;
				const fy = cy - y0;
				const fx = cx - x0;
				const a = y0 * w2 + 2 * x0;
				const dx1 = x0 < xmax ? 2 : 0;
				const b = y0 < ymax ? a + w2 : a;
				const gy = 1 - fy;
				const gx = 1 - fx;
				// numba types: (1−y), I·(1−y)·… are float64; I·y and I·y·x are float32 products.
				const vy = fr(
					f[a] * gy * gx + f[a + dx1] * gy * fx + fr(f[b] * fy) * gx + fr(fr(f[b + dx1] * fy) * fx)
				);
				const vx = fr(
					f[a + 1] * gy * gx +
						f[a + dx1 + 1] * gy * fx +
						fr(f[b + 1] * fy) * gx +
						fr(fr(f[b + dx1 + 1] * fy) * fx)
				);
				let ny = fr(cy + vy);
				let nx = fr(cx + vx);
				ny = ny > 0 ? (ny < ymax ? ny : ymax) : 0;
				nx = nx > 0 ? (nx < xmax ? nx : xmax) : 0;
				if (ny === cy && nx === cx) {
					active[q--] = active[--na]; // fixed point
					continue;
				}
				if (ny === ry[j] && nx === rx[j]) {
					if (evenLeft) {
						py[j] = ny;
						px[j] = nx;
					}
					active[q--] = active[--na]; // 2-cycle
					continue;
				}
				ry[j] = cy;
				rx[j] = cx;
				py[j] = ny;
				px[j] = nx;
			}
		}
		for (let j = 0; j < nb; j++) {
			out[k0 + j] = py[j];
			out[N + k0 + j] = px[j];
		}
	}
	return out;
}

/** Final positions truncated to integer pixels (`int(p)`), as flat indices `y·W + x`. */
export function truncatePositions(final: Float32Array, width: number): Int32Array {
	const N = final.length / 2;
	const out = new Int32Array(N);
	for (let k = 0; k < N; k++) out[k] = (final[k] | 0) * width + (final[N + k] | 0);
	return out;
}

/**
 * Masks from the final positions (flat pixel indices, see `truncatePositions`), as Cellpose 3.1
 * `get_masks_torch` (spec §4.3): histogram on a grid padded by 20, seeds at 5×5 local maxima with
 * count > 10 (sorted ascending by count: stable, or with `cellpose31Compat` in torch's tie order),
 * each grown 5 times by a 3×3 dilation inside its 11×11 window where the count is > 2 (later seeds
 * overwrite earlier ones), each pixel labelled by the seed region at its final position; masks
 * larger than `maxSizeFraction·H·W` are removed and labels renumbered by first appearance.
 * Writes into `masks` (zeroed) and returns the number of masks.
 */
export function getMasks(
	final: Int32Array,
	inds: Int32Array,
	height: number,
	width: number,
	maxSizeFraction: number,
	masks: Uint32Array,
	cellpose31Compat = false
): number {
	const W2 = width + 2 * RPAD;
	const H2 = height + 2 * RPAD;
	const hist = new Int32Array(H2 * W2);
	const pos = new Int32Array(final.length);
	for (let k = 0; k < final.length; k++) {
		const y = (final[k] / width) | 0;
		const x = final[k] - y * width;
		const q = (y + RPAD) * W2 + x + RPAD;
		pos[k] = q;
		hist[q]++;
	}

	// Seeds: count > 10 and equal to the max of the 5×5 window (clipped at the border).
	const seedList: number[] = [];
	for (let y = 0; y < H2; y++) {
		for (let x = 0; x < W2; x++) {
			const v = hist[y * W2 + x];
			if (v <= 10) continue;
			let isMax = true;
			const ya = Math.max(0, y - 2);
			const yb = Math.min(H2 - 1, y + 2);
			const xa = Math.max(0, x - 2);
			const xb = Math.min(W2 - 1, x + 2);
			for (let yy = ya; yy <= yb && isMax; yy++) {
				for (let xx = xa; xx <= xb; xx++) {
					if (hist[yy * W2 + xx] > v) {
						isMax = false;
						break;
					}
				}
			}
			if (isMax) seedList.push(y * W2 + x);
		}
	}
	masks.fill(0);
	const nSeeds = seedList.length;
	if (nSeeds === 0) return 0;
	const seeds = Int32Array.from(seedList);
	const counts0 = new Int32Array(nSeeds);
	for (let k = 0; k < nSeeds; k++) counts0[k] = hist[seeds[k]];
	let order: ArrayLike<number>;
	if (cellpose31Compat) {
		order = introsortArgsort(counts0);
	} else {
		const o = Array.from({ length: nSeeds }, (_, i) => i);
		o.sort((a, b) => counts0[a] - counts0[b] || a - b);
		order = o;
	}

	const M = new Int32Array(H2 * W2);
	const S = new Uint8Array(121);
	const S2 = new Uint8Array(121);
	const ok = new Uint8Array(121);
	for (let k = 0; k < nSeeds; k++) {
		const s = seeds[order[k]];
		const sy = (s / W2) | 0;
		const sx = s - sy * W2;
		// Seeds lie at least 20 px inside the padded grid, so the 11×11 window always fits.
		for (let r = 0; r < 11; r++) {
			for (let c = 0; c < 11; c++) ok[r * 11 + c] = hist[(sy - 5 + r) * W2 + sx - 5 + c] > 2 ? 1 : 0;
		}
		S.fill(0);
		S[60] = 1;
		for (let it = 0; it < 5; it++) {
			for (let r = 0; r < 11; r++) {
				const ra = r > 0 ? r - 1 : 0;
				const rb = r < 10 ? r + 1 : 10;
				for (let c = 0; c < 11; c++) {
					const ca = c > 0 ? c - 1 : 0;
					const cb = c < 10 ? c + 1 : 10;
					let m = 0;
					for (let rr = ra; rr <= rb && m === 0; rr++) {
						for (let cc = ca; cc <= cb; cc++) {
							if (S[rr * 11 + cc]) {
								m = 1;
								break;
							}
						}
					}
					S2[r * 11 + c] = m & ok[r * 11 + c];
				}
			}
			S.set(S2);
		}
		for (let r = 0; r < 11; r++) {
			for (let c = 0; c < 11; c++) if (S[r * 11 + c]) M[(sy - 5 + r) * W2 + sx - 5 + c] = k + 1;
		}
	}

	for (let k = 0; k < final.length; k++) masks[inds[k]] = M[pos[k]];

	// Remove masks bigger than the fraction (the background entry is never touched), renumber.
	const counts = new Float64Array(nSeeds + 1);
	for (let i = 0; i < masks.length; i++) counts[masks[i]]++;
	const big = height * width * maxSizeFraction;
	let anyBig = false;
	for (let l = 1; l <= nSeeds; l++) if (counts[l] > big) anyBig = true;
	if (anyBig) {
		for (let i = 0; i < masks.length; i++) if (counts[masks[i]] > big) masks[i] = 0;
	}
	return renumberByFirstAppearance(masks);
}

/**
 * Flow error per label, as Cellpose 3.1 `metrics.flow_error` with CPU flows: flows recomputed from
 * the masks (`masks_to_flows_cpu`), then `Σ_c mean_label (mu_c − dP_c/5)²` in float64 (per-label
 * sums in row-major order like `np.bincount`). Index l holds label l (index 0 unused); an absent
 * label gets NaN.
 */
export function flowErrors(masks: Uint32Array, dP: Float32Array, height: number, width: number): Float64Array {
	const n = height * width;
	const groups = groupPixelsByLabel(masks, height, width);
	const { maxLabel, start, pixels } = groups;
	const mu = flowsOfGroups(groups, width);
	const P = pixels.length;
	const err = new Float64Array(maxLabel + 1);
	err[0] = NaN;
	for (let l = 1; l <= maxLabel; l++) {
		// Each label's pixels in row-major order: the same summation order as np.bincount.
		let sy = 0;
		let sx = 0;
		const a = start[l];
		const b = start[l + 1];
		for (let k = a; k < b; k++) {
			const i = pixels[k];
			const ey = mu[k] - Math.fround(dP[i] / 5);
			const ex = mu[P + k] - Math.fround(dP[n + i] / 5);
			sy += ey * ey;
			sx += ex * ex;
		}
		const cnt = b - a;
		err[l] = sy / cnt + sx / cnt; // 0/0 = NaN for an absent label, as scipy
	}
	return err;
}

/**
 * Remove masks whose flow error exceeds `threshold`, as Cellpose 3.1 `remove_bad_flow_masks`
 * (spec §4.4). Labels are not renumbered, so gaps can remain (the next step closes them).
 */
export function removeBadFlowMasks(
	masks: Uint32Array,
	dP: Float32Array,
	height: number,
	width: number,
	threshold: number
): void {
	const err = flowErrors(masks, dP, height, width);
	for (let i = 0; i < masks.length; i++) {
		const l = masks[i];
		if (l !== 0 && err[l] > threshold) masks[i] = 0;
	}
}

/**
 * Labels to delete for `min_size`, in place. Compat: Cellpose 3.1's list-position rule (counts of
 * the sorted unique values with the first entry dropped; entry idx removes label idx+1). Otherwise
 * every label with fewer than `minSize` pixels. Then renumber by first appearance.
 */
function removeSmallMasks(masks: Uint32Array, minSize: number, compat: boolean): void {
	const maxLabel = maxLabelOf(masks);
	const counts = new Float64Array(maxLabel + 1);
	for (let i = 0; i < masks.length; i++) counts[masks[i]]++;
	const remove = new Uint8Array(maxLabel + 1);
	if (compat) {
		let idx = -1; // position in the unique list after dropping its first entry
		for (let v = 0; v <= maxLabel; v++) {
			if (counts[v] === 0) continue;
			if (idx >= 0 && counts[v] < minSize) remove[idx + 1] = 1;
			idx++;
		}
	} else {
		for (let l = 1; l <= maxLabel; l++) if (counts[l] > 0 && counts[l] < minSize) remove[l] = 1;
	}
	// Remove and renumber by first appearance in one pass (as fastremap.mask then renumber).
	const remap = new Uint32Array(maxLabel + 1);
	let next = 0;
	for (let i = 0; i < masks.length; i++) {
		const v = masks[i];
		if (v === 0) continue;
		if (remove[v]) {
			masks[i] = 0;
			continue;
		}
		let r = remap[v];
		if (r === 0) {
			r = ++next;
			remap[v] = r;
		}
		masks[i] = r;
	}
}

/**
 * Cellpose 3.1 `utils.fill_holes_and_remove_small_masks` (spec §4.7), in place: remove masks
 * under `minSize` pixels and renumber; fill each mask's holes (4-connected background inside its
 * bounding box, taken before the loop; a filled hole overwrites any label inside it) writing
 * consecutive labels; then remove and renumber again. `minSize ≤ 0` only fills holes.
 */
export function fillHolesAndRemoveSmallMasks(
	masks: Uint32Array,
	height: number,
	width: number,
	minSize: number,
	compat: boolean
): void {
	if (minSize > 0) removeSmallMasks(masks, minSize, compat);
	const { maxLabel, box } = labelBoxes(masks, height, width);
	let maxArea = 0;
	for (let l = 1; l <= maxLabel; l++) {
		if (box[4 * l] < 0) continue;
		const a = (box[4 * l + 1] - box[4 * l] + 1) * (box[4 * l + 3] - box[4 * l + 2] + 1);
		if (a > maxArea) maxArea = a;
	}
	const crop = new Uint8Array(maxArea);
	const stack = new Int32Array(maxArea);
	let j = 0;
	for (let l = 1; l <= maxLabel; l++) {
		const b = 4 * l;
		if (box[b] < 0) continue;
		const r0 = box[b];
		const c0 = box[b + 2];
		const h = box[b + 1] - r0 + 1;
		const w = box[b + 3] - c0 + 1;
		for (let r = 0; r < h; r++) {
			const row = (r0 + r) * width + c0;
			for (let c = 0; c < w; c++) crop[r * w + c] = masks[row + c] === l ? 1 : 0;
		}
		fillHolesBinary(crop, h, w, stack);
		j++;
		for (let r = 0; r < h; r++) {
			const row = (r0 + r) * width + c0;
			for (let c = 0; c < w; c++) if (crop[r * w + c]) masks[row + c] = j;
		}
	}
	if (minSize > 0) removeSmallMasks(masks, minSize, compat);
}
