import { describe, expect, it } from 'vitest';
import { allCells, cellBoxes, cellInfo, idAt, selectAt } from '../../../src/lib/core/labels/select';
import { grid } from './grid';

const l = grid(`
	.....
	.22..
	.2..7
	...77
`);

describe('select', () => {
	it('reads the id under a continuous position, 0 outside', () => {
		expect(idAt(l, 1.99, 2.01)).toBe(2);
		expect(idAt(l, 4.5, 3.5)).toBe(7);
		expect(idAt(l, 0.5, 0.5)).toBe(0);
		expect(idAt(l, -0.1, 1)).toBe(0);
		expect(idAt(l, 5, 1)).toBe(0);
		expect(idAt(l, NaN, 1)).toBe(0);
	});

	it('gives id, area and bbox of the cell clicked (hand-worked)', () => {
		expect(selectAt(l, 1.5, 1.5)).toEqual({ id: 2, area: 3, bbox: { x0: 1, y0: 1, x1: 3, y1: 3 } });
		expect(selectAt(l, 4.2, 2.7)).toEqual({ id: 7, area: 3, bbox: { x0: 3, y0: 2, x1: 5, y1: 4 } });
		expect(selectAt(l, 0, 0)).toBeNull();
		expect(cellInfo(l, 9)).toBeNull();
		// `within` limits the scan.
		expect(cellInfo(l, 7, { x0: 4, y0: 0, x1: 5, y1: 4 })).toEqual({ id: 7, area: 2, bbox: { x0: 4, y0: 2, x1: 5, y1: 4 } });
	});

	it('lists every cell, and boxes several in one scan', () => {
		expect(allCells(l)).toEqual([
			{ id: 2, area: 3, bbox: { x0: 1, y0: 1, x1: 3, y1: 3 } },
			{ id: 7, area: 3, bbox: { x0: 3, y0: 2, x1: 5, y1: 4 } }
		]);
		const m = cellBoxes(l, [7, 2, 5]);
		expect(m.get(2)?.bbox).toEqual({ x0: 1, y0: 1, x1: 3, y1: 3 });
		expect(m.get(7)?.area).toBe(3);
		expect(m.get(5)?.area).toBe(0);
	});

	it('handles ids too large to index an array by', () => {
		const big = { width: 3, height: 2, data: Uint32Array.from([4_000_000_000, 0, 5, 4_000_000_000, 4_000_000_000, 0]) };
		expect(allCells(big)).toEqual([
			{ id: 5, area: 1, bbox: { x0: 2, y0: 0, x1: 3, y1: 1 } },
			{ id: 4_000_000_000, area: 3, bbox: { x0: 0, y0: 0, x1: 2, y1: 2 } }
		]);
	});
});
