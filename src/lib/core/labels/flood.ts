/**
 * Flood fill of one cell piece whose extent is not known in advance (the part of a cell cut off by
 * an eraser may reach far outside the brush). Visited pixels go into a small hash map instead of a
 * per-image bitmap: allocating and zeroing 16 MiB for a 4096² image would cost more than the
 * whole edit.
 */

/** Open-addressing hash map from non-negative int32 keys (flat pixel indices) to int32 values. */
export class IntMap {
	private keys: Int32Array;
	private vals: Int32Array;
	private mask: number;
	size = 0;

	constructor(capacity = 64) {
		let cap = 16;
		while (cap < capacity * 2) cap *= 2;
		this.keys = new Int32Array(cap).fill(-1);
		this.vals = new Int32Array(cap);
		this.mask = cap - 1;
	}

	private slot(key: number): number {
		let s = Math.imul(key, 0x9e3779b1) & this.mask;
		while (this.keys[s] !== -1 && this.keys[s] !== key) s = (s + 1) & this.mask;
		return s;
	}

	/** The value stored for `key`, or −1. */
	get(key: number): number {
		const s = this.slot(key);
		return this.keys[s] === key ? this.vals[s] : -1;
	}

	has(key: number): boolean {
		return this.keys[this.slot(key)] === key;
	}

	set(key: number, value: number): void {
		let s = this.slot(key);
		if (this.keys[s] !== key) {
			if ((this.size + 1) * 2 > this.keys.length) {
				this.grow();
				s = this.slot(key);
			}
			this.keys[s] = key;
			this.size++;
		}
		this.vals[s] = value;
	}

	private grow(): void {
		const oldK = this.keys;
		const oldV = this.vals;
		this.keys = new Int32Array(oldK.length * 2).fill(-1);
		this.vals = new Int32Array(oldK.length * 2);
		this.mask = this.keys.length - 1;
		for (let s = 0; s < oldK.length; s++) {
			if (oldK[s] === -1) continue;
			const t = this.slot(oldK[s]);
			this.keys[t] = oldK[s];
			this.vals[t] = oldV[s];
		}
	}
}

/** A growable list of flat pixel indices with their bounding box and smallest index. */
export class PixelList {
	pixels = new Int32Array(64);
	length = 0;
	x0 = Infinity;
	y0 = Infinity;
	x1 = -Infinity;
	y1 = -Infinity;
	/** Smallest flat index (the first pixel in raster order). */
	first = Infinity;

	push(i: number, x: number, y: number): void {
		if (this.length === this.pixels.length) {
			const p = new Int32Array(this.pixels.length * 2);
			p.set(this.pixels);
			this.pixels = p;
		}
		this.pixels[this.length++] = i;
		if (x < this.x0) this.x0 = x;
		if (x + 1 > this.x1) this.x1 = x + 1;
		if (y < this.y0) this.y0 = y;
		if (y + 1 > this.y1) this.y1 = y + 1;
		if (i < this.first) this.first = i;
	}
}

/**
 * Collect the 4-connected piece of pixels with `read(i) === value` that contains `seed`, marking
 * each with `tag` in `visited` and appending it to `out`. The seed must have that value and not be
 * visited yet. `stack` is reused between calls (it grows as needed) and returned.
 */
export function fillPiece(
	width: number,
	height: number,
	read: (i: number) => number,
	value: number,
	seed: number,
	visited: IntMap,
	tag: number,
	out: PixelList,
	stack: Int32Array
): Int32Array {
	let top = 0;
	visited.set(seed, tag);
	stack[top++] = seed;
	while (top > 0) {
		const i = stack[--top];
		const y = (i / width) | 0;
		const x = i - y * width;
		out.push(i, x, y);
		if (top + 4 > stack.length) {
			const s = new Int32Array(stack.length * 2);
			s.set(stack);
			stack = s;
		}
		if (y > 0 && read(i - width) === value && !visited.has(i - width)) {
			visited.set(i - width, tag);
			stack[top++] = i - width;
		}
		if (y < height - 1 && read(i + width) === value && !visited.has(i + width)) {
			visited.set(i + width, tag);
			stack[top++] = i + width;
		}
		if (x > 0 && read(i - 1) === value && !visited.has(i - 1)) {
			visited.set(i - 1, tag);
			stack[top++] = i - 1;
		}
		if (x < width - 1 && read(i + 1) === value && !visited.has(i + 1)) {
			visited.set(i + 1, tag);
			stack[top++] = i + 1;
		}
	}
	return stack;
}
