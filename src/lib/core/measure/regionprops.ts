/**
 * Per-cell geometry and intensity statistics, as scikit-image 0.19.3 `measure.regionprops`
 * defines them (`area`, `perimeter`, `axis_major_length`, …, `feret_diameter_max`,
 * `intensity_mean/min/max`), plus median, standard deviation and sum of intensity and the
 * minimum Feret diameter.
 *
 * One pass over the label image collects, per label: pixel count, coordinate sums and second
 * moments (exact integer sums per row run), bounding box, skimage's perimeter (pixel
 * configuration counts, with a three-row rolling buffer of border flags) and the row runs.
 * Per-cell follow-ups then work on each cell's runs only: the convex hull from each row's
 * extreme pixels, and intensity statistics from the runs' contiguous pixels.
 */
import type { Labels, PixelArray, Raster } from '../raster/types';
import { ParamError } from '../formats/errors';
import { HullWorkspace, hullMeasures } from './convex-hull';

/**
 * Intensity statistics of one channel, one value per cell (numpy semantics: NaN in, NaN out).
 * Always accumulated in float64: for integer images this equals skimage exactly; for float32
 * images skimage's `intensity_mean` accumulates in float32, so it differs by float32 rounding.
 */
export interface ChannelStats {
	mean: Float64Array;
	median: Float64Array;
	min: Float64Array;
	max: Float64Array;
	/** Population standard deviation (numpy `std`, ddof = 0). */
	std: Float64Array;
	/** Sum of the cell's pixel values. */
	integrated: Float64Array;
}

/**
 * The measured cells, sorted by label id (as `regionprops` returns them); every array has
 * `count` entries. Lengths and areas in pixels; bbox max is exclusive.
 */
export interface RegionProps {
	count: number;
	label: Float64Array;
	area: Float64Array;
	perimeter: Float64Array;
	majorAxis: Float64Array;
	minorAxis: Float64Array;
	eccentricity: Float64Array;
	/**
	 * skimage's rule, `0.5·atan2(−2b, c − a)` or ±π/4 when a = c, applied to exact central
	 * moments. Where the tensor is exactly degenerate (a = c, or b = 0 with a > c) skimage's
	 * result depends on its BLAS rounding (and its a = c branch is the sign error of
	 * scikit-image issue #6815); there the sign can differ from skimage (rare: 3 of 1,475 cells
	 * tested).
	 */
	orientation: Float64Array;
	convexArea: Float64Array;
	solidity: Float64Array;
	extent: Float64Array;
	equivalentDiameter: Float64Array;
	feretMax: Float64Array;
	feretMin: Float64Array;
	centroidRow: Float64Array;
	centroidCol: Float64Array;
	bboxMinRow: Float64Array;
	bboxMinCol: Float64Array;
	bboxMaxRow: Float64Array;
	bboxMaxCol: Float64Array;
	/** One entry per intensity channel; empty without an intensity image. */
	intensity: ChannelStats[];
}

const SQRT2 = Math.sqrt(2);

/**
 * skimage `perimeter(image, 4)`: a border pixel's code is 1 + 2·(border 4-neighbours) +
 * 10·(border diagonal neighbours); codes map to weight classes 1 → 1, 2 → √2, 3 → (1 + √2)/2.
 */
const PERIMETER_CLASS = (() => {
	const t = new Uint8Array(50);
	for (const c of [5, 7, 15, 17, 25, 27]) t[c] = 1;
	for (const c of [21, 33]) t[c] = 2;
	for (const c of [13, 23]) t[c] = 3;
	return t;
})();

/** Σ_{k ≤ v} k² as the polynomial v(v+1)(2v+1)/6, valid for negative v too (P(v) − P(v−1) = v²). */
function sumSq(v: number): number {
	return (v * (v + 1) * (2 * v + 1)) / 6;
}

/** Label id → dense slot: an array for ids up to a few times the pixel count, else a Map. */
class SlotMap {
	private dense: Int32Array | null;
	private sparse = new Map<number, number>();
	constructor(data: Uint32Array) {
		let maxId = 0;
		for (let i = 0; i < data.length; i++) if (data[i] > maxId) maxId = data[i];
		this.dense = maxId <= Math.max(1 << 16, 2 * data.length) ? new Int32Array(maxId + 1).fill(-1) : null;
	}
	get(id: number): number {
		if (this.dense) return this.dense[id];
		const s = this.sparse.get(id);
		return s === undefined ? -1 : s;
	}
	set(id: number, slot: number): void {
		if (this.dense) this.dense[id] = slot;
		else this.sparse.set(id, slot);
	}
}

/** Per-slot accumulators from the single pass, in first-appearance order. */
class Accumulators {
	n = 0;
	cap = 0;
	id = new Float64Array(0);
	count = new Float64Array(0);
	sumR = new Float64Array(0);
	sumC = new Float64Array(0);
	r0 = new Int32Array(0);
	c0 = new Int32Array(0);
	sdr = new Float64Array(0);
	sdc = new Float64Array(0);
	sdrr = new Float64Array(0);
	sdcc = new Float64Array(0);
	sdrc = new Float64Array(0);
	minC = new Int32Array(0);
	maxC = new Int32Array(0);
	maxR = new Int32Array(0);
	per1 = new Float64Array(0);
	per2 = new Float64Array(0);
	per3 = new Float64Array(0);
	runs = new Int32Array(0);

	constructor() {
		this.grow(1024);
	}

	private grow(cap: number): void {
		const f = (a: Float64Array): Float64Array<ArrayBuffer> => {
			const b = new Float64Array(cap);
			b.set(a.subarray(0, this.n));
			return b;
		};
		const g = (a: Int32Array): Int32Array<ArrayBuffer> => {
			const b = new Int32Array(cap);
			b.set(a.subarray(0, this.n));
			return b;
		};
		this.id = f(this.id);
		this.count = f(this.count);
		this.sumR = f(this.sumR);
		this.sumC = f(this.sumC);
		this.r0 = g(this.r0);
		this.c0 = g(this.c0);
		this.sdr = f(this.sdr);
		this.sdc = f(this.sdc);
		this.sdrr = f(this.sdrr);
		this.sdcc = f(this.sdcc);
		this.sdrc = f(this.sdrc);
		this.minC = g(this.minC);
		this.maxC = g(this.maxC);
		this.maxR = g(this.maxR);
		this.per1 = f(this.per1);
		this.per2 = f(this.per2);
		this.per3 = f(this.per3);
		this.runs = g(this.runs);
		this.cap = cap;
	}

	/** A new slot for `id`, first seen at row r, column c. */
	add(id: number, r: number, c: number): number {
		if (this.n === this.cap) this.grow(this.cap * 2);
		const s = this.n++;
		this.id[s] = id;
		this.r0[s] = r;
		this.c0[s] = c;
		this.minC[s] = c;
		this.maxC[s] = c;
		return s;
	}
}

/** Growable (slot, row, c0, c1) run list, in raster order. */
class RunList {
	data = new Int32Array(4 * 4096);
	n = 0;
	push(slot: number, r: number, c0: number, c1: number): void {
		if (4 * this.n + 4 > this.data.length) {
			const b = new Int32Array(this.data.length * 2);
			b.set(this.data);
			this.data = b;
		}
		const o = 4 * this.n++;
		this.data[o] = slot;
		this.data[o + 1] = r;
		this.data[o + 2] = c0;
		this.data[o + 3] = c1;
	}
}

interface Scan {
	acc: Accumulators;
	/** Runs grouped by slot: (row, c0, c1) triples; slot s owns runs runStart[s] … runStart[s+1]−1. */
	runs: Int32Array;
	runStart: Int32Array;
}

/** The single pass over the label image. */
function scan(labels: Labels): Scan {
	const { width: W, height: H, data } = labels;
	const acc = new Accumulators();
	const map = new SlotMap(data);
	const runList = new RunList();
	// Rolling rows (index row % 3) of border flags and slots, for skimage's perimeter.
	const border = new Uint8Array(3 * W);
	const slots = new Int32Array(3 * W);
	let lastId = -1;
	let lastSlot = -1;

	const perimeterRow = (q: number): void => {
		const bq = (q % 3) * W;
		const bu = q > 0 ? ((q - 1) % 3) * W : -1;
		const bd = q + 1 < H ? ((q + 1) % 3) * W : -1;
		const off = q * W;
		for (let x = 0; x < W; x++) {
			if (border[bq + x] === 0) continue;
			const L = data[off + x];
			let code = 1;
			if (x > 0 && border[bq + x - 1] && data[off + x - 1] === L) code += 2;
			if (x + 1 < W && border[bq + x + 1] && data[off + x + 1] === L) code += 2;
			if (bu >= 0) {
				const o = off - W;
				if (border[bu + x] && data[o + x] === L) code += 2;
				if (x > 0 && border[bu + x - 1] && data[o + x - 1] === L) code += 10;
				if (x + 1 < W && border[bu + x + 1] && data[o + x + 1] === L) code += 10;
			}
			if (bd >= 0) {
				const o = off + W;
				if (border[bd + x] && data[o + x] === L) code += 2;
				if (x > 0 && border[bd + x - 1] && data[o + x - 1] === L) code += 10;
				if (x + 1 < W && border[bd + x + 1] && data[o + x + 1] === L) code += 10;
			}
			const cls = PERIMETER_CLASS[code];
			if (cls === 0) continue;
			const s = slots[bq + x];
			if (cls === 1) acc.per1[s]++;
			else if (cls === 2) acc.per2[s]++;
			else acc.per3[s]++;
		}
	};

	for (let r = 0; r < H; r++) {
		const off = r * W;
		const bq = (r % 3) * W;
		border.fill(0, bq, bq + W);
		const edgeRow = r === 0 || r === H - 1;
		let x = 0;
		while (x < W) {
			const L = data[off + x];
			if (L === 0) {
				x++;
				continue;
			}
			let x1 = x;
			while (x1 + 1 < W && data[off + x1 + 1] === L) x1++;
			let s: number;
			if (L === lastId) s = lastSlot;
			else {
				s = map.get(L);
				if (s < 0) {
					s = acc.add(L, r, x);
					map.set(L, s);
				}
				lastId = L;
				lastSlot = s;
			}
			// Moments of the run, exact integer sums relative to the cell's first pixel.
			const n = x1 - x + 1;
			const dr = r - acc.r0[s];
			const u = x - acc.c0[s];
			const v = x1 - acc.c0[s];
			const sc = (n * (u + v)) / 2;
			acc.count[s] += n;
			acc.sumR[s] += n * r;
			acc.sumC[s] += (n * (x + x1)) / 2;
			acc.sdr[s] += n * dr;
			acc.sdrr[s] += n * dr * dr;
			acc.sdc[s] += sc;
			acc.sdcc[s] += sumSq(v) - sumSq(u - 1);
			acc.sdrc[s] += dr * sc;
			if (x < acc.minC[s]) acc.minC[s] = x;
			if (x1 > acc.maxC[s]) acc.maxC[s] = x1;
			acc.maxR[s] = r;
			runList.push(s, r, x, x1);
			// Border pixels: a 4-neighbour outside the cell (skimage: the pixel minus its erosion
			// by a cross with border_value 0).
			for (let xx = x; xx <= x1; xx++) slots[bq + xx] = s;
			border[bq + x] = 1;
			border[bq + x1] = 1;
			if (edgeRow) border.fill(1, bq + x, bq + x1 + 1);
			else {
				const up = off - W;
				const dn = off + W;
				for (let xx = x + 1; xx < x1; xx++) {
					if (data[up + xx] !== L || data[dn + xx] !== L) border[bq + xx] = 1;
				}
			}
			x = x1 + 1;
		}
		if (r > 0) perimeterRow(r - 1);
	}
	if (H > 0) perimeterRow(H - 1);

	// Group the runs by slot (counting sort keeps raster order within a cell).
	const runStart = new Int32Array(acc.n + 1);
	const rl = runList.data;
	for (let i = 0; i < runList.n; i++) runStart[rl[4 * i] + 1]++;
	for (let s = 0; s < acc.n; s++) runStart[s + 1] += runStart[s];
	const fill = runStart.slice(0, acc.n);
	const runs = new Int32Array(3 * runList.n);
	for (let i = 0; i < runList.n; i++) {
		const o = 3 * fill[rl[4 * i]]++;
		runs[o] = rl[4 * i + 1];
		runs[o + 1] = rl[4 * i + 2];
		runs[o + 2] = rl[4 * i + 3];
	}
	return { acc, runs, runStart };
}

/**
 * Eigenvalues (descending, clipped at 0) of the symmetric 2×2 matrix [[a, b], [b, c]] the way
 * numpy `eigvalsh` gets them from LAPACK `dsyevd` → `dsterf` → `dlae2`, so that exactly
 * singular tensors (straight lines) give exactly 0 as skimage does.
 */
export function inertiaEigvals(a: number, b: number, c: number): [number, number] {
	const EPS = 2 ** -53;
	const ab = Math.abs(b);
	let rt1: number;
	let rt2: number;
	if (ab === 0 || ab <= Math.sqrt(Math.abs(a)) * Math.sqrt(Math.abs(c)) * EPS || b * b <= EPS * EPS * Math.abs(a * c)) {
		// dsterf splits off a negligible off-diagonal element: the diagonal is the spectrum.
		rt1 = Math.max(a, c);
		rt2 = Math.min(a, c);
	} else {
		// dsterf squares the off-diagonal and passes sqrt(e²) to dlae2.
		const bb = Math.sqrt(b * b);
		const sm = a + c;
		const adf = Math.abs(a - c);
		const tb = bb + bb;
		const atb = Math.abs(tb);
		const [acmx, acmn] = Math.abs(a) > Math.abs(c) ? [a, c] : [c, a];
		let rt: number;
		if (adf > atb) rt = adf * Math.sqrt(1 + (atb / adf) ** 2);
		else if (adf < atb) rt = atb * Math.sqrt(1 + (adf / atb) ** 2);
		else rt = atb * SQRT2;
		if (sm < 0) {
			rt1 = 0.5 * (sm - rt);
			rt2 = (acmx / rt1) * acmn - (bb / rt1) * bb;
		} else if (sm > 0) {
			rt1 = 0.5 * (sm + rt);
			rt2 = (acmx / rt1) * acmn - (bb / rt1) * bb;
		} else {
			rt1 = 0.5 * rt;
			rt2 = -0.5 * rt;
		}
		if (rt2 > rt1) [rt1, rt2] = [rt2, rt1];
	}
	return [Math.max(rt1, 0), Math.max(rt2, 0)];
}

/** Checks an intensity image against the labels; throws a ParamError naming `file`. */
function checkIntensity(labels: Labels, intensity: Raster, file: string): void {
	if (intensity.width !== labels.width || intensity.height !== labels.height) {
		throw new ParamError(
			file,
			`the intensity image is ${intensity.width} × ${intensity.height} pixels but the label image is ${labels.width} × ${labels.height}; they must be the same size`
		);
	}
	const need = intensity.width * intensity.height * intensity.channels;
	if (!Number.isInteger(intensity.channels) || intensity.channels < 1 || intensity.data.length < need) {
		throw new ParamError(
			file,
			`the intensity image declares ${intensity.channels} channel(s) of ${intensity.width} × ${intensity.height} pixels but holds ${intensity.data.length} values`
		);
	}
}

/**
 * k-th smallest of a[0..n) in place (Hoare/Wirth selection, median-of-three pivot): afterwards
 * a[k] is in its sorted place and a[0..k) ≤ a[k] ≤ a(k..n).
 */
function selectKth(a: Float64Array, n: number, k: number): void {
	let lo = 0;
	let hi = n - 1;
	while (hi > lo) {
		const m = (lo + hi) >> 1;
		const p = a[lo];
		const q = a[m];
		const t = a[hi];
		const x = p < q ? (q < t ? q : p < t ? t : p) : p < t ? p : q < t ? t : q;
		let i = lo;
		let j = hi;
		do {
			while (a[i] < x) i++;
			while (x < a[j]) j--;
			if (i <= j) {
				const w = a[i];
				a[i] = a[j];
				a[j] = w;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < k) lo = i;
		if (k < i) hi = j;
	}
}

/** Intensity statistics per cell and channel, reading each cell's runs. */
function intensityStats(
	labels: Labels,
	intensity: Raster,
	sc: Scan,
	order: Int32Array,
	areas: Float64Array
): ChannelStats[] {
	const W = labels.width;
	const plane = labels.width * labels.height;
	const N = order.length;
	let maxArea = 0;
	for (let i = 0; i < N; i++) if (areas[i] > maxArea) maxArea = areas[i];
	const buf = new Float64Array(maxArea);
	const out: ChannelStats[] = [];
	for (let ch = 0; ch < intensity.channels; ch++) {
		const st: ChannelStats = {
			mean: new Float64Array(N),
			median: new Float64Array(N),
			min: new Float64Array(N),
			max: new Float64Array(N),
			std: new Float64Array(N),
			integrated: new Float64Array(N)
		};
		const px: PixelArray = intensity.data;
		const base = ch * plane;
		for (let i = 0; i < N; i++) {
			const s = order[i];
			let n = 0;
			for (let k = sc.runStart[s]; k < sc.runStart[s + 1]; k++) {
				const o = base + sc.runs[3 * k] * W;
				const c1 = sc.runs[3 * k + 2];
				for (let x = sc.runs[3 * k + 1]; x <= c1; x++) buf[n++] = px[o + x];
			}
			let sum = 0;
			let mn = Infinity;
			let mx = -Infinity;
			let nan = false;
			for (let k = 0; k < n; k++) {
				const v = buf[k];
				if (v !== v) nan = true;
				sum += v;
				if (v < mn) mn = v;
				if (v > mx) mx = v;
			}
			if (nan) {
				st.mean[i] = st.median[i] = st.min[i] = st.max[i] = st.std[i] = st.integrated[i] = NaN;
				continue;
			}
			const mean = sum / n;
			let ss = 0;
			for (let k = 0; k < n; k++) {
				const d = buf[k] - mean;
				ss += d * d;
			}
			st.integrated[i] = sum;
			st.mean[i] = mean;
			st.min[i] = mn;
			st.max[i] = mx;
			st.std[i] = Math.sqrt(ss / n);
			// numpy median: the middle value, or the mean (a + b) / 2 of the two middle values.
			const k = n >> 1;
			selectKth(buf, n, k);
			if (n % 2 === 1) st.median[i] = buf[k];
			else {
				let lower = buf[0];
				for (let q = 1; q < k; q++) if (buf[q] > lower) lower = buf[q];
				st.median[i] = (lower + buf[k]) / 2;
			}
		}
		out.push(st);
	}
	return out;
}

/**
 * Measures every labelled cell (ids ≠ 0, any values, no background needed) of `labels`, with
 * intensity statistics per channel of `intensity` when given. `file` names the input in errors.
 */
export function regionprops(labels: Labels, intensity?: Raster, file = 'label image'): RegionProps {
	if (labels.data.length !== labels.width * labels.height) {
		throw new ParamError(
			file,
			`the label image declares ${labels.width} × ${labels.height} pixels but holds ${labels.data.length} values`
		);
	}
	if (intensity) checkIntensity(labels, intensity, file);
	const sc = scan(labels);
	const acc = sc.acc;
	const N = acc.n;
	// regionprops returns cells sorted by label.
	const order = new Int32Array(N);
	for (let i = 0; i < N; i++) order[i] = i;
	order.sort((p, q) => acc.id[p] - acc.id[q]);

	const f = (): Float64Array => new Float64Array(N);
	const p: RegionProps = {
		count: N,
		label: f(),
		area: f(),
		perimeter: f(),
		majorAxis: f(),
		minorAxis: f(),
		eccentricity: f(),
		orientation: f(),
		convexArea: f(),
		solidity: f(),
		extent: f(),
		equivalentDiameter: f(),
		feretMax: f(),
		feretMin: f(),
		centroidRow: f(),
		centroidCol: f(),
		bboxMinRow: f(),
		bboxMinCol: f(),
		bboxMaxRow: f(),
		bboxMaxCol: f(),
		intensity: []
	};
	const ws = new HullWorkspace();
	let rowMin = new Int32Array(64);
	let rowMax = new Int32Array(64);
	for (let i = 0; i < N; i++) {
		const s = order[i];
		const m = acc.count[s];
		p.label[i] = acc.id[s];
		p.area[i] = m;
		const r0 = acc.r0[s];
		const c0 = acc.minC[s];
		const h = acc.maxR[s] - r0 + 1;
		const w = acc.maxC[s] - c0 + 1;
		p.bboxMinRow[i] = r0;
		p.bboxMinCol[i] = c0;
		p.bboxMaxRow[i] = r0 + h;
		p.bboxMaxCol[i] = c0 + w;
		p.centroidRow[i] = acc.sumR[s] / m;
		p.centroidCol[i] = acc.sumC[s] / m;
		p.perimeter[i] = acc.per1[s] + acc.per2[s] * SQRT2 + (acc.per3[s] * (1 + SQRT2)) / 2;

		// Central moments mu[2,0] (rows), mu[0,2] (cols), mu[1,1], each with one rounding.
		const sdr = acc.sdr[s];
		const sdc = acc.sdc[s];
		const muRR = (m * acc.sdrr[s] - sdr * sdr) / m;
		const muCC = (m * acc.sdcc[s] - sdc * sdc) / m;
		const muRC = (m * acc.sdrc[s] - sdr * sdc) / m;
		// skimage `inertia_tensor`: T_ii = (Σ_k mu_kk − mu_ii) / mu0, T_01 = −mu11 / mu0.
		const sum2 = muRR + muCC;
		const a = (sum2 - muRR) / m;
		const c = (sum2 - muCC) / m;
		const b = -muRC / m;
		const [l1, l2] = inertiaEigvals(a, b, c);
		p.majorAxis[i] = 4 * Math.sqrt(l1);
		p.minorAxis[i] = 4 * Math.sqrt(l2);
		p.eccentricity[i] = l1 === 0 ? 0 : Math.sqrt(1 - l2 / l1);
		p.orientation[i] = a - c === 0 ? (b < 0 ? -Math.PI / 4 : Math.PI / 4) : 0.5 * Math.atan2(-2 * b, c - a);
		p.extent[i] = m / (h * w);
		p.equivalentDiameter[i] = Math.pow((4 * m) / Math.PI, 0.5);

		// Convex hull from each bbox row's extreme pixels.
		if (rowMin.length < h) {
			rowMin = new Int32Array(Math.max(h, rowMin.length * 2));
			rowMax = new Int32Array(rowMin.length);
		}
		rowMin.fill(0x3fffffff, 0, h);
		rowMax.fill(-0x3fffffff, 0, h);
		for (let k = sc.runStart[s]; k < sc.runStart[s + 1]; k++) {
			const rr = sc.runs[3 * k] - r0;
			const a0 = sc.runs[3 * k + 1] - c0;
			const a1 = sc.runs[3 * k + 2] - c0;
			if (a0 < rowMin[rr]) rowMin[rr] = a0;
			if (a1 > rowMax[rr]) rowMax[rr] = a1;
		}
		const hm = hullMeasures(rowMin, rowMax, h, ws);
		p.convexArea[i] = hm.convexArea;
		p.solidity[i] = m / hm.convexArea;
		p.feretMax[i] = hm.feretMax;
		p.feretMin[i] = hm.feretMin;
	}
	if (intensity) p.intensity = intensityStats(labels, intensity, sc, order, p.area);
	return p;
}
