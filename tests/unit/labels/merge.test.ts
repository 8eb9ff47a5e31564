import { describe, expect, it } from 'vitest';
import { applyEdit, revertEdit } from '../../../src/lib/core/labels/edit';
import { mergeCells } from '../../../src/lib/core/labels/merge';
import { ParamError } from '../../../src/lib/core/formats/errors';
import { applied, areas, changedOutside, grid, norm, randomDiscs, show } from './grid';

describe('mergeCells', () => {
	const l = () =>
		grid(`
			11.22...
			11.22.33
			....5533
			44..55..
		`);

	it('merges into the first id, over the others’ bbox only (hand-worked)', () => {
		const src = l();
		const e = mergeCells(src, [2, 3, 5]);
		// The pixels of 3 and 5 span columns 4–7, rows 1–3; those of 2 do not change.
		expect(e.rect).toEqual({ x0: 4, y0: 1, x1: 8, y1: 4 });
		expect(show(applied(src, e, applyEdit))).toBe(
			norm(`
				11.22...
				11.22.22
				....2222
				44..22..
			`)
		);
	});

	it('keeps one id with the union of the pixels (random cells)', () => {
		for (let t = 0; t < 30; t++) {
			const src = randomDiscs(40, 30, 12, 900 + t);
			const a = areas(src);
			const ids = [...a.keys()];
			const pick = [ids[t % ids.length], ids[(t * 7 + 3) % ids.length], ids[(t * 5 + 1) % ids.length]];
			const distinct = [...new Set(pick)];
			if (distinct.length < 2) continue;
			const e = mergeCells(src, pick);
			const out = applied(src, e, applyEdit);
			expect(changedOutside(src, out, e.rect)).toEqual([]);
			const b = areas(out);
			expect(b.get(distinct[0])).toBe(distinct.reduce((s, id) => s + (a.get(id) ?? 0), 0));
			for (const id of distinct.slice(1)) expect(b.has(id)).toBe(false);
			const wrong: number[] = [];
			for (let i = 0; i < src.data.length; i++) {
				if (out.data[i] !== (distinct.includes(src.data[i]) ? distinct[0] : src.data[i])) wrong.push(i);
			}
			expect(wrong).toEqual([]);
			revertEdit(out, e);
			expect(Array.from(out.data)).toEqual(Array.from(src.data));
		}
	});

	it('scans only `within` when given', () => {
		const src = l();
		// A rect holding only the right half finds 3 and 5 but not the pixels of 4.
		const e = mergeCells(src, [3, 5, 4], { within: { x0: 4, y0: 0, x1: 8, y1: 4 } });
		expect(show(applied(src, e, applyEdit)).split('\n')[3]).toBe('44003300');
	});

	it('needs two different cell ids', () => {
		expect(() => mergeCells(l(), [2])).toThrow(ParamError);
		expect(() => mergeCells(l(), [2, 2])).toThrow(/at least two different cells/);
		expect(() => mergeCells(l(), [2, 0])).toThrow(ParamError);
		expect(mergeCells(l(), [2, 77]).before.length).toBe(0);
	});
});
