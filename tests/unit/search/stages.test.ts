// The staged dynamics (stages.ts) must give exactly computeMasks's masks, and masksFromFlows exactly
// segment()'s, setting by setting: the search scores a setting by these masks.
import { describe, expect, it } from 'vitest';
import { computeMasks } from '../../../src/lib/core/cellpose/dynamics';
import { masksFromFlows } from '../../../src/lib/core/cellpose/masks-from-flows';
import { segment } from '../../../src/lib/core/cellpose/pipeline';
import { deriveNiter, deriveRescale } from '../../../src/lib/core/cellpose/params';
import { applyFlowQc, checkFlows, finishMasks, flowQcRemovedCount, flowStage } from '../../../src/lib/core/cellpose/search';
import { ParamError } from '../../../src/lib/core/formats/errors';
import { dPRaster, echoNet, labFlows } from './fixtures';

function firstDifference(a: Uint32Array, b: Uint32Array): number {
	expect(a.length).toBe(b.length);
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
	return -1;
}

describe('staged dynamics = computeMasks', () => {
	for (const n of [0, 2]) {
		it(`lab${n}: every cellprob × niter × flow × min size gives identical masks (both compat modes)`, () => {
			const f = labFlows(n);
			const { height: H, width: W } = f;
			for (const compat of [false, true]) {
				for (const cellprob of [-1, 0.5]) {
					for (const niter of [200, 60]) {
						const stage = flowStage(f.dP, f.cellprob, H, W, cellprob, niter, 0.4, compat);
						const counts: number[] = [];
						for (const flowThreshold of [0, 0.1, 0.4, 1.5]) {
							counts.push(flowQcRemovedCount(stage, flowThreshold));
							for (const minSize of [0, 15, 60]) {
								const staged = finishMasks(applyFlowQc(stage, flowThreshold), H, W, minSize, compat);
								const direct = computeMasks(f.dP, f.cellprob, H, W, { niter, cellprobThreshold: cellprob, flowThreshold, minSize, maxSizeFraction: 0.4, cellpose31Compat: compat });
								expect(firstDifference(staged, direct.data), `cp ${cellprob} niter ${niter} flow ${flowThreshold} min ${minSize}`).toBe(-1);
							}
						}
						// Off (0) removes nothing; a higher threshold never removes more.
						expect(counts[0]).toBe(0);
						expect(counts[1]).toBeGreaterThanOrEqual(counts[2]);
						expect(counts[2]).toBeGreaterThanOrEqual(counts[3]);
					}
				}
			}
		});
	}

	it('the stage masks are not modified by the later steps', () => {
		const f = labFlows(1);
		const stage = flowStage(f.dP, f.cellprob, f.height, f.width, 0, 200, 0.4, false);
		const before = stage.masks.slice();
		finishMasks(applyFlowQc(stage, 0.2), f.height, f.width, 100, false);
		expect(firstDifference(stage.masks, before)).toBe(-1);
		expect(stage.nMasks).toBeGreaterThan(100);
	});

	it('a threshold above every logit leaves no masks', () => {
		const f = labFlows(1);
		const stage = flowStage(f.dP, f.cellprob, f.height, f.width, 1e9, 200, 0.4, false);
		expect(stage.nMasks).toBe(0);
		expect(flowQcRemovedCount(stage, 0.4)).toBe(0);
	});

	it('refuses network output with NaN, naming the image', () => {
		const f = labFlows(2);
		const dP = f.dP.slice();
		dP[5] = NaN;
		dP[7] = Infinity;
		expect(() => checkFlows(dP, f.cellprob, f.height, f.width, 'cells.tif')).toThrow(ParamError);
		expect(() => checkFlows(dP, f.cellprob, f.height, f.width, 'cells.tif')).toThrow('cells.tif: the network output contains 2 values that are not finite numbers');
		expect(() => checkFlows(f.dP, f.cellprob.subarray(1), f.height, f.width)).toThrow(/not \d+ and \d+ for 208 × 160 pixels/);
	});
});

describe('masksFromFlows = segment() after the network', () => {
	const model = { diamMean: 30, diamLabels: 30 };
	for (const resample of [true, false]) {
		for (const diameter of [0, 24, 40]) {
			it(`resample ${resample}, diameter ${diameter}`, async () => {
				const raster = dPRaster(0);
				const base = { ...model, channels: [1, 2] as const, normalize: false, resample, diameter };
				const settings = { cellprobThreshold: 0.5, flowThreshold: 0.6, minSize: 20, niter: null };
				const full = await segment(raster, { ...base, ...settings }, echoNet);
				// The network part alone: no logit passes this threshold.
				const net = await segment(raster, { ...base, cellprobThreshold: Number.MAX_VALUE, flowThreshold: 0, minSize: 0 }, echoNet);
				expect(net.masks.data.every((v) => v === 0)).toBe(true);
				const rescale = deriveRescale({ diameter, rescale: null, ...model });
				const niter = deriveNiter({ niter: null, resample }, rescale).niter;
				expect(niter).toBe(full.niter);
				const m = masksFromFlows(net, raster.height, raster.width, { niter, cellprobThreshold: 0.5, flowThreshold: 0.6, minSize: 20, maxSizeFraction: 0.4, cellpose31Compat: false });
				expect(m.width).toBe(raster.width);
				expect(firstDifference(m.data, full.masks.data)).toBe(-1);
				expect(Math.max(...m.data)).toBeGreaterThan(50);
				if (!resample && diameter !== 0) expect(net.flowHeight).not.toBe(raster.height);
			});
		}
	}
});
