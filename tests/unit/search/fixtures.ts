/** The Cellpose 3.1 dynamics fixtures as cached network output with their truth labels. */
import { readNpy } from '../../../src/lib/core/formats/npy';
import type { CachedFlows } from '../../../src/lib/core/cellpose/search';
import type { CellposeNet } from '../../../src/lib/core/cellpose/pipeline';
import type { Raster } from '../../../src/lib/core/raster/types';
import { sharedBytes } from '../shared';

function npy(name: string): { shape: number[]; data: Float32Array | Uint16Array } {
	const r = readNpy(name, sharedBytes(`fixtures/cellpose-3.1/dynamics/${name}`));
	if (r.kind !== 'array' || !(r.data instanceof Float32Array || r.data instanceof Uint16Array)) throw new Error(`${name}: expected a float32 or uint16 array`);
	return { shape: r.shape, data: r.data };
}

/** labN: dP and cellprob as the network output at the original size, labels as the truth. */
export function labFlows(n: number): CachedFlows {
	const dP = npy(`lab${n}_dP.npy`);
	const cp = npy(`lab${n}_cellprob.npy`);
	const lab = npy(`lab${n}_labels.npy`);
	const [, H, W] = dP.shape;
	return {
		name: `lab${n}`,
		dP: dP.data as Float32Array,
		cellprob: cp.data as Float32Array,
		flowHeight: H,
		flowWidth: W,
		height: H,
		width: W,
		truth: { width: W, height: H, data: Uint32Array.from(lab.data) }
	};
}

export interface FixtureMeta {
	settings: Record<string, { niter: number; cellprob_threshold: number; flow_threshold: number; min_size: number }>;
	images: Record<string, { results: Record<string, { n_masks: number; 'ap_vs_labels@[0.5,0.75]': [number, number] }> }>;
}

export function fixtureMeta(): FixtureMeta {
	return JSON.parse(new TextDecoder().decode(sharedBytes('fixtures/cellpose-3.1/dynamics/dynamics_meta.json'))) as FixtureMeta;
}

/**
 * A stand-in network: the input's two channels come back as dY, dX and cellprob = dY² + dX² − 6.
 * Fed the fixture's dP as a 2-channel image without normalisation, it returns that dP (|dP| ≈ 5 in
 * cells, noise of σ 0.5 outside), resized as the diameter asks.
 */
export const echoNet: CellposeNet = async (input, n, h, w) => {
	const t = h * w;
	const y = new Float32Array(n * 3 * t);
	for (let b = 0; b < n; b++) {
		for (let i = 0; i < t; i++) {
			const a = input[(2 * b) * t + i];
			const c = input[(2 * b + 1) * t + i];
			y[3 * b * t + i] = a;
			y[(3 * b + 1) * t + i] = c;
			y[(3 * b + 2) * t + i] = a * a + c * c - 6;
		}
	}
	return { y, style: null };
};

export function dPRaster(n: number): Raster {
	const f = labFlows(n);
	return { width: f.width, height: f.height, channels: 2, dtype: 'float32', data: f.dP };
}

