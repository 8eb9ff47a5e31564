/**
 * Segmentation parameter search: which diameter, cellprob threshold, niter, flow threshold and
 * min size give the highest mean AP at IoU 0.5 (Cellpose `metrics.average_precision`) on annotated
 * images. The original app runs an Optuna TPE search that re-runs the whole model per trial
 * (mycol-reference.md §4); here the network runs once per image per diameter and every other
 * parameter is scored on that cached output:
 *
 * - per (cellprob threshold, niter) the Euler steps and `get_masks` run once per image (a "stage");
 * - each flow threshold × min size of a stage then costs a hole fill and an AP (flow errors are
 *   computed once per stage; thresholds that remove the same labels share their masks);
 * - `coarse-to-fine` (default) scores every other value of each axis first (Cellpose's defaults
 *   included), then every grid neighbour (±1 step on any axis) of the best setting, until the best
 *   stops moving; `grid` scores every setting.
 *
 * Every row is scored on all images; the search is deterministic (no randomness, fixed order).
 * Masks are those `segment()` gives for the same setting: the network part is `segment()` itself
 * and the dynamics are `masksFromFlows` or its staged equivalent (stages.ts, scored in score.ts).
 */
import { LIMITS, ParamError, formatCount } from '../../formats/errors';
import type { Labels, Raster } from '../../raster/types';
import { resolveParams, type CellposeParams, type ModelDiameters } from '../params';
import { segment, type AbortLike, type CellposeNet } from '../pipeline';
import { bestRow, compareRows, scoreSettings, type CachedFlows, type ScoreContext, type SearchRow } from './score';
import { CELLPOSE_DEFAULT_SETTING, ORIGINAL_FIRST_TRIAL, defaultSearchSpace, normalizeSearchSpace, originalSearchSpace, settingKey, truthDiameter, type SearchSetting, type SearchSpace } from './space';
import { checkFlows } from './stages';

export type SearchStrategy = 'coarse-to-fine' | 'grid';

/** Segmentation parameters that stay fixed during the search. */
export type SearchFixedParams = Partial<Omit<CellposeParams, 'diameter' | 'rescale' | 'flowThreshold' | 'cellprobThreshold' | 'minSize' | 'niter'>>;

export interface DynamicsOptions {
	strategy?: SearchStrategy;
	/** Settings scored in any case (their diameter must be the one searched), first in the table. */
	extra?: readonly SearchSetting[];
	/** Score only `extra` (for a diameter that is not in the space but an extra setting needs). */
	onlyExtra?: boolean;
	maxSizeFraction?: number;
	/** Reproduce Cellpose 3.1's quirks in the dynamics and in the AP's cell counts (largest label). */
	cellpose31Compat?: boolean;
	/** Called between images, e.g. to let a worker take a cancel message (default: nothing). */
	yieldNow?: () => Promise<void>;
}

export interface SearchProgress {
	phase: 'network' | 'masks';
	diameter: number;
	diameterIndex: number;
	diameters: number;
	/** The image being worked on (0-based) and the count. */
	image: number;
	images: number;
	/** Network tiles of the current image. */
	tilesDone: number;
	tilesTotal: number;
	/** Stages (cellprob × niter × image) computed and settings scored so far, over all diameters. */
	stagesDone: number;
	settingsDone: number;
	best: SearchRow | null;
}

export interface SearchImage {
	/** Shown in messages (file name). */
	name?: string;
	raster: Raster;
	truth: Labels;
}

export interface SearchOptions extends DynamicsOptions {
	model: ModelDiameters;
	fixed?: SearchFixedParams;
	/**
	 * The space when `space` is not given: 'default' (`defaultSearchSpace` of the model and the
	 * masks' median diameter) or 'original' (the original app's Optuna space). With 'original' the
	 * original's queued first trial is scored too (unless `extra` is given).
	 */
	preset?: SearchPreset;
	space?: SearchSpace;
}

export type SearchPreset = 'default' | 'original';

export interface SearchResult {
	/** Every setting tried, in the order tried. */
	rows: SearchRow[];
	best: SearchRow;
	/** Cellpose's default setting (always scored, also when not in the space). */
	defaults: SearchRow;
	space: SearchSpace;
	strategy: SearchStrategy;
	imageNames: string[];
	/** The annotated cells' median diameter (Cellpose `utils.diameters`, median over images). */
	cellDiameter: number;
	networkRuns: number;
	stages: number;
	networkMs: number;
	masksMs: number;
}

/** Indices for the coarse pass: all when few, else every other one plus the last and the default value's. */
function coarseIndices(values: readonly number[], preferred: number): number[] {
	const L = values.length;
	if (L <= 4) return values.map((_, i) => i);
	const set = new Set<number>();
	for (let i = 0; i < L; i += 2) set.add(i);
	set.add(L - 1);
	const d = values.indexOf(preferred);
	if (d >= 0) set.add(d);
	return [...set].sort((a, b) => a - b);
}

/** Extra settings checked as the space's values are (copies). */
function checkSettings(settings: readonly SearchSetting[]): SearchSetting[] {
	return settings.map((s) => {
		normalizeSearchSpace({ diameters: [s.diameter], cellprob: [s.cellprob], flowThreshold: [s.flowThreshold], niter: [s.niter], minSize: [s.minSize] });
		return { diameter: s.diameter, cellprob: s.cellprob, flowThreshold: s.flowThreshold, niter: s.niter, minSize: s.minSize };
	});
}

/**
 * Search the dynamics parameters (cellprob, niter, flow threshold, min size) for one diameter on
 * cached network output. `rescale` is that diameter's rescale factor (it derives niter 0).
 * Returns every row scored, extras first, then in the order tried.
 */
export async function searchDynamics(
	flows: readonly CachedFlows[],
	axes: Pick<SearchSpace, 'cellprob' | 'flowThreshold' | 'niter' | 'minSize'>,
	at: { diameter: number; rescale: number; resample?: boolean },
	opts: DynamicsOptions = {},
	onStage?: (image: number, rowsDone: number, stages: number, best: SearchRow | null) => void,
	signal?: AbortLike
): Promise<{ rows: SearchRow[]; stages: number }> {
	if (flows.length === 0) throw new ParamError(undefined, 'no annotated images to search on');
	const space = normalizeSearchSpace({ diameters: [at.diameter], ...axes });
	for (const f of flows) {
		if (f.truth.width !== f.width || f.truth.height !== f.height) {
			throw new ParamError(f.name, `the mask is ${f.truth.width} × ${f.truth.height} pixels but the image is ${f.width} × ${f.height}`);
		}
		checkFlows(f.dP, f.cellprob, f.flowHeight, f.flowWidth, f.name);
	}
	const ctx: ScoreContext = {
		flows,
		diameter: at.diameter,
		rescale: at.rescale,
		resample: at.resample ?? true,
		maxSizeFraction: opts.maxSizeFraction ?? 0.4,
		compat: opts.cellpose31Compat ?? false,
		yieldNow: opts.yieldNow ?? (() => Promise.resolve()),
		signal,
		onStage,
		stages: 0,
		best: null,
		rowsDone: 0,
		cache: new Map(),
		cacheBytes: 0
	};
	const seen = new Set<string>();
	const rows: SearchRow[] = [];
	const fresh = (s: SearchSetting): boolean => {
		const k = settingKey(s);
		if (seen.has(k)) return false;
		seen.add(k);
		return true;
	};
	// Settings as index tuples into the axes: [cellprob, niter, flow threshold, min size].
	const axesList = [space.cellprob, space.niter, space.flowThreshold, space.minSize] as const;
	const preferred = [CELLPOSE_DEFAULT_SETTING.cellprob, CELLPOSE_DEFAULT_SETTING.niter, CELLPOSE_DEFAULT_SETTING.flowThreshold, CELLPOSE_DEFAULT_SETTING.minSize];
	const toSetting = (t: readonly number[]): SearchSetting => ({
		diameter: at.diameter,
		cellprob: axesList[0][t[0]],
		niter: axesList[1][t[1]],
		flowThreshold: axesList[2][t[2]],
		minSize: axesList[3][t[3]]
	});
	const product = (lists: readonly (readonly number[])[]): number[][] =>
		lists.reduce<number[][]>((acc, list) => acc.flatMap((t) => list.map((i) => [...t, i])), [[]]);
	const extras = checkSettings(opts.extra ?? []).filter((s) => s.diameter === at.diameter && fresh(s));
	const strategy = opts.strategy ?? 'coarse-to-fine';
	const first = opts.onlyExtra
		? []
		: product(axesList.map((values, a) => (strategy === 'grid' ? values.map((_, i) => i) : coarseIndices(values, preferred[a]))));
	rows.push(...(await scoreSettings(ctx, [...extras, ...first.map(toSetting).filter(fresh)])));
	if (opts.onlyExtra || strategy === 'grid') return { rows, stages: ctx.stages };

	// Refine: every grid neighbour (±1 step on any of the four axes) of the best, until it stops moving.
	const onGrid = (r: SearchRow): boolean => axesList[0].includes(r.cellprob) && axesList[1].includes(r.niter) && axesList[2].includes(r.flowThreshold) && axesList[3].includes(r.minSize);
	for (;;) {
		const gridRows = rows.filter(onGrid);
		if (gridRows.length === 0) break;
		const b = bestRow(gridRows);
		const centre = [axesList[0].indexOf(b.cellprob), axesList[1].indexOf(b.niter), axesList[2].indexOf(b.flowThreshold), axesList[3].indexOf(b.minSize)];
		const around = product(centre.map((c, a) => [c - 1, c, c + 1].filter((i) => i >= 0 && i < axesList[a].length)));
		const next = around.map(toSetting).filter(fresh);
		if (next.length === 0) break;
		rows.push(...(await scoreSettings(ctx, next)));
	}
	return { rows, stages: ctx.stages };
}

/** Network output the search keeps at once, at most (all images at one diameter). */
const MAX_CACHED_BYTES = LIMITS.maxBytes;

/**
 * Search segmentation parameters on annotated images. For each diameter (ascending) the network
 * runs once per image (`segment()` with the dynamics switched off), then `searchDynamics` scores
 * the other parameters on that output; only one diameter's output is kept at a time. Cellpose's
 * default setting is always scored. Cancels with a CancelledError through `signal`.
 */
export async function searchParameters(
	images: readonly SearchImage[],
	net: CellposeNet,
	opts: SearchOptions,
	onProgress?: (p: SearchProgress) => void,
	signal?: AbortLike
): Promise<SearchResult> {
	if (images.length === 0) throw new ParamError(undefined, 'no annotated images to search on; give images with their masks');
	const names = images.map((im, i) => im.name ?? `image ${i + 1}`);
	images.forEach((im, i) => {
		const { raster, truth } = im;
		if (truth.width !== raster.width || truth.height !== raster.height) {
			throw new ParamError(names[i], `the mask is ${truth.width} × ${truth.height} pixels but the image is ${raster.width} × ${raster.height}`);
		}
		let any = false;
		for (let p = 0; p < truth.data.length && !any; p++) if (truth.data[p] !== 0) any = true;
		if (!any) throw new ParamError(names[i], 'the mask has no cells, so it cannot score a setting; annotate it or leave the image out');
	});
	let cached = 0;
	for (const im of images) cached += 3 * 4 * im.raster.width * im.raster.height;
	if (cached > MAX_CACHED_BYTES) {
		throw new ParamError(
			undefined,
			`the ${images.length} images need ${formatCount(cached / 2 ** 20)} MiB of network output at once (limit ${formatCount(MAX_CACHED_BYTES / 2 ** 20)} MiB); search on fewer or smaller images`
		);
	}
	const fixed = opts.fixed ?? {};
	// Validates the fixed parameters and the model's diameters once, up front.
	const base = resolveParams({ ...fixed, ...opts.model });
	const cellDiameter = truthDiameter(images.map((im) => im.truth));
	const preset = opts.preset ?? 'default';
	const space = normalizeSearchSpace(opts.space ?? (preset === 'original' ? originalSearchSpace() : defaultSearchSpace(opts.model, cellDiameter)));
	const extra = checkSettings(opts.extra ?? (preset === 'original' ? [CELLPOSE_DEFAULT_SETTING, ORIGINAL_FIRST_TRIAL] : [CELLPOSE_DEFAULT_SETTING]));
	const hasDefault = extra.some((s) => settingKey(s) === settingKey(CELLPOSE_DEFAULT_SETTING));
	const extras = hasDefault ? [...extra] : [CELLPOSE_DEFAULT_SETTING, ...extra];
	const diameters = [...new Set([...space.diameters, ...extras.map((s) => s.diameter)])].sort((a, b) => a - b);
	const strategy = opts.strategy ?? 'coarse-to-fine';

	const rows: SearchRow[] = [];
	let best: SearchRow | null = null;
	let stages = 0;
	let networkRuns = 0;
	let networkMs = 0;
	let masksMs = 0;
	const progress = (
		p: Omit<SearchProgress, 'diameters' | 'images' | 'stagesDone' | 'settingsDone' | 'best'>,
		stagesDone: number,
		settingsDone: number,
		bestHere: SearchRow | null = null
	): void => {
		const b = best && bestHere ? (compareRows(bestHere, best) < 0 ? bestHere : best) : (best ?? bestHere);
		onProgress?.({ ...p, diameters: diameters.length, images: images.length, stagesDone, settingsDone, best: b });
	};

	for (let di = 0; di < diameters.length; di++) {
		const diameter = diameters[di];
		const t0 = performance.now();
		let flows: CachedFlows[] = [];
		let rescale = 1;
		for (let i = 0; i < images.length; i++) {
			const im = images[i];
			// The network part of `segment()`: a cellprob threshold no logit exceeds leaves the dynamics nothing to do.
			const r = await segment(
				im.raster,
				{ ...fixed, ...opts.model, diameter, cellprobThreshold: Number.MAX_VALUE, flowThreshold: 0, minSize: 0, niter: null },
				net,
				(sp) => progress({ phase: 'network', diameter, diameterIndex: di, image: i, tilesDone: sp.tilesDone, tilesTotal: sp.tilesTotal }, stages, rows.length),
				signal
			);
			networkRuns++;
			rescale = r.rescale;
			flows.push({ name: names[i], dP: r.dP, cellprob: r.cellprob, flowHeight: r.flowHeight, flowWidth: r.flowWidth, height: im.raster.height, width: im.raster.width, truth: im.truth });
		}
		const t1 = performance.now();
		networkMs += t1 - t0;
		const found = await searchDynamics(
			flows,
			space,
			{ diameter, rescale, resample: base.resample },
			{
				strategy,
				extra: extras,
				onlyExtra: !space.diameters.includes(diameter),
				maxSizeFraction: base.maxSizeFraction,
				cellpose31Compat: base.cellpose31Compat,
				yieldNow: opts.yieldNow
			},
			(image, rowsDone, stagesHere, bestHere) =>
				progress({ phase: 'masks', diameter, diameterIndex: di, image, tilesDone: 0, tilesTotal: 0 }, stages + stagesHere, rows.length + rowsDone, bestHere),
			signal
		);
		flows = [];
		stages += found.stages;
		masksMs += performance.now() - t1;
		rows.push(...found.rows);
		best = bestRow(rows);
	}
	const defaults = rows.find((r) => settingKey(r) === settingKey(CELLPOSE_DEFAULT_SETTING));
	if (!best || !defaults) throw new RangeError('searchParameters: nothing was scored');
	return { rows, best, defaults, space, strategy, imageNames: names, cellDiameter, networkRuns, stages, networkMs, masksMs };
}
