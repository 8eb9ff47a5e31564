/**
 * The segmentation parameter search space: cell diameter (the network input's scale), cellprob
 * threshold, niter, flow threshold and min size (the dynamics). A default grid sized for a laptop,
 * built from the model and the annotated masks, and the original app's Optuna space
 * (mycol-reference.md §4) as an option.
 */
import { ParamError, formatCount } from '../../formats/errors';
import type { Labels } from '../../raster/types';
import { medianCellDiameter } from '../diameter';
import { CELLPOSE_DEFAULTS, type ModelDiameters } from '../params';

/** One setting. `diameter` 0 = the model's own; `niter` 0 = derived from the diameter (as Cellpose). */
export interface SearchSetting {
	diameter: number;
	cellprob: number;
	flowThreshold: number;
	niter: number;
	minSize: number;
}

/** The values tried on each axis (each sorted ascending, no repeats). */
export interface SearchSpace {
	diameters: readonly number[];
	cellprob: readonly number[];
	flowThreshold: readonly number[];
	niter: readonly number[];
	minSize: readonly number[];
}

/** Cellpose 3.1 `CellposeModel.eval`'s defaults as a setting; every search scores it. */
export const CELLPOSE_DEFAULT_SETTING: Readonly<SearchSetting> = Object.freeze({
	diameter: 0,
	cellprob: CELLPOSE_DEFAULTS.cellprobThreshold,
	flowThreshold: CELLPOSE_DEFAULTS.flowThreshold,
	niter: 0,
	minSize: CELLPOSE_DEFAULTS.minSize
});

/** The original app's first (queued) Optuna trial (mycol-reference.md §4); its diameter is None. */
export const ORIGINAL_FIRST_TRIAL: Readonly<SearchSetting> = Object.freeze({
	diameter: 0,
	cellprob: 0.2,
	flowThreshold: 0.4,
	niter: 1000,
	minSize: 100
});

/** Most settings one search may try (an exhaustive grid is refused above this). */
export const MAX_SETTINGS = 200_000;

/** `lo, lo + step, …, hi` as the decimals they stand for (−0.2 + 3·0.2 is 0.4, not 0.4000000000000001). */
export function steps(lo: number, hi: number, step: number): number[] {
	if (!(step > 0) || !Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) {
		throw new ParamError(undefined, `cannot make a range from ${lo} to ${hi} in steps of ${step}`);
	}
	const n = Math.round((hi - lo) / step);
	const out: number[] = [];
	for (let k = 0; k <= n; k++) out.push(Number((lo + k * step).toFixed(10)));
	return out;
}

/** The original app's Optuna space (mycol-reference.md §4), diameter None (the model's own). */
export function originalSearchSpace(): SearchSpace {
	return {
		diameters: [0],
		cellprob: steps(-0.2, 0.6, 0.2),
		flowThreshold: steps(-0.2, 0.6, 0.2),
		niter: steps(100, 1000, 100),
		minSize: steps(0, 500, 50)
	};
}

/**
 * The annotated cells' diameter: the median over images of each mask's Cellpose diameter
 * (`utils.diameters`: the disk with the median cell's area); 0 when no mask has cells.
 */
export function truthDiameter(truths: readonly Labels[]): number {
	const d = truths.map((t) => medianCellDiameter(t.data)).filter((v) => v > 0).sort((a, b) => a - b);
	if (d.length === 0) return 0;
	const m = d.length;
	return m % 2 ? d[(m - 1) / 2] : (d[m / 2 - 1] + d[m / 2]) / 2;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * Diameters to try: 0 (the model's own, `diam_labels`) and the annotated cells' diameter with
 * 0.8× and 1.25× around it, to 0.1 px. A candidate within 5 % of one already taken is dropped
 * (diameter 0 counts as the model's `diam_labels`), since the network output barely changes.
 */
export function diameterCandidates(model: ModelDiameters, cellDiameter: number): number[] {
	const taken: { d: number; eff: number }[] = [{ d: 0, eff: model.diamLabels }];
	const wanted = cellDiameter > 0 ? [cellDiameter, cellDiameter * 0.8, cellDiameter * 1.25] : [];
	for (const raw of wanted) {
		const d = round1(raw);
		if (!(d > 0)) continue;
		if (taken.some((t) => Math.abs(Math.log(d / t.eff)) < Math.log(1.05))) continue;
		taken.push({ d, eff: d });
	}
	return taken.map((t) => t.d).sort((a, b) => a - b);
}

/**
 * Min sizes to try: off (0), Cellpose's 15, and a tenth, a quarter and a half of the area of a disk
 * of the given diameter, rounded to 5 px.
 */
export function minSizeCandidates(cellDiameter: number): number[] {
	const area = (Math.PI * cellDiameter * cellDiameter) / 4;
	const out = new Set<number>([0, CELLPOSE_DEFAULTS.minSize]);
	for (const f of [0.1, 0.25, 0.5]) {
		const v = Math.round((area * f) / 5) * 5;
		if (v > 0) out.add(v);
	}
	return [...out].sort((a, b) => a - b);
}

/**
 * The default grid, sized for a laptop: diameters as `diameterCandidates` (one network run per
 * image each), cellprob −2…2 in steps of 0.5, niter derived (0) or 400, flow threshold 0 (off)…1
 * in steps of 0.1, min sizes as `minSizeCandidates` of the annotated cells' diameter.
 */
export function defaultSearchSpace(model: ModelDiameters, cellDiameter: number): SearchSpace {
	const d = cellDiameter > 0 ? cellDiameter : model.diamLabels;
	return {
		diameters: diameterCandidates(model, cellDiameter),
		cellprob: steps(-2, 2, 0.5),
		flowThreshold: steps(0, 1, 0.1),
		niter: [0, 400],
		minSize: minSizeCandidates(d)
	};
}

function axis(name: string, values: readonly number[], check: (v: number) => string | null): number[] {
	if (!Array.isArray(values) || values.length === 0) throw new ParamError(undefined, `the search space has no ${name} values`);
	for (const v of values) {
		if (typeof v !== 'number' || !Number.isFinite(v)) throw new ParamError(undefined, `the ${name} value ${v} is not a finite number`);
		const why = check(v);
		if (why) throw new ParamError(undefined, `the ${name} value ${v} ${why}`);
	}
	return [...new Set(values)].sort((a, b) => a - b);
}

const wholeOrZero = (v: number): string | null => (Number.isInteger(v) && v >= 0 ? null : 'must be a whole number, 0 or more');

/**
 * The space checked (every value finite; diameters ≥ 0; niter and min size whole numbers ≥ 0, as
 * the hyperparameter CSV stores them) with each axis sorted and without repeats.
 */
export function normalizeSearchSpace(space: SearchSpace): SearchSpace {
	const s: SearchSpace = {
		diameters: axis('diameter', space.diameters, (v) => (v >= 0 ? null : 'must be 0 (the model’s own) or a positive number of pixels')),
		cellprob: axis('cell probability threshold', space.cellprob, () => null),
		flowThreshold: axis('flow threshold', space.flowThreshold, () => null),
		niter: axis('niter', space.niter, (v) => (v < 2 ** 32 ? wholeOrZero(v) : 'is too large')),
		minSize: axis('minimum size', space.minSize, wholeOrZero)
	};
	const n = searchSpaceSize(s);
	if (n > MAX_SETTINGS) {
		throw new ParamError(undefined, `the search space has ${formatCount(n)} settings, more than ${formatCount(MAX_SETTINGS)}; use fewer values`);
	}
	return s;
}

/** Number of settings in the full grid. */
export function searchSpaceSize(s: SearchSpace): number {
	return s.diameters.length * s.cellprob.length * s.flowThreshold.length * s.niter.length * s.minSize.length;
}

/** A setting as a stable text key (for de-duplication). */
export function settingKey(s: SearchSetting): string {
	return `${s.diameter}|${s.cellprob}|${s.flowThreshold}|${s.niter}|${s.minSize}`;
}
