/**
 * Label masks written as TIFF: uint16 (uint32 when an id exceeds 65,535), little-endian, in strips,
 * Deflate-compressed (zlib, compression 8) or uncompressed. The pixel size goes where ImageJ puts
 * it, so Fiji shows µm: an ImageJ description (`ImageJ=1.53t\nunit=micron\n…`, as ImageJ 1.53's
 * `FileSaver.getDescriptionString`) and XResolution/YResolution in pixels per micron with
 * ResolutionUnit none, as ImageJ's `TiffEncoder.writeScale`.
 */
import { ParamError } from './errors';
import type { Labels, Raster } from '../raster/types';
import { imagejResolution, writeTiff } from './tiff-writer';

export { imagejResolution };

export interface LabelTiffOptions {
	/** µm per pixel, or null/undefined for an uncalibrated mask. */
	pixelSizeUm?: number | null;
	/** 'deflate' (default) or 'none'. */
	compression?: 'deflate' | 'none';
}

/** Write a label mask as a TIFF file. */
export function writeLabelTiff(labels: Labels, opts: LabelTiffOptions = {}): Uint8Array {
	const { width: W, height: H, data } = labels;
	if (!Number.isInteger(W) || !Number.isInteger(H) || W < 1 || H < 1 || data.length !== W * H) {
		throw new ParamError('label mask', `a ${W} × ${H} mask must have ${W * H} ids, not ${data.length}`);
	}
	let maxId = 0;
	for (let i = 0; i < data.length; i++) if (data[i] > maxId) maxId = data[i];
	// uint16 unless an id needs 32 bits; the display range in the description is 0..max id.
	const raster: Raster =
		maxId > 0xffff
			? { width: W, height: H, channels: 1, dtype: 'uint32', data }
			: { width: W, height: H, channels: 1, dtype: 'uint16', data: Uint16Array.from(data) };
	return writeTiff(raster, { pixelSizeUm: opts.pixelSizeUm, compression: opts.compression, imagejExtra: ['min=0.0', `max=${maxId}.0`] });
}
