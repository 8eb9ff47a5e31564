/**
 * Training-set preparation (spec §6.3 plus Mycol's split): the seeded split by image, skipped and
 * dropped images, diameters and diam_labels, and the normalised network input.
 */
import { describe, expect, it } from 'vitest';
import { prepareTrainingSet, splitByImage, MIN_TRAIN_DIAMETER, type TrainingItem } from '../../../src/lib/core/cellpose/train/data';
import { cellposeDiameters } from '../../../src/lib/core/cellpose/train/targets';
import { syntheticNuclei } from '../../../src/lib/core/example/synthetic';
import { ParamError } from '../../../src/lib/core/formats/errors';

const opts = { valFraction: 0.2, seed: 42, minTrainMasks: 5, channels: [0, 0] as const, normalize: true };

function item(name: string, seed: number, count = 8): TrainingItem {
	const e = syntheticNuclei(name, seed, 64, 48, count, 6);
	return { name, raster: e.raster, labels: e.labels };
}

describe('splitByImage', () => {
	it('holds out ceil(f·n) images, disjoint from training, the same for the same seed', () => {
		for (const [n, f, nVal] of [
			[10, 0.2, 2],
			[6, 0.2, 2],
			[5, 0.2, 1],
			[3, 0.5, 2],
			[7, 0, 0]
		] as const) {
			const s = splitByImage(n, f, 42);
			expect(s.validation.length).toBe(nVal);
			expect([...s.train, ...s.validation].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
			expect(splitByImage(n, f, 42)).toEqual(s);
		}
		const seeds = new Set([1, 2, 3, 4, 5, 6].map((seed) => splitByImage(10, 0.2, seed).validation.join()));
		expect(seeds.size).toBeGreaterThan(2);
	});

	it('refuses a split that leaves nothing to train on', () => {
		expect(() => splitByImage(1, 0.2, 42)).toThrow(ParamError);
		expect(() => splitByImage(1, 0.2, 42)).toThrow(
			'only one image has a mask, so holding out 20 % for validation leaves none to train on; annotate more images or set the validation fraction to 0'
		);
		expect(splitByImage(1, 0, 42)).toEqual({ train: [0], validation: [] });
	});
});

describe('prepareTrainingSet', () => {
	it('skips images without masks, drops training images with too few masks, and averages the diameters', () => {
		const items = [item('a.tif', 1), item('b.tif', 2), item('c.tif', 3), item('d.tif', 4), item('e.tif', 5, 2), { ...item('f.tif', 6), labels: null }];
		const set = prepareTrainingSet(items, { ...opts, valFraction: 0 });
		expect(set.validation).toEqual([]);
		expect(set.skipped.map((s) => s.name).sort()).toEqual(['e.tif', 'f.tif']);
		expect(set.skipped.find((s) => s.name === 'f.tif')!.reason).toBe('it has no mask');
		expect(set.skipped.find((s) => s.name === 'e.tif')!.reason).toMatch(/^it has [0-4] masks?, fewer than the 5 a training image needs$/);
		expect(set.train.map((p) => p.name)).toEqual(['a.tif', 'b.tif', 'c.tif', 'd.tif']);
		for (const p of set.train) {
			const source = items.find((i) => i.name === p.name)!;
			expect(p.diameter).toBe(Math.max(MIN_TRAIN_DIAMETER, cellposeDiameters(source.labels!.data)));
			expect(p.masks).toBe(new Set(Array.from(source.labels!.data).filter((v) => v > 0)).size);
		}
		expect(set.diamLabels).toBeCloseTo(set.train.reduce((a, p) => a + p.diameter, 0) / 4, 12);
	});

	it('normalises each image once: grey channel to its 1st/99th percentiles, second channel zeros', () => {
		const it0 = item('a.tif', 7);
		const set = prepareTrainingSet([it0], { ...opts, valFraction: 0, minTrainMasks: 0 });
		const p = set.train[0];
		const n = 64 * 48;
		// numpy's linear-interpolated percentiles of the raw values, computed here by sorting.
		const sorted = Float64Array.from(it0.raster.data).sort();
		const pct = (q: number) => {
			const r = (n - 1) * (q / 100);
			const i = Math.floor(r);
			return sorted[i] + (sorted[Math.min(i + 1, n - 1)] - sorted[i]) * (r - i);
		};
		const lo = pct(1);
		const hi = pct(99);
		for (let i = 0; i < n; i += 97) expect(p.image[i]).toBeCloseTo((Number(it0.raster.data[i]) - lo) / (hi - lo), 5);
		expect(p.image.subarray(n).every((v) => v === 0)).toBe(true);
		const raw = prepareTrainingSet([it0], { ...opts, valFraction: 0, minTrainMasks: 0, normalize: false }).train[0];
		expect(raw.image[5]).toBe(Number(it0.raster.data[5]));
	});

	it('puts the held-out images in validation, prepared the same way', () => {
		const items = [1, 2, 3, 4, 5].map((s) => item(`img${s}.tif`, s));
		const set = prepareTrainingSet(items, opts);
		expect(set.validation.length).toBe(1);
		expect(set.train.length).toBe(4);
		expect(set.validation[0].target.length).toBe(3 * 64 * 48);
		expect(set.train.map((p) => p.name)).not.toContain(set.validation[0].name);
	});

	it('says in plain words when nothing can be trained on, or a mask does not fit its image', () => {
		expect(() => prepareTrainingSet([], opts)).toThrow('there are no images to train on');
		expect(() => prepareTrainingSet([{ ...item('x.tif', 1), labels: null }], opts)).toThrow('none of the images has a mask');
		expect(() => prepareTrainingSet([item('x.tif', 1, 2)], { ...opts, valFraction: 0 })).toThrow("no training image has at least 5 masks (Cellpose's minimum per image)");
		const bad = item('y.tif', 1);
		bad.labels = { width: 10, height: 10, data: new Uint32Array(100) };
		expect(() => prepareTrainingSet([bad], { ...opts, valFraction: 0 })).toThrow('y.tif: the mask is 10 × 10 pixels but the image is 64 × 48; they must be the same size');
	});
});
