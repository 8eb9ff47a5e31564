/**
 * Segmentation parameters with the defaults of Cellpose 3.1 `CellposeModel.eval`, their checks,
 * and the derived rescale factor and Euler step count (spec §3.2, §3.10).
 */
import { ParamError } from '../formats/errors';
import type { CellposeChannels } from './channels';
import type { NormalizeOptions } from './normalize';

export interface CellposeParams {
	/** `channels`: `[segment, nucleus]`, 1-based, 0 = grey/none; null = the first two channels. */
	channels: CellposeChannels | null;
	/** Cell diameter in pixels; null or 0 = the model's own (`diam_mean / diam_labels`). */
	diameter: number | null;
	/** Resize factor, used only when no diameter is given (null = the model's). */
	rescale: number | null;
	/** Percentile normalisation (`normalize`). */
	normalize: boolean;
	/** Normalisation percentiles (`normalize={"percentile": …}`). */
	percentile: readonly [number, number];
	/** Fixed normalisation range (`normalize={"lowhigh": …}`), overrides the percentiles. */
	lowhigh: NormalizeOptions['lowhigh'];
	/** Invert intensities after normalising (cells dark on bright). */
	invert: boolean;
	/** Flow-error QC threshold; ≤ 0 turns the QC off. */
	flowThreshold: number;
	/** Cell-probability logit threshold. */
	cellprobThreshold: number;
	/** Masks with fewer pixels are removed (≤ 0: none). */
	minSize: number;
	/** Masks larger than this fraction of the image are removed. */
	maxSizeFraction: number;
	/** Euler steps; null or 0 = derived from the rescale factor. */
	niter: number | null;
	/** Test-time augmentation: 50 % overlapping flipped tiles. */
	augment: boolean;
	/** Tile overlap fraction (Cellpose clips it to [0.05, 0.5]). */
	tileOverlap: number;
	/** Tile size. */
	bsize: number;
	/** Tiles per network call. */
	batchSize: number;
	/** Run the dynamics at the original size (true) or at the network's (false). */
	resample: boolean;
	/** Reproduce Cellpose 3.1's mask quirks (see dynamics.ts), for parity. */
	cellpose31Compat: boolean;
}

/** Cellpose 3.1 `CellposeModel.eval` defaults (not those of the `models.Cellpose` wrapper). */
export const CELLPOSE_DEFAULTS: Readonly<CellposeParams> = Object.freeze({
	channels: null,
	diameter: null,
	rescale: null,
	normalize: true,
	percentile: [1, 99] as const,
	lowhigh: null,
	invert: false,
	flowThreshold: 0.4,
	cellprobThreshold: 0,
	minSize: 15,
	maxSizeFraction: 0.4,
	niter: null,
	augment: false,
	tileOverlap: 0.1,
	bsize: 224,
	batchSize: 8,
	resample: true,
	cellpose31Compat: false
});

/** What the pipeline needs to know about the model (`CellposeWeights` has these fields). */
export interface ModelDiameters {
	/** `diam_mean`: the diameter the model was trained at (float32 from the file). */
	diamMean: number;
	/** `diam_labels`: the mean diameter of its training cells (float32 from the file). */
	diamLabels: number;
	/**
	 * Built-in model name or null. For a built-in model Cellpose keeps `diam_mean` as a Python
	 * float, so `diam_mean / diam_labels` is a float64 division; otherwise both are float32 and
	 * so is the division.
	 */
	builtin?: string | null;
}

/** Parameters as callers give them: any subset of CellposeParams plus the model's diameters. */
export type SegmentParams = Partial<CellposeParams> & ModelDiameters;

function finite(name: string, v: number): void {
	if (typeof v !== 'number' || !Number.isFinite(v)) throw new ParamError(undefined, `${name} must be a finite number, not ${v}`);
}

/** Defaults filled in and every value checked; throws ParamError with a plain sentence. */
export function resolveParams(p: SegmentParams): CellposeParams & ModelDiameters {
	const defined = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Partial<CellposeParams>;
	const r = { ...CELLPOSE_DEFAULTS, ...defined, diamMean: p.diamMean, diamLabels: p.diamLabels, builtin: p.builtin ?? null };
	for (const [name, v] of [
		["the model's diam_mean", r.diamMean],
		["the model's diam_labels", r.diamLabels]
	] as const) {
		if (!(v > 0) || !Number.isFinite(v)) throw new ParamError(undefined, `${name} must be a positive number, not ${v}`);
	}
	if (r.diameter !== null) {
		finite('the cell diameter', r.diameter);
		if (r.diameter < 0) throw new ParamError(undefined, `the cell diameter must be 0 (use the model's) or a positive number of pixels, not ${r.diameter}`);
	}
	if (r.rescale !== null) {
		finite('the rescale factor', r.rescale);
		if (!(r.rescale > 0)) throw new ParamError(undefined, `the rescale factor must be above 0, not ${r.rescale}`);
	}
	finite('the flow threshold', r.flowThreshold);
	finite('the cell probability threshold', r.cellprobThreshold);
	finite('the minimum cell size', r.minSize);
	finite('the maximum mask size fraction', r.maxSizeFraction);
	if (r.maxSizeFraction < 0) throw new ParamError(undefined, `the maximum mask size fraction must be 0 or more, not ${r.maxSizeFraction}`);
	if (r.niter !== null) {
		finite('the number of Euler steps (niter)', r.niter);
		if (r.niter < 0 || r.niter >= 2 ** 32) throw new ParamError(undefined, `the number of Euler steps (niter) must be between 0 and 2^32, not ${r.niter}`);
	}
	finite('the tile overlap', r.tileOverlap);
	if (r.tileOverlap < 0 || r.tileOverlap > 1) throw new ParamError(undefined, `the tile overlap must be a fraction between 0 and 1, not ${r.tileOverlap}`);
	if (!Number.isInteger(r.bsize) || r.bsize < 16 || r.bsize > 2048 || r.bsize % 16 !== 0) {
		throw new ParamError(undefined, `the tile size must be a multiple of 16 between 16 and 2048 pixels, not ${r.bsize}`);
	}
	if (!Number.isInteger(r.batchSize) || r.batchSize < 1 || r.batchSize > 1024) {
		throw new ParamError(undefined, `the batch size must be a whole number of tiles from 1 to 1024, not ${r.batchSize}`);
	}
	return r;
}

/**
 * The resize factor, as Cellpose 3.1 `CellposeModel.eval`: `diam_mean / diameter` (float64) when a
 * diameter > 0 is given; else the `rescale` given; else `diam_mean / diam_labels`, a float32
 * division for a model file (30/25 → 1.2000000476837158), float64 for a built-in model. The value
 * is then used as a float64 everywhere (numpy 1.x promotes a float32 scalar with a Python number).
 */
export function deriveRescale(p: Pick<CellposeParams, 'diameter' | 'rescale'> & ModelDiameters): number {
	if (p.diameter !== null && p.diameter > 0) return p.diamMean / p.diameter;
	if (p.rescale !== null) return p.rescale;
	const q = p.diamMean / p.diamLabels;
	return p.builtin ? q : Math.fround(q);
}

/**
 * Euler steps, as Cellpose 3.1 (`eval`, then `np.uint32` in `follow_flows`): `(1 / rescale) · 200`
 * in float64, in that order, when resampling (else 200), unless `niter` is given (not 0); then
 * truncated. Diameter 27 → 179.99999999999997 → 179; 22 → 146; float32 30/25 → 166.
 */
export function deriveNiter(p: Pick<CellposeParams, 'niter' | 'resample'>, rescale: number): { niter: number; niterFloat: number } {
	const niter0 = p.resample ? (1 / rescale) * 200 : 200;
	const niterFloat = p.niter === null || p.niter === 0 ? niter0 : p.niter;
	return { niter: Math.trunc(niterFloat), niterFloat };
}
