/** Display settings per image (contrast, channels, overlay), kept while the app is open. */
import type { ImageRecord } from '$lib/store/types';
import { defaultDisplay } from './display';
import type { DisplaySettings } from './render';

const byImage = new Map<string, DisplaySettings>();

/** The (reactive) display settings of an image, created with auto-contrast on first use. */
export function displayFor(image: ImageRecord): DisplaySettings {
	let d = byImage.get(image.id);
	if (!d) {
		d = $state(defaultDisplay(image.raster, image.stats));
		byImage.set(image.id, d);
	}
	return d;
}
