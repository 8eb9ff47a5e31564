import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cropRaster, imageLowHigh, pickBoxCell, planBoxPrompt } from '../../../src/lib/core/cellpose/box-prompt';
import { prepareCellposeModel } from '../../../src/lib/core/cellpose/model';
import { segment } from '../../../src/lib/core/cellpose/pipeline';
import { decodeImageFile, decodeLabelFile } from '../../../src/lib/core/formats/image-file';
import { placeNewCell } from '../../../src/lib/core/labels/new-cell';
import { applyEdit } from '../../../src/lib/core/labels/edit';
import { cellBoxes } from '../../../src/lib/core/labels/select';
import { createSession, run } from '../../../src/lib/runtime/ort-node';
import { projectRoot, sharedBytes } from '../shared';

describe('box prompt answered by Cellpose', () => {
	it('plans a crop with a margin and a diameter from the box (hand-worked)', () => {
		const p = planBoxPrompt(512, 400, 100, 200, 140, 210);
		// box 40 × 10 → margin max(16, 20) = 20; diameter √400 = 20
		expect(p.crop).toEqual({ x0: 80, y0: 180, x1: 160, y1: 230 });
		expect(p.box).toEqual({ x0: 20, y0: 20, x1: 60, y1: 30 });
		expect(p.diameter).toBe(20);
		const edge = planBoxPrompt(100, 100, -5, 90, 20, 120);
		expect(edge.crop).toEqual({ x0: 0, y0: 74, x1: 36, y1: 100 });
		expect(() => planBoxPrompt(100, 100, 5, 5, 6, 6)).toThrow(/too small/);
	});

	it('crops every channel and picks the cell under the centre', () => {
		const r = { width: 4, height: 3, channels: 2, dtype: 'uint8' as const, data: Uint8Array.from({ length: 24 }, (_, i) => i) };
		const c = cropRaster(r, { x0: 1, y0: 1, x1: 3, y1: 3 });
		expect(Array.from(c.data)).toEqual([5, 6, 9, 10, 17, 18, 21, 22]);
		const m = { width: 3, height: 3, data: Uint32Array.from([0, 0, 0, 2, 2, 0, 2, 1, 1]) };
		// The centre (1, 1) holds cell 2: its pixels are 3, 4 and 6.
		expect(Array.from(pickBoxCell(m, { x0: 0, y0: 0, x1: 3, y1: 3 }) as Uint8Array)).toEqual([0, 0, 0, 1, 1, 0, 1, 0, 0]);
		// Box rows 1–2, columns 0–1: its centre (1, 2) is cell 1, clipped to the box: pixel 7 only.
		expect(Array.from(pickBoxCell(m, { x0: 0, y0: 1, x1: 2, y1: 3 }) as Uint8Array)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0]);
		expect(Array.from(pickBoxCell(m, { x0: 0, y0: 2, x1: 1, y1: 3 }) as Uint8Array)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0]);
		// No cell under the centre: the cell with most pixels in the box.
		expect(pickBoxCell({ width: 2, height: 2, data: new Uint32Array(4) }, { x0: 0, y0: 0, x1: 2, y1: 2 })).toBeNull();
	});

	it('gives the true cell (IoU ≥ 0.7) for at least 9 of 10 boxes around real fungal cells, with the built-in model', async () => {
		const model = prepareCellposeModel('mycol-fungal-v1.pth', new Uint8Array(readFileSync(`${projectRoot}/models/mycol-fungal-v1.pth`)));
		const session = await createSession(model.onnx);
		const net = (x: Float32Array, n: number, h: number, w: number) => run(session, x, n, h, w);
		let good = 0;
		const ious: number[] = [];
		for (const name of ['demo08', 'demo09']) {
			const image = decodeImageFile(`${name}.tif`, sharedBytes(`data/mycol_demo_fungal/images/${name}.tif`)).raster;
			const truth = decodeLabelFile(`${name}_masks.tif`, sharedBytes(`data/mycol_demo_fungal/masks/${name}_masks.tif`)).labels;
			const boxes = [...cellBoxes(truth, [1, 2, 3, 4, 5]).values()];
			for (const cell of boxes) {
				// A box around the true cell, as a user would drag it (2 px slack).
				const plan = planBoxPrompt(truth.width, truth.height, cell.bbox.x0 - 2, cell.bbox.y0 - 2, cell.bbox.x1 + 2, cell.bbox.y1 + 2);
				const lowhigh = imageLowHigh(image, [0, 0]);
				const r = await segment(cropRaster(image, plan.crop), { diameter: plan.diameter, channels: [0, 0], lowhigh, diamMean: model.diamMean, diamLabels: model.diamLabels }, net);
				const mask = pickBoxCell(r.masks, plan.box);
				const empty = { width: truth.width, height: truth.height, data: new Uint32Array(truth.data.length) };
				if (mask) applyEdit(empty, placeNewCell(empty, mask, plan.crop, { nextId: 1 }));
				let inter = 0;
				let union = 0;
				for (let i = 0; i < truth.data.length; i++) {
					const a = truth.data[i] === cell.id;
					const b = empty.data[i] !== 0;
					if (a && b) inter++;
					if (a || b) union++;
				}
				const iou = union ? inter / union : 0;
				ious.push(iou);
				if (iou >= 0.7) good++;
			}
		}
		expect(ious.length).toBe(10);
		expect(good, `IoUs: ${ious.map((v) => v.toFixed(2)).join(', ')}`).toBeGreaterThanOrEqual(9);
	}, 300_000);
});
