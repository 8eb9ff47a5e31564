/**
 * `argsort` with the exact tie order of PyTorch 1.13's CPU `sort(stable=False)`, which runs
 * libstdc++ `std::sort` (introsort) on (value, index) pairs comparing values only. Cellpose 3.1
 * sorts its mask seeds this way (`get_masks_torch`: `npts.argsort()`); seeds with equal counts that
 * lie close together then overwrite each other in this order, so exact mask parity needs it
 * (spec §4.3, §9 — the corrected behaviour is a stable sort).
 *
 * This follows libstdc++ (GCC ≥ 4.9): `__introsort_loop` with threshold 16, depth limit
 * 2·⌊log2 n⌋, median-of-three pivot moved to the front, unguarded Hoare partition, heapsort when
 * the depth runs out, then `__final_insertion_sort`.
 */

const THRESHOLD = 16;

/** Indices that sort `keys` ascending, ties ordered as libstdc++ `std::sort` leaves them. */
export function introsortArgsort(keys: Int32Array): Int32Array {
	const n = keys.length;
	const key = Int32Array.from(keys);
	const idx = new Int32Array(n);
	for (let i = 0; i < n; i++) idx[i] = i;

	const swap = (i: number, j: number): void => {
		const k = key[i];
		key[i] = key[j];
		key[j] = k;
		const v = idx[i];
		idx[i] = idx[j];
		idx[j] = v;
	};

	// Insert element `last` into the sorted run before it, without a lower bound check.
	const unguardedLinearInsert = (last: number): void => {
		const k = key[last];
		const v = idx[last];
		let next = last - 1;
		while (k < key[next]) {
			key[last] = key[next];
			idx[last] = idx[next];
			last = next;
			next--;
		}
		key[last] = k;
		idx[last] = v;
	};

	const insertionSort = (first: number, last: number): void => {
		if (first === last) return;
		for (let i = first + 1; i < last; i++) {
			if (key[i] < key[first]) {
				const k = key[i];
				const v = idx[i];
				key.copyWithin(first + 1, first, i);
				idx.copyWithin(first + 1, first, i);
				key[first] = k;
				idx[first] = v;
			} else {
				unguardedLinearInsert(i);
			}
		}
	};

	const moveMedianToFirst = (result: number, a: number, b: number, c: number): void => {
		if (key[a] < key[b]) {
			if (key[b] < key[c]) swap(result, b);
			else if (key[a] < key[c]) swap(result, c);
			else swap(result, a);
		} else if (key[a] < key[c]) swap(result, a);
		else if (key[b] < key[c]) swap(result, c);
		else swap(result, b);
	};

	const unguardedPartition = (first: number, last: number, pivot: number): number => {
		for (;;) {
			while (key[first] < key[pivot]) first++;
			last--;
			while (key[pivot] < key[last]) last--;
			if (!(first < last)) return first;
			swap(first, last);
			first++;
		}
	};

	// Heap of the range [first, first + len): sift the hole down, then push `k, v` up.
	const adjustHeap = (first: number, hole: number, len: number, k: number, v: number): void => {
		const top = hole;
		let child = hole;
		while (child < ((len - 1) >> 1)) {
			child = 2 * (child + 1);
			if (key[first + child] < key[first + child - 1]) child--;
			key[first + hole] = key[first + child];
			idx[first + hole] = idx[first + child];
			hole = child;
		}
		if ((len & 1) === 0 && child === (len - 2) >> 1) {
			child = 2 * (child + 1);
			key[first + hole] = key[first + child - 1];
			idx[first + hole] = idx[first + child - 1];
			hole = child - 1;
		}
		let parent = (hole - 1) >> 1;
		while (hole > top && key[first + parent] < k) {
			key[first + hole] = key[first + parent];
			idx[first + hole] = idx[first + parent];
			hole = parent;
			parent = (hole - 1) >> 1;
		}
		key[first + hole] = k;
		idx[first + hole] = v;
	};

	// std::__partial_sort(first, last, last): make_heap then sort_heap.
	const heapSort = (first: number, last: number): void => {
		const len = last - first;
		if (len >= 2) {
			for (let parent = (len - 2) >> 1; ; parent--) {
				adjustHeap(first, parent, len, key[first + parent], idx[first + parent]);
				if (parent === 0) break;
			}
		}
		while (last - first > 1) {
			last--;
			const k = key[last];
			const v = idx[last];
			key[last] = key[first];
			idx[last] = idx[first];
			adjustHeap(first, 0, last - first, k, v);
		}
	};

	const introsortLoop = (first: number, last: number, depth: number): void => {
		while (last - first > THRESHOLD) {
			if (depth === 0) {
				heapSort(first, last);
				return;
			}
			depth--;
			const mid = first + ((last - first) >> 1);
			moveMedianToFirst(first, first + 1, mid, last - 1);
			const cut = unguardedPartition(first + 1, last, first);
			introsortLoop(cut, last, depth);
			last = cut;
		}
	};

	if (n > 0) {
		introsortLoop(0, n, 2 * (31 - Math.clz32(n)));
		if (n > THRESHOLD) {
			insertionSort(0, THRESHOLD);
			for (let i = THRESHOLD; i < n; i++) unguardedLinearInsert(i);
		} else {
			insertionSort(0, n);
		}
	}
	return idx;
}
