import { describe, expect, it } from 'vitest';
import { cellRect } from '../../../src/lib/core/labels/cell-index';
import { applyEdit, makeEdit, revertEdit, type Edit } from '../../../src/lib/core/labels/edit';
import { mergeCells } from '../../../src/lib/core/labels/merge';
import { deleteCell } from '../../../src/lib/core/labels/delete';
import { fullRect, rectContainsRect } from '../../../src/lib/core/labels/rect';
import { cellBoxes, cellInfo } from '../../../src/lib/core/labels/select';
import { seededRandom } from '../../../src/lib/core/example/random';
import type { Labels } from '../../../src/lib/core/raster/types';

/** A label image of blocks: ids 1..n in a grid of s × s squares, the rest background. */
function blocks(W: number, H: number, s: number): Labels {
	const data = new Uint32Array(W * H);
	let id = 0;
	for (let by = 0; by + s <= H; by += s + 2)
		for (let bx = 0; bx + s <= W; bx += s + 2) {
			id++;
			for (let y = by; y < by + s; y++) data.fill(id, y * W + bx, y * W + bx + s);
		}
	return { width: W, height: H, data };
}

/** Every id's area and bbox by a scan of the whole image (the index is not used with an explicit rect). */
function truth(labels: Labels, ids: number[]) {
	return ids.map((id) => cellInfo(labels, id, fullRect(labels.width, labels.height)));
}

describe('cell index (where each cell may lie)', () => {
	it('after random edits, undos and redos, each cell lies within its rect and cellInfo / cellBoxes equal a full scan', () => {
		const labels = blocks(64, 48, 6);
		const rand = seededRandom(7);
		const ids = Array.from({ length: 60 }, (_, i) => i + 1); // the image has 48 cells
		// Build the index before any edit, as the first click does.
		expect(cellRect(labels, 1)).toEqual({ x0: 0, y0: 0, x1: 6, y1: 6 });
		const done: Edit[] = [];
		for (let step = 0; step < 300; step++) {
			const r = rand();
			if (r < 0.2 && done.length) {
				revertEdit(labels, done.pop()!);
			} else {
				const x0 = Math.floor(rand() * 60);
				const y0 = Math.floor(rand() * 44);
				const rect = { x0, y0, x1: x0 + 1 + Math.floor(rand() * 4), y1: y0 + 1 + Math.floor(rand() * 4) };
				// Paint an existing id, background, or a new id beyond the largest (the index grows).
				const v = rand() < 0.3 ? 0 : Math.floor(rand() * ids.length) + 1;
				const after = new Uint32Array((rect.x1 - rect.x0) * (rect.y1 - rect.y0)).fill(v);
				const e = makeEdit(labels, rect, after);
				applyEdit(labels, e);
				done.push(e);
			}
			if (step % 25 === 0) {
				const want = truth(labels, ids);
				ids.forEach((id, k) => {
					expect(cellInfo(labels, id), `cell ${id} at step ${step}`).toEqual(want[k]);
					if (want[k]) expect(rectContainsRect(cellRect(labels, id)!, want[k]!.bbox)).toBe(true);
				});
				const boxes = cellBoxes(labels, [3, 17, 55]);
				for (const id of [3, 17, 55]) {
					const w = want[id - 1];
					if (w) expect(boxes.get(id)).toEqual(w);
				}
			}
		}
	});

	it('merge and delete through the index give what full scans give', () => {
		const a = blocks(80, 80, 8);
		const b: Labels = { ...a, data: a.data.slice() };
		cellRect(a, 1); // index a only
		// A second piece of cell 5 far from the first (one id, two components).
		applyEdit(a, makeEdit(a, { x0: 70, y0: 70, x1: 72, y1: 72 }, new Uint32Array(4).fill(5)));
		applyEdit(b, makeEdit(b, { x0: 70, y0: 70, x1: 72, y1: 72 }, new Uint32Array(4).fill(5)));
		const m1 = mergeCells(a, [2, 5]);
		const m2 = mergeCells(b, [2, 5], { within: fullRect(80, 80) });
		expect(m1.rect).toEqual(m2.rect);
		expect(m1.after).toEqual(m2.after);
		applyEdit(a, m1);
		applyEdit(b, m2);
		const d1 = deleteCell(a, 2);
		const d2 = deleteCell(b, 2, { within: fullRect(80, 80) });
		expect(d1.rect).toEqual(d2.rect);
		applyEdit(a, d1);
		applyEdit(b, d2);
		expect(a.data).toEqual(b.data);
		expect(cellInfo(a, 2)).toBeNull();
	});

	it('a cell that was never there has an empty rect; an image with huge ids keeps no index', () => {
		const labels = blocks(20, 20, 4);
		expect(cellRect(labels, 999)).toEqual({ x0: 0, y0: 0, x1: 0, y1: 0 });
		const huge: Labels = { width: 2, height: 1, data: Uint32Array.from([0, 4_000_000_000]) };
		expect(cellRect(huge, 4_000_000_000)).toBeNull();
		expect(cellInfo(huge, 4_000_000_000)).toEqual({ id: 4_000_000_000, area: 1, bbox: { x0: 1, y0: 0, x1: 2, y1: 1 } });
	});
});
