/**
 * Aspect-preserving resize onto a square zero canvas, as the original Mycol app's
 * `resize_with_aspect_ratio` (OpenCV `cv2.resize`): scale = min(S/h, S/w); new size
 * (max(1, round(w·scale)), max(1, round(h·scale))); `INTER_AREA` when scale < 1, `INTER_LINEAR`
 * otherwise; placed at ((S − nh) div 2, (S − nw) div 2). Computed in float (OpenCV rounds
 * uint8 results through fixed-point weights; callers that need integers round afterwards).
 * Rounding is Python's `round` (half to even), as Mycol calls it.
 */

export interface LetterboxGeometry {
	/** min(S/h, S/w). */
	scale: number;
	/** Resized size, before padding. */
	width: number;
	height: number;
	/** Top-left corner of the resized crop on the S × S canvas. */
	offsetX: number;
	offsetY: number;
}

/** Python 3 `round(x)`: to nearest, ties to even. */
export function roundHalfEven(x: number): number {
	const f = Math.floor(x);
	const d = x - f;
	if (d > 0.5) return f + 1;
	if (d < 0.5) return f;
	return f % 2 === 0 ? f : f + 1;
}

/** Where an h × w crop lands on an S × S canvas. */
export function letterboxGeometry(height: number, width: number, size: number): LetterboxGeometry {
	const scale = Math.min(size / height, size / width);
	const nw = Math.max(1, roundHalfEven(width * scale));
	const nh = Math.max(1, roundHalfEven(height * scale));
	return { scale, width: nw, height: nh, offsetX: (size - nw) >> 1, offsetY: (size - nh) >> 1 };
}

/** Per-axis source taps: for output index j, `count[j]` pairs (index, weight) from `start[j]` in the flat arrays. */
interface Taps {
	start: Int32Array;
	count: Int32Array;
	index: Int32Array;
	weight: Float64Array;
}

/**
 * Area-averaging taps for shrinking n → m (m ≤ n), as OpenCV `INTER_AREA` (`computeResizeAreaTab`):
 * output j averages the source interval [j·n/m, (j+1)·n/m), each source pixel weighted by its overlap.
 */
export function areaTaps(n: number, m: number): Taps {
	const scale = n / m;
	const start = new Int32Array(m);
	const count = new Int32Array(m);
	const index: number[] = [];
	const weight: number[] = [];
	for (let j = 0; j < m; j++) {
		const a = j * scale;
		const b = Math.min(n, (j + 1) * scale);
		start[j] = index.length;
		for (let i = Math.floor(a); i < b; i++) {
			const overlap = Math.min(b, i + 1) - Math.max(a, i);
			if (overlap > 1e-9) {
				index.push(i);
				weight.push(overlap / (b - a));
			}
		}
		count[j] = index.length - start[j];
	}
	return { start, count, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}

/**
 * Bilinear taps for n → m, as OpenCV `INTER_LINEAR`: half-pixel centres, source coordinate
 * (j + 0.5)·n/m − 0.5, clamped to [0, n − 1] (edge pixels repeat).
 */
export function bilinearTaps(n: number, m: number): Taps {
	const scale = n / m;
	const start = new Int32Array(m);
	const count = new Int32Array(m);
	const index = new Int32Array(2 * m);
	const weight = new Float64Array(2 * m);
	for (let j = 0; j < m; j++) {
		let f = (j + 0.5) * scale - 0.5;
		if (f < 0) f = 0;
		let i0 = Math.floor(f);
		let t = f - i0;
		if (i0 >= n - 1) {
			i0 = n - 1;
			t = 0;
		}
		start[j] = 2 * j;
		count[j] = 2;
		index[2 * j] = i0;
		weight[2 * j] = 1 - t;
		index[2 * j + 1] = Math.min(i0 + 1, n - 1);
		weight[2 * j + 1] = t;
	}
	return { start, count, index, weight };
}

/**
 * Resize a planar (C, h, w) float image to (C, nh, nw): area averaging when `shrink`, bilinear
 * otherwise, separably (along x, then along y; both are linear, so the order does not matter).
 */
export function resizePlanar(src: Float32Array, channels: number, h: number, w: number, nh: number, nw: number, shrink: boolean): Float32Array {
	const tx = shrink ? areaTaps(w, nw) : bilinearTaps(w, nw);
	const ty = shrink ? areaTaps(h, nh) : bilinearTaps(h, nh);
	const tmp = new Float64Array(h * nw);
	const out = new Float32Array(channels * nh * nw);
	for (let c = 0; c < channels; c++) {
		const base = c * h * w;
		for (let y = 0; y < h; y++) {
			const row = base + y * w;
			for (let x = 0; x < nw; x++) {
				let s = 0;
				for (let k = tx.start[x], e = k + tx.count[x]; k < e; k++) s += src[row + tx.index[k]] * tx.weight[k];
				tmp[y * nw + x] = s;
			}
		}
		const ob = c * nh * nw;
		for (let y = 0; y < nh; y++) {
			for (let x = 0; x < nw; x++) {
				let s = 0;
				for (let k = ty.start[y], e = k + ty.count[y]; k < e; k++) s += tmp[ty.index[k] * nw + x] * ty.weight[k];
				out[ob + y * nw + x] = s;
			}
		}
	}
	return out;
}

/**
 * Letterbox a planar (C, h, w) float crop onto a (C, S, S) zero canvas. Returns the canvas and
 * where the crop went. A crop already S × S is copied unchanged (as Mycol returns it as is).
 */
export function letterbox(src: Float32Array, channels: number, h: number, w: number, size: number): { data: Float32Array; geometry: LetterboxGeometry } {
	const g = letterboxGeometry(h, w, size);
	const resized = g.width === w && g.height === h ? src : resizePlanar(src, channels, h, w, g.height, g.width, g.scale < 1);
	const out = new Float32Array(channels * size * size);
	for (let c = 0; c < channels; c++) {
		for (let y = 0; y < g.height; y++) {
			const from = (c * g.height + y) * g.width;
			out.set(resized.subarray(from, from + g.width), (c * size + g.offsetY + y) * size + g.offsetX);
		}
	}
	return { data: out, geometry: g };
}
