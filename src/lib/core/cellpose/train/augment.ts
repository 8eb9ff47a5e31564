/**
 * Cellpose 3.1 `transforms.random_rotate_and_resize` for 2-D training pairs (spec §6.5): a random
 * horizontal flip, rotation, zoom (divided by the image's rescale factor so cells come out about
 * `diam_mean` wide) and shift, warped to a `bsize × bsize` crop. Images and flow targets are
 * sampled bilinearly, the cellprob target by nearest neighbour, zero outside the image; the flow
 * vectors are then rotated with the image (and dX negated by the flip). The warp is a plain float
 * affine warp, which the spec allows (cv2 quantises coordinates to 1/32 px); Cellpose's MT19937
 * stream is replaced by the caller's seeded generator (the draws keep their order).
 */

/** The five draws of one image, after the scale has been divided by the rescale factor. */
export interface AugmentDraw {
	flip: boolean;
	/** Rotation in radians. */
	theta: number;
	/** Zoom factor applied to the image (float32, as Cellpose stores it). */
	scale: number;
	/** Random shift of the crop centre, in output pixels (x, y). */
	dx: number;
	dy: number;
}

const f32 = Math.fround;

/**
 * Draw one image's augmentation in Cellpose's order: flip, theta, scale, then the x and y shift.
 * `rescale` is `diam / diam_mean` (1 when rescaling is off).
 */
export function drawAugmentation(rand: () => number, width: number, height: number, rescale: number, scaleRange: number, bsize: number): AugmentDraw {
	const range = Math.max(0, Math.min(2, scaleRange));
	const flip = rand() > 0.5;
	const theta = rand() * Math.PI * 2;
	let scale = f32(1 - range / 2 + range * rand());
	scale = f32(scale * (1 / rescale));
	const maxX = Math.max(0, width * scale - bsize);
	const maxY = Math.max(0, height * scale - bsize);
	const dx = (rand() - 0.5) * maxX;
	const dy = (rand() - 0.5) * maxY;
	return { flip, theta, scale, dx, dy };
}

/**
 * The inverse map of the warp, as cv2.warpAffine uses it: output pixel (x, y) samples the source at
 * `A⁻¹·((x, y) − c1) + c`, with `A = s·R(θ)`, `c` the image centre and `c1 = (bsize/2, bsize/2) + d`.
 * Returns [a, b, tx, c, d, ty] with srcX = a·x + b·y + tx, srcY = c·x + d·y + ty.
 */
export function inverseAffine(draw: AugmentDraw, width: number, height: number, bsize: number): Float64Array {
	const cos = Math.cos(draw.theta) / draw.scale;
	const sin = Math.sin(draw.theta) / draw.scale;
	const cx = width / 2;
	const cy = height / 2;
	const c1x = bsize / 2 + draw.dx;
	const c1y = bsize / 2 + draw.dy;
	// A⁻¹ = (1/s)·[[cos, sin], [−sin, cos]].
	return Float64Array.from([cos, sin, cx - cos * c1x - sin * c1y, -sin, cos, cy + sin * c1x - cos * c1y]);
}

/**
 * Warp `channels` planes of `src` (C, H, W) into `dst` (C, bsize, bsize) at `dstOffset`:
 * bilinear (zero outside) or nearest (rounding half up). `flip` mirrors the source horizontally first.
 */
function warpPlanes(
	src: Float32Array,
	channels: number,
	width: number,
	height: number,
	m: Float64Array,
	flip: boolean,
	bsize: number,
	dst: Float32Array,
	dstOffset: number,
	nearest: boolean
): void {
	const n = width * height;
	const out = bsize * bsize;
	for (let y = 0; y < bsize; y++) {
		for (let x = 0; x < bsize; x++) {
			// sx is a column of the (possibly mirrored) source, as cv2 sees `img[..., ::-1]`.
			const fx = m[0] * x + m[1] * y + m[2];
			const sy = m[3] * x + m[4] * y + m[5];
			const o = dstOffset + y * bsize + x;
			if (nearest) {
				const jx = Math.floor(fx + 0.5);
				const ix = flip ? width - 1 - jx : jx;
				const iy = Math.floor(sy + 0.5);
				const inside = ix >= 0 && ix < width && iy >= 0 && iy < height;
				for (let c = 0; c < channels; c++) dst[o + c * out] = inside ? src[c * n + iy * width + ix] : 0;
				continue;
			}
			// Bilinear sampling is mirror-symmetric, so the mirrored column is interpolated directly.
			const sx = flip ? width - 1 - fx : fx;
			const x0 = Math.floor(sx);
			const y0 = Math.floor(sy);
			const ax = sx - x0;
			const ay = sy - y0;
			if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) {
				for (let c = 0; c < channels; c++) dst[o + c * out] = 0;
				continue;
			}
			const w00 = (1 - ax) * (1 - ay);
			const w01 = ax * (1 - ay);
			const w10 = (1 - ax) * ay;
			const w11 = ax * ay;
			const inX0 = x0 >= 0;
			const inX1 = x0 + 1 < width;
			const inY0 = y0 >= 0;
			const inY1 = y0 + 1 < height;
			const i00 = y0 * width + x0;
			for (let c = 0; c < channels; c++) {
				const p = c * n + i00;
				let v = 0;
				if (inY0) {
					if (inX0) v += w00 * src[p];
					if (inX1) v += w01 * src[p + 1];
				}
				if (inY1) {
					if (inX0) v += w10 * src[p + width];
					if (inX1) v += w11 * src[p + width + 1];
				}
				dst[o + c * out] = v;
			}
		}
	}
}

/** One training image: its network channels (C, H, W) and targets (3, H, W) = [cellprob, dY, dX]. */
export interface AugmentSource {
	image: Float32Array;
	target: Float32Array;
	channels: number;
	width: number;
	height: number;
}

/**
 * Warp one image and its targets with `draw` into `x` (C·bsize²) and `y` (3·bsize²) at the given
 * offsets, rotating the flow vectors: `dY' = dX·sinθ + dY·cosθ`, `dX' = dX·cosθ − dY·sinθ`, where
 * dX is first negated when the image is flipped.
 */
export function warpTrainingPair(src: AugmentSource, draw: AugmentDraw, bsize: number, x: Float32Array, xOffset: number, y: Float32Array, yOffset: number): void {
	const { width, height } = src;
	const n = width * height;
	const out = bsize * bsize;
	const m = inverseAffine(draw, width, height, bsize);
	warpPlanes(src.image, src.channels, width, height, m, draw.flip, bsize, x, xOffset, false);
	warpPlanes(src.target, 1, width, height, m, draw.flip, bsize, y, yOffset, true);
	warpPlanes(src.target.subarray(n), 2, width, height, m, draw.flip, bsize, y, yOffset + out, false);
	const cos = Math.cos(draw.theta);
	const sin = Math.sin(draw.theta);
	const sign = draw.flip ? -1 : 1;
	for (let i = 0; i < out; i++) {
		const v2 = y[yOffset + out + i];
		const v1 = sign * y[yOffset + 2 * out + i];
		y[yOffset + out + i] = v1 * sin + v2 * cos;
		y[yOffset + 2 * out + i] = v1 * cos - v2 * sin;
	}
}

export interface AugmentedBatch {
	/** (N, C, bsize, bsize) network input. */
	x: Float32Array;
	/** (N, 3, bsize, bsize) targets [cellprob, dY, dX]. */
	y: Float32Array;
	draws: AugmentDraw[];
}

/**
 * `random_rotate_and_resize(imgs, Y=targets, rescale, scale_range, xy=(bsize, bsize))` for a batch:
 * each image draws its own augmentation from `rand`, in batch order.
 */
export function randomRotateAndResize(
	sources: readonly AugmentSource[],
	rescale: readonly number[],
	scaleRange: number,
	bsize: number,
	rand: () => number
): AugmentedBatch {
	if (sources.length === 0) throw new RangeError('randomRotateAndResize: empty batch');
	const channels = sources[0].channels;
	const out = bsize * bsize;
	const x = new Float32Array(sources.length * channels * out);
	const y = new Float32Array(sources.length * 3 * out);
	const draws: AugmentDraw[] = [];
	sources.forEach((s, k) => {
		if (s.channels !== channels) throw new RangeError('randomRotateAndResize: images of one batch must have the same channel count');
		const draw = drawAugmentation(rand, s.width, s.height, rescale[k], scaleRange, bsize);
		draws.push(draw);
		warpTrainingPair(s, draw, bsize, x, k * channels * out, y, k * 3 * out);
	});
	return { x, y, draws };
}
