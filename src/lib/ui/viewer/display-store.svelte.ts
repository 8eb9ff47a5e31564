/** Display settings per image (contrast, channels, overlay), kept while the app is open. */
import type { ImageRecord } from '$lib/store/types';
import { defaultDisplay } from './display';
import type { DisplaySettings } from './render';

const byImage = new Map<string, DisplaySettings>();

/** The (reactive) display settings of an image, created with auto-contrast on first use. */
export function displayFor(image: ImageRecord): DisplaySettings {
	const existing = byImage.get(image.id);
	if (existing) return existing;
	const created = $state(defaultDisplay(image.raster, image.stats));
	byImage.set(image.id, created);
	return created;
}
