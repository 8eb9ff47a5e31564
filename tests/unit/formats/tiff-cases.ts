/**
 * Hand-made TIFF cases: a page spec for the builder and the raster a correct reader must return.
 * The expected values are the logical samples themselves (a hand-worked source). At development
 * time every case was also written to disk and read back with tifffile 2023.2.3 (or PIL for LZW and
 * PackBits), which returned the same arrays — that checks the builder, independently of our reader.
 */
import type { BuildOptions, TiffPageSpec } from './tiff-builder';
import { ramp } from './tiff-builder';

export interface TiffCase {
	name: string;
	spec: TiffPageSpec;
	opts: BuildOptions;
	channels: number;
	dtype: string;
	/** Expected raster values (C, H, W); defaults to spec.samples. */
	values?: number[];
}

const W = 21;
const H = 19;
const N = W * H;

/** A varied pattern: v(c, y, x) from a small polynomial, reduced into [lo, hi]. */
function pattern(channels: number, lo: number, hi: number, w = W, h = H): number[] {
	const span = hi - lo + 1;
	return ramp(channels * w * h, (i) => {
		const c = Math.floor(i / (w * h));
		const y = Math.floor((i % (w * h)) / w);
		const x = i % w;
		const v = (c * 7919 + y * y * 131 + x * x * x * 17 + x * y * 29) % span;
		return lo + v;
	});
}

const floats = (channels: number, w = W, h = H): number[] =>
	ramp(channels * w * h, (i) => Math.fround(((i * 37) % 101) * 0.731 - 20.125 + (i % 7) * 1e-3));

export const TIFF_CASES: TiffCase[] = [
	{ name: 'little-endian uint8 in one strip', spec: { width: W, height: H, bits: 8, samples: pattern(1, 0, 255) }, opts: {}, channels: 1, dtype: 'uint8' },
	{ name: 'big-endian uint16 in strips of 3 rows', spec: { width: W, height: H, bits: 16, rowsPerStrip: 3, samples: pattern(1, 0, 65535) }, opts: { littleEndian: false }, channels: 1, dtype: 'uint16' },
	{ name: 'big-endian int16 in 16 × 16 tiles (partial edge tiles)', spec: { width: W, height: H, bits: 16, sampleFormat: 2, tile: [16, 16], samples: pattern(1, -32768, 32767) }, opts: { littleEndian: false }, channels: 1, dtype: 'int16' },
	{ name: 'big-endian int32, 3 planar channels, Deflate', spec: { width: W, height: H, bits: 32, sampleFormat: 2, spp: 3, planar: 2, photometric: 1, compression: 8, rowsPerStrip: 4, samples: pattern(3, -2_000_000_000, 2_000_000_000) }, opts: { littleEndian: false }, channels: 3, dtype: 'int32' },
	{ name: 'little-endian uint32, 5 planar channels in tiles', spec: { width: W, height: H, bits: 32, spp: 5, planar: 2, photometric: 1, tile: [16, 16], samples: pattern(5, 0, 4_000_000_000) }, opts: {}, channels: 5, dtype: 'uint32' },
	{ name: 'interleaved RGB uint8', spec: { width: W, height: H, bits: 8, spp: 3, samples: pattern(3, 0, 255) }, opts: {}, channels: 3, dtype: 'uint8' },
	{ name: 'big-endian interleaved RGBA uint16 with an alpha channel', spec: { width: W, height: H, bits: 16, spp: 4, extraSamples: [2], rowsPerStrip: 5, samples: pattern(4, 0, 65535) }, opts: { littleEndian: false }, channels: 4, dtype: 'uint16' },
	{ name: 'int8', spec: { width: W, height: H, bits: 8, sampleFormat: 2, samples: pattern(1, -128, 127) }, opts: {}, channels: 1, dtype: 'int8' },
	{ name: 'big-endian float32, 2 planar channels in tiles', spec: { width: W, height: H, bits: 32, sampleFormat: 3, spp: 2, planar: 2, photometric: 1, tile: [16, 16], samples: floats(2) }, opts: { littleEndian: false }, channels: 2, dtype: 'float32' },
	{ name: 'little-endian float64, Deflate', spec: { width: W, height: H, bits: 64, sampleFormat: 3, compression: 8, rowsPerStrip: 7, samples: ramp(N, (i) => Math.sin(i) * 1e6) }, opts: {}, channels: 1, dtype: 'float64' },
	{ name: 'big-endian float64', spec: { width: W, height: H, bits: 64, sampleFormat: 3, samples: ramp(N, (i) => Math.cos(i) / 3) }, opts: { littleEndian: false }, channels: 1, dtype: 'float64' },
	{ name: 'PackBits uint8 with long runs', spec: { width: W, height: H, bits: 8, compression: 32773, rowsPerStrip: 4, samples: ramp(N, (i) => (Math.floor(i / 50) * 40) % 256) }, opts: {}, channels: 1, dtype: 'uint8' },
	{ name: 'big-endian PackBits uint16', spec: { width: W, height: H, bits: 16, compression: 32773, samples: pattern(1, 0, 300) }, opts: { littleEndian: false }, channels: 1, dtype: 'uint16' },
	{ name: 'LZW uint8 long enough for 12-bit codes and a table reset', spec: { width: 160, height: 120, bits: 8, compression: 5, samples: pattern(1, 0, 255, 160, 120) }, opts: {}, channels: 1, dtype: 'uint8' },
	{ name: 'big-endian LZW int16, 3 interleaved samples', spec: { width: W, height: H, bits: 16, sampleFormat: 2, spp: 3, photometric: 1, compression: 5, rowsPerStrip: 6, samples: pattern(3, -32768, 32767) }, opts: { littleEndian: false }, channels: 3, dtype: 'int16' },
	{ name: 'big-endian Deflate uint16 with horizontal differencing (predictor 2)', spec: { width: W, height: H, bits: 16, compression: 8, predictor: 2, rowsPerStrip: 5, samples: pattern(1, 0, 65535) }, opts: { littleEndian: false }, channels: 1, dtype: 'uint16' },
	{ name: 'little-endian LZW int16 RGB with predictor 2 (stride 3)', spec: { width: W, height: H, bits: 16, sampleFormat: 2, spp: 3, compression: 5, predictor: 2, samples: pattern(3, -32768, 32767) }, opts: {}, channels: 3, dtype: 'int16' },
	{ name: 'big-endian Deflate int32 tiles with predictor 2', spec: { width: W, height: H, bits: 32, sampleFormat: 2, compression: 8, predictor: 2, tile: [16, 16], samples: pattern(1, -2_000_000_000, 2_000_000_000) }, opts: { littleEndian: false }, channels: 1, dtype: 'int32' },
	{ name: 'big-endian Deflate float32 with the floating-point predictor (3)', spec: { width: W, height: H, bits: 32, sampleFormat: 3, compression: 8, predictor: 3, rowsPerStrip: 4, samples: floats(1) }, opts: { littleEndian: false }, channels: 1, dtype: 'float32' },
	{ name: 'little-endian Deflate float64, 2 interleaved samples, predictor 3', spec: { width: W, height: H, bits: 64, sampleFormat: 3, spp: 2, photometric: 1, compression: 8, predictor: 3, samples: ramp(2 * N, (i) => Math.tan(i * 0.01) * 1e3) }, opts: {}, channels: 2, dtype: 'float64' },
	{ name: '1-bit bilevel', spec: { width: W, height: H, bits: 1, samples: ramp(N, (i) => ((i * 7) % 3 === 0 ? 1 : 0)) }, opts: {}, channels: 1, dtype: 'uint8' },
	{ name: '4-bit grey in tiles', spec: { width: W, height: H, bits: 4, tile: [16, 16], samples: ramp(N, (i) => (i * 5) % 16) }, opts: { littleEndian: false }, channels: 1, dtype: 'uint8' },
	{ name: 'big-endian float16', spec: { width: 4, height: 2, bits: 16, sampleFormat: 3, samples: [0x3c00, 0xc000, 0x3555, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x4248] }, opts: { littleEndian: false }, channels: 1, dtype: 'float32', values: [1, -2, 0.333251953125, 65504, 2 ** -24, -0, Infinity, 3.140625] },
	{ name: 'BigTIFF, big-endian uint16', spec: { width: W, height: H, bits: 16, rowsPerStrip: 8, samples: pattern(1, 0, 65535) }, opts: { littleEndian: false, bigTiff: true }, channels: 1, dtype: 'uint16' },
	{ name: 'BigTIFF, little-endian Deflate uint8 tiles', spec: { width: W, height: H, bits: 8, compression: 8, tile: [16, 16], samples: pattern(1, 0, 255) }, opts: { bigTiff: true }, channels: 1, dtype: 'uint8' }
];
