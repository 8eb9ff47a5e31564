import { describe, expect, it } from 'vitest';
import {
	boxFeedsH,
	boxFeedsM,
	boxToFrame,
	checkBox,
	cropAroundBox,
	encoderFrame,
	pointToFrame,
	promptFrame,
	SAM_LOWRES
} from '../../../src/lib/core/sam/prompt';
import { ParamError } from '../../../src/lib/core/formats/errors';

const close = (got: number[], want: number[]) => got.forEach((g, k) => expect(g).toBeCloseTo(want[k], 9));

describe('encoder frame', () => {
	it('maps the spec example: box (10, 20, 110, 220) on 2000 × 1000', () => {
		const box = { x0: 10, y0: 20, x1: 110, y1: 220 };
		close(boxToFrame(encoderFrame(2000, 1000, 'stretch'), box), [5.12, 20.48, 56.32, 225.28]);
		const pad = encoderFrame(2000, 1000, 'pad');
		expect(pad.sx).toBe(0.512);
		close(boxToFrame(pad, box), [5.12, 10.24, 56.32, 112.64]);
		expect([pad.contentWidth, pad.contentHeight]).toEqual([1024, 512]);
	});

	it('maps box (100, 200)–(300, 400) on a 2000 × 1500 image (hand-computed)', () => {
		const box = { x0: 100, y0: 200, x1: 300, y1: 400 };
		// Stretch: sx = 1024/2000 = 0.512, sy = 1024/1500 = 0.68266…
		// → (51.2, 200·1024/1500 = 136.533…, 153.6, 400·1024/1500 = 273.066…).
		close(boxToFrame(encoderFrame(2000, 1500, 'stretch'), box), [51.2, 136.53333333333333, 153.6, 273.06666666666666]);
		// Pad: s = 1024/2000 on both axes; content 1024 × round(1500·0.512) = 768.
		const pad = encoderFrame(2000, 1500, 'pad');
		close(boxToFrame(pad, box), [51.2, 102.4, 153.6, 204.8]);
		expect([pad.contentWidth, pad.contentHeight]).toEqual([1024, 768]);
		// No +0.5: the image origin maps to the frame origin.
		expect(pointToFrame(pad, 0, 0)).toEqual([0, 0]);
	});

	it('crops around a small box on a large image', () => {
		const box = { x0: 100, y0: 200, x1: 300, y1: 400 };
		// Side = 200·(1 + 2·1) = 600, centred on (200, 300): x from −100, shifted to 0; y from 0.
		const crop = cropAroundBox(box, 2000, 1500);
		expect(crop).toEqual({ x0: 0, y0: 0, x1: 600, y1: 600 });
		const f = encoderFrame(2000, 1500, 'stretch', crop);
		// 1024/600 = 1.70666…: (100, 200, 300, 400) → (170.666…, 341.333…, 512, 682.666…).
		close(boxToFrame(f, box), [170.66666666666666, 341.3333333333333, 512, 682.6666666666666]);
		// Near the far corner the crop shifts inside the image.
		expect(cropAroundBox({ x0: 1950, y0: 1480, x1: 1990, y1: 1500 }, 2000, 1500)).toEqual({ x0: 1744, y0: 1244, x1: 2000, y1: 1500 });
		// Centred: box centre (1000, 700), side 256 → 872 … 1128, 572 … 828.
		expect(cropAroundBox({ x0: 990, y0: 690, x1: 1010, y1: 710 }, 2000, 1500)).toEqual({ x0: 872, y0: 572, x1: 1128, y1: 828 });
		// An image smaller than the crop side is taken whole along that axis.
		expect(cropAroundBox({ x0: 10, y0: 10, x1: 20, y1: 20 }, 200, 1000)).toEqual({ x0: 0, y0: 0, x1: 200, y1: 256 });
	});

	it('crops automatically only when the box would be small in the frame', () => {
		const small = promptFrame(2000, 1500, { x0: 100, y0: 200, x1: 300, y1: 350 });
		// Stretch: 200 px · 0.512 = 102.4 and 150 px · 1024/1500 = 102.4, both < 128: cropped.
		expect(small.crop).toEqual({ x0: 0, y0: 0, x1: 600, y1: 600 });
		// 300 px · 0.512 = 153.6: the whole image.
		expect(promptFrame(2000, 1500, { x0: 100, y0: 200, x1: 400, y1: 400 }).crop).toEqual({ x0: 0, y0: 0, x1: 2000, y1: 1500 });
		expect(promptFrame(2000, 1500, { x0: 100, y0: 200, x1: 300, y1: 400 }, { crop: false }).crop.x1).toBe(2000);
		expect(promptFrame(2000, 1500, { x0: 100, y0: 200, x1: 900, y1: 400 }, { crop: true, mode: 'pad' }).mode).toBe('pad');
	});

	it('orders, clamps and rejects boxes (spec A3)', () => {
		expect(checkBox({ x0: 300, y0: 50, x1: -20, y1: 10 }, 200, 100)).toEqual({ x0: 0, y0: 10, x1: 200, y1: 50 });
		expect(() => checkBox({ x0: 10, y0: 10, x1: 11.5, y1: 40 }, 200, 100)).toThrow(ParamError);
		expect(() => checkBox({ x0: 10, y0: 98.5, x1: 40, y1: 130 }, 200, 100)).toThrow(/1.5 pixels|at least 2 pixels/);
		expect(() => checkBox({ x0: NaN, y0: 0, x1: 5, y1: 5 }, 200, 100)).toThrow(ParamError);
		expect(() => encoderFrame(0, 10)).toThrow(ParamError);
	});
});

describe('decoder feeds', () => {
	it('builds convention H feeds for all boxes in one call', () => {
		const f = boxFeedsH([
			[1, 2, 3, 4],
			[5, 6, 7, 8]
		]);
		expect(f.input_boxes.dims).toEqual([1, 2, 4]);
		expect(Array.from(f.input_boxes.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
		expect(f.input_points.dims).toEqual([1, 1, 0, 2]);
		expect(f.input_labels).toMatchObject({ type: 'int64', dims: [1, 2, 0] });
		expect(f.input_labels.data.length).toBe(0);
		expect(() => boxFeedsH([])).toThrow(ParamError);
	});

	it('builds convention M feeds: corners labelled 2 and 3, no mask', () => {
		const f = boxFeedsM([51.2, 102.4, 153.6, 204.8]);
		expect(Array.from(f.point_coords.data as Float32Array)).toEqual([51.2, 102.4, 153.6, 204.8].map(Math.fround));
		expect(f.point_coords.dims).toEqual([1, 2, 2]);
		expect(Array.from(f.point_labels.data as Float32Array)).toEqual([2, 3]);
		expect(f.mask_input.dims).toEqual([1, 1, SAM_LOWRES, SAM_LOWRES]);
		expect((f.mask_input.data as Float32Array).every((v) => v === 0)).toBe(true);
		expect(Array.from(f.has_mask_input.data as Float32Array)).toEqual([0]);
	});
});
