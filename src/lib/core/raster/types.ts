/** Pixel data types an image keeps from its file (conversion to float32 only where computing). */
export type DType = 'uint8' | 'uint16' | 'uint32' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export type PixelArray =
	| Uint8Array
	| Uint16Array
	| Uint32Array
	| Int8Array
	| Int16Array
	| Int32Array
	| Float32Array
	| Float64Array;

/**
 * An image, channel-planar `(C, H, W)` like Cellpose and ONNX: channel c, row y, column x is
 * `data[(c * height + y) * width + x]`.
 */
export interface Raster {
	width: number;
	height: number;
	channels: number;
	dtype: DType;
	data: PixelArray;
}

/** A label image: `H × W` ids, 0 = background; ids need not be contiguous. */
export interface Labels {
	width: number;
	height: number;
	data: Uint32Array;
}

export const BYTES_PER_SAMPLE: Record<DType, number> = {
	uint8: 1,
	uint16: 2,
	uint32: 4,
	int8: 1,
	int16: 2,
	int32: 4,
	float32: 4,
	float64: 8
};

export function allocatePixels(dtype: DType, length: number): PixelArray {
	switch (dtype) {
		case 'uint8':
			return new Uint8Array(length);
		case 'uint16':
			return new Uint16Array(length);
		case 'uint32':
			return new Uint32Array(length);
		case 'int8':
			return new Int8Array(length);
		case 'int16':
			return new Int16Array(length);
		case 'int32':
			return new Int32Array(length);
		case 'float32':
			return new Float32Array(length);
		case 'float64':
			return new Float64Array(length);
	}
}

/** The dtype of a typed array, or null for arrays a Raster cannot hold. */
export function dtypeOf(data: ArrayBufferView): DType | null {
	if (data instanceof Uint8Array) return 'uint8';
	if (data instanceof Uint16Array) return 'uint16';
	if (data instanceof Uint32Array) return 'uint32';
	if (data instanceof Int8Array) return 'int8';
	if (data instanceof Int16Array) return 'int16';
	if (data instanceof Int32Array) return 'int32';
	if (data instanceof Float32Array) return 'float32';
	if (data instanceof Float64Array) return 'float64';
	return null;
}

/** One channel of a raster as a view (no copy). */
export function channelView(r: Raster, c: number): PixelArray {
	const n = r.width * r.height;
	return r.data.subarray(c * n, (c + 1) * n) as PixelArray;
}
