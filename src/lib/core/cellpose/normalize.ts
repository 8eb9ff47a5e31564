/**
 * Intensity normalisation as Cellpose 3.1 `transforms.normalize_img` / `normalize99` for a 2-D
 * image (spec §3.3), on a channel-planar float32 image, in place. Percentiles are numpy 1.24's
 * `np.percentile` (linear method) bit for bit; the arithmetic on the pixels is float32 as in
 * Cellpose. Smoothing/sharpening and tiled normalisation are not supported.
 */
import { ParamError } from '../formats/errors';

export interface NormalizeOptions {
	/** Percentile normalisation on/off (`normalize`). Default true. */
	normalize?: boolean;
	/** Lower and upper percentile (`percentile`), 0 ≤ lower < upper ≤ 100. Default [1, 99]. */
	percentile?: readonly [number, number];
	/**
	 * Fixed `[low, high]` for every channel, or one pair per channel (`lowhigh`): replaces the
	 * percentiles and applies to every channel (even an all-zero one). Default null.
	 */
	lowhigh?: readonly [number, number] | ReadonlyArray<readonly [number, number]> | null;
	/** `x = 1 − x` on the normalised channels (`invert`). Default false. */
	invert?: boolean;
}

/** `224³`: above this many pixels percentiles are taken on a subsample (`normalize99(downsample=True)`). */
export const SUBSAMPLE_ABOVE = 224 ** 3;

const f32 = Math.fround;

/** Rearrange `a[lo..hi]` so that `a[k]` holds its sorted value, smaller left, larger right. */
function select(a: Float32Array, lo: number, hi: number, k: number): void {
	let budget = 2 * Math.ceil(Math.log2(hi - lo + 2)) + 8;
	while (hi > lo) {
		if (budget-- === 0) {
			// Pathological input for the pivot rule: finish with a sort.
			a.subarray(lo, hi + 1).sort();
			return;
		}
		// Median of three as pivot, placed at a[lo].
		const mid = (lo + hi) >>> 1;
		if (a[mid] < a[lo]) swap(a, mid, lo);
		if (a[hi] < a[lo]) swap(a, hi, lo);
		if (a[hi] < a[mid]) swap(a, hi, mid);
		swap(a, lo, mid);
		const pivot = a[lo];
		let i = lo;
		let j = hi + 1;
		for (;;) {
			do i++;
			while (i <= hi && a[i] < pivot);
			do j--;
			while (a[j] > pivot);
			if (i >= j) break;
			swap(a, i, j);
		}
		swap(a, lo, j);
		if (j === k) return;
		if (j < k) lo = j + 1;
		else hi = j - 1;
	}
}

function swap(a: Float32Array, i: number, j: number): void {
	const t = a[i];
	a[i] = a[j];
	a[j] = t;
}

/**
 * numpy 1.24 `np.percentile(values, q)` (method 'linear') for finite float32 data, each result a
 * float64: `rank = (n−1)·(q/100)`, `i = floor(rank)`, `t = rank − i`, `a = s[i]`,
 * `b = s[min(i+1, n−1)]`, `d = float32(b − a)`; `a + d·t` if `t < 0.5`, else `b − d·(1−t)`
 * (numpy's `_lerp`). `scratch` is reordered (pass a copy). `qs` must be ascending.
 */
export function percentilesF32(scratch: Float32Array, qs: readonly number[]): number[] {
	const n = scratch.length;
	if (n === 0) throw new RangeError('percentile of an empty array');
	const out: number[] = [];
	let from = 0; // everything left of `from` is ≤ every value at or right of it
	for (const q of qs) {
		const rank = (n - 1) * (q / 100);
		let i = Math.floor(rank);
		let t = rank - i;
		if (rank >= n - 1) {
			// numpy: index −1 for both neighbours.
			i = n - 1;
			t = rank - -1;
		}
		select(scratch, from, n - 1, i);
		from = i;
		const a = scratch[i];
		let b = a;
		if (i + 1 < n) {
			b = Infinity;
			for (let k = i + 1; k < n; k++) if (scratch[k] < b) b = scratch[k];
		}
		const d = f32(b - a);
		out.push(t < 0.5 ? a + d * t : b - d * (1 - t));
	}
	return out;
}

/** The pixels percentiles are taken on: all, or `[::Ly//224, ::Lx//224]` above 224³ pixels. */
export function percentileSample(plane: Float32Array, height: number, width: number, scratch?: Float32Array): Float32Array {
	const n = height * width;
	if (n <= SUBSAMPLE_ABOVE) {
		const s = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Float32Array(n);
		s.set(plane.subarray(0, n));
		return s;
	}
	const sy = Math.max(1, Math.floor(height / 224));
	const sx = Math.max(1, Math.floor(width / 224));
	const ny = Math.ceil(height / sy);
	const nx = Math.ceil(width / sx);
	const s = scratch && scratch.length >= ny * nx ? scratch.subarray(0, ny * nx) : new Float32Array(ny * nx);
	let k = 0;
	for (let y = 0; y < height; y += sy) {
		const row = y * width;
		for (let x = 0; x < width; x += sx) s[k++] = plane[row + x];
	}
	return s;
}

/**
 * `normalize99` on one channel plane, in place: `x = (x − f32(p_lo)) / f32(p_hi − p_lo)` in
 * float32 when `p_hi − p_lo > 1e-3`, else every pixel becomes 0. Returns the percentiles.
 */
export function normalize99(plane: Float32Array, height: number, width: number, lower = 1, upper = 99, scratch?: Float32Array): [number, number] {
	const [lo, hi] = percentilesF32(percentileSample(plane, height, width, scratch), [lower, upper]);
	const n = height * width;
	if (hi - lo > 1e-3) {
		const l = f32(lo);
		const r = f32(hi - lo);
		for (let i = 0; i < n; i++) plane[i] = f32(plane[i] - l) / r;
	} else {
		plane.fill(0, 0, n);
	}
	return [lo, hi];
}

/** The checks of `normalize_img` (percentile range, lowhigh shape, invert needs normalising); throws ParamError. */
export function checkNormalizeOptions(opts: NormalizeOptions, channels: number): void {
	const p = opts.percentile;
	if (p !== undefined) {
		if (p.length !== 2 || !p.every((v) => Number.isFinite(v)) || !(p[0] >= 0 && p[0] < p[1] && p[1] <= 100)) {
			throw new ParamError(undefined, `the normalisation percentiles must be two numbers with 0 ≤ lower < upper ≤ 100, not [${p.join(', ')}]`);
		}
	}
	const lh = opts.lowhigh;
	if (lh) {
		const pairs = lowhighPairs(lh, channels);
		for (const [lo, hi] of pairs) {
			if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
				throw new ParamError(undefined, `the fixed normalisation range must have low < high (finite numbers), not [${lo}, ${hi}]`);
			}
		}
	}
	if (opts.invert && !lh && opts.normalize === false) {
		throw new ParamError(undefined, 'inverting the image needs normalisation: turn normalisation on, or inversion off');
	}
}

function isPair(v: unknown): v is readonly [number, number] {
	return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number';
}

function lowhighPairs(lh: NonNullable<NormalizeOptions['lowhigh']>, channels: number): ReadonlyArray<readonly [number, number]> {
	if (isPair(lh)) return Array.from({ length: channels }, () => lh);
	const pairs = lh as ReadonlyArray<readonly [number, number]>;
	if (pairs.length !== channels || !pairs.every(isPair)) {
		throw new ParamError(undefined, `the fixed normalisation range must be one [low, high] pair, or one pair for each of the ${channels} channels`);
	}
	return pairs;
}

/**
 * Cellpose 3.1 `normalize_img` for a 2-D image, in place on `(C, H, W)` float32 (every value
 * finite). `lowhigh`: `x = (x − f32(low)) / f32(high − low)` on every channel. Otherwise, if
 * `normalize`, `normalize99` on each channel whose range (max − min) is above 0; a constant
 * channel is left as it is. `invert`: `x = 1 − x` on the channels normalised. Returns which
 * channels were normalised.
 */
export function normalizeImage(img: Float32Array, channels: number, height: number, width: number, opts: NormalizeOptions = {}): boolean[] {
	checkNormalizeOptions(opts, channels);
	const n = height * width;
	const good = new Array<boolean>(channels).fill(false);
	if (opts.lowhigh) {
		const pairs = lowhighPairs(opts.lowhigh, channels);
		for (let c = 0; c < channels; c++) {
			const l = f32(pairs[c][0]);
			const r = f32(pairs[c][1] - pairs[c][0]);
			const p = img.subarray(c * n, (c + 1) * n);
			for (let i = 0; i < n; i++) p[i] = f32(p[i] - l) / r;
			good[c] = true;
		}
	} else if (opts.normalize ?? true) {
		const [lower, upper] = opts.percentile ?? [1, 99];
		let scratch: Float32Array | undefined;
		for (let c = 0; c < channels; c++) {
			const p = img.subarray(c * n, (c + 1) * n);
			let mn = p[0];
			let mx = p[0];
			for (let i = 1; i < n; i++) {
				const v = p[i];
				if (v < mn) mn = v;
				else if (v > mx) mx = v;
			}
			if (!(f32(mx - mn) > 0)) continue;
			scratch ??= new Float32Array(Math.min(n, SUBSAMPLE_ABOVE));
			normalize99(p, height, width, lower, upper, scratch);
			good[c] = true;
		}
	}
	if (opts.invert) {
		for (let c = 0; c < channels; c++) {
			if (!good[c]) continue;
			const p = img.subarray(c * n, (c + 1) * n);
			for (let i = 0; i < n; i++) p[i] = 1 - p[i];
		}
	}
	return good;
}
