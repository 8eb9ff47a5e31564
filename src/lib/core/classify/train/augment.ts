/**
 * On-the-fly training augmentation of S × S × 3 (NHWC) patches on [0, 1] (spec B7): random
 * horizontal and vertical flips and a random multiple of 90° — exact pixel permutations, no
 * resampling — then brightness/contrast x·a + b, clipped to [0, 1]. The background stays zero:
 * pixels that are 0 in all three channels (the zeroed outside of the cell and the letterbox
 * padding) are not changed by the photometric step, which re-applies the letterboxed mask
 * without having to carry it along. Mycol's own rotations by arbitrary angles resample and
 * re-letterbox; they are not copied (the rotation by 90° multiples keeps every pixel).
 */
import type { AugmentConfig } from './config';

export interface Augmentation {
	flipH: boolean;
	flipV: boolean;
	/** Counter-clockwise quarter turns, as numpy's `rot90(a, k)` on the (row, column) axes. */
	quarterTurns: 0 | 1 | 2 | 3;
	/** a in x·a + b. */
	contrast: number;
	/** b in x·a + b. */
	brightness: number;
}

export const IDENTITY_AUGMENTATION: Readonly<Augmentation> = { flipH: false, flipV: false, quarterTurns: 0, contrast: 1, brightness: 0 };

/** One random augmentation; switched-off parts stay at the identity (and draw nothing). */
export function drawAugmentation(rand: () => number, config: AugmentConfig): Augmentation {
	const a: Augmentation = { ...IDENTITY_AUGMENTATION };
	if (config.flips) {
		a.flipH = rand() < 0.5;
		a.flipV = rand() < 0.5;
	}
	if (config.rotate90) a.quarterTurns = Math.min(3, Math.floor(rand() * 4)) as 0 | 1 | 2 | 3;
	if (config.contrast > 0) a.contrast = 1 + (2 * rand() - 1) * config.contrast;
	if (config.brightness > 0) a.brightness = (2 * rand() - 1) * config.brightness;
	return a;
}

/**
 * Write the augmented patch at `src[srcOffset…]` to `dst[dstOffset…]` (S·S·3 floats each; the two
 * ranges must not overlap). Output pixel (y, x) is rot90(flip(input), k)[y, x].
 */
export function augmentPatch(src: Float32Array, srcOffset: number, dst: Float32Array, dstOffset: number, size: number, aug: Augmentation): void {
	const last = size - 1;
	const { flipH, flipV, quarterTurns: k, contrast: a, brightness: b } = aug;
	const photometric = a !== 1 || b !== 0;
	for (let y = 0; y < size; y++) {
		for (let x = 0; x < size; x++) {
			// Inverse rotation: where in the flipped patch this output pixel comes from.
			let fy: number;
			let fx: number;
			if (k === 0) (fy = y), (fx = x);
			else if (k === 1) (fy = x), (fx = last - y);
			else if (k === 2) (fy = last - y), (fx = last - x);
			else (fy = last - x), (fx = y);
			const sy = flipV ? last - fy : fy;
			const sx = flipH ? last - fx : fx;
			const s = srcOffset + (sy * size + sx) * 3;
			const d = dstOffset + (y * size + x) * 3;
			const r = src[s];
			const g = src[s + 1];
			const bl = src[s + 2];
			if (!photometric || (r === 0 && g === 0 && bl === 0)) {
				dst[d] = r;
				dst[d + 1] = g;
				dst[d + 2] = bl;
			} else {
				dst[d] = clip01(r * a + b);
				dst[d + 1] = clip01(g * a + b);
				dst[d + 2] = clip01(bl * a + b);
			}
		}
	}
}

function clip01(v: number): number {
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/**
 * A batch of augmented copies of the patches `indices` (each drawn anew from `rand`), or plain
 * copies when `config` is null (validation).
 */
export function augmentedBatch(
	patches: Float32Array,
	indices: ArrayLike<number>,
	size: number,
	rand: () => number,
	config: AugmentConfig | null,
	out?: Float32Array
): Float32Array {
	const per = size * size * 3;
	const batch = out && out.length >= indices.length * per ? out.subarray(0, indices.length * per) : new Float32Array(indices.length * per);
	for (let i = 0; i < indices.length; i++) {
		const from = indices[i] * per;
		if (config) augmentPatch(patches, from, batch, i * per, size, drawAugmentation(rand, config));
		else batch.set(patches.subarray(from, from + per), i * per);
	}
	return batch;
}
