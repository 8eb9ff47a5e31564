/**
 * The cell diameter of a label image as Cellpose 3.1 `utils.diameters` computes it: the median of
 * √(pixel count) over cells, divided by √π/2 — the diameter of a disk with the median cell's area.
 * (Cellpose drops the first count assuming it is the background; we count non-zero ids only, so a
 * mask without background gives the same answer as one with.)
 */
export function medianCellDiameter(labels: Uint32Array): number {
	let max = 0;
	for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
	const counts = new Map<number, number>();
	if (max <= 1 << 24) {
		const c = new Uint32Array(max + 1);
		for (let i = 0; i < labels.length; i++) c[labels[i]]++;
		for (let id = 1; id <= max; id++) if (c[id] > 0) counts.set(id, c[id]);
	} else {
		for (let i = 0; i < labels.length; i++) if (labels[i]) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
	}
	if (counts.size === 0) return 0;
	const roots = Float64Array.from(counts.values(), (n) => Math.sqrt(n)).sort();
	const m = roots.length;
	const median = m % 2 ? roots[(m - 1) / 2] : (roots[m / 2 - 1] + roots[m / 2]) / 2;
	return median / (Math.sqrt(Math.PI) / 2);
}
