import { describe, expect, it } from 'vitest';
import { renumber } from '../../../src/lib/core/labels/renumber';

describe('renumber', () => {
	it('numbers ids 1..N by first appearance and returns the map (hand-worked)', () => {
		const data = Uint32Array.from([0, 9, 9, 3, 0, 3, 70, 9, 1]);
		const r = renumber({ width: 3, height: 3, data });
		expect(Array.from(r.labels.data)).toEqual([0, 1, 1, 2, 0, 2, 3, 1, 4]);
		expect([...r.map]).toEqual([
			[9, 1],
			[3, 2],
			[70, 3],
			[1, 4]
		]);
		expect(r.count).toBe(4);
		// The input is left as it was.
		expect(Array.from(data)).toEqual([0, 9, 9, 3, 0, 3, 70, 9, 1]);
	});

	it('works for ids near 2^32 and for an empty image', () => {
		const r = renumber({ width: 2, height: 2, data: Uint32Array.from([4294967295, 0, 7, 4294967295]) });
		expect(Array.from(r.labels.data)).toEqual([1, 0, 2, 1]);
		expect(r.map.get(4294967295)).toBe(1);
		expect(renumber({ width: 2, height: 1, data: new Uint32Array(2) }).count).toBe(0);
	});
});
