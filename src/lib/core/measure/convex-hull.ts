/**
 * Convex hull, convex image and Feret diameters of one cell, exactly as scikit-image 0.19.3
 * `regionprops` computes `area_convex` and `feret_diameter_max`, in exact integer arithmetic.
 *
 * All points are kept in *doubled* coordinates (R = 2·row, C = 2·col, relative to the cell's
 * bounding box), so every point skimage uses (pixel centres ± 0.5) is an integer and every
 * predicate is exact.
 *
 * - skimage `convex_hull_image` (2D): the hull of the four edge midpoints (r ± 0.5, c),
 *   (r, c ± 0.5) of each pixel (`_offsets_diamond`), then `grid_points_in_poly`, which counts a
 *   pixel centre that lies inside, on an edge or on a vertex as in the hull. So the convex image
 *   is the set of pixel centres in the *closed* hull polygon; only each row's leftmost and
 *   rightmost pixel can contribute hull points.
 * - skimage `feret_diameter_max` (0.19.3): `find_contours(pad(convex image, 2), 0.5)` on a binary
 *   image puts a contour point at the midpoint of every edge between a hull pixel and a non-hull
 *   4-neighbour; the result is the largest distance between two of those points.
 * - Our minimum Feret diameter is the minimum caliper width of the same contour points (the
 *   smallest distance between two parallel lines enclosing them); skimage has no such property.
 */

/** Reusable scratch buffers so that measuring 100,000 cells allocates almost nothing. */
export class HullWorkspace {
	/** Candidate points, sorted by (R, C). */
	pr = new Int32Array(256);
	pc = new Int32Array(256);
	/** Hull vertices (counter-clockwise in the (R, C) plane, last = first not repeated). */
	hr = new Int32Array(257);
	hc = new Int32Array(257);
	/** Per-level minimum / maximum C, level index = R + 1 (R runs from -1 to 2h - 1). */
	lvMin = new Int32Array(128);
	lvMax = new Int32Array(128);
	/** The convex image, one interval [lo, hi] of columns per bbox row (empty when lo > hi). */
	lo = new Int32Array(64);
	hi = new Int32Array(64);

	ensurePoints(n: number): void {
		if (this.pr.length < n) {
			const m = Math.max(n, this.pr.length * 2);
			this.pr = new Int32Array(m);
			this.pc = new Int32Array(m);
			this.hr = new Int32Array(m + 1);
			this.hc = new Int32Array(m + 1);
		}
	}

	ensureRows(h: number): void {
		if (this.lo.length < h) {
			const m = Math.max(h, this.lo.length * 2);
			this.lo = new Int32Array(m);
			this.hi = new Int32Array(m);
		}
		if (this.lvMin.length < 2 * h + 1) {
			const m = Math.max(2 * h + 1, this.lvMin.length * 2);
			this.lvMin = new Int32Array(m);
			this.lvMax = new Int32Array(m);
		}
	}
}

/** The hull measures of one cell, in pixels. */
export interface HullMeasures {
	/** Pixel count of skimage's convex hull image (`area_convex`). */
	convexArea: number;
	/** skimage 0.19.3 `feret_diameter_max`. */
	feretMax: number;
	/** Minimum caliper width of the same contour points. */
	feretMin: number;
}

const EMPTY_LO = 0x3fffffff;
const EMPTY_HI = -0x3fffffff;

/** z = cross(b − a, q − a) in the (R, C) plane; > 0 when q is left of a→b. */
function cross(ar: number, ac: number, br: number, bc: number, qr: number, qc: number): number {
	return (br - ar) * (qc - ac) - (bc - ac) * (qr - ar);
}

/** ⌊n / d⌋ for integers, d > 0, exact even where the float quotient rounds. */
function floorDiv(n: number, d: number): number {
	let q = Math.floor(n / d);
	if (q * d > n) q -= 1;
	else if ((q + 1) * d <= n) q += 1;
	return q;
}

/**
 * Convex hull (Andrew's monotone chain) of `n` points already sorted by (R, C), without
 * collinear points. Writes the vertices counter-clockwise into `outR`/`outC` (which need room
 * for n + 1) and returns their count. Fewer than 3 input points are returned as they are.
 */
export function convexHullSorted(
	pr: Int32Array,
	pc: Int32Array,
	n: number,
	outR: Int32Array,
	outC: Int32Array
): number {
	if (n < 3) {
		for (let i = 0; i < n; i++) {
			outR[i] = pr[i];
			outC[i] = pc[i];
		}
		return n;
	}
	let k = 0;
	for (let i = 0; i < n; i++) {
		while (k >= 2 && cross(outR[k - 2], outC[k - 2], outR[k - 1], outC[k - 1], pr[i], pc[i]) <= 0) k--;
		outR[k] = pr[i];
		outC[k] = pc[i];
		k++;
	}
	const t = k + 1;
	for (let i = n - 2; i >= 0; i--) {
		while (k >= t && cross(outR[k - 2], outC[k - 2], outR[k - 1], outC[k - 1], pr[i], pc[i]) <= 0) k--;
		outR[k] = pr[i];
		outC[k] = pc[i];
		k++;
	}
	return k - 1;
}

/**
 * Emits the points of each level (lvMin/lvMax, level index = R + 1) in (R, C) order and
 * returns how many; within a level only the two extremes can be hull vertices.
 */
function emitLevels(ws: HullWorkspace, levels: number): number {
	ws.ensurePoints(2 * levels);
	const { pr, pc, lvMin, lvMax } = ws;
	let n = 0;
	for (let L = 0; L < levels; L++) {
		const a = lvMin[L];
		const b = lvMax[L];
		if (a > b) continue;
		pr[n] = L - 1;
		pc[n] = a;
		n++;
		if (b !== a) {
			pr[n] = L - 1;
			pc[n] = b;
			n++;
		}
	}
	return n;
}

function putLevel(lvMin: Int32Array, lvMax: Int32Array, L: number, a: number, b: number): void {
	if (a < lvMin[L]) lvMin[L] = a;
	if (b > lvMax[L]) lvMax[L] = b;
}

/**
 * skimage 0.19.3 `convex_hull_image` of a cell whose bbox has `h` rows, given each row's
 * leftmost and rightmost pixel column (relative to the bbox; rowMin > rowMax for a row
 * without pixels). Fills `ws.lo`/`ws.hi` with the convex image's column interval per row and
 * returns its pixel count.
 */
export function convexImage(rowMin: Int32Array, rowMax: Int32Array, h: number, ws: HullWorkspace): number {
	ws.ensureRows(h);
	const levels = 2 * h + 1;
	const { lvMin, lvMax } = ws;
	lvMin.fill(EMPTY_LO, 0, levels);
	lvMax.fill(EMPTY_HI, 0, levels);
	for (let r = 0; r < h; r++) {
		const a = rowMin[r];
		const b = rowMax[r];
		if (a > b) continue;
		// Diamond points of the row's extreme pixels: (r − ½, c), (r, c ∓ ½), (r + ½, c).
		putLevel(lvMin, lvMax, 2 * r, 2 * a, 2 * b);
		putLevel(lvMin, lvMax, 2 * r + 1, 2 * a - 1, 2 * b + 1);
		putLevel(lvMin, lvMax, 2 * r + 2, 2 * a, 2 * b);
	}
	const n = emitLevels(ws, levels);
	const m = convexHullSorted(ws.pr, ws.pc, n, ws.hr, ws.hc);
	const { hr, hc, lo, hi } = ws;
	// Vertex 0 is the first point in (R, C) order; k1, the last, ends the left chain (R rising,
	// smaller C); the right chain runs k1 → m−1 → 0 with R falling. A convex polygon's row
	// interval is bounded by the one edge of each chain that spans the row.
	let k1 = 0;
	for (let i = 1; i < m; i++) if (hr[i] > hr[k1] || (hr[i] === hr[k1] && hc[i] > hc[k1])) k1 = i;
	const rMin = hr[0];
	const rMax = hr[k1];
	let pl = 0;
	let pu = m - 1;
	let area = 0;
	for (let r = 0; r < h; r++) {
		const R = 2 * r;
		let cLo = 1;
		let cHi = 0;
		if (R >= rMin && R <= rMax) {
			while (pl < k1 - 1 && hr[pl + 1] < R) pl++;
			while (pu > k1 && hr[pu] < R) pu--;
			const pu1 = pu + 1 === m ? 0 : pu + 1;
			// Left chain edge pl → pl+1: closed half-plane cross(a→b, (R, 2c)) ≥ 0 ⇔ dR·2c ≥ K.
			let dR = hr[pl + 1] - hr[pl];
			let K = dR * hc[pl] + (hc[pl + 1] - hc[pl]) * (R - hr[pl]);
			cLo = dR > 0 ? -floorDiv(-K, 2 * dR) : -floorDiv(-Math.min(hc[pl], hc[pl + 1]), 2);
			// Right chain edge pu → pu+1 (dR < 0): 2c ≤ K / dR.
			dR = hr[pu1] - hr[pu];
			K = dR * hc[pu] + (hc[pu1] - hc[pu]) * (R - hr[pu]);
			cHi = dR < 0 ? floorDiv(-K, -2 * dR) : floorDiv(Math.max(hc[pu], hc[pu1]), 2);
		}
		if (cLo <= cHi) {
			lo[r] = cLo;
			hi[r] = cHi;
			area += cHi - cLo + 1;
		} else {
			lo[r] = EMPTY_LO;
			hi[r] = EMPTY_HI;
		}
	}
	return area;
}

function dist2(hr: Int32Array, hc: Int32Array, a: number, b: number): number {
	const dr = hr[a] - hr[b];
	const dc = hc[a] - hc[b];
	return dr * dr + dc * dc;
}

/**
 * Largest squared distance between two vertices and smallest caliper width (twice the area of
 * the widest triangle on an edge, divided by the edge length) of a convex polygon given
 * counter-clockwise without collinear vertices, by rotating calipers. Units are those of the
 * input coordinates.
 */
export function caliperDiameters(
	hr: Int32Array,
	hc: Int32Array,
	m: number
): { maxSq: number; minWidth: number } {
	if (m === 1) return { maxSq: 0, minWidth: 0 };
	if (m === 2) {
		const dr = hr[1] - hr[0];
		const dc = hc[1] - hc[0];
		return { maxSq: dr * dr + dc * dc, minWidth: 0 };
	}
	let maxSq = 0;
	let minWidth = Infinity;
	let j = 1;
	for (let i = 0; i < m; i++) {
		const i1 = i + 1 === m ? 0 : i + 1;
		// Advance j to the vertex farthest from edge i → i1 (areas are unimodal on a convex polygon).
		for (;;) {
			const jn = j + 1 === m ? 0 : j + 1;
			const here = cross(hr[i], hc[i], hr[i1], hc[i1], hr[j], hc[j]);
			const next = cross(hr[i], hc[i], hr[i1], hc[i1], hr[jn], hc[jn]);
			if (next > here) j = jn;
			else break;
		}
		const jn = j + 1 === m ? 0 : j + 1;
		// Every antipodal pair shows up here; the extra (·, jn) pairs cover parallel edges.
		const cand = Math.max(dist2(hr, hc, i, j), dist2(hr, hc, i1, j), dist2(hr, hc, i, jn), dist2(hr, hc, i1, jn));
		if (cand > maxSq) maxSq = cand;
		const er = hr[i1] - hr[i];
		const ec = hc[i1] - hc[i];
		const w = cross(hr[i], hc[i], hr[i1], hc[i1], hr[j], hc[j]) / Math.sqrt(er * er + ec * ec);
		if (w < minWidth) minWidth = w;
	}
	return { maxSq, minWidth };
}

/**
 * Feret diameters (in pixels) from the convex image in `ws.lo`/`ws.hi` (`h` rows): the hull of
 * the marching-squares contour points of the convex image, as skimage 0.19.3
 * `feret_diameter_max` uses them.
 */
export function feretFromConvexImage(h: number, ws: HullWorkspace): { max: number; min: number } {
	ws.ensurePoints(4 * h + 4);
	const { lo, hi, pr, pc } = ws;
	// Points come out in (R, C) order: each level holds points of one kind only. Level R = 2r − 1
	// (between rows r − 1 and r) has a point above/below every column in exactly one of the two
	// rows (the symmetric difference of the intervals); level R = 2r has the row's two side edges.
	let n = 0;
	let a1 = 1;
	let b1 = 0;
	for (let r = 0; r <= h; r++) {
		let a2 = 1;
		let b2 = 0;
		if (r < h && lo[r] <= hi[r]) {
			a2 = lo[r];
			b2 = hi[r];
		}
		const e1 = a1 > b1;
		const e2 = a2 > b2;
		let sMin: number;
		let sMax: number;
		if (e1 || e2) {
			// One row empty: the symmetric difference is the other row (or nothing).
			sMin = e1 ? a2 : a1;
			sMax = e1 ? b2 : b1;
		} else {
			// Both non-empty (disjoint intervals differ at both ends, so these cover them too).
			sMin = a1 !== a2 ? Math.min(a1, a2) : b1 !== b2 ? Math.min(b1, b2) + 1 : 1;
			sMax = b1 !== b2 ? Math.max(b1, b2) : a1 !== a2 ? Math.max(a1, a2) - 1 : 0;
		}
		const R = 2 * r - 1;
		if (sMin <= sMax) {
			pr[n] = R;
			pc[n++] = 2 * sMin;
			if (sMax !== sMin) {
				pr[n] = R;
				pc[n++] = 2 * sMax;
			}
		}
		if (!e2) {
			pr[n] = R + 1;
			pc[n++] = 2 * a2 - 1;
			pr[n] = R + 1;
			pc[n++] = 2 * b2 + 1;
		}
		a1 = a2;
		b1 = b2;
	}
	const m = convexHullSorted(ws.pr, ws.pc, n, ws.hr, ws.hc);
	const { maxSq, minWidth } = caliperDiameters(ws.hr, ws.hc, m);
	// Doubled coordinates: distances halve (sqrt(D / 4) is exactly sqrt of the true squared distance).
	return { max: Math.sqrt(maxSq / 4), min: minWidth / 2 };
}

/** Convex area and Feret diameters of one cell from its per-row pixel extremes (see convexImage). */
export function hullMeasures(rowMin: Int32Array, rowMax: Int32Array, h: number, ws: HullWorkspace): HullMeasures {
	const convexArea = convexImage(rowMin, rowMax, h, ws);
	const f = feretFromConvexImage(h, ws);
	return { convexArea, feretMax: f.max, feretMin: f.min };
}
