/**
 * Cellpose 3.1 `CellposeModel.eval` for one 2-D image (spec §3), with the network injected: the
 * same code runs in a browser worker (onnxruntime-web), in Node and in tests with any runner.
 *
 * Order, as Cellpose: channels (`convert_image`) → normalisation at the original size
 * (`normalize_img`) → rescale factor → `run_net` (resize, pad, tile, network, average, crop) →
 * resize back → niter → dynamics, flow QC, holes and min size at the original size.
 *
 * Memory: the network input is cut one batch of tiles at a time from the resized image (the
 * padding is never stored), the output accumulates into one float32 `(3, H', W')` array, and the
 * tile weights are recomputed per pixel instead of being kept as a float64 image.
 */
import { LIMITS, ModelError, ParamError, formatCount } from '../formats/errors';
import type { Labels, Raster } from '../raster/types';
import { pairwiseSumF32, toNetworkChannels } from './channels';
import { masksFromFlows } from './masks-from-flows';
import { normalizeImage } from './normalize';
import { deriveNiter, deriveRescale, resolveParams, type CellposeParams, type ModelDiameters, type SegmentParams } from './params';
import { resizeLinear } from './resize';
import { TileAverager, cutTile, makeTileGrid, padAxis, type PlacedImage, type TileGrid } from './tiles';

/** The segmentation was cancelled through its AbortSignal. */
export class CancelledError extends Error {
	override readonly name = 'CancelledError';
	constructor(message = 'segmentation cancelled') {
		super(message);
	}
}

/** Network output for a batch: `y` (N, 3, h, w) = [dY, dX, cellprob], `style` (N, S) or null. */
export interface NetOutput {
	y: Float32Array;
	style: Float32Array | null;
}

/** Runs CPnet on `input` (N, 2, h, w). It may keep or transfer `input`: each call gets a fresh one. */
export type CellposeNet = (input: Float32Array, n: number, h: number, w: number) => Promise<NetOutput>;

/** The part of an AbortSignal the pipeline reads (a real AbortSignal fits). */
export interface AbortLike {
	readonly aborted: boolean;
}

export interface SegmentProgress {
	stage: 'prepare' | 'network' | 'masks' | 'done';
	tilesDone: number;
	tilesTotal: number;
}

/** Milliseconds per stage. `network` is time spent awaiting the injected net. */
export interface SegmentTimings {
	channels: number;
	normalize: number;
	resize: number;
	/** Cutting tiles and blending outputs (everything of `run_net` except the net). */
	tiles: number;
	network: number;
	resizeBack: number;
	masks: number;
	total: number;
}

/** Sizes and costs of a segmentation, known before running it. */
export interface SegmentationEstimate {
	rescale: number;
	niter: number;
	/** `int(L · rescale)`: the size the network sees, before padding. */
	resizedHeight: number;
	resizedWidth: number;
	/** After `get_pad_yx` (multiples of 16, ≥ 8 px of zeros each side). */
	paddedHeight: number;
	paddedWidth: number;
	tileHeight: number;
	tileWidth: number;
	tilesY: number;
	tilesX: number;
	tiles: number;
	batches: number;
	/** Size of the dP/cellprob outputs (the original size unless resample is off). */
	flowHeight: number;
	flowWidth: number;
	/** Approximate peak memory in bytes while the network runs (not counting the raster and the network itself). */
	networkBytes: number;
	/** Approximate peak memory in bytes from the resize back through the dynamics (a rough figure for the dynamics). */
	masksBytes: number;
	/** The larger of the two. */
	workingBytes: number;
	/** The largest single buffer, in bytes. */
	largestBuffer: number;
}

export interface SegmentResult {
	/** Labels at the original size. */
	masks: Labels;
	/** (2, flowHeight, flowWidth) = [dY, dX] at the network's ×5 scale (`flows[1]`). Shares a buffer with `cellprob`. */
	dP: Float32Array;
	/** (flowHeight, flowWidth) logits (`flows[2]`). */
	cellprob: Float32Array;
	flowHeight: number;
	flowWidth: number;
	/** The style vector: sum over tiles, L2-normalised (`styles`). */
	styles: Float32Array;
	rescale: number;
	/** Euler steps used (truncated) and the value before truncation. */
	niter: number;
	niterFloat: number;
	estimate: SegmentationEstimate;
	timings: SegmentTimings;
}

const now = (): number => performance.now();

/** Bytes per pixel the dynamics allocate at most (positions, histograms, QC flows in float64). */
const DYNAMICS_BYTES_PER_PIXEL = 40;

function estimateFor(width: number, height: number, p: CellposeParams & ModelDiameters): SegmentationEstimate & { grid: TileGrid } {
	if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
		throw new ParamError(undefined, `the image size ${width} × ${height} is not a valid size`);
	}
	const rescale = deriveRescale(p);
	const { niter } = deriveNiter(p, rescale);
	const rh = rescale !== 1 ? Math.trunc(height * rescale) : height;
	const rw = rescale !== 1 ? Math.trunc(width * rescale) : width;
	if (rh < 1 || rw < 1) {
		throw new ParamError(
			undefined,
			`at a rescale factor of ${rescale.toPrecision(4)} the ${formatCount(width)} × ${formatCount(height)} image would shrink to ${rw} × ${rh} pixels; give a smaller cell diameter`
		);
	}
	const [py1, py2] = padAxis(rh);
	const [px1, px2] = padAxis(rw);
	const grid = makeTileGrid(rh + py1 + py2, rw + px1 + px2, p.bsize, p.augment, p.tileOverlap);
	const resampleBack = p.resample && (rh !== height || rw !== width);
	const flowHeight = p.resample ? height : rh;
	const flowWidth = p.resample ? width : rw;
	const n0 = width * height;
	const nr = rh * rw;
	const tile = grid.tileHeight * grid.tileWidth;
	const batch = Math.min(p.batchSize, grid.count);
	const input = 2 * n0 * 4;
	const resized = rh !== height || rw !== width ? 2 * nr * 4 : 0;
	const acc = 3 * nr * 4;
	const back = resampleBack ? 3 * n0 * 4 : 0;
	const batchBytes = batch * 5 * tile * 4;
	// The original-size input is dropped once resized, the resized image once the tiles are done.
	const networkBytes = Math.max(input + resized, (resized || input) + acc + 2 * batchBytes);
	const flows = 3 * flowHeight * flowWidth * 4;
	const masksBytes = Math.max(acc + back, flows + DYNAMICS_BYTES_PER_PIXEL * flowHeight * flowWidth + (p.resample ? 0 : 4 * n0));
	return {
		rescale,
		niter,
		resizedHeight: rh,
		resizedWidth: rw,
		paddedHeight: grid.paddedHeight,
		paddedWidth: grid.paddedWidth,
		tileHeight: grid.tileHeight,
		tileWidth: grid.tileWidth,
		tilesY: grid.ny,
		tilesX: grid.nx,
		tiles: grid.count,
		batches: Math.ceil(grid.count / p.batchSize),
		flowHeight,
		flowWidth,
		networkBytes,
		masksBytes,
		workingBytes: Math.max(networkBytes, masksBytes),
		largestBuffer: Math.max(input, resized, acc, back),
		grid
	};
}

/**
 * Tile count, padded sizes and memory of a segmentation of a `width × height` image, without
 * running it (the rescale and tiling of Cellpose 3.1 `CellposeModel.eval` / `core.run_net`).
 * Throws ParamError for parameters Cellpose would reject or that shrink the image to nothing.
 */
export function estimateSegmentation(width: number, height: number, params: SegmentParams): SegmentationEstimate {
	const { grid, ...est } = estimateFor(width, height, resolveParams(params));
	return est;
}

function checkAbort(signal: AbortLike | undefined): void {
	if (signal?.aborted) throw new CancelledError();
}

export interface NetworkRun {
	/** (3, height, width): the tile average over the unpadded resized image (`run_net`'s `yf`). */
	y: Float32Array;
	height: number;
	width: number;
	styles: Float32Array;
	tilesMs: number;
	networkMs: number;
}

/**
 * Cellpose 3.1 `core.run_net` for one image already resized to `(2, height, width)`: zero-pad
 * (`get_pad_yx`), cut tiles (`make_tiles`, flipped if augmenting), run them `batchSize` at a time,
 * un-flip (`unaugment_tiles`), blend (`average_tiles`), crop the padding; the style is the sum of
 * the tiles' styles, L2-normalised (float32, numpy's summation order).
 */
export async function runNetwork(
	image: Float32Array,
	height: number,
	width: number,
	grid: TileGrid,
	batchSize: number,
	net: CellposeNet,
	onProgress?: (p: SegmentProgress) => void,
	signal?: AbortLike
): Promise<NetworkRun> {
	const [top] = padAxis(height);
	const [left] = padAxis(width);
	const placed: PlacedImage = { data: image, height, width, top, left };
	const averager = new TileAverager(grid, top, left, height, width, 3);
	const th = grid.tileHeight;
	const tw = grid.tileWidth;
	const tile = th * tw;
	let styles: Float32Array | null = null;
	let tilesMs = 0;
	let networkMs = 0;
	onProgress?.({ stage: 'network', tilesDone: 0, tilesTotal: grid.count });
	for (let t0 = 0; t0 < grid.count; t0 += batchSize) {
		checkAbort(signal);
		const n = Math.min(batchSize, grid.count - t0);
		let t = now();
		const input = new Float32Array(n * 2 * tile);
		for (let b = 0; b < n; b++) cutTile(placed, grid, t0 + b, input, b * 2 * tile);
		tilesMs += now() - t;
		t = now();
		const out = await net(input, n, th, tw);
		networkMs += now() - t;
		checkAbort(signal);
		t = now();
		if (!out || !(out.y instanceof Float32Array) || out.y.length !== n * 3 * tile) {
			throw new ModelError(undefined, `the network returned ${out?.y?.length ?? 'no'} values for ${n} tiles of ${tw} × ${th}, not ${n * 3 * tile} (3 outputs per pixel)`);
		}
		if (out.style) {
			const S = out.style.length / n;
			if (!Number.isInteger(S) || S < 1) throw new ModelError(undefined, `the network returned a style of ${out.style.length} values for ${n} tiles`);
			styles ??= new Float32Array(S);
			if (styles.length !== S) throw new ModelError(undefined, `the network's style length changed from ${styles.length} to ${S}`);
			for (let b = 0; b < n; b++) for (let k = 0; k < S; k++) styles[k] += out.style[b * S + k];
		}
		for (let b = 0; b < n; b++) averager.add(t0 + b, out.y, b * 3 * tile);
		tilesMs += now() - t;
		onProgress?.({ stage: 'network', tilesDone: t0 + n, tilesTotal: grid.count });
	}
	const t = now();
	const y = averager.finish();
	styles ??= new Float32Array(0);
	if (styles.length > 0) {
		// `(stylei**2).sum()**0.5`: float32 squares, numpy's pairwise float32 sum, sqrt in float64.
		const sq = styles.map((v) => v * v);
		const norm = Math.fround(Math.sqrt(pairwiseSumF32(sq, 0, sq.length)));
		for (let k = 0; k < styles.length; k++) styles[k] = styles[k] / norm;
	}
	tilesMs += now() - t;
	return { y, height, width, styles, tilesMs, networkMs };
}

/**
 * Segment one 2-D image as Cellpose 3.1 `CellposeModel.eval` (channels, normalisation, rescale,
 * tiled network run with taper blending, optional augmentation, resize back, dynamics).
 * `params` are Cellpose's eval arguments (defaults as `CELLPOSE_DEFAULTS`) plus the model's
 * diameters. Progress is reported per batch of tiles; `signal` is checked between batches and
 * cancels with a CancelledError.
 */
export async function segment(
	raster: Raster,
	params: SegmentParams,
	net: CellposeNet,
	onProgress?: (p: SegmentProgress) => void,
	signal?: AbortLike
): Promise<SegmentResult> {
	const tStart = now();
	const p = resolveParams(params);
	const { grid, ...estimate } = estimateFor(raster.width, raster.height, p);
	if (estimate.largestBuffer > LIMITS.maxBytes) {
		throw new ParamError(
			undefined,
			`the image is too large to segment at this size: the network output at a rescale factor of ${estimate.rescale.toPrecision(4)} needs ${formatCount(estimate.largestBuffer / 2 ** 20)} MiB in one piece (limit ${formatCount(LIMITS.maxBytes / 2 ** 20)} MiB); give a larger cell diameter or crop the image`
		);
	}
	checkAbort(signal);
	onProgress?.({ stage: 'prepare', tilesDone: 0, tilesTotal: grid.count });
	const H = raster.height;
	const W = raster.width;
	const timings: SegmentTimings = { channels: 0, normalize: 0, resize: 0, tiles: 0, network: 0, resizeBack: 0, masks: 0, total: 0 };

	let t = now();
	let x: Float32Array | null = toNetworkChannels(raster, p.channels);
	timings.channels = now() - t;

	t = now();
	normalizeImage(x, 2, H, W, { normalize: p.normalize, percentile: p.percentile, lowhigh: p.lowhigh, invert: p.invert });
	timings.normalize = now() - t;

	const { rescale, resizedHeight: rh, resizedWidth: rw } = estimate;
	t = now();
	let xr: Float32Array | null = rh === H && rw === W ? x : resizeLinear(x, 2, H, W, rh, rw);
	x = null; // let the original-size copy go while the network runs
	timings.resize = now() - t;

	let yf: Float32Array;
	let styles: Float32Array;
	{
		const run = await runNetwork(xr, rh, rw, grid, p.batchSize, net, onProgress, signal);
		xr = null;
		yf = run.y;
		styles = run.styles;
		timings.tiles = run.tilesMs;
		timings.network = run.networkMs;
	}

	t = now();
	let fh = rh;
	let fw = rw;
	if (p.resample && (rh !== H || rw !== W)) {
		yf = resizeLinear(yf, 3, rh, rw, H, W);
		fh = H;
		fw = W;
	}
	timings.resizeBack = now() - t;
	const plane = fh * fw;
	const dP = yf.subarray(0, 2 * plane);
	const cellprob = yf.subarray(2 * plane, 3 * plane);

	checkAbort(signal);
	onProgress?.({ stage: 'masks', tilesDone: grid.count, tilesTotal: grid.count });
	const { niter, niterFloat } = deriveNiter(p, rescale);
	t = now();
	const masks = masksFromFlows({ dP, cellprob, flowHeight: fh, flowWidth: fw }, H, W, {
		niter,
		cellprobThreshold: p.cellprobThreshold,
		flowThreshold: p.flowThreshold,
		minSize: p.minSize,
		maxSizeFraction: p.maxSizeFraction,
		cellpose31Compat: p.cellpose31Compat
	});
	timings.masks = now() - t;
	timings.total = now() - tStart;
	onProgress?.({ stage: 'done', tilesDone: grid.count, tilesTotal: grid.count });
	return {
		masks,
		dP,
		cellprob,
		flowHeight: fh,
		flowWidth: fw,
		styles,
		rescale,
		niter,
		niterFloat,
		estimate,
		timings
	};
}
