/**
 * JPEG through the browser's own decoder (libjpeg-turbo in every engine), in a worker:
 * createImageBitmap + OffscreenCanvas, with colour management and premultiplication off so the
 * pixel values are the file's. Falls back to the core's pure decoder where these are missing.
 */
import type { JpegDecoder, JpegPixels } from '$lib/core/formats/jpeg';

export function browserJpegDecoder(): JpegDecoder | undefined {
	if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return undefined;
	return async (_file, bytes, header): Promise<JpegPixels> => {
		const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }), {
			colorSpaceConversion: 'none',
			premultiplyAlpha: 'none',
			imageOrientation: 'none'
		});
		const { width, height } = bitmap;
		const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
		if (!ctx) throw new Error('no 2D context in this worker');
		ctx.drawImage(bitmap, 0, 0);
		bitmap.close();
		const rgba = ctx.getImageData(0, 0, width, height).data;
		const n = width * height;
		const channels = header.components === 1 ? 1 : 3;
		const data = new Uint8Array(n * channels);
		for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) data[c * n + i] = rgba[4 * i + c];
		return { width, height, channels, data };
	};
}
