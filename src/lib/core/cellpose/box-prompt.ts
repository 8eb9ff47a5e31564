/**
 * A box prompt answered by Cellpose (when no SAM2 model is installed): the loaded Cellpose model
 * runs on the box's region with a margin, at a cell diameter taken from the box, and the cell that
 * covers the box centre (or, failing that, overlaps the box most) becomes the new cell.
 *
 * The crop is normalised with the WHOLE image's 1st/99th percentiles (`imageLowHigh` → Cellpose's
 * `lowhigh`): a crop's own percentiles are dominated by the one cell in it, which changes its
 * contrast so much that the network finds nothing (measured: IoU 0 on 9 of 10 fungal cells with
 * crop percentiles, ≥ 0.7 with the image's).
 */
import { ParamError } from '../formats/errors';
import type { Rect } from '../labels/rect';
import type { Labels, Raster } from '../raster/types';
import { allocatePixels } from '../raster/types';
import { toNetworkChannels, type CellposeChannels } from './channels';
import { percentileSample, percentilesF32 } from './normalize';

export interface BoxPromptPlan {
	/** The region Cellpose runs on (image pixels, exclusive max). */
	crop: Rect;
	/** The box in the crop's coordinates. */
	box: Rect;
	/** Diameter for Cellpose: √(w·h) of the box (the diameter of a disk of the box's inscribed-ellipse area × 4/π). */
	diameter: number;
}

/**
 * Where to run Cellpose for a box (x0, y0)–(x1, y1) in image coordinates. The margin is half the
 * box's longer side (at least 16 px) so the network sees the cell's surroundings.
 */
export function planBoxPrompt(width: number, height: number, x0: number, y0: number, x1: number, y1: number): BoxPromptPlan {
	const bx0 = Math.max(0, Math.floor(Math.min(x0, x1)));
	const by0 = Math.max(0, Math.floor(Math.min(y0, y1)));
	const bx1 = Math.min(width, Math.ceil(Math.max(x0, x1)));
	const by1 = Math.min(height, Math.ceil(Math.max(y0, y1)));
	const w = bx1 - bx0;
	const h = by1 - by0;
	if (w < 3 || h < 3) throw new ParamError(undefined, 'the box is too small: drag a box around the whole cell');
	const margin = Math.max(16, Math.round(Math.max(w, h) / 2));
	const crop: Rect = { x0: Math.max(0, bx0 - margin), y0: Math.max(0, by0 - margin), x1: Math.min(width, bx1 + margin), y1: Math.min(height, by1 + margin) };
	return {
		crop,
		box: { x0: bx0 - crop.x0, y0: by0 - crop.y0, x1: bx1 - crop.x0, y1: by1 - crop.y0 },
		diameter: Math.sqrt(w * h)
	};
}

/** The crop of a raster (all channels), as its own raster. */
export function cropRaster(r: Raster, c: Rect): Raster {
	const w = c.x1 - c.x0;
	const h = c.y1 - c.y0;
	const n = r.width * r.height;
	const data = allocatePixels(r.dtype, w * h * r.channels);
	for (let ch = 0; ch < r.channels; ch++) {
		for (let y = 0; y < h; y++) {
			const s = ch * n + (c.y0 + y) * r.width + c.x0;
			data.set(r.data.subarray(s, s + w) as never, (ch * h + y) * w);
		}
	}
	return { width: w, height: h, channels: r.channels, dtype: r.dtype, data };
}

/**
 * The cell Cellpose found for the box: the label under the box centre, or else the label with
 * the most pixels inside the box (0 when none), clipped to the box: the user drew the box around
 * the cell, so what lies outside it belongs to a neighbour or to a loose boundary. Returns a 0/1
 * mask over the crop, or null.
 */
export function pickBoxCell(masks: Labels, box: Rect): Uint8Array | null {
	const { width: W, data } = masks;
	const cx = Math.floor((box.x0 + box.x1) / 2);
	const cy = Math.floor((box.y0 + box.y1) / 2);
	let id = data[cy * W + cx];
	if (id === 0) {
		const inside = new Map<number, number>();
		for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) {
			const v = data[y * W + x];
			if (v) inside.set(v, (inside.get(v) ?? 0) + 1);
		}
		let best = 0;
		for (const [v, n] of inside) if (n > best) [best, id] = [n, v];
	}
	if (id === 0) return null;
	const mask = new Uint8Array(data.length);
	for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) mask[y * W + x] = data[y * W + x] === id ? 1 : 0;
	return mask;
}

/**
 * The whole image's normalisation range per network channel (Cellpose `normalize99` percentiles
 * 1 and 99 on the channels the network sees), to normalise a crop as the whole image would be. A
 * constant channel (e.g. the empty nucleus channel) gets [0, 1], which leaves it unchanged as
 * Cellpose does.
 */
export function imageLowHigh(raster: Raster, channels: CellposeChannels | null): [number, number][] {
	const n = raster.width * raster.height;
	const x = toNetworkChannels(raster, channels);
	const out: [number, number][] = [];
	for (let c = 0; c < 2; c++) {
		const plane = x.subarray(c * n, (c + 1) * n);
		let lo = Infinity;
		let hi = -Infinity;
		for (let i = 0; i < n; i++) {
			lo = Math.min(lo, plane[i]);
			hi = Math.max(hi, plane[i]);
		}
		if (!(hi > lo)) {
			out.push([0, 1]);
			continue;
		}
		const [p1, p99] = percentilesF32(percentileSample(plane, raster.height, raster.width), [1, 99]);
		out.push(p99 - p1 > 1e-3 ? [p1, p99] : [0, 1]);
	}
	return out;
}
