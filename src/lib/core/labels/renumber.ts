/**
 * Renumber ids to 1..N in the order of their first pixel in a row-major scan, background kept 0,
 * as `fastremap.renumber(preserve_zero=True)` (what Cellpose 3.1 uses); the map lets the class
 * assignments follow. Unlike `renumberByFirstAppearance` (Cellpose helpers) it returns the map,
 * works on ids up to 2^32 − 1 and leaves its input unchanged.
 */
import { maxLabelOf } from '../cellpose/labels-util';
import type { Labels } from '../raster/types';

export interface Renumbered {
	labels: Labels;
	/** Old id → new id, for every id present. */
	map: Map<number, number>;
	/** N, the number of cells. */
	count: number;
}

export function renumber(labels: Labels): Renumbered {
	const src = labels.data;
	const out = new Uint32Array(src.length);
	const map = new Map<number, number>();
	let next = 0;
	const max = maxLabelOf(src);
	if (max <= 1 << 24) {
		const remap = new Uint32Array(max + 1);
		for (let i = 0; i < src.length; i++) {
			const v = src[i];
			if (v === 0) continue;
			let r = remap[v];
			if (r === 0) {
				r = remap[v] = ++next;
				map.set(v, r);
			}
			out[i] = r;
		}
	} else {
		for (let i = 0; i < src.length; i++) {
			const v = src[i];
			if (v === 0) continue;
			let r = map.get(v);
			if (r === undefined) map.set(v, (r = ++next));
			out[i] = r;
		}
	}
	return { labels: { width: labels.width, height: labels.height, data: out }, map, count: next };
}
