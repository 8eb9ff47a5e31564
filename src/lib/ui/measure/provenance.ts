/** Provenance lines for the per-cell CSV: one block per image (what made its masks, its pixel size). */
import { provenanceLines } from '$lib/core/formats/provenance';
import { APP_VERSION } from '$lib/runtime/version';
import type { ImageRecord } from '$lib/store/types';
import { maskProvenance } from '$lib/ui/export/provenance';

export function measureProvenance(images: readonly ImageRecord[]): string[] {
	return [`Mycol ${APP_VERSION}: per-cell measurements (scikit-image regionprops definitions)`, ...images.flatMap((im) => provenanceLines(maskProvenance(im)))];
}
