/**
 * The network's two input channels from an image, as Cellpose 3.1 `transforms.convert_image` and
 * `transforms.reshape` for a 2-D image (spec §3.1): channel 0 is the channel to segment, channel 1
 * the nuclear channel or zeros, both float32.
 *
 * A Raster already says which axis holds the channels, so Cellpose's axis guessing (the smallest
 * axis under 10 taken as channels, `reshape`'s transpose of arrays with fewer than 8 rows) does not
 * apply: this is Cellpose called with the channel axis given.
 */
import { ParamError } from '../formats/errors';
import type { Raster } from '../raster/types';

/** Cellpose's `channels`: 1-based `[segment, nucleus]`, 0 = grey (mean of all) / none. */
export type CellposeChannels = readonly [number, number];

/** Check a `channels` pair against an image with `count` channels (where `reshape` would fail with an IndexError). */
export function checkChannels(channels: CellposeChannels | null, count: number): void {
	if (channels === null) return;
	if (channels.length !== 2 || !channels.every((c) => Number.isInteger(c) && c >= 0)) {
		throw new ParamError(undefined, `the channels must be two whole numbers (0 = grey/none, 1 = first channel, …), not [${channels.join(', ')}]`);
	}
	// A single-channel image ignores the choice (Cellpose: one channel → [c, 0]).
	if (count === 1) return;
	const [seg, nuc] = channels;
	if (seg > count) {
		throw new ParamError(undefined, `channel ${seg} was chosen as the channel to segment, but the image has only ${count} channels`);
	}
	if (seg > 0 && nuc > count) {
		throw new ParamError(undefined, `channel ${nuc} was chosen as the nuclear channel, but the image has only ${count} channels`);
	}
}

/**
 * numpy 1.24's float32 sum of `a[lo..lo+n)` along a contiguous axis (`pairwise_sum_FLOAT`, after
 * the identity 0): used for `mean(axis=-1)` over channels and for the style norm.
 */
export function pairwiseSumF32(a: Float32Array, lo: number, n: number): number {
	const f32 = Math.fround;
	if (n < 8) {
		let res = 0;
		for (let i = 0; i < n; i++) res = f32(res + a[lo + i]);
		return res;
	}
	if (n <= 128) {
		const r = [a[lo], a[lo + 1], a[lo + 2], a[lo + 3], a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]];
		let i = 8;
		for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k] = f32(r[k] + a[lo + i + k]);
		let res = f32(f32(f32(r[0] + r[1]) + f32(r[2] + r[3])) + f32(f32(r[4] + r[5]) + f32(r[6] + r[7])));
		for (; i < n; i++) res = f32(res + a[lo + i]);
		return res;
	}
	let n2 = Math.floor(n / 2);
	n2 -= n2 % 8;
	return f32(pairwiseSumF32(a, lo, n2) + pairwiseSumF32(a, lo + n2, n - n2));
}

/**
 * `(2, H, W)` float32 network input from a raster (not yet normalised):
 * - `channels` null (CellposeModel's default): the first two channels, or `[c, 0]` for one;
 * - one channel: `[c, 0]` whatever `channels` says;
 * - `[0, *]`: the mean of all channels (float32, numpy's summation order), then zeros;
 * - `[s, n]`: channel s−1, then channel n−1 or zeros when n is 0.
 * Values are cast to float32 as `astype(np.float32)`. Throws ParamError for bad channel choices
 * and for values that are not finite numbers (NaN or infinity), which the network cannot use.
 */
export function toNetworkChannels(raster: Raster, channels: CellposeChannels | null): Float32Array {
	const { width: W, height: H, channels: C, data } = raster;
	if (!Number.isInteger(W) || !Number.isInteger(H) || W < 1 || H < 1 || !Number.isInteger(C) || C < 1) {
		throw new ParamError(undefined, `the image size ${W} × ${H} × ${C} channels is not a valid image`);
	}
	const n = W * H;
	if (data.length < n * C) throw new ParamError(undefined, `the image holds ${data.length} values, fewer than its ${W} × ${H} × ${C} pixels`);
	checkChannels(channels, C);
	const out = new Float32Array(2 * n);
	let pick: number[];
	if (C === 1) pick = [0];
	else if (channels === null) pick = [0, 1];
	else if (channels[0] === 0) pick = [];
	else pick = channels[1] > 0 ? [channels[0] - 1, channels[1] - 1] : [channels[0] - 1];

	if (pick.length === 0) {
		// Grey: mean over all channels in float32.
		if (C < 8) {
			for (let i = 0; i < n; i++) {
				let s = 0;
				for (let c = 0; c < C; c++) s = Math.fround(s + Math.fround(data[c * n + i]));
				out[i] = s / C;
			}
		} else {
			const px = new Float32Array(C);
			for (let i = 0; i < n; i++) {
				for (let c = 0; c < C; c++) px[c] = data[c * n + i];
				out[i] = pairwiseSumF32(px, 0, C) / C;
			}
		}
	} else {
		for (let k = 0; k < pick.length; k++) {
			const src = pick[k] * n;
			const dst = out.subarray(k * n, (k + 1) * n);
			for (let i = 0; i < n; i++) dst[i] = data[src + i];
		}
	}
	let bad = 0;
	for (let i = 0; i < 2 * n; i++) if (!Number.isFinite(out[i])) bad++;
	if (bad > 0) {
		throw new ParamError(undefined, `${bad} pixel values in the channels to segment are not finite numbers (NaN or infinity, or too large for 32-bit floats); Cellpose cannot segment such an image`);
	}
	return out;
}
