/**
 * The per-epoch learning rate of Cellpose 3.1 `train.train_seg` (spec §6.2): a 10-epoch linear
 * warm-up from 0, then constant, and for long runs ten halvings at the end.
 */
import { ParamError } from '../../formats/errors';

/** numpy `linspace(0, stop, n)`: `i·(stop/(n−1))`, the last value exactly `stop`. */
function linspaceFromZero(stop: number, n: number): number[] {
	const step = stop / (n - 1);
	const out: number[] = [];
	for (let i = 0; i < n; i++) out.push(i * step);
	out[n - 1] = stop;
	return out;
}

/**
 * `LR[e]` for every epoch e < nEpochs, as `train_seg` builds it:
 * ```
 * LR = linspace(0, lr, 10) ++ [lr] * max(0, n − 10)
 * n > 300: drop the last 100, then 10 × (10 epochs of last/2)
 * n > 100: drop the last 50,  then 10 × (5 epochs of last/2)
 * ```
 * Epoch 0 has rate 0 (the optimiser's moments and BatchNorm statistics still move).
 */
export function learningRateSchedule(learningRate: number, nEpochs: number): Float64Array {
	if (!Number.isInteger(nEpochs) || nEpochs < 1) throw new ParamError(undefined, `the number of epochs must be a whole number of at least 1, not ${nEpochs}`);
	if (!(learningRate >= 0) || !Number.isFinite(learningRate)) throw new ParamError(undefined, `the learning rate must be a number of at least 0, not ${learningRate}`);
	let lr = linspaceFromZero(learningRate, 10);
	for (let i = 0; i < Math.max(0, nEpochs - 10); i++) lr.push(learningRate);
	const tail = (drop: number, each: number) => {
		lr = lr.slice(0, lr.length - drop);
		for (let k = 0; k < 10; k++) {
			const v = lr[lr.length - 1] / 2;
			for (let j = 0; j < each; j++) lr.push(v);
		}
	};
	if (nEpochs > 300) tail(100, 10);
	else if (nEpochs > 100) tail(50, 5);
	return Float64Array.from(lr.slice(0, nEpochs));
}
