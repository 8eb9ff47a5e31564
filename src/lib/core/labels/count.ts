/** The distinct non-zero ids of a label image. */
export function labelIds(labels: Uint32Array): Uint32Array {
	let max = 0;
	for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
	if (max <= 1 << 26) {
		// A bitmap of seen ids: one pass, no hashing.
		const seen = new Uint8Array(max + 1);
		for (let i = 0; i < labels.length; i++) seen[labels[i]] = 1;
		let n = 0;
		for (let id = 1; id <= max; id++) n += seen[id];
		const out = new Uint32Array(n);
		for (let id = 1, k = 0; id <= max; id++) if (seen[id]) out[k++] = id;
		return out;
	}
	const set = new Set<number>();
	for (let i = 0; i < labels.length; i++) if (labels[i] !== 0) set.add(labels[i]);
	return Uint32Array.from([...set].sort((a, b) => a - b));
}

/** How many distinct cells (non-zero ids) a label image holds. */
export function countLabels(labels: Uint32Array): number {
	return labelIds(labels).length;
}
