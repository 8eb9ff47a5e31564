/**
 * Tiling for the network run, as Cellpose 3.1 `transforms.get_pad_yx`, `make_tiles`,
 * `_taper_mask`, `unaugment_tiles` and `average_tiles` (spec §3.4–3.8), reorganised to run tile
 * by tile: the padded image is never materialised (padding is read as zeros), tiles are cut one
 * batch at a time, and the tile weights' sum (`Navg`, float64 in Cellpose) is recomputed per
 * pixel from the separable taper instead of being stored, with the same float64 operations in the
 * same order.
 */

/** Padding of one axis (`get_pad_yx`, div 16, extra 1): `[before, after]`, at least 8 px each. */
export function padAxis(length: number): [number, number] {
	const lpad = 16 * Math.ceil(length / 16) - length;
	const half = Math.floor(lpad / 2);
	return [8 + half, 8 + lpad - half];
}

/**
 * `np.linspace(0, stop, num).astype(int)`: `i · (stop / (num − 1))` in float64, truncated, with
 * the last value exactly `stop`.
 */
export function linspaceInt(stop: number, num: number): Int32Array {
	const out = new Int32Array(num);
	if (num === 1) return out;
	const step = stop / (num - 1);
	for (let i = 0; i < num; i++) out[i] = Math.trunc(i * step);
	out[num - 1] = stop;
	return out;
}

/** Where the tiles of one image lie (`make_tiles`), in padded-image coordinates. */
export interface TileGrid {
	augment: boolean;
	/** The padded image (`Lp`, a multiple of 16). */
	paddedHeight: number;
	paddedWidth: number;
	/** Tile size (`bsize`, or the padded size when smaller, except with augment). */
	tileHeight: number;
	tileWidth: number;
	ny: number;
	nx: number;
	ystart: Int32Array;
	xstart: Int32Array;
	/** ny · nx; tile t is row `floor(t / nx)`, column `t % nx` (row-major, as Cellpose). */
	count: number;
}

/**
 * Cellpose 3.1 `make_tiles` geometry for a padded image of `Lpy × Lpx`. Normal: tile overlap
 * clipped to [0.05, 0.5], `n = 1` if `L ≤ bsize` else `ceil((1 + 2·overlap)·L / bsize)`, tiles of
 * `min(bsize, L)`. Augment: each axis shorter than bsize is zero-extended at its end to bsize,
 * `n = max(2, ceil(2·L / bsize))`, bsize tiles.
 */
export function makeTileGrid(paddedHeight: number, paddedWidth: number, bsize: number, augment: boolean, tileOverlap: number): TileGrid {
	let ny: number, nx: number, th: number, tw: number, ly: number, lx: number;
	if (augment) {
		ly = Math.max(paddedHeight, bsize);
		lx = Math.max(paddedWidth, bsize);
		ny = Math.max(2, Math.ceil((2 * ly) / bsize));
		nx = Math.max(2, Math.ceil((2 * lx) / bsize));
		th = tw = bsize;
	} else {
		const ov = Math.min(0.5, Math.max(0.05, tileOverlap));
		ly = paddedHeight;
		lx = paddedWidth;
		th = Math.min(bsize, ly);
		tw = Math.min(bsize, lx);
		ny = ly <= bsize ? 1 : Math.ceil(((1 + 2 * ov) * ly) / bsize);
		nx = lx <= bsize ? 1 : Math.ceil(((1 + 2 * ov) * lx) / bsize);
	}
	return {
		augment,
		paddedHeight,
		paddedWidth,
		tileHeight: th,
		tileWidth: tw,
		ny,
		nx,
		ystart: linspaceInt(ly - th, ny),
		xstart: linspaceInt(lx - tw, nx),
		count: ny * nx
	};
}

/** Augment flips of tile (row j, column i) (`make_tiles`): rows reversed, columns reversed. */
export function tileFlips(grid: TileGrid, t: number): { flipY: boolean; flipX: boolean } {
	if (!grid.augment) return { flipY: false, flipX: false };
	const j = Math.floor(t / grid.nx);
	const i = t % grid.nx;
	return { flipY: i % 2 === 1, flipX: j % 2 === 1 };
}

/**
 * The 1-D taper of `_taper_mask` for a tile of `length` px: `B = max(224, tile height, tile
 * width)`, `m_i = 1 / (1 + exp((|i − (B−1)/2| − (B/2 − 20)) / 7.5))` in float64, centre-cropped to
 * `[B//2 − length//2, B//2 + length//2 + length%2)`. The 2-D mask is `M[r, c] = m_r · m_c`.
 */
export function taper1d(length: number, bsizeMax: number): Float64Array {
	const B = Math.max(224, bsizeMax);
	const mean = (B - 1) / 2;
	const start = Math.floor(B / 2) - Math.floor(length / 2);
	const out = new Float64Array(length);
	for (let k = 0; k < length; k++) {
		const xm = Math.abs(start + k - mean);
		out[k] = 1 / (1 + Math.exp((xm - (B / 2 - 20)) / 7.5));
	}
	return out;
}

/** A 2-channel image `(2, H, W)` placed at `(top, left)` inside a zero-padded canvas. */
export interface PlacedImage {
	data: Float32Array;
	height: number;
	width: number;
	top: number;
	left: number;
}

/**
 * Cut tile `t` of `grid` out of the zero-padded image into `dst` at `offset` (`(2, th, tw)`,
 * which must be zero on entry), flipped as the augment mode asks: one tile of `make_tiles`.
 */
export function cutTile(img: PlacedImage, grid: TileGrid, t: number, dst: Float32Array, offset: number): void {
	const th = grid.tileHeight;
	const tw = grid.tileWidth;
	const ys = grid.ystart[Math.floor(t / grid.nx)];
	const xs = grid.xstart[t % grid.nx];
	const { flipY, flipX } = tileFlips(grid, t);
	const { data, height: H, width: W, top, left } = img;
	const plane = H * W;
	// Columns of the tile that fall on the image: c in [c0, c1).
	const c0 = Math.max(0, left - xs);
	const c1 = Math.min(tw, left + W - xs);
	if (c1 <= c0) return;
	for (let ch = 0; ch < 2; ch++) {
		const so = ch * plane;
		const doff = offset + ch * th * tw;
		for (let r = 0; r < th; r++) {
			const iy = ys + r - top;
			if (iy < 0 || iy >= H) continue;
			const srow = so + iy * W + xs - left;
			const drow = doff + (flipY ? th - 1 - r : r) * tw;
			if (!flipX) {
				dst.set(data.subarray(srow + c0, srow + c1), drow + c0);
			} else {
				for (let c = c0; c < c1; c++) dst[drow + tw - 1 - c] = data[srow + c];
			}
		}
	}
}

/**
 * Weighted average of the tiles' network outputs over the unpadded region (`average_tiles`,
 * then the crop of `run_net`): `acc = f32(acc + y·M)` per tile in tile order (product and sum in
 * float64), then `acc = f32(acc / N)` with `N = Σ M` in float64. Augmented tiles are un-flipped
 * and their flow signs restored (`unaugment_tiles`: a row flip negates dY, a column flip dX).
 */
export class TileAverager {
	readonly grid: TileGrid;
	/** Output region: the unpadded image, at `(top, left)` in the padded image, `(nout, height, width)`. */
	readonly top: number;
	readonly left: number;
	readonly height: number;
	readonly width: number;
	readonly nout: number;
	readonly acc: Float32Array;
	private readonly my: Float64Array;
	private readonly mx: Float64Array;

	constructor(grid: TileGrid, top: number, left: number, height: number, width: number, nout = 3) {
		this.grid = grid;
		this.top = top;
		this.left = left;
		this.height = height;
		this.width = width;
		this.nout = nout;
		this.acc = new Float32Array(nout * height * width);
		const bmax = Math.max(grid.tileHeight, grid.tileWidth);
		this.my = taper1d(grid.tileHeight, bmax);
		this.mx = taper1d(grid.tileWidth, bmax);
	}

	/** Add tile `t`'s output `(nout, th, tw)` starting at `offset` of `y`. Tiles must come in order. */
	add(t: number, y: Float32Array, offset: number): void {
		const { grid, acc, my, mx, nout, height: H, width: W } = this;
		const th = grid.tileHeight;
		const tw = grid.tileWidth;
		const ys = grid.ystart[Math.floor(t / grid.nx)] - this.top;
		const xs = grid.xstart[t % grid.nx] - this.left;
		const { flipY, flipX } = tileFlips(grid, t);
		const r0 = Math.max(0, -ys);
		const r1 = Math.min(th, H - ys);
		const c0 = Math.max(0, -xs);
		const c1 = Math.min(tw, W - xs);
		if (r1 <= r0 || c1 <= c0) return;
		const plane = H * W;
		for (let ch = 0; ch < nout; ch++) {
			const neg = (ch === 0 && flipY) !== (ch === 1 && flipX);
			const sign = neg ? -1 : 1;
			const so = offset + ch * th * tw;
			const ao = ch * plane;
			for (let r = r0; r < r1; r++) {
				const srow = so + (flipY ? th - 1 - r : r) * tw;
				const arow = ao + (ys + r) * W + xs;
				const wr = my[r];
				if (!flipX) {
					for (let c = c0; c < c1; c++) acc[arow + c] += sign * y[srow + c] * (wr * mx[c]);
				} else {
					const sEnd = srow + tw - 1;
					for (let c = c0; c < c1; c++) acc[arow + c] += sign * y[sEnd - c] * (wr * mx[c]);
				}
			}
		}
	}

	/** Divide by the summed weights; returns the `(nout, height, width)` average. */
	finish(): Float32Array {
		const { grid, acc, my, mx, nout, height: H, width: W } = this;
		const th = grid.tileHeight;
		const tw = grid.tileWidth;
		// For each output row/column: the covering tile rows/columns (ascending) and the taper index.
		const rowsY = covering(grid.ystart, th, this.top, H);
		const rowsX = covering(grid.xstart, tw, this.left, W);
		const plane = H * W;
		const K = rowsY.k;
		const L = rowsX.k;
		for (let y = 0; y < H; y++) {
			const ny = rowsY.n[y];
			for (let x = 0; x < W; x++) {
				const nx = rowsX.n[x];
				let N = 0;
				for (let a = 0; a < ny; a++) {
					const wy = my[rowsY.idx[y * K + a]];
					for (let b = 0; b < nx; b++) N += wy * mx[rowsX.idx[x * L + b]];
				}
				const i = y * W + x;
				for (let ch = 0; ch < nout; ch++) acc[ch * plane + i] = acc[ch * plane + i] / N;
			}
		}
		return acc;
	}
}

/**
 * For each of `length` output positions (offset `origin` in padded coordinates): how many tiles
 * cover it (`n`) and, for each in ascending tile order, the position inside that tile (`idx`,
 * `k` slots per position).
 */
function covering(starts: Int32Array, tile: number, origin: number, length: number): { n: Int32Array; idx: Int32Array; k: number } {
	let k = 1;
	const n = new Int32Array(length);
	for (let p = 0; p < length; p++) {
		const q = p + origin;
		let c = 0;
		for (const s of starts) if (q >= s && q < s + tile) c++;
		n[p] = c;
		if (c > k) k = c;
	}
	const idx = new Int32Array(length * k);
	for (let p = 0; p < length; p++) {
		const q = p + origin;
		let c = 0;
		for (const s of starts) if (q >= s && q < s + tile) idx[p * k + c++] = q - s;
	}
	return { n, idx, k };
}
