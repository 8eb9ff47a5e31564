/**
 * Opening any supported file as what it is: a label mask when its name carries a mask suffix or
 * it is a Cellpose `_seg.npy` dict, an image otherwise. Shared by the CLI and the page's loader.
 */
import { DEFAULT_MASK_SUFFIXES, nameRole } from '../dataset/pairing';
import { decodeImageFile, decodeLabelFile, type DecodedImage, type DecodedLabels } from './image-file';
import { isSegNpy } from './seg-npy';

export type OpenedFile = ({ kind: 'image' } & DecodedImage) | ({ kind: 'labels' } & DecodedLabels);

/** Whether a file is a mask: by its name's suffix, or by content for a `_seg.npy` dict. */
export function isMaskFile(name: string, bytes: Uint8Array, suffixes: readonly string[] = DEFAULT_MASK_SUFFIXES): boolean {
	return nameRole(name, suffixes).maskSuffix !== null || isSegNpy(bytes);
}

export function openFile(name: string, bytes: Uint8Array, suffixes: readonly string[] = DEFAULT_MASK_SUFFIXES): OpenedFile {
	if (isMaskFile(name, bytes, suffixes)) return { kind: 'labels', ...decodeLabelFile(name, bytes) };
	return { kind: 'image', ...decodeImageFile(name, bytes) };
}
