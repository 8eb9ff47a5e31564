/**
 * Per-image aggregation, so that tests compare biological replicates rather than cells: cells of
 * one image are not independent, and treating thousands of them as the sample makes tiny,
 * meaningless differences "significant". Each (group, image) pair becomes one value, the median
 * (default) or mean of its cells.
 */
import { ParamError, formatCount } from '../../formats/errors';
import { median } from './effect-size';

export type AggregateStatistic = 'median' | 'mean';

export interface CellValues {
	/** One measurement per cell. */
	readonly values: Float64Array;
	/** The image each cell comes from. */
	readonly image: readonly string[];
	/** The group (class, condition) each cell belongs to. */
	readonly group: readonly string[];
}

export interface AggregateOptions {
	readonly statistic?: AggregateStatistic;
	/** Groups in this order (those without cells come back empty); default: order of first appearance. */
	readonly groups?: readonly string[];
}

export interface ImageGroup {
	readonly name: string;
	/** One value per image, in order of first appearance. */
	readonly values: Float64Array;
	/** The image behind each value. */
	readonly images: string[];
	/** Cells behind each value. */
	readonly cells: Int32Array;
}

/**
 * One value per image and group: the median (or mean) of that image's cells in that group. Cells
 * whose value is NaN (a measure undefined for that cell) are left out; an image whose cells in a
 * group are all NaN contributes nothing to that group.
 */
export function aggregateByImage(cells: CellValues, options: AggregateOptions = {}): ImageGroup[] {
	const n = cells.values.length;
	if (cells.image.length !== n || cells.group.length !== n) {
		throw new ParamError(
			undefined,
			`the per-cell table gives ${formatCount(n)} values but ${formatCount(cells.image.length)} image names and ${formatCount(cells.group.length)} group names`
		);
	}
	const statistic = options.statistic ?? 'median';
	if (statistic !== 'median' && statistic !== 'mean') {
		throw new ParamError(undefined, `images can be summarised by their median or mean, not by “${String(statistic)}”`);
	}
	// group -> image -> cell indices, both in first-appearance order (Map keeps insertion order)
	const byGroup = new Map<string, Map<string, number[]>>();
	for (const g of options.groups ?? []) if (!byGroup.has(g)) byGroup.set(g, new Map());
	for (let i = 0; i < n; i++) {
		if (Number.isNaN(cells.values[i])) continue;
		const g = cells.group[i];
		let images = byGroup.get(g);
		if (!images) {
			if (options.groups) continue;
			images = new Map();
			byGroup.set(g, images);
		}
		let list = images.get(cells.image[i]);
		if (!list) {
			list = [];
			images.set(cells.image[i], list);
		}
		list.push(i);
	}
	const out: ImageGroup[] = [];
	for (const [name, images] of byGroup) {
		const values = new Float64Array(images.size);
		const counts = new Int32Array(images.size);
		const names: string[] = [];
		let k = 0;
		for (const [image, list] of images) {
			const v = new Float64Array(list.length);
			for (let j = 0; j < list.length; j++) v[j] = cells.values[list[j]];
			values[k] = statistic === 'median' ? median(v) : mean(v);
			counts[k] = list.length;
			names.push(image);
			k++;
		}
		out.push({ name, values, images: names, cells: counts });
	}
	return out;
}

function mean(v: Float64Array): number {
	let s = 0;
	for (let i = 0; i < v.length; i++) s += v[i];
	return s / v.length;
}
