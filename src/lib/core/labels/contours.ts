/**
 * Cell outlines as polygons traced along pixel EDGES: vertices are pixel corners (integers; pixel
 * (x, y) is the square [x, x+1] × [y, y+1]), so the polygon encloses exactly the cell's pixels and
 * its area equals the pixel count (in ImageJ, QuPath, shapely: any reader that treats pixel
 * centres as inside).
 *
 * - One polygon per 4-connected component of a label; pixels that touch only at a corner are
 *   separate components (the background is taken 8-connected, the dual of 4-connected cells).
 * - Holes: background regions enclosed by the component, one ring each.
 * - Where a boundary passes twice through one corner (two cell pixels or two background pixels
 *   touching diagonally), the ring is split there, so that every ring is simple: a hole may then
 *   touch its shell or another hole at that single point, which OGC/shapely accept as valid.
 * - Orientation: outer rings have positive signed area Σ(x_i·y_{i+1} − x_{i+1}·y_i)/2 on the
 *   numbers as written (counter-clockwise in x-right/y-up terms, as GeoJSON RFC 7946 asks; they
 *   look clockwise on screen, where y points down); holes have negative area.
 * - Collinear vertices are removed: only corners where the boundary turns remain.
 */
import type { Labels } from '../raster/types';

/** A closed ring `x0, y0, x1, y1, …` of pixel-corner coordinates; the first vertex is not repeated. */
export type Ring = Int32Array;

export interface CellPolygon {
	/** Outer boundary (positive signed area). */
	outer: Ring;
	/** Holes (negative signed area), each inside `outer`. */
	holes: Ring[];
}

export interface LabelPolygons {
	label: number;
	/** One per 4-connected component, in raster order of each component's first pixel. */
	polygons: CellPolygon[];
	/** Pixel count of the label. */
	area: number;
}

/** Signed shoelace area of a ring (positive for outer rings, negative for holes). */
export function ringSignedArea(ring: Ring): number {
	const n = ring.length >> 1;
	let s = 0;
	for (let i = 0; i < n; i++) {
		const j = i + 1 === n ? 0 : i + 1;
		s += ring[2 * i] * ring[2 * j + 1] - ring[2 * j] * ring[2 * i + 1];
	}
	return s / 2;
}

/** Area enclosed by a polygon: outer minus holes (equals the component's pixel count). */
export function polygonArea(p: CellPolygon): number {
	let a = ringSignedArea(p.outer);
	for (const h of p.holes) a += ringSignedArea(h);
	return a;
}

/** Bounding box of the vertices of some rings: [minX, minY, maxX, maxY] in corner coordinates. */
export function ringsBounds(rings: readonly Ring[]): [number, number, number, number] {
	let x0 = Infinity;
	let y0 = Infinity;
	let x1 = -Infinity;
	let y1 = -Infinity;
	for (const r of rings) {
		for (let i = 0; i < r.length; i += 2) {
			if (r[i] < x0) x0 = r[i];
			if (r[i] > x1) x1 = r[i];
			if (r[i + 1] < y0) y0 = r[i + 1];
			if (r[i + 1] > y1) y1 = r[i + 1];
		}
	}
	return [x0, y0, x1, y1];
}

// Directions of a boundary step: 0 = +x (E), 1 = +y (S), 2 = −x (W), 3 = −y (N).
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];
// Side bits of a pixel, marking traced edges: top, right, bottom, left (the edge walked E, S, W, N).
const SIDE_BIT = [1, 2, 4, 8];

/**
 * 4-connected components of the non-zero labels (neighbours must share the label). Returns the
 * component id of each pixel (0 = background), each component's label and pixel count.
 */
function components4(labels: Labels): { comp: Int32Array; compLabel: Uint32Array; compArea: Int32Array; count: number } {
	const { width: W, height: H, data } = labels;
	const N = W * H;
	const comp = new Int32Array(N);
	const stack = new Int32Array(N);
	let labelsOut = new Uint32Array(64);
	let areasOut = new Int32Array(64);
	let count = 0;
	for (let p0 = 0; p0 < N; p0++) {
		const l = data[p0];
		if (l === 0 || comp[p0] !== 0) continue;
		const c = ++count;
		if (c >= labelsOut.length) {
			const nl = new Uint32Array(labelsOut.length * 2);
			nl.set(labelsOut);
			labelsOut = nl;
			const na = new Int32Array(areasOut.length * 2);
			na.set(areasOut);
			areasOut = na;
		}
		labelsOut[c] = l;
		let top = 0;
		stack[top++] = p0;
		comp[p0] = c;
		let area = 0;
		while (top > 0) {
			const p = stack[--top];
			area++;
			const x = p % W;
			if (x > 0 && comp[p - 1] === 0 && data[p - 1] === l) {
				comp[p - 1] = c;
				stack[top++] = p - 1;
			}
			if (x < W - 1 && comp[p + 1] === 0 && data[p + 1] === l) {
				comp[p + 1] = c;
				stack[top++] = p + 1;
			}
			if (p >= W && comp[p - W] === 0 && data[p - W] === l) {
				comp[p - W] = c;
				stack[top++] = p - W;
			}
			if (p + W < N && comp[p + W] === 0 && data[p + W] === l) {
				comp[p + W] = c;
				stack[top++] = p + W;
			}
		}
		areasOut[c] = area;
	}
	return { comp, compLabel: labelsOut, compArea: areasOut, count };
}

/**
 * Trace every label of a label image into polygons (see the module comment). Labels come out in
 * increasing order. Time and memory are linear in the number of pixels.
 */
export function labelPolygons(labels: Labels): LabelPolygons[] {
	const { width: W, height: H } = labels;
	if (labels.data.length !== W * H) throw new RangeError(`labelPolygons: ${labels.data.length} ids for a ${W} × ${H} image`);
	const { comp, compLabel, compArea, count } = components4(labels);
	const VW = W + 1;
	const visited = new Uint8Array(W * H);
	/** Position of a corner on the splitting stack of the loop being processed (−1 when absent). */
	const onStack = new Int32Array(VW * (H + 1)).fill(-1);
	const shells: Ring[][] = Array.from({ length: count + 1 }, () => []);
	const holes: Ring[][] = Array.from({ length: count + 1 }, () => []);
	let loop = new Int32Array(1024); // corner indices (vy·VW + vx) of the loop being traced
	let stack = new Int32Array(1024);

	/** Whether the edge leaving corner (vx, vy) in direction d bounds component c (c on its right). */
	const edgeOf = (vx: number, vy: number, d: number, c: number): boolean => {
		// The pixel whose side this edge is, and the pixel across it.
		let px: number, py: number, qx: number, qy: number;
		if (d === 0) {
			px = vx;
			py = vy;
			qx = vx;
			qy = vy - 1;
		} else if (d === 1) {
			px = vx - 1;
			py = vy;
			qx = vx;
			qy = vy;
		} else if (d === 2) {
			px = vx - 1;
			py = vy - 1;
			qx = vx - 1;
			qy = vy;
		} else {
			px = vx;
			py = vy - 1;
			qx = vx - 1;
			qy = vy - 1;
		}
		if (px < 0 || py < 0 || px >= W || py >= H || comp[py * W + px] !== c) return false;
		return qx < 0 || qy < 0 || qx >= W || qy >= H || comp[qy * W + qx] !== c;
	};

	const emit = (c: number, corners: Int32Array, from: number, to: number) => {
		const ring = simplify(corners, from, to, VW);
		if (ringSignedArea(ring) > 0) shells[c].push(ring);
		else holes[c].push(ring);
	};

	for (let y = 0; y < H; y++) {
		for (let x = 0; x < W; x++) {
			const p = y * W + x;
			const c = comp[p];
			if (c === 0) continue;
			for (let side = 0; side < 4; side++) {
				if (visited[p] & SIDE_BIT[side]) continue;
				// Start corner of this side's edge (walked in direction `side`).
				const sx = side === 0 || side === 3 ? x : x + 1;
				const sy = side === 0 || side === 1 ? y : y + 1;
				if (!edgeOf(sx, sy, side, c)) continue;
				// Walk the loop: keep the component on the right; at a corner, prefer turning
				// right, then straight, then left, so that diagonal neighbours stay apart.
				let n = 0;
				let vx = sx;
				let vy = sy;
				let d = side;
				do {
					// Mark the pixel side this edge is: E = top of (vx, vy), S = right of (vx−1, vy),
					// W = bottom of (vx−1, vy−1), N = left of (vx, vy−1).
					const mx = d === 1 || d === 2 ? vx - 1 : vx;
					const my = d === 2 || d === 3 ? vy - 1 : vy;
					visited[my * W + mx] |= SIDE_BIT[d];
					if (n === loop.length) {
						const nl = new Int32Array(loop.length * 2);
						nl.set(loop);
						loop = nl;
					}
					loop[n++] = vy * VW + vx;
					vx += DX[d];
					vy += DY[d];
					const r = (d + 1) & 3;
					const l = (d + 3) & 3;
					if (edgeOf(vx, vy, r, c)) d = r;
					else if (!edgeOf(vx, vy, d, c)) d = l;
				} while (vx !== sx || vy !== sy || d !== side);

				// Split at corners visited twice: a stack of corners; meeting a corner already on it
				// closes the sub-loop from there, which is emitted as its own ring.
				if (stack.length < n + 1) stack = new Int32Array(loop.length + 1);
				let top = 0;
				for (let i = 0; i < n; i++) {
					const v = loop[i];
					const at = onStack[v];
					if (at >= 0) {
						emit(c, stack, at, top);
						for (let k = at + 1; k < top; k++) onStack[stack[k]] = -1;
						top = at + 1;
					} else {
						onStack[v] = top;
						stack[top++] = v;
					}
				}
				emit(c, stack, 0, top);
				for (let k = 0; k < top; k++) onStack[stack[k]] = -1;
			}
		}
	}

	const byLabel = new Map<number, LabelPolygons>();
	for (let c = 1; c <= count; c++) {
		const l = compLabel[c];
		let entry = byLabel.get(l);
		if (!entry) {
			entry = { label: l, polygons: [], area: 0 };
			byLabel.set(l, entry);
		}
		entry.area += compArea[c];
		entry.polygons.push(...assignHoles(shells[c], holes[c]));
	}
	return [...byLabel.values()].sort((a, b) => a.label - b.label);
}

/**
 * The ring of corners `corners[from … to−1]` (a closed unit-step path) with collinear corners
 * dropped, as x, y pairs.
 */
function simplify(corners: Int32Array, from: number, to: number, VW: number): Ring {
	const n = to - from;
	const keep: number[] = [];
	for (let i = 0; i < n; i++) {
		const prev = corners[from + ((i + n - 1) % n)];
		const cur = corners[from + i];
		const next = corners[from + ((i + 1) % n)];
		// A corner stays when the step into it and the step out of it differ.
		if (cur - prev !== next - cur) keep.push(cur);
	}
	const ring = new Int32Array(keep.length * 2);
	for (let i = 0; i < keep.length; i++) {
		ring[2 * i] = keep[i] % VW;
		ring[2 * i + 1] = Math.floor(keep[i] / VW);
	}
	return ring;
}

/** Whether point (px, py) (py half-integer) lies inside a ring: a ray towards +x, crossings counted. */
function insideRing(ring: Ring, px: number, py: number): boolean {
	const n = ring.length >> 1;
	let inside = false;
	for (let i = 0; i < n; i++) {
		const j = i + 1 === n ? 0 : i + 1;
		const x = ring[2 * i];
		if (x !== ring[2 * j] || x <= px) continue; // only vertical edges to the right
		const y0 = ring[2 * i + 1];
		const y1 = ring[2 * j + 1];
		if ((y0 < py) !== (y1 < py)) inside = !inside;
	}
	return inside;
}

/**
 * Pair holes with shells. A 4-connected component has one shell once its pinches are split; should
 * there be several, each hole goes to the smallest shell around the midpoint of one of its
 * vertical edges (a point on no other ring, since rings share no edge).
 */
function assignHoles(shells: Ring[], holes: Ring[]): CellPolygon[] {
	const polys: CellPolygon[] = shells.map((outer) => ({ outer, holes: [] }));
	if (polys.length === 1) {
		polys[0].holes = holes;
		return polys;
	}
	const areas = shells.map(ringSignedArea);
	for (const h of holes) {
		let px = 0;
		let py = 0;
		const n = h.length >> 1;
		for (let i = 0; i < n; i++) {
			const j = i + 1 === n ? 0 : i + 1;
			if (h[2 * i] === h[2 * j]) {
				px = h[2 * i];
				py = Math.min(h[2 * i + 1], h[2 * j + 1]) + 0.5;
				break;
			}
		}
		let best = -1;
		for (let s = 0; s < shells.length; s++) {
			if (insideRing(shells[s], px, py) && (best < 0 || areas[s] < areas[best])) best = s;
		}
		if (best >= 0) polys[best].holes.push(h);
	}
	return polys;
}
