/**
 * Image resizing exactly as OpenCV 4.6 `cv2.resize` does it on float32 data, which is what
 * Cellpose 3.1 `transforms.resize_image` calls (spec §3.5): INTER_LINEAR for images and network
 * outputs, INTER_NEAREST for label images. Arrays are channel-planar `(C, H, W)`; every channel
 * uses the same coefficients, as cv2 does for a channels-last image.
 */

const f32 = Math.fround;

/** Per destination coordinate: source index `s` and float32 weights `(w0, w1)` for `s`, `s+1`. */
export interface LinearAxis {
	s: Int32Array;
	w0: Float32Array;
	w1: Float32Array;
}

/**
 * cv2 INTER_LINEAR coefficients along one axis (`cv::resize`, `resizeGeneric_` set-up):
 * `f = float32((d + 0.5)·scale − 0.5)` with `scale = 1 / (D / S)` in double, `s = floor(f)`,
 * `a = f − s`; `s < 0` → (0, 0) and `s ≥ S−1` → (S−1, 0), i.e. edge replication. `w0 = 1 − a` in float32.
 */
export function linearAxis(src: number, dst: number): LinearAxis {
	const scale = 1 / (dst / src);
	const s = new Int32Array(dst);
	const w0 = new Float32Array(dst);
	const w1 = new Float32Array(dst);
	for (let d = 0; d < dst; d++) {
		const f = f32((d + 0.5) * scale - 0.5);
		let si = Math.floor(f);
		let a = f32(f - si);
		if (si < 0) {
			si = 0;
			a = 0;
		}
		if (si >= src - 1) {
			si = src - 1;
			a = 0;
		}
		s[d] = si;
		w0[d] = f32(1 - a);
		w1[d] = a;
	}
	return { s, w0, w1 };
}

/**
 * cv2 INTER_NEAREST source indices (`resizeNN`): `s = min(floor(d · (1 / (D / S))), S − 1)`,
 * no half-pixel offset.
 */
export function nearestAxis(src: number, dst: number): Int32Array {
	const ifx = 1 / (dst / src);
	const out = new Int32Array(dst);
	for (let d = 0; d < dst; d++) out[d] = Math.min(Math.floor(d * ifx), src - 1);
	return out;
}

function checkSizes(what: string, h: number, w: number): void {
	if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
		throw new RangeError(`resize: the ${what} size ${w} × ${h} is not a valid image size`);
	}
}

/**
 * Resize `planes` channel planes `(planes, srcH, srcW)` to `(planes, dstH, dstW)` as cv2
 * INTER_LINEAR on float32: separable, horizontal pass first, each pass
 * `float32(float32(v0·w0) + float32(v1·w1))`. An exact 2× reduction on both axes takes cv2's
 * INTER_AREA fast path instead (`resizeAreaFast_`), the 2×2 mean `(((a + b) + c) + d)·0.25`, which
 * is its generic loop, used for the 2- and 3-channel arrays Cellpose resizes (cv2's SIMD branch
 * for 1 or 4 channels sums `(a + b) + (c + d)`, which can differ by 1 ulp; not reproduced).
 * Equal sizes copy (cv2 does the same). Writes into `dst` when given.
 */
export function resizeLinear(
	src: Float32Array,
	planes: number,
	srcH: number,
	srcW: number,
	dstH: number,
	dstW: number,
	dst: Float32Array = new Float32Array(planes * dstH * dstW)
): Float32Array {
	checkSizes('source', srcH, srcW);
	checkSizes('destination', dstH, dstW);
	const sn = srcH * srcW;
	const dn = dstH * dstW;
	if (src.length < planes * sn) throw new RangeError(`resize: the source holds ${src.length} values, fewer than ${planes} × ${srcH} × ${srcW}`);
	if (dst.length < planes * dn) throw new RangeError(`resize: the destination holds ${dst.length} values, fewer than ${planes} × ${dstH} × ${dstW}`);
	if (srcH === dstH && srcW === dstW) {
		dst.set(src.subarray(0, planes * sn));
		return dst;
	}
	if (srcH === 2 * dstH && srcW === 2 * dstW) {
		areaHalf(src, planes, srcW, dstH, dstW, dst);
		return dst;
	}
	const ax = linearAxis(srcW, dstW);
	const ay = linearAxis(srcH, dstH);
	// Two horizontally resized source rows, reused while consecutive output rows share them.
	let r0 = new Float32Array(dstW);
	let r1 = new Float32Array(dstW);
	const xs = ax.s;
	const xw0 = ax.w0;
	const xw1 = ax.w1;
	const lastX = srcW - 1;
	const hrow = (plane: Float32Array, sy: number, out: Float32Array) => {
		const base = sy * srcW;
		for (let dx = 0; dx < dstW; dx++) {
			const sx = xs[dx];
			const sx1 = sx < lastX ? sx + 1 : lastX;
			out[dx] = f32(f32(plane[base + sx] * xw0[dx]) + f32(plane[base + sx1] * xw1[dx]));
		}
	};
	for (let p = 0; p < planes; p++) {
		const plane = src.subarray(p * sn, (p + 1) * sn);
		const out = dst.subarray(p * dn, (p + 1) * dn);
		let have0 = -1;
		let have1 = -1;
		for (let dy = 0; dy < dstH; dy++) {
			const sy = ay.s[dy];
			const sy1 = sy < srcH - 1 ? sy + 1 : srcH - 1;
			if (have0 !== sy) {
				if (have1 === sy) {
					const t = r0;
					r0 = r1;
					r1 = t;
					have0 = sy;
					have1 = -1;
				} else {
					hrow(plane, sy, r0);
					have0 = sy;
				}
			}
			if (have1 !== sy1) {
				if (sy1 === have0) r1.set(r0);
				else hrow(plane, sy1, r1);
				have1 = sy1;
			}
			const b0 = ay.w0[dy];
			const b1 = ay.w1[dy];
			const o = dy * dstW;
			for (let dx = 0; dx < dstW; dx++) out[o + dx] = f32(r0[dx] * b0) + f32(r1[dx] * b1);
		}
	}
	return dst;
}

/** cv2 `resizeAreaFast_` for an exact 2× reduction on float32 (see `resizeLinear`). */
function areaHalf(src: Float32Array, planes: number, srcW: number, dstH: number, dstW: number, dst: Float32Array): void {
	const sn = 4 * dstH * dstW;
	const dn = dstH * dstW;
	for (let p = 0; p < planes; p++) {
		const so = p * sn;
		const dof = p * dn;
		for (let y = 0; y < dstH; y++) {
			const a0 = so + 2 * y * srcW;
			const a1 = a0 + srcW;
			for (let x = 0; x < dstW; x++) {
				const a = src[a0 + 2 * x];
				const b = src[a0 + 2 * x + 1];
				const c = src[a1 + 2 * x];
				const d = src[a1 + 2 * x + 1];
				dst[dof + y * dstW + x] = f32(f32(f32(a + b) + c) + d) * 0.25;
			}
		}
	}
}

/** Any typed array a label image can be. */
export type LabelPlane = Uint8Array | Uint16Array | Uint32Array | Int32Array;

/** Resize a label image `(srcH, srcW)` as cv2 INTER_NEAREST (`resizeNN`), into `dst`. */
export function resizeNearest<T extends LabelPlane>(src: T, srcH: number, srcW: number, dstH: number, dstW: number, dst: T): T {
	checkSizes('source', srcH, srcW);
	checkSizes('destination', dstH, dstW);
	if (src.length < srcH * srcW || dst.length < dstH * dstW) throw new RangeError('resize: the label arrays are smaller than their sizes');
	const xs = nearestAxis(srcW, dstW);
	const ys = nearestAxis(srcH, dstH);
	for (let y = 0; y < dstH; y++) {
		const so = ys[y] * srcW;
		const o = y * dstW;
		for (let x = 0; x < dstW; x++) dst[o + x] = src[so + xs[x]];
	}
	return dst;
}
