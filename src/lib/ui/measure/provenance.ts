/** Provenance lines for the per-cell CSV: one block per image (what made its masks, its pixel size). */
import { provenanceLines } from '$lib/core/formats/provenance';
import { APP_VERSION } from '$lib/runtime/version';
import type { ImageRecord } from '$lib/store/types';

export function measureProvenance(images: readonly ImageRecord[]): string[] {
	const lines = [`Mycol ${APP_VERSION}: per-cell measurements (scikit-image regionprops definitions)`];
	for (const im of images) {
		lines.push(
			...provenanceLines({
				app: { name: 'Mycol', version: APP_VERSION },
				model: null,
				segmentation: {},
				pixelSize: {
					um: im.pixelSizeUm,
					source: im.pixelSizeUm === null ? 'none' : im.pixelSizeSource === 'user' ? 'user' : 'metadata'
				},
				manualEdits: 0,
				image: { name: im.name, width: im.raster.width, height: im.raster.height }
			})
		);
	}
	return lines;
}
