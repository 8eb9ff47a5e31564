import { describe, expect, it } from 'vitest';
import { bestMaskIndex, placeSamMask, predictionAt, upsampleMask } from '../../../src/lib/core/sam/postprocess';
import { boxToFrame, encoderFrame, promptFrame, SAM_LOWRES, type Box, type EncoderFrame } from '../../../src/lib/core/sam/prompt';
import { applyEdit } from '../../../src/lib/core/labels/edit';
import type { Labels } from '../../../src/lib/core/raster/types';

const L = SAM_LOWRES;
const PLANE = L * L;

/** The mask as a full image (0/1) from upsampleMask's rect + mask. */
function fullMask(frame: EncoderFrame, logits: Float32Array): Uint8Array {
	const { rect, mask } = upsampleMask(logits, frame);
	const out = new Uint8Array(frame.imageWidth * frame.imageHeight);
	const w = rect.x1 - rect.x0;
	for (let k = 0; k < mask.length; k++) if (mask[k]) out[(rect.y0 + Math.floor(k / w)) * frame.imageWidth + rect.x0 + (k % w)] = 1;
	return out;
}

/**
 * The spec's fake decoder (A4), in plain arithmetic: cell centres GX = (j + 0.5)·4, GY = (i + 0.5)·4
 * of the 1024 frame; L = min(GX − x0, x1 − GX, GY − y0, y1 − GY); candidates (L − 16, L, L + 16);
 * IoU scores [0.5, 0.9, 0.7].
 */
function fakeDecoder(frameBox: [number, number, number, number]): { iou: Float32Array; masks: Float32Array } {
	const [x0, y0, x1, y1] = frameBox;
	const masks = new Float32Array(3 * PLANE);
	for (let i = 0; i < L; i++) {
		for (let j = 0; j < L; j++) {
			const gx = (j + 0.5) * 4;
			const gy = (i + 0.5) * 4;
			const v = Math.min(gx - x0, x1 - gx, gy - y0, y1 - gy);
			masks[i * L + j] = v - 16;
			masks[PLANE + i * L + j] = v;
			masks[2 * PLANE + i * L + j] = v + 16;
		}
	}
	return { iou: Float32Array.of(0.5, 0.9, 0.7), masks };
}

/** IoU of a 0/1 image mask with the pixels of a box (centres inside). */
function iouWithBox(mask: Uint8Array, W: number, box: Box): number {
	let inter = 0;
	let union = 0;
	for (let i = 0; i < mask.length; i++) {
		const x = (i % W) + 0.5;
		const y = Math.floor(i / W) + 0.5;
		const inBox = x > box.x0 && x < box.x1 && y > box.y0 && y < box.y1;
		if (inBox && mask[i]) inter++;
		if (inBox || mask[i]) union++;
	}
	return inter / union;
}

const empty = (W: number, H: number): Labels => ({ width: W, height: H, data: new Uint32Array(W * H) });

describe('choosing and thresholding', () => {
	it('takes the argmax of the IoU scores (spec A4), the first on a tie', () => {
		expect(bestMaskIndex([0.2, 0.95, 0.5])).toBe(1);
		expect(bestMaskIndex([0.7, 0.3, 0.7])).toBe(0);
	});

	it('slices prediction p out of batched outputs', () => {
		const iou = Float32Array.from([0, 1, 2, 3, 4, 5]);
		const masks = new Float32Array(6 * PLANE);
		masks[3 * PLANE] = 42;
		const p = predictionAt(iou, masks, 1, Float32Array.of(-1, 2));
		expect(Array.from(p.iou)).toEqual([3, 4, 5]);
		expect(p.masks[0]).toBe(42);
		expect(p.objectScore).toBe(2);
		expect(() => predictionAt(iou, masks, 2)).toThrow(RangeError);
	});

	it('thresholds at > 0: a logit of exactly 0 is background (256 × 256 image, identity resize)', () => {
		const logits = new Float32Array(PLANE).fill(-3);
		logits[10 * L + 10] = 0;
		logits[20 * L + 30] = 0.001;
		const m = fullMask(encoderFrame(L, L), logits);
		expect(m[10 * L + 10]).toBe(0);
		expect(m[20 * L + 30]).toBe(1);
		expect(m.reduce((s, v) => s + v, 0)).toBe(1);
	});

	it('upsamples logits before thresholding: j − 127.5 puts the edge at x = W/2 (spec A4)', () => {
		const logits = new Float32Array(PLANE);
		for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) logits[i * L + j] = j - 127.5;
		for (const [W, H] of [
			[640, 480],
			[1000, 300]
		]) {
			const m = fullMask(encoderFrame(W, H), logits);
			for (const y of [0, Math.floor(H / 2), H - 1]) {
				expect(m[y * W + W / 2 - 1]).toBe(0);
				expect(m[y * W + W / 2]).toBe(1);
				expect(m[y * W + W - 1]).toBe(1);
			}
		}
	});

	it('upsamples a 2 × 2 block of positive logits by hand (512 × 512 image, 2×)', () => {
		// Logits 1 at cells (i, j) ∈ {100, 101}², −1 elsewhere. Output pixel d samples cell
		// (d + 0.5)/2 − 0.5: d = 199 → 99.25 → 0.75·(−1) + 0.25·1 = −0.5; d = 200 → 99.75 → +0.5;
		// d = 203 → 101.25 → +0.5; d = 204 → 101.75 → −0.5. So pixels 200 … 203 on both axes.
		const logits = new Float32Array(PLANE).fill(-1);
		for (const i of [100, 101]) for (const j of [100, 101]) logits[i * L + j] = 1;
		const { rect, mask } = upsampleMask(logits, encoderFrame(512, 512));
		const full = fullMask(encoderFrame(512, 512), logits);
		const on: number[] = [];
		full.forEach((v, i) => v && on.push(i));
		const want: number[] = [];
		for (let y = 200; y < 204; y++) for (let x = 200; x < 204; x++) want.push(y * 512 + x);
		expect(on).toEqual(want);
		// Only a small roi was computed.
		expect(mask.length).toBeLessThanOrEqual(12 * 12);
		expect(rect.x0).toBeLessThanOrEqual(200);
		expect(rect.x1).toBeGreaterThanOrEqual(204);
	});

	it('returns nothing when no logit is positive', () => {
		expect(upsampleMask(new Float32Array(PLANE).fill(-1), encoderFrame(640, 480)).mask.length).toBe(0);
	});
});

describe('fake-decoder pipeline (spec A4)', () => {
	const box: Box = { x0: 100, y0: 80, x1: 300, y1: 260 };

	it.each(['stretch', 'pad'] as const)('gives back the box within ±1 px on 640 × 480 (%s)', (mode) => {
		const frame = encoderFrame(640, 480, mode);
		const pred = fakeDecoder(boxToFrame(frame, box));
		const m = fullMask(frame, pred.masks.subarray(PLANE, 2 * PLANE));
		expect(iouWithBox(m, 640, box)).toBeGreaterThanOrEqual(0.98);
		// Edges within ±1 px.
		const row = 170 * 640;
		expect(m[row + 98]).toBe(0);
		expect(m[row + 101]).toBe(1);
		expect(m[row + 298]).toBe(1);
		expect(m[row + 301]).toBe(0);
		// Candidate 0 (what a wrong selection would take) is visibly smaller: 16/1024 of the image per side.
		const m0 = fullMask(frame, pred.masks.subarray(0, PLANE));
		expect(m0.reduce((s, v) => s + v, 0)).toBeLessThan(0.9 * m.reduce((s, v) => s + v, 0));
	});

	it('places the chosen mask as a new cell, also through a crop of a large image', () => {
		const W = 4000;
		const H = 3000;
		const small: Box = { x0: 2010, y0: 1500, x1: 2050, y1: 1530 };
		const frame = promptFrame(W, H, small);
		expect(frame.crop).toEqual({ x0: 1902, y0: 1387, x1: 2158, y1: 1643 });
		const pred = fakeDecoder(boxToFrame(frame, small));
		const labels = empty(W, H);
		const r = placeSamMask(labels, pred, frame, { nextId: 5 });
		expect(r).toMatchObject({ status: 'added', chosen: 1 });
		expect(r.score).toBeCloseTo(0.9, 6);
		expect(r.edit.created).toEqual([{ id: 5, from: 0 }]);
		// The edit covers the new cell only, not the 4000 × 3000 image.
		expect(r.edit.rect).toEqual({ x0: 2010, y0: 1500, x1: 2050, y1: 1530 });
		applyEdit(labels, r.edit);
		let area = 0;
		for (const v of labels.data) if (v === 5) area++;
		expect(area).toBe(40 * 30);
	});

	it('writes only onto background and keeps the largest piece (Mycol integrate_new_mask)', () => {
		const W = 640;
		const H = 480;
		const labels = empty(W, H);
		// An existing cell 3: a vertical bar at x 150 … 159 across the whole box.
		for (let y = 0; y < H; y++) for (let x = 150; x < 160; x++) labels.data[y * W + x] = 3;
		const frame = encoderFrame(W, H);
		const r = placeSamMask(labels, fakeDecoder(boxToFrame(frame, box)), frame);
		expect(r.edit.created).toEqual([{ id: 4, from: 0 }]);
		applyEdit(labels, r.edit);
		// The bar survives; the part left of it (x 100 … 149) is smaller than the right (160 … 299).
		expect(labels.data[170 * W + 155]).toBe(3);
		expect(labels.data[170 * W + 120]).toBe(0);
		expect(labels.data[170 * W + 200]).toBe(4);
	});

	it('reports no object and empty results without adding a cell', () => {
		const frame = encoderFrame(640, 480);
		const pred = fakeDecoder(boxToFrame(frame, box));
		expect(placeSamMask(empty(640, 480), { ...pred, objectScore: -2 }, frame).status).toBe('no-object');
		const none = { iou: pred.iou, masks: new Float32Array(3 * PLANE).fill(-5) };
		const r = placeSamMask(empty(640, 480), none, frame);
		expect(r.status).toBe('empty');
		expect(r.edit.before.length).toBe(0);
		// A cell already covering the box leaves nothing on background.
		const full: Labels = { width: 640, height: 480, data: new Uint32Array(640 * 480).fill(1) };
		expect(placeSamMask(full, pred, frame).status).toBe('empty');
		expect(placeSamMask(full, pred, frame, { mode: 'replace' }).status).toBe('added');
	});
});
