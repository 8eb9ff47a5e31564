/**
 * convert_image / reshape (spec §3.1), checked against the fixture of Python Cellpose 3.1
 * (`pipeline/B_rgb_cyto_nuc_normalized_YXC.npy`: the net input after channels and normalisation)
 * and against numpy values computed with /usr/bin/python3 (numpy 1.24).
 */
import { describe, expect, it } from 'vitest';
import { sharedBytes } from '../shared';
import { readNpy, type NpyArray } from '../../../src/lib/core/formats/npy';
import { ParamError } from '../../../src/lib/core/formats/errors';
import type { Raster } from '../../../src/lib/core/raster/types';
import { toNetworkChannels } from '../../../src/lib/core/cellpose/channels';
import { normalizeImage } from '../../../src/lib/core/cellpose/normalize';

function npy(name: string): NpyArray {
	const a = readNpy(name, sharedBytes(`fixtures/cellpose-3.1/pipeline/${name}`));
	if (a.kind !== 'array') throw new Error(`${name}: not a numeric array`);
	return a;
}

/** A channels-last (H, W, C) array as a channel-planar Raster. */
function planar(a: NpyArray): Raster {
	const [H, W, C] = a.shape;
	const src = a.data as Uint8Array;
	const data = new Uint8Array(H * W * C);
	for (let i = 0; i < H * W; i++) for (let c = 0; c < C; c++) data[c * H * W + i] = src[i * C + c];
	return { width: W, height: H, channels: C, dtype: 'uint8', data };
}

describe('channels + normalisation vs Python Cellpose 3.1', () => {
	it('B_rgb_cyto_nuc: channels [2, 3] of an RGB uint8 image, normalised, equals the fixture exactly', () => {
		const raster = planar(npy('B_rgb_cyto_nuc_image.npy'));
		const ref = npy('B_rgb_cyto_nuc_normalized_YXC.npy');
		const [H, W, C] = ref.shape;
		expect([H, W, C]).toEqual([raster.height, raster.width, 2]);
		const x = toNetworkChannels(raster, [2, 3]);
		normalizeImage(x, 2, H, W);
		const r = ref.data as Float32Array;
		let diff = 0;
		for (let i = 0; i < H * W; i++) for (let c = 0; c < 2; c++) diff = Math.max(diff, Math.abs(x[c * H * W + i] - r[i * 2 + c]));
		expect(diff).toBe(0);
	});
});

describe('toNetworkChannels', () => {
	const rgb: Raster = { width: 3, height: 1, channels: 3, dtype: 'float32', data: new Float32Array([0.1, 1e8, 0.7, 0.2, 1, 0.7, 0.3, -1e8, 0.7]) };

	it('[0, 0]: the float32 mean over all channels (numpy: 0.20000000298023224, 0.0, 0.699999988079071), then zeros', () => {
		const x = toNetworkChannels(rgb, [0, 0]);
		expect(Array.from(x)).toEqual([0.20000000298023224, 0, 0.699999988079071, 0, 0, 0]);
		// The nuclear channel is ignored when the first is grey.
		expect(Array.from(toNetworkChannels(rgb, [0, 2]))).toEqual(Array.from(x));
	});

	it('channels null: the first two channels (RGB → R, G)', () => {
		const x = toNetworkChannels(rgb, null);
		expect(Array.from(x)).toEqual([0.1, 1e8, 0.7, 0.2, 1, 0.7].map(Math.fround));
	});

	it('one channel: [c, 0] whatever the channels say', () => {
		const g: Raster = { width: 2, height: 2, channels: 1, dtype: 'uint16', data: new Uint16Array([1, 2, 3, 65535]) };
		for (const ch of [null, [0, 0], [2, 3]] as const) expect(Array.from(toNetworkChannels(g, ch))).toEqual([1, 2, 3, 65535, 0, 0, 0, 0]);
	});

	it('[s, 0]: one channel and zeros; [s, n]: both', () => {
		expect(Array.from(toNetworkChannels(rgb, [3, 0]))).toEqual([0.3, -1e8, 0.7, 0, 0, 0].map(Math.fround));
		expect(Array.from(toNetworkChannels(rgb, [3, 1]))).toEqual([0.3, -1e8, 0.7, 0.1, 1e8, 0.7].map(Math.fround));
	});

	it('mean over 9 channels uses numpy pairwise summation', () => {
		// numpy: np.array([[3, 3, 3, 3, 3, 3, 3, 1e8, -1e8]], float32).mean(axis=-1) = 1.7777778 (float32),
		// where a left-to-right float32 sum would give 2.6666667.
		const vals = [3, 3, 3, 3, 3, 3, 3, 1e8, -1e8];
		const r: Raster = { width: 1, height: 1, channels: 9, dtype: 'float32', data: new Float32Array(vals) };
		expect(toNetworkChannels(r, [0, 0])[0]).toBe(Math.fround(1.7777778));
	});

	it('rejects channels the image does not have, and non-finite values, with plain sentences', () => {
		expect(() => toNetworkChannels(rgb, [4, 0])).toThrow(ParamError);
		expect(() => toNetworkChannels(rgb, [4, 0])).toThrow(/channel 4 was chosen as the channel to segment, but the image has only 3 channels/);
		expect(() => toNetworkChannels(rgb, [1, 5])).toThrow(/nuclear channel/);
		expect(() => toNetworkChannels(rgb, [1.5, 0])).toThrow(/whole numbers/);
		const nan: Raster = { width: 2, height: 1, channels: 1, dtype: 'float32', data: new Float32Array([1, NaN]) };
		expect(() => toNetworkChannels(nan, null)).toThrow(/1 pixel values .* not finite numbers/);
		const huge: Raster = { width: 1, height: 1, channels: 1, dtype: 'float64', data: new Float64Array([1e300]) };
		expect(() => toNetworkChannels(huge, null)).toThrow(ParamError);
	});
});
