/**
 * Training targets from a label image, as Cellpose 3.1 `dynamics.labels_to_flows` makes them and
 * the batch loader uses them (spec §6.3): `[cellprob, dY, dX]`, (3, H, W) float32, where cellprob
 * is 1 inside any mask and 0 outside and (dY, dX) are the unit flows of `masks_to_flows_cpu`.
 */
import { ParamError } from '../../formats/errors';
import { masksToFlowsCpu } from '../flows';

export interface TrainingTargets {
	width: number;
	height: number;
	/** (3, H, W): cellprob (0/1), dY, dX (unit vectors inside masks, 0 outside). */
	data: Float32Array;
	/** Distinct non-zero labels (what `min_train_masks` counts). */
	masks: number;
	/** `utils.diameters` of the labels (0 when there are none; the floor of 5 is applied later). */
	diameter: number;
}

/**
 * Cellpose 3.1 `utils.diameters`: per-label pixel counts with the first value of `unique(masks)`
 * dropped — the background when there is one, otherwise the smallest label (a quirk kept here,
 * since a label image that tiles the whole image then loses one cell) — then
 * `median(√count) / (√π / 2)`, or 0 for no cells.
 */
export function cellposeDiameters(labels: ArrayLike<number>): number {
	const counts = new Map<number, number>();
	let hasZero = false;
	let min = Infinity;
	for (let i = 0; i < labels.length; i++) {
		const v = labels[i];
		if (v === 0) {
			hasZero = true;
			continue;
		}
		counts.set(v, (counts.get(v) ?? 0) + 1);
		if (v < min) min = v;
	}
	if (!hasZero && counts.size > 0) counts.delete(min);
	if (counts.size === 0) return 0;
	const roots = Float64Array.from(counts.values(), (c) => Math.sqrt(c)).sort();
	const m = roots.length;
	const median = m % 2 ? roots[(m - 1) / 2] : (roots[m / 2 - 1] + roots[m / 2]) / 2;
	return median / (Math.sqrt(Math.PI) / 2);
}

/** The targets of one label image (H × W ids, 0 = background). */
export function trainingTargets(labels: Uint32Array, height: number, width: number, file?: string): TrainingTargets {
	if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || labels.length !== height * width) {
		throw new ParamError(file, `the mask holds ${labels.length} values, not the ${width} × ${height} of its image`);
	}
	const n = height * width;
	const mu = masksToFlowsCpu(labels, height, width);
	const data = new Float32Array(3 * n);
	const ids = new Set<number>();
	for (let i = 0; i < n; i++) {
		const v = labels[i];
		if (v !== 0) {
			data[i] = 1;
			ids.add(v);
		}
		data[n + i] = mu[i];
		data[2 * n + i] = mu[n + i];
	}
	return { width, height, data, masks: ids.size, diameter: cellposeDiameters(labels) };
}
