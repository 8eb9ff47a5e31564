/**
 * Tiling, taper and tile averaging (spec §3.4–3.8). Expected values: the spec's worked examples,
 * the fixture README's derived numbers, and numpy runs (/usr/bin/python3, numpy 1.24) of
 * Cellpose 3.1's own `make_tiles`, `_taper_mask`, `unaugment_tiles` and `average_tiles` (their
 * source, copied into the script) on the synthetic image and tile outputs defined below.
 */
import { describe, expect, it } from 'vitest';
import { TileAverager, cutTile, linspaceInt, makeTileGrid, padAxis, taper1d, tileFlips } from '../../../src/lib/core/cellpose/tiles';

describe('get_pad_yx', () => {
	it('matches the spec table', () => {
		expect(padAxis(37)).toEqual([13, 14]);
		expect(padAxis(100)).toEqual([14, 14]);
		expect(padAxis(224)).toEqual([8, 8]);
		expect(padAxis(500)).toEqual([14, 14]);
		expect(padAxis(1000)).toEqual([12, 12]);
		expect(padAxis(211)).toEqual([14, 15]);
		expect(padAxis(316)).toEqual([10, 10]);
	});
});

describe('make_tiles geometry', () => {
	const starts = (a: Int32Array) => Array.from(a);
	it('matches the spec table (bsize 224, overlap 0.1)', () => {
		const table: [number, number[], number[]][] = [
			[64, [0], [0, 0]],
			[128, [0], [0, 0]],
			[240, [0, 16], [0, 8, 16]],
			[528, [0, 152, 304], [0, 76, 152, 228, 304]],
			[1024, [0, 160, 320, 480, 640, 800], [0, 88, 177, 266, 355, 444, 533, 622, 711, 800]]
		];
		for (const [L, normal, augment] of table) {
			expect(starts(makeTileGrid(L, L, 224, false, 0.1).ystart)).toEqual(normal);
			expect(starts(makeTileGrid(L, L, 224, true, 0.1).xstart)).toEqual(augment);
		}
		// An image ≤ 224 is one tile of its own padded size.
		const g = makeTileGrid(64, 128, 224, false, 0.1);
		expect([g.tileHeight, g.tileWidth, g.count]).toEqual([64, 128, 1]);
		expect(makeTileGrid(64, 128, 224, true, 0.1).tileHeight).toBe(224);
	});

	it('matches the fixture README: 272² → 2×2, 288×336 (overlap 0.3) → 3×3, augment 240×304 → 3×3', () => {
		const a = makeTileGrid(272, 272, 224, false, 0.1);
		expect([a.ny, a.nx, starts(a.ystart), starts(a.xstart)]).toEqual([2, 2, [0, 48], [0, 48]]);
		const b = makeTileGrid(288, 336, 224, false, 0.3);
		expect([b.ny, b.nx, starts(b.ystart), starts(b.xstart)]).toEqual([3, 3, [0, 32, 64], [0, 56, 112]]);
		const c = makeTileGrid(240, 304, 224, true, 0.1);
		expect([c.ny, c.nx, starts(c.ystart), starts(c.xstart)]).toEqual([3, 3, [0, 8, 16], [0, 40, 80]]);
	});

	it('clips the overlap to [0.05, 0.5]', () => {
		expect(makeTileGrid(1024, 1024, 224, false, 0.9).ny).toBe(makeTileGrid(1024, 1024, 224, false, 0.5).ny);
		expect(makeTileGrid(1024, 1024, 224, false, 0).ny).toBe(makeTileGrid(1024, 1024, 224, false, 0.05).ny);
	});

	it('linspace truncates i·step and ends exactly at stop', () => {
		expect(starts(linspaceInt(800, 10))).toEqual([0, 88, 177, 266, 355, 444, 533, 622, 711, 800]);
		expect(starts(linspaceInt(0, 2))).toEqual([0, 0]);
		expect(starts(linspaceInt(5, 1))).toEqual([0]);
	});

	it('flips tiles (row j, column i) as Cellpose: j even & i odd rows, j odd & i even columns, both odd both', () => {
		const g = makeTileGrid(240, 304, 224, true, 0.1);
		const f = Array.from({ length: 9 }, (_, t) => tileFlips(g, t));
		expect(f.map((x) => `${+x.flipY}${+x.flipX}`)).toEqual(['00', '10', '00', '01', '11', '01', '00', '10', '00']);
		expect(tileFlips(makeTileGrid(528, 528, 224, false, 0.1), 1)).toEqual({ flipY: false, flipX: false });
	});
});

describe('_taper_mask', () => {
	it('has the spec values for B = 224', () => {
		const m = taper1d(224, 224);
		expect(m[0]).toBeCloseTo(0.0691384, 7);
		expect(m[1]).toBeCloseTo(0.0782283, 7);
		expect(m[10]).toBeCloseTo(0.2198284, 7);
		expect(m[20]).toBeCloseTo(0.5166605, 7);
		expect(m[40]).toBeCloseTo(0.9389651, 7);
		expect(m[92]).toBeCloseTo(0.9999366, 7);
		expect(m[111]).toBeCloseTo(0.999995, 7);
		expect(m[112]).toBe(m[111]);
		expect(m[223]).toBe(m[0]);
		expect(m[0] * m[0]).toBeCloseTo(0.00478012, 8);
		// numpy: _taper_mask(224, 224)[0, 0]
		expect(m[0] * m[0]).toBeCloseTo(0.004780121167573313, 15);
	});

	it('is centre-cropped for a 128 tile (crop starts at 48)', () => {
		const m = taper1d(128, 128);
		expect(m[0] * m[0]).toBeCloseTo(0.9567162481455193, 14);
		expect(m[0] * m[64]).toBeCloseTo(0.9781138087057759, 14);
		expect(m[0]).toBe(taper1d(224, 224)[48]);
	});

	it('uses B = max(224, tile height, tile width) for a non-square tile', () => {
		const rows = taper1d(128, 176);
		expect(rows[0]).toBe(taper1d(224, 224)[112 - 64]);
		const big = taper1d(256, 256);
		expect(big[0]).toBeCloseTo(1 / (1 + Math.exp((127.5 - 108) / 7.5)), 15);
	});
});

/** The numpy script's image: channel c at (y, x) = (5y + 3x + 11c) mod 97. */
function image(h: number, w: number): Float32Array {
	const a = new Float32Array(2 * h * w);
	for (let c = 0; c < 2; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a[(c * h + y) * w + x] = (y * 5 + x * 3 + c * 11) % 97;
	return a;
}

/** The numpy script's network output of tile t: ((7r + 13col + 31t + 17c) mod 101) / 8 − 6. */
function fakeOutput(t: number, th: number, tw: number): Float32Array {
	const y = new Float32Array(3 * th * tw);
	for (let c = 0; c < 3; c++) for (let r = 0; r < th; r++) for (let k = 0; k < tw; k++) y[(c * th + r) * tw + k] = ((r * 7 + k * 13 + t * 31 + c * 17) % 101) / 8 - 6;
	return y;
}

interface Case {
	name: string;
	h: number;
	w: number;
	augment: boolean;
	overlap: number;
	tileSums: number[];
	tilePx: number[];
	avgPx: number[];
	avgSums: number[];
}

// Printed by the numpy script (Cellpose's functions) for these inputs.
const CASES: Case[] = [
	{
		name: 'A: 256² (2×2 tiles)',
		h: 256,
		w: 256,
		augment: false,
		overlap: 0.1,
		tileSums: [4478214, 4480302, 4478881, 4480290],
		tilePx: [31, 78, 77, 27],
		avgPx: [1.375, 2.375, -0.45084747672080994, 0.6985611915588379, 1.458898663520813],
		avgSums: [16392.397541297112, 16370.126698726712, 16389.11461272816]
	},
	{
		name: 'B: 272×316, overlap 0.3 (3×3 tiles)',
		h: 272,
		w: 316,
		augment: false,
		overlap: 0.3,
		tileSums: [4436464, 4644862, 4438024, 4604790, 4816561, 4601935, 4435999, 4645086, 4436880],
		tilePx: [25, 96, 70, 88, 62, 36, 54, 28, 2],
		avgPx: [4.625, 5.875, 0.6794763207435608, 0.9023112058639526, 4.168914794921875],
		avgSums: [21475.646424742452, 21487.14776578803, 21499.166647712038]
	},
	{
		name: 'C: 211×288 augmented (3×3 flipped tiles)',
		h: 211,
		w: 288,
		augment: true,
		overlap: 0.1,
		tileSums: [4356241, 4516338, 4354560, 4376521, 4537695, 4375032, 4335797, 4494581, 4332566],
		tilePx: [1, 42, 47, 87, 31, 36, 81, 25, 30],
		avgPx: [-5.961975574493408, 1.1813470125198364, -0.9490962624549866, 1.263692855834961, 0.024049006402492523],
		avgSums: [6894.69249727607, 5082.744825137939, 15213.23767204228]
	},
	{
		name: 'S: 100×37 augmented (image smaller than a tile)',
		h: 100,
		w: 37,
		augment: true,
		overlap: 0.1,
		tileSums: [354304, 354304, 354304, 354304],
		tilePx: [0, 0, 0, 0],
		avgPx: [1.125, 1.8750001192092896, 5.062499523162842, -0.625, -1.2812498807907104],
		avgSums: [0.2187497015249278, -6.593747675418854, 926.8437467813492]
	},
	{
		name: 'T: 100×150 (one 128×176 tile)',
		h: 100,
		w: 150,
		augment: false,
		overlap: 0.1,
		tileSums: [1439008],
		tilePx: [83],
		avgPx: [2.125, 4.75, 5.125, 2.625, 0.9999999403953552],
		avgSums: [3734.250004582107, 3743.7499991580844, 3753.2499962821603]
	}
];

describe('cutting tiles and averaging outputs vs Cellpose make_tiles / unaugment_tiles / average_tiles (numpy)', () => {
	for (const c of CASES) {
		it(c.name, () => {
			const [py1, py2] = padAxis(c.h);
			const [px1, px2] = padAxis(c.w);
			const grid = makeTileGrid(c.h + py1 + py2, c.w + px1 + px2, 224, c.augment, c.overlap);
			expect(grid.count).toBe(c.tileSums.length);
			const th = grid.tileHeight;
			const tw = grid.tileWidth;
			const img = { data: image(c.h, c.w), height: c.h, width: c.w, top: py1, left: px1 };
			const avg = new TileAverager(grid, py1, px1, c.h, c.w);
			for (let t = 0; t < grid.count; t++) {
				const tile = new Float32Array(2 * th * tw);
				cutTile(img, grid, t, tile, 0);
				let s = 0;
				for (const v of tile) s += v;
				expect(s).toBe(c.tileSums[t]);
				expect(tile[(th + Math.min(100, th - 1)) * tw + Math.min(120, tw - 1)]).toBe(c.tilePx[t]);
				// Offsets inside a batch buffer work the same.
				const batch = new Float32Array(3 * 3 * th * tw);
				batch.set(fakeOutput(t, th, tw), 3 * th * tw);
				avg.add(t, batch, 3 * th * tw);
			}
			const y = avg.finish();
			const n = c.h * c.w;
			const at = (ch: number, r: number, k: number) => y[ch * n + r * c.w + k];
			const got = [
				at(0, 0, 0),
				at(1, c.h - 1, c.w - 1),
				at(2, Math.floor(c.h / 2), Math.floor(c.w / 3)),
				at(0, Math.min(100, c.h - 1), Math.min(150, c.w - 1)),
				at(1, Math.min(37, c.h - 1), Math.min(211, c.w - 1))
			];
			// Same float64/float32 operations in the same order: equal to the last bit.
			expect(got).toEqual(c.avgPx.map(Math.fround));
			for (let ch = 0; ch < 3; ch++) {
				let s = 0;
				for (let i = 0; i < n; i++) s += y[ch * n + i];
				expect(s).toBeCloseTo(c.avgSums[ch], 6);
			}
		});
	}
});
