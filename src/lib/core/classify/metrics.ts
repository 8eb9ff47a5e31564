/**
 * Classification metrics as scikit-learn computes them (`confusion_matrix`,
 * `precision_recall_fscore_support` with `zero_division=0`): confusion matrix CM[true][pred],
 * accuracy = trace / N, per class p = CM[c][c] / Σ_t CM[t][c], r = CM[c][c] / Σ_p CM[c][p],
 * F1 = 2pr / (p + r), each 0 when its denominator is 0; macro = plain mean over the classes.
 */
import { ParamError } from '../formats/errors';

export interface ClassificationMetrics {
	numClasses: number;
	/** Samples counted. */
	total: number;
	/** confusion[t][p]: samples of true class t predicted as p (rows true, columns predicted). */
	confusion: number[][];
	accuracy: number;
	precision: number[];
	recall: number[];
	f1: number[];
	/** True samples per class. */
	support: number[];
	macro: { precision: number; recall: number; f1: number };
}

export interface MetricsOptions {
	/**
	 * Classes the macro averages run over: `'all'` (every class 0…K−1, as sklearn with
	 * `labels=range(K)`; spec B7's choice) or `'present'` (classes occurring in the true or predicted
	 * labels, as sklearn without `labels` — what the original Mycol app reports). Default `'all'`.
	 */
	averageOver?: 'all' | 'present';
}

/** CM[true][pred] for labels 0…K−1. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number[][] {
	if (!Number.isInteger(numClasses) || numClasses < 1) throw new ParamError(undefined, `the number of classes must be a whole number ≥ 1, not ${numClasses}`);
	if (yTrue.length !== yPred.length) throw new ParamError(undefined, `there are ${yTrue.length} true labels but ${yPred.length} predictions`);
	const cm = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
	for (let i = 0; i < yTrue.length; i++) {
		const t = yTrue[i];
		const p = yPred[i];
		for (const v of [t, p]) {
			if (!Number.isInteger(v) || v < 0 || v >= numClasses) throw new ParamError(undefined, `label ${v} (sample ${i + 1}) is not a class index from 0 to ${numClasses - 1}`);
		}
		cm[t][p]++;
	}
	return cm;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Accuracy, per-class and macro precision/recall/F1 and the confusion matrix. */
export function classificationMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number, opts: MetricsOptions = {}): ClassificationMetrics {
	const cm = confusionMatrix(yTrue, yPred, numClasses);
	const K = numClasses;
	const precision: number[] = [];
	const recall: number[] = [];
	const f1: number[] = [];
	const support: number[] = [];
	const predicted: number[] = [];
	let trace = 0;
	for (let c = 0; c < K; c++) {
		let col = 0;
		let row = 0;
		for (let k = 0; k < K; k++) {
			col += cm[k][c];
			row += cm[c][k];
		}
		trace += cm[c][c];
		const p = ratio(cm[c][c], col);
		const r = ratio(cm[c][c], row);
		precision.push(p);
		recall.push(r);
		f1.push(ratio(2 * p * r, p + r));
		support.push(row);
		predicted.push(col);
	}
	const classes = [...Array(K).keys()].filter((c) => opts.averageOver !== 'present' || support[c] > 0 || predicted[c] > 0);
	const mean = (v: number[]) => ratio(classes.reduce((a, c) => a + v[c], 0), classes.length);
	const total = yTrue.length;
	return { numClasses: K, total, confusion: cm, accuracy: ratio(trace, total), precision, recall, f1, support, macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) } };
}
