/** The provenance of an image's masks, as every export carries it (see core/formats/provenance.ts). */
import type { Provenance } from '$lib/core/formats/provenance';
import { APP_VERSION } from '$lib/runtime/version';
import type { ImageRecord } from '$lib/store/types';

export function maskProvenance(im: ImageRecord): Provenance {
	const seg = im.mask?.segmentedWith;
	return {
		app: { name: 'Mycol', version: APP_VERSION },
		model: seg ? { name: seg.modelName, sha256: seg.sha256 } : null,
		segmentation: seg
			? {
					diameter: seg.settings.diameter,
					flow_threshold: seg.settings.flowThreshold,
					cellprob_threshold: seg.settings.cellprobThreshold,
					min_size: seg.settings.minSize,
					niter: seg.niter,
					augment: seg.settings.augment,
					channels: [...seg.settings.channels],
					rescale: seg.rescale
				}
			: { masks_from: im.mask?.name ?? 'none' },
		pixelSize: { um: im.pixelSizeUm, source: im.pixelSizeUm === null ? 'none' : im.pixelSizeSource === 'user' ? 'user' : 'metadata' },
		manualEdits: im.mask?.editCount ?? 0,
		image: { name: im.name, width: im.raster.width, height: im.raster.height },
		created: new Date().toISOString()
	};
}
