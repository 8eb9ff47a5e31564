/**
 * Measuring every masked image in the io worker, one image at a time, cached per mask and pixel
 * size so returning to the Measure page costs nothing.
 */
import { joinTables, type ImageCells, type JoinedTable } from '$lib/core/measure/joined';
import type { CellTable } from '$lib/core/measure/descriptors';
import { ioWorker } from '$lib/runtime/io-client';
import type { CellClass, ImageRecord, MaskRecord } from '$lib/store/types';

export interface Measured {
	table: JoinedTable;
	/** Sizes are in µm (every measured image has a pixel size), else in pixels. */
	unitsUm: boolean;
	/** Images measured in pixels because they have no pixel size (only when others have one). */
	withoutPixelSize: string[];
	/** Intensity columns were left out because the images have different channel counts. */
	intensityDropped: boolean;
	errors: string[];
}

const cache = new WeakMap<MaskRecord, { key: string; table: CellTable }>();

async function measureOne(im: ImageRecord, pixelSizeUm: number | null, withIntensity: boolean): Promise<CellTable> {
	const mask = im.mask as MaskRecord;
	const key = `${pixelSizeUm}:${withIntensity}`;
	const hit = cache.get(mask);
	if (hit && hit.key === key) return hit.table;
	// The worker gets copies: the page keeps its own pixels for the viewer.
	const reply = await ioWorker().measure(im.name, mask.labels, withIntensity ? im.raster : null, pixelSizeUm);
	if (!reply.ok) throw new Error(reply.message);
	cache.set(mask, { key, table: reply.table });
	return reply.table;
}

/** Measure all images that have a mask; `onProgress(done, total)` after each image. */
export async function measureImages(images: readonly ImageRecord[], classes: readonly CellClass[], onProgress?: (done: number, total: number) => void): Promise<Measured> {
	const masked = images.filter((im) => im.mask !== null);
	const unitsUm = masked.length > 0 && masked.every((im) => im.pixelSizeUm !== null);
	const withoutPixelSize = masked.some((im) => im.pixelSizeUm !== null) ? masked.filter((im) => im.pixelSizeUm === null).map((im) => im.name) : [];
	const channelCounts = new Set(masked.map((im) => im.raster.channels));
	const withIntensity = channelCounts.size <= 1;
	const className = new Map(classes.map((c) => [c.id, c.name]));
	const parts: ImageCells[] = [];
	const errors: string[] = [];
	for (let k = 0; k < masked.length; k++) {
		const im = masked[k];
		try {
			const table = await measureOne(im, unitsUm ? im.pixelSizeUm : null, withIntensity);
			parts.push({ image: im.name, table, classOf: (label) => className.get(im.cellClasses.get(label) ?? '') ?? null });
		} catch (e) {
			errors.push((e as Error).message);
		}
		onProgress?.(k + 1, masked.length);
	}
	return { table: joinTables(parts, classes.length > 0), unitsUm, withoutPixelSize, intensityDropped: !withIntensity, errors };
}
