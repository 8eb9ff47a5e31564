/**
 * The segmentation loss of Cellpose 3.1 `train._loss_fn_seg` (spec §6.4), as plain float64 maths
 * over (N, 3, H, W) arrays. The tfjs training loop computes the same formula on tensors; this
 * version is the definition the tests hold it to.
 *
 *   loss = MSE(y[:, 0:2], 5·t[:, 1:3]) / 2 + BCEWithLogits(y[:, 2], t[:, 0] > 0.5)
 *
 * Both terms are means over every element; the MSE is halved, the BCE is not. The network's
 * channels are [dY, dX, cellprob logit]; the targets are [cellprob, dY, dX] (unit flows).
 */

/** Flows are trained at 5× unit length (hence Cellpose's `/5` at inference). */
export const FLOW_TARGET_SCALE = 5;

export interface LossParts {
	/** `MSE(flows) / 2`. */
	flow: number;
	/** `BCEWithLogits(cellprob)`. */
	cellprob: number;
	total: number;
}

/** Numerically stable `BCEWithLogits(x, z) = max(x, 0) − x·z + log(1 + e^−|x|)` (PyTorch's form). */
export function bceWithLogits(x: number, z: number): number {
	return Math.max(x, 0) - x * z + Math.log1p(Math.exp(-Math.abs(x)));
}

function checkSizes(y: ArrayLike<number>, target: ArrayLike<number>, n: number, h: number, w: number): void {
	const size = n * 3 * h * w;
	if (y.length !== size || target.length !== size) {
		throw new RangeError(`loss: expected ${n} × 3 × ${h} × ${w} = ${size} values, got ${y.length} outputs and ${target.length} targets`);
	}
}

/** The loss of network outputs `y` against targets, both (N, 3, H, W). */
export function segmentationLoss(y: ArrayLike<number>, target: ArrayLike<number>, n: number, h: number, w: number): LossParts {
	checkSizes(y, target, n, h, w);
	const hw = h * w;
	let se = 0;
	let bce = 0;
	for (let b = 0; b < n; b++) {
		const o = b * 3 * hw;
		for (let i = 0; i < hw; i++) {
			const dy = y[o + i] - FLOW_TARGET_SCALE * target[o + hw + i];
			const dx = y[o + hw + i] - FLOW_TARGET_SCALE * target[o + 2 * hw + i];
			se += dy * dy + dx * dx;
			bce += bceWithLogits(y[o + 2 * hw + i], target[o + i] > 0.5 ? 1 : 0);
		}
	}
	const flow = se / (2 * n * hw) / 2;
	const cellprob = bce / (n * hw);
	return { flow, cellprob, total: flow + cellprob };
}

/** d loss / d y, (N, 3, H, W): `(y − 5t)/(2·N·H·W)` on the flows, `(σ(y) − z)/(N·H·W)` on the cellprob. */
export function segmentationLossGradient(y: ArrayLike<number>, target: ArrayLike<number>, n: number, h: number, w: number): Float64Array {
	checkSizes(y, target, n, h, w);
	const hw = h * w;
	const g = new Float64Array(n * 3 * hw);
	const flowScale = 1 / (2 * n * hw);
	const bceScale = 1 / (n * hw);
	for (let b = 0; b < n; b++) {
		const o = b * 3 * hw;
		for (let i = 0; i < hw; i++) {
			g[o + i] = flowScale * (y[o + i] - FLOW_TARGET_SCALE * target[o + hw + i]);
			g[o + hw + i] = flowScale * (y[o + hw + i] - FLOW_TARGET_SCALE * target[o + 2 * hw + i]);
			const x = y[o + 2 * hw + i];
			g[o + 2 * hw + i] = bceScale * (1 / (1 + Math.exp(-x)) - (target[o + i] > 0.5 ? 1 : 0));
		}
	}
	return g;
}
