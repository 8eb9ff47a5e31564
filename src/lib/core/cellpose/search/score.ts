/**
 * Scoring settings on cached network output: the masks of each setting (through the stages of
 * stages.ts, or `masksFromFlows` when the flows are not at the image size) and Cellpose's average
 * precision against the annotation, per image and as the mean over images.
 */
import type { Labels } from '../../raster/types';
import { averagePrecision } from '../../metrics/ap';
import { masksFromFlows, type NetworkFlows } from '../masks-from-flows';
import { deriveNiter } from '../params';
import { CancelledError, type AbortLike } from '../pipeline';
import type { SearchSetting } from './space';
import { applyFlowQc, finishMasks, flowQcRemovedCount, flowStage, type FlowStage } from './stages';

/** IoU thresholds scored; the search maximises the first. */
export const SEARCH_IOU_THRESHOLDS = [0.5, 0.75, 0.9] as const;

/** One setting tried, with its scores. */
export interface SearchRow extends SearchSetting {
	/** The rescale factor of the diameter and the Euler steps actually run (niter 0 derived from it). */
	rescale: number;
	niterUsed: number;
	/** Mean over images (float64) of Cellpose's float32 per-image AP at IoU 0.5, 0.75, 0.9. */
	ap50: number;
	ap75: number;
	ap90: number;
	/** Per image, in the order given. */
	perImage: { ap50: number[]; ap75: number[]; ap90: number[]; masks: number[] };
}

/** The network output of one image at one diameter, with its annotation. */
export interface CachedFlows extends NetworkFlows {
	name: string;
	/** The original image size (that of `truth`). */
	height: number;
	width: number;
	truth: Labels;
}

/**
 * Row order: higher AP@0.5, then AP@0.75, then AP@0.9; on a full tie the earlier row wins
 * (returns < 0 when `a` is better).
 */
export function compareRows(a: SearchRow, b: SearchRow): number {
	return b.ap50 - a.ap50 || b.ap75 - a.ap75 || b.ap90 - a.ap90;
}

/** The best row (the first among equals). */
export function bestRow(rows: readonly SearchRow[]): SearchRow {
	if (rows.length === 0) throw new RangeError('bestRow: no rows');
	let best = rows[0];
	for (const r of rows) if (compareRows(r, best) < 0) best = r;
	return best;
}

/** Rows best first (stable: equal rows keep their order), as the CSV and the table list them. */
export function rankRows(rows: readonly SearchRow[]): SearchRow[] {
	return rows
		.map((r, i) => ({ r, i }))
		.sort((x, y) => compareRows(x.r, y.r) || x.i - y.i)
		.map((x) => x.r);
}

function mean(a: readonly number[]): number {
	let s = 0;
	for (const v of a) s += v;
	return s / a.length;
}

export interface ScoreContext {
	flows: readonly CachedFlows[];
	diameter: number;
	rescale: number;
	resample: boolean;
	maxSizeFraction: number;
	compat: boolean;
	yieldNow: () => Promise<void>;
	signal?: AbortLike;
	onStage?: (image: number, rowsDone: number, stages: number, best: SearchRow | null) => void;
	stages: number;
	/** The best row of the batches scored so far, and how many rows are scored on every image. */
	best: SearchRow | null;
	rowsDone: number;
	/** Stages kept between batches (the refinement revisits them), least recently used first. */
	cache: Map<string, FlowStage>;
	cacheBytes: number;
}

/** Memory the stage cache may hold (masks and flow errors of recent stages). */
const STAGE_CACHE_BYTES = 256 * 2 ** 20;

function stageBytes(s: FlowStage): number {
	return s.masks.byteLength + (s.errors?.byteLength ?? 8 * (s.nMasks + 1));
}

/** The stage of image `i` for a cellprob threshold and Euler steps, from the cache or computed. */
function stageFor(ctx: ScoreContext, i: number, cellprob: number, niter: number): FlowStage {
	const key = `${i}|${cellprob}|${niter}`;
	const hit = ctx.cache.get(key);
	if (hit) {
		ctx.cache.delete(key);
		ctx.cache.set(key, hit);
		return hit;
	}
	const f = ctx.flows[i];
	const stage = flowStage(f.dP, f.cellprob, f.height, f.width, cellprob, niter, ctx.maxSizeFraction, ctx.compat);
	ctx.stages++;
	const bytes = stageBytes(stage);
	for (const [k, old] of ctx.cache) {
		if (ctx.cacheBytes + bytes <= STAGE_CACHE_BYTES) break;
		ctx.cache.delete(k);
		ctx.cacheBytes -= stageBytes(old);
	}
	if (bytes <= STAGE_CACHE_BYTES) {
		ctx.cache.set(key, stage);
		ctx.cacheBytes += bytes;
	}
	return stage;
}

/**
 * Score settings that share one diameter:
 * grouped by (cellprob, Euler steps), one stage per group and image. Rows come back in the order given.
 */
export async function scoreSettings(ctx: ScoreContext, settings: readonly SearchSetting[]): Promise<SearchRow[]> {
	const nImg = ctx.flows.length;
	const rows: SearchRow[] = settings.map((s) => ({
		...s,
		rescale: ctx.rescale,
		niterUsed: deriveNiter({ niter: s.niter, resample: ctx.resample }, ctx.rescale).niter,
		ap50: NaN,
		ap75: NaN,
		ap90: NaN,
		perImage: { ap50: new Array<number>(nImg), ap75: new Array<number>(nImg), ap90: new Array<number>(nImg), masks: new Array<number>(nImg) }
	}));
	const groups = new Map<string, SearchRow[]>();
	for (const r of rows) {
		const k = `${r.cellprob}|${r.niterUsed}`;
		const g = groups.get(k);
		if (g) g.push(r);
		else groups.set(k, [r]);
	}
	for (const group of groups.values()) {
		const { cellprob, niterUsed } = group[0];
		for (let i = 0; i < nImg; i++) {
			if (ctx.signal?.aborted) throw new CancelledError('parameter search cancelled');
			const f = ctx.flows[i];
			const { height: H, width: W } = f;
			const scored = new Map<string, [number, number, number, number]>();
			const score = (masks: Uint32Array): [number, number, number, number] => {
				const ap = averagePrecision(f.truth.data, masks, SEARCH_IOU_THRESHOLDS, { cellpose31Compat: ctx.compat });
				let max = 0;
				for (let p = 0; p < masks.length; p++) if (masks[p] > max) max = masks[p];
				return [ap.ap[0], ap.ap[1], ap.ap[2], max];
			};
			if (f.flowHeight === H && f.flowWidth === W) {
				const stage = stageFor(ctx, i, cellprob, niterUsed);
				for (const r of group) {
					const key = `${flowQcRemovedCount(stage, r.flowThreshold)}|${r.minSize > 0 ? r.minSize : 0}`;
					let s = scored.get(key);
					if (!s) {
						s = score(finishMasks(applyFlowQc(stage, r.flowThreshold), H, W, r.minSize, ctx.compat));
						scored.set(key, s);
					}
					[r.perImage.ap50[i], r.perImage.ap75[i], r.perImage.ap90[i], r.perImage.masks[i]] = s;
				}
			} else {
				// resample off: the masks are resized before the hole filling; no shared stages.
				ctx.stages++;
				for (const r of group) {
					const key = `${r.flowThreshold}|${r.minSize}`;
					let s = scored.get(key);
					if (!s) {
						const m = masksFromFlows(f, H, W, {
							niter: niterUsed,
							cellprobThreshold: cellprob,
							flowThreshold: r.flowThreshold,
							minSize: r.minSize,
							maxSizeFraction: ctx.maxSizeFraction,
							cellpose31Compat: ctx.compat
						});
						s = score(m.data);
						scored.set(key, s);
					}
					[r.perImage.ap50[i], r.perImage.ap75[i], r.perImage.ap90[i], r.perImage.masks[i]] = s;
				}
			}
			if (i === nImg - 1) ctx.rowsDone += group.length;
			ctx.onStage?.(i, ctx.rowsDone, ctx.stages, ctx.best);
			await ctx.yieldNow();
		}
	}
	for (const r of rows) {
		r.ap50 = mean(r.perImage.ap50);
		r.ap75 = mean(r.perImage.ap75);
		r.ap90 = mean(r.perImage.ap90);
		if (!ctx.best || compareRows(r, ctx.best) < 0) ctx.best = r;
	}
	return rows;
}

