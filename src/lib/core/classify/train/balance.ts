/**
 * Balanced class weights, as scikit-learn's `compute_class_weight('balanced')` (which Mycol uses):
 * w_c = N / (K · n_c) over the samples given — the training split, per spec B7 — so that every
 * class contributes the same total weight to the loss.
 */
import { ParamError } from '../../formats/errors';

/** Weights of classes 0…K−1 from the labels of the samples `indices` (all samples when omitted). */
export function balancedClassWeights(labels: ArrayLike<number>, numClasses: number, indices?: ArrayLike<number>): Float64Array {
	const counts = new Float64Array(numClasses);
	const n = indices ? indices.length : labels.length;
	for (let i = 0; i < n; i++) {
		const c = labels[indices ? indices[i] : i];
		if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new ParamError(undefined, `a sample has class ${c}, which is not one of the ${numClasses} classes`);
		counts[c]++;
	}
	const weights = new Float64Array(numClasses);
	for (let c = 0; c < numClasses; c++) {
		// scikit-learn raises here too: a class without samples has no finite weight.
		if (counts[c] === 0) throw new ParamError(undefined, `class ${c + 1} has no training samples, so it cannot be weighted`);
		weights[c] = n / (numClasses * counts[c]);
	}
	return weights;
}

/** Every class weighted 1 (balancing switched off). */
export function uniformClassWeights(numClasses: number): Float64Array {
	return new Float64Array(numClasses).fill(1);
}
