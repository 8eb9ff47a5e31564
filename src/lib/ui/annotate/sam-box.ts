/**
 * The box tool's SAM2 path: a box dragged on an image → the mask SAM 2.1 predicts for it, ready for
 * `placeNewCell` (which applies the "new cells fill background only" rule and keeps the largest
 * connected piece, as for drawn cells). The caller checks `isSamInstalled()` first and falls back to
 * Cellpose when it is false.
 */
import type { Rect } from '$lib/core/labels/rect';
import type { Raster } from '$lib/core/raster/types';
import type { Box } from '$lib/core/sam/prompt';
import { ensureSamLoaded, samWorker } from '$lib/runtime/sam-client';

export type SamBoxResult = { mask: Uint8Array; rect: Rect } | null | { error: string };

/** The worker's key for an image: its id and size (a replaced raster of another size is sent again). */
export function samImageKey(imageId: string, raster: Raster): string {
	return `${imageId}:${raster.width}x${raster.height}x${raster.channels}`;
}

/**
 * Ask SAM 2.1 for the cell in `box` (image pixels, any corner order). Returns the thresholded mask
 * over `rect` (image pixels), null when the model finds no object there, or `{ error }` with a
 * sentence to show (no model, a box under 2 px, a model that fails to run, cancelled).
 */
export async function samBoxPrompt(imageId: string, raster: Raster, box: Box): Promise<SamBoxResult> {
	const ready = await ensureSamLoaded();
	if (!ready.ok) return { error: ready.message };
	const w = samWorker();
	const key = samImageKey(imageId, raster);
	if (!(await w.hasImage(key))) await w.setImage(key, raster);
	const r = await w.prompt(key, box);
	if (!r.ok) return { error: r.message };
	if (!r.found) return null;
	return { mask: r.mask, rect: r.rect };
}

/**
 * Load the model and encode the whole image ahead of the first box (e.g. when the box tool is
 * chosen), so the first box costs one decoder run. Boxes that need a crop are encoded when drawn.
 */
export async function samPrepare(imageId: string, raster: Raster): Promise<{ error: string } | null> {
	const ready = await ensureSamLoaded();
	if (!ready.ok) return { error: ready.message };
	const w = samWorker();
	const key = samImageKey(imageId, raster);
	if (!(await w.hasImage(key))) await w.setImage(key, raster);
	const r = await w.encode(key);
	return r.ok ? null : { error: r.message };
}
