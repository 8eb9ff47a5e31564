/**
 * Which mask goes with which image: by stem, never stretched. Pure decisions; the caller applies them.
 */
export interface ImageKey {
	id: string;
	stem: string;
	name: string;
	width: number;
	height: number;
}

export interface MaskCandidate {
	name: string;
	imageStem: string;
	width: number;
	height: number;
}

export type AttachDecision =
	| { kind: 'attach'; imageId: string }
	| { kind: 'refuse'; text: string; level: 'error' | 'warning' };

/** Decide where a mask goes among the loaded images (the newest image with that stem wins). */
export function attachMask(mask: MaskCandidate, images: readonly ImageKey[]): AttachDecision {
	const matches = images.filter((im) => im.stem === mask.imageStem);
	const image = matches[matches.length - 1];
	if (!image) {
		return {
			kind: 'refuse',
			level: 'warning',
			text: `no image named ${mask.imageStem}.* is loaded, so this mask was not used (load the image too, or check the mask suffix)`
		};
	}
	if (image.width !== mask.width || image.height !== mask.height) {
		return {
			kind: 'refuse',
			level: 'error',
			text: `the mask is ${mask.width} × ${mask.height} pixels but its image ${image.name} is ${image.width} × ${image.height}; masks are never stretched, so it was not used`
		};
	}
	return { kind: 'attach', imageId: image.id };
}
