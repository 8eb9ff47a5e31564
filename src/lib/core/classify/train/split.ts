/**
 * Stratified, seeded train/validation split (spec B7): each class is shuffled on its own with a
 * seeded generator and round(fraction · n_c) of its samples are held out, at least 1 when the
 * class has ≥ 2 samples and never all of them, so every class stays in training and every class
 * that can spare one is validated. Mycol's own rule is scikit-learn's `train_test_split(…,
 * stratify=y, random_state=42)`; its allocation differs by a sample here and there, not in kind.
 */
import { ParamError } from '../../formats/errors';
import { seededRandom } from '../../example/random';

export interface Split {
	/** Sample indices, ascending. */
	train: Uint32Array;
	validation: Uint32Array;
}

/** Samples per class; a label outside 0…K−1 is a ParamError. */
export function classCounts(labels: ArrayLike<number>, numClasses: number): number[] {
	const counts = new Array<number>(numClasses).fill(0);
	for (let i = 0; i < labels.length; i++) {
		const c = labels[i];
		if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new ParamError(undefined, `sample ${i + 1} has class ${c}, which is not one of the ${numClasses} classes`);
		counts[c]++;
	}
	return counts;
}

/**
 * Check that the labelled cells can train a classifier: ≥ 2 classes, every class with at least
 * one cell (a class without cells has no balanced weight), ≥ 2 cells in all and one class with ≥ 2
 * (else nothing is left to validate on). `classNames` make the messages concrete.
 */
export function checkTrainable(labels: ArrayLike<number>, classNames: readonly string[]): number[] {
	const K = classNames.length;
	if (K < 2) throw new ParamError(undefined, `training needs at least 2 classes, but ${K === 0 ? 'none is' : 'only 1 is'} given`);
	const counts = classCounts(labels, K);
	const empty = classNames.filter((_, c) => counts[c] === 0);
	if (empty.length) throw new ParamError(undefined, `no cell is labelled ${empty.map((n) => `'${n}'`).join(', ')}; label some cells of every class, or remove the empty class${empty.length > 1 ? 'es' : ''}`);
	if (labels.length < 2 || Math.max(...counts) < 2) {
		throw new ParamError(undefined, `training needs at least 2 labelled cells in one class to hold one out for validation; there are ${labels.length} in all`);
	}
	return counts;
}

/** Fisher–Yates shuffle in place with a seeded generator. */
export function shuffleInPlace(a: Uint32Array | number[], rand: () => number): void {
	for (let i = a.length - 1; i > 0; i--) {
		const j = Math.floor(rand() * (i + 1));
		const t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

/** Held-out samples of a class of n: round(fraction · n), clamped to [1, n − 1] when n ≥ 2; 0 when n < 2. */
export function validationCount(n: number, fraction: number): number {
	if (n < 2) return 0;
	return Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
}

/** Split samples with labels 0…K−1 into train and validation, stratified by class. */
export function stratifiedSplit(labels: ArrayLike<number>, numClasses: number, fraction: number, seed: number): Split {
	if (!(fraction > 0 && fraction < 1)) throw new ParamError(undefined, `the validation fraction must be between 0 and 1, not ${fraction}`);
	const counts = classCounts(labels, numClasses);
	const byClass = counts.map((n) => new Uint32Array(n));
	const fill = new Array<number>(numClasses).fill(0);
	for (let i = 0; i < labels.length; i++) byClass[labels[i]][fill[labels[i]]++] = i;
	const rand = seededRandom(seed);
	const train: number[] = [];
	const validation: number[] = [];
	byClass.forEach((members) => {
		shuffleInPlace(members, rand);
		const v = validationCount(members.length, fraction);
		for (let j = 0; j < members.length; j++) (j < v ? validation : train).push(members[j]);
	});
	const sorted = (a: number[]) => Uint32Array.from(a).sort();
	return { train: sorted(train), validation: sorted(validation) };
}
