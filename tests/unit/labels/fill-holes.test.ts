import { describe, expect, it } from 'vitest';
import { applyEdit, applyEdits, revertEdits } from '../../../src/lib/core/labels/edit';
import { fillAllHoles, fillCellHoles } from '../../../src/lib/core/labels/fill-holes';
import { applied, changedOutside, copyLabels, grid, norm, show } from './grid';

const IMAGE = `
	0000000000000000
	0111110000222220
	0100010000200020
	0103010000200020
	0100010000222220
	0111110000000000
	0000000444444400
	0555000400000400
	0505000404440400
	0555000400000400
	0000000444444400
	6660000000000000
	6068880000000777
	6668080000000707
	0000880000000000
`;

// Computed with scipy 1.10 (/usr/bin/python3): each 4-connected background component
// (`ndimage.label(a == 0)`) not touching the border whose 4-neighbour ring
// (`binary_dilation(comp, generate_binary_structure(2, 1)) & ~comp`) holds exactly one cell id
// becomes that id. Cell 1's hole also touches cell 3, so it stays (`binary_fill_holes(a == 1)`
// would fill 8 pixels there); 4 fills around its inner bar; 7's gap is open to the border; 8's
// pixel (4, 13) is closed on its four sides.
const SCIPY_FILLED = `
	0000000000000000
	0111110000222220
	0100010000222220
	0103010000222220
	0100010000222220
	0111110000000000
	0000000444444400
	0555000444444400
	0555000444444400
	0555000444444400
	0000000444444400
	6660000000000000
	6668880000000777
	6668880000000707
	0000880000000000
`;

describe('fillAllHoles', () => {
	it('fills exactly the background holes scipy finds, one edit per cell', () => {
		const l = grid(IMAGE);
		const edits = fillAllHoles(l);
		const out = copyLabels(l);
		applyEdits(out, edits);
		expect(show(out)).toBe(norm(SCIPY_FILLED));
		expect(edits.length).toBe(5);
		// Disjoint changes: the order does not matter, and undo restores the image.
		const rev = copyLabels(l);
		applyEdits(rev, [...edits].reverse());
		expect(show(rev)).toBe(show(out));
		revertEdits(out, edits);
		expect(show(out)).toBe(show(l));
	});
});

describe('fillCellHoles', () => {
	it('fills one cell only, within its bbox', () => {
		const l = grid(IMAGE);
		const e = fillCellHoles(l, 2);
		expect(e.rect).toEqual({ x0: 11, y0: 2, x1: 14, y1: 4 });
		const out = applied(l, e, applyEdit);
		expect(changedOutside(l, out, e.rect)).toEqual([]);
		expect(show(out).split('\n')[2]).toBe('0100010000222220');
		expect(fillCellHoles(l, 1).before.length).toBe(0);
		expect(fillCellHoles(l, 7).before.length).toBe(0);
		expect(fillCellHoles(l, 99).before.length).toBe(0);
		// A `within` rect that holds the cell gives the same edit.
		const w = fillCellHoles(l, 4, { within: { x0: 6, y0: 5, x1: 16, y1: 12 } });
		expect(w).toEqual(fillCellHoles(l, 4));
	});
});
