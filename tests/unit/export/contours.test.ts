import { describe, expect, it } from 'vitest';
import { labelPolygons, polygonArea, ringSignedArea, type Ring } from '../../../src/lib/core/labels/contours';
import type { Labels } from '../../../src/lib/core/raster/types';
import { awkwardLabels, LABEL_FIXTURES, labelsFromNpy, labelsFromRows, pixelCounts, rasterize } from './helpers';

const pts = (r: Ring) => Array.from(r);

/** Every ring simple: no corner twice, axis-parallel edges, a turn at every corner. Returns problems. */
function ringProblems(r: Ring): string[] {
	const n = r.length / 2;
	const seen = new Set<string>();
	const bad: string[] = [];
	for (let i = 0; i < n; i++) {
		const key = `${r[2 * i]},${r[2 * i + 1]}`;
		if (seen.has(key)) bad.push(`corner ${key} twice`);
		seen.add(key);
		const j = (i + 1) % n;
		const k = (i + 2) % n;
		const d1 = [r[2 * j] - r[2 * i], r[2 * j + 1] - r[2 * i + 1]];
		const d2 = [r[2 * k] - r[2 * j], r[2 * k + 1] - r[2 * j + 1]];
		if (d1[0] !== 0 && d1[1] !== 0) bad.push(`diagonal edge at ${key}`);
		if (d1[0] * d2[1] - d1[1] * d2[0] === 0) bad.push(`no turn after ${key}`);
	}
	return bad;
}

/** Polygons → pixels (scanline fill) must give back exactly the label's pixels. */
function expectExact(labels: Labels): void {
	const traced = labelPolygons(labels);
	const counts = pixelCounts(labels);
	expect(traced.map((t) => t.label)).toEqual([...counts.keys()].sort((a, b) => a - b));
	for (const t of traced) {
		expect(t.area).toBe(counts.get(t.label));
		let total = 0;
		const rings: Ring[] = [];
		for (const p of t.polygons) {
			expect(ringSignedArea(p.outer)).toBeGreaterThan(0);
			for (const h of p.holes) expect(ringSignedArea(h)).toBeLessThan(0);
			expect([p.outer, ...p.holes].flatMap(ringProblems)).toEqual([]);
			total += polygonArea(p);
			rings.push(p.outer, ...p.holes);
		}
		expect(total).toBe(t.area);
		const filled = rasterize(rings, labels.width, labels.height);
		let wrong = 0;
		for (let i = 0; i < filled.length; i++) if (filled[i] !== (labels.data[i] === t.label ? 1 : 0)) wrong++;
		expect(wrong, `label ${t.label}`).toBe(0);
	}
}

describe('labelPolygons: hand-worked cases', () => {
	it('traces a 2×2 square as its 4 corners, counter-clockwise in y-up terms', () => {
		const [t] = labelPolygons(labelsFromRows(['....', '.11.', '.11.', '....']));
		expect(t.polygons).toHaveLength(1);
		expect(pts(t.polygons[0].outer)).toEqual([1, 1, 3, 1, 3, 3, 1, 3]);
		expect(t.polygons[0].holes).toEqual([]);
		expect(polygonArea(t.polygons[0])).toBe(4);
	});

	it('traces an L shape with 6 corners', () => {
		const [t] = labelPolygons(labelsFromRows(['1.', '11']));
		expect(pts(t.polygons[0].outer)).toEqual([0, 0, 1, 0, 1, 1, 2, 1, 2, 2, 0, 2]);
		expect(polygonArea(t.polygons[0])).toBe(3);
	});

	it('gives a ring a hole with the opposite orientation', () => {
		const [t] = labelPolygons(labelsFromRows(['111', '1.1', '111']));
		const p = t.polygons[0];
		expect(pts(p.outer)).toEqual([0, 0, 3, 0, 3, 3, 0, 3]);
		expect(p.holes.map(pts)).toEqual([[2, 1, 1, 1, 1, 2, 2, 2]]);
		expect(ringSignedArea(p.holes[0])).toBe(-1);
		expect(polygonArea(p)).toBe(8);
	});

	it('splits two pixels that touch only diagonally into two polygons', () => {
		const [t] = labelPolygons(labelsFromRows(['1.', '.1']));
		expect(t.polygons.map((p) => pts(p.outer))).toEqual([
			[0, 0, 1, 0, 1, 1, 0, 1],
			[1, 1, 2, 1, 2, 2, 1, 2]
		]);
	});

	it('splits a boundary that pinches at a corner into a shell and a hole touching it there', () => {
		// The inlet (1,1)-(2,1) reaches the outside only through the diagonal at corner (1,1).
		const [t] = labelPolygons(labelsFromRows(['.111', '1..1', '1111']));
		expect(t.polygons).toHaveLength(1);
		const p = t.polygons[0];
		expect(ringSignedArea(p.outer)).toBe(11);
		expect(p.holes).toHaveLength(1);
		expect(ringSignedArea(p.holes[0])).toBe(-2);
		const corners = (r: Ring) => new Set(Array.from({ length: r.length / 2 }, (_, i) => `${r[2 * i]},${r[2 * i + 1]}`));
		const shared = [...corners(p.outer)].filter((c) => corners(p.holes[0]).has(c));
		expect(shared).toEqual(['1,1']);
		expect(polygonArea(p)).toBe(9);
	});

	it('keeps an island of the same label inside a hole as its own polygon', () => {
		const [t] = labelPolygons(labelsFromRows(['11111', '1...1', '1.1.1', '1...1', '11111']));
		expect(t.polygons.map(polygonArea)).toEqual([16, 1]);
		expect(t.area).toBe(17);
	});

	it('ignores other labels when finding holes (a nucleus inside a ring cell is a hole of the ring)', () => {
		const t = labelPolygons(labelsFromRows(['111', '121', '111']));
		expect(t.map((x) => x.label)).toEqual([1, 2]);
		expect(t[0].polygons[0].holes).toHaveLength(1);
		expect(polygonArea(t[0].polygons[0])).toBe(8);
	});
});

describe('labelPolygons reproduces the masks exactly', () => {
	it.each(LABEL_FIXTURES)('%s', (rel) => expectExact(labelsFromNpy(rel)));

	it('on random speckled labels (holes, pinches, diagonal contacts, islands)', () => {
		for (let seed = 1; seed <= 25; seed++) expectExact(awkwardLabels(seed));
	});

	it('on cells touching the image border on every side', () => {
		expectExact(labelsFromRows(['1122', '1.22', '3344', '3344']));
	});
});
