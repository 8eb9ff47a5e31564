import { describe, expect, it } from 'vitest';
import { augmentPatch, augmentedBatch, drawAugmentation, IDENTITY_AUGMENTATION, type Augmentation } from '../../../../src/lib/core/classify/train/augment';
import { DEFAULT_AUGMENT } from '../../../../src/lib/core/classify/train/config';
import { seededRandom } from '../../../../src/lib/core/example/random';

/** A 3 × 3 × 3 patch whose channel c of pixel (y, x) is (3y + x + 1) / 10 + c / 100 (no zero pixel). */
function grid(): Float32Array {
	const p = new Float32Array(27);
	for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 3; c++) p[(y * 3 + x) * 3 + c] = (3 * y + x + 1) / 10 + c / 100;
	return p;
}

/** The pixel numbers 1…9 (channel 0 × 10) of a 3 × 3 patch, row by row. */
function numbers(p: Float32Array): number[][] {
	return [0, 1, 2].map((y) => [0, 1, 2].map((x) => Math.round(p[(y * 3 + x) * 3] * 10)));
}

function apply(a: Partial<Augmentation>, src = grid()): Float32Array {
	const out = new Float32Array(src.length);
	augmentPatch(src, 0, out, 0, 3, { ...IDENTITY_AUGMENTATION, ...a });
	return out;
}

describe('augmentation', () => {
	it('rotates by exact quarter turns counter-clockwise, as numpy rot90', () => {
		// [[1,2,3],[4,5,6],[7,8,9]]: np.rot90(a, 1) = [[3,6,9],[2,5,8],[1,4,7]],
		// np.rot90(a, 2) = [[9,8,7],[6,5,4],[3,2,1]], np.rot90(a, 3) = [[7,4,1],[8,5,2],[9,6,3]].
		expect(numbers(apply({ quarterTurns: 1 }))).toEqual([[3, 6, 9], [2, 5, 8], [1, 4, 7]]);
		expect(numbers(apply({ quarterTurns: 2 }))).toEqual([[9, 8, 7], [6, 5, 4], [3, 2, 1]]);
		expect(numbers(apply({ quarterTurns: 3 }))).toEqual([[7, 4, 1], [8, 5, 2], [9, 6, 3]]);
	});

	it('flips exactly, flip before rotation, and moves every value unchanged (a permutation of pixels)', () => {
		expect(numbers(apply({ flipH: true }))).toEqual([[3, 2, 1], [6, 5, 4], [9, 8, 7]]);
		expect(numbers(apply({ flipV: true }))).toEqual([[7, 8, 9], [4, 5, 6], [1, 2, 3]]);
		// rot90(fliplr(a)) = rot90([[3,2,1],[6,5,4],[9,8,7]]) = [[1,4,7],[2,5,8],[3,6,9]] (the transpose).
		expect(numbers(apply({ flipH: true, quarterTurns: 1 }))).toEqual([[1, 4, 7], [2, 5, 8], [3, 6, 9]]);
		const src = grid();
		const out = apply({ flipV: true, quarterTurns: 3 }, src);
		// The channels of each pixel travel together, bit for bit.
		const pixels = (p: Float32Array) => [...Array(9).keys()].map((i) => Array.from(p.subarray(3 * i, 3 * i + 3)).join(',')).sort();
		expect(pixels(out)).toEqual(pixels(src));
		// Four quarter turns and two flips are the identity.
		let p = src;
		for (let i = 0; i < 4; i++) p = apply({ quarterTurns: 1 }, p);
		expect(Array.from(p)).toEqual(Array.from(src));
		expect(Array.from(apply({ flipH: true }, apply({ flipH: true }, src)))).toEqual(Array.from(src));
	});

	it('applies x·a + b, clipped to [0, 1], and keeps zero background pixels at zero', () => {
		// A 2 × 2 patch: pixel 0 is background (0,0,0); pixel 1 (0.5,0.2,0.9); pixel 2 (0,0.1,0) is a
		// cell pixel with zeros in two channels; pixel 3 (1,1,1).
		const src = Float32Array.from([0, 0, 0, 0.5, 0.2, 0.9, 0, 0.1, 0, 1, 1, 1]);
		const out = new Float32Array(12);
		augmentPatch(src, 0, out, 0, 2, { ...IDENTITY_AUGMENTATION, contrast: 1.2, brightness: -0.1 });
		// 0.5·1.2 − 0.1 = 0.5; 0.2·1.2 − 0.1 = 0.14; 0.9·1.2 − 0.1 = 0.98; 0 → −0.1 → 0; 0.1 → 0.02; 1 → 1.1 → 1.
		const expected = [0, 0, 0, 0.5, 0.14, 0.98, 0, 0.02, 0, 1, 1, 1];
		expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
		augmentPatch(src, 0, out, 0, 2, { ...IDENTITY_AUGMENTATION, contrast: 0.8, brightness: 0.1 });
		// Background stays 0 although b > 0; 0 → 0.1 in a cell pixel; 1 → 0.9.
		[0, 0, 0, 0.5, 0.26, 0.82, 0.1, 0.18, 0.1, 0.9, 0.9, 0.9].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
	});

	it('draws within the configured ranges, reproducibly, and copies validation patches as they are', () => {
		const rand = seededRandom(3);
		const turns = new Set<number>();
		for (let i = 0; i < 200; i++) {
			const a = drawAugmentation(rand, DEFAULT_AUGMENT);
			expect(a.contrast).toBeGreaterThanOrEqual(0.8);
			expect(a.contrast).toBeLessThanOrEqual(1.2);
			expect(Math.abs(a.brightness)).toBeLessThanOrEqual(0.1);
			turns.add(a.quarterTurns);
		}
		expect([...turns].sort()).toEqual([0, 1, 2, 3]);
		expect(drawAugmentation(seededRandom(1), { flips: false, rotate90: false, contrast: 0, brightness: 0 })).toEqual(IDENTITY_AUGMENTATION);
		const patches = Float32Array.from({ length: 3 * 27 }, (_, i) => (i % 50) / 50);
		const plain = augmentedBatch(patches, [2, 0], 3, seededRandom(1), null);
		expect(Array.from(plain)).toEqual([...patches.subarray(54, 81), ...patches.subarray(0, 27)]);
		const a = augmentedBatch(patches, [2, 0], 3, seededRandom(5), DEFAULT_AUGMENT);
		const b = augmentedBatch(patches, [2, 0], 3, seededRandom(5), DEFAULT_AUGMENT);
		expect(Array.from(a)).toEqual(Array.from(b));
	});
});
