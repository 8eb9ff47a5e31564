/**
 * Early stopping on the validation loss with the learning rate reduced on plateaus (spec B7), as
 * Keras' `EarlyStopping(monitor='val_loss', patience, restore_best_weights=True)` together with
 * `ReduceLROnPlateau(factor, patience, min_lr)` (min_delta 0, no cooldown): an epoch improves
 * when its loss is below the best so far; after `lrPatience` epochs in a row without improvement
 * the rate is multiplied by `lrFactor` (not below `minLearningRate`) and that count restarts;
 * training stops once `patience` epochs in a row did not improve. A NaN loss never improves.
 * The state is plain data so a stopped run can resume exactly.
 */

export interface EarlyStoppingOptions {
	/** Epochs without improvement before stopping (0 = never). */
	patience: number;
	lrPatience: number;
	lrFactor: number;
	minLearningRate: number;
	learningRate: number;
}

export interface EarlyStoppingState {
	/** Lowest validation loss so far (Infinity before the first epoch). */
	bestLoss: number;
	/** 0-based epoch of `bestLoss` (−1 before the first epoch). */
	bestEpoch: number;
	/** Epochs seen. */
	epochs: number;
	/** Epochs in a row without improvement (for stopping). */
	wait: number;
	/** Epochs without improvement since the last improvement or rate change. */
	plateauWait: number;
	learningRate: number;
}

export interface EpochDecision {
	improved: boolean;
	/** Stop now: `patience` epochs without improvement. */
	stop: boolean;
	/** The rate for the next epoch. */
	learningRate: number;
	/** The rate was just reduced. */
	reduced: boolean;
}

export class EarlyStopping {
	readonly options: EarlyStoppingOptions;
	private s: EarlyStoppingState;

	constructor(options: EarlyStoppingOptions, state?: EarlyStoppingState) {
		this.options = { ...options };
		this.s = state ? { ...state } : { bestLoss: Infinity, bestEpoch: -1, epochs: 0, wait: 0, plateauWait: 0, learningRate: options.learningRate };
	}

	/** A copy of the state, to store and resume from. */
	get state(): EarlyStoppingState {
		return { ...this.s };
	}

	/** Record one epoch's validation loss and decide. */
	update(valLoss: number): EpochDecision {
		const s = this.s;
		const o = this.options;
		const epoch = s.epochs++;
		const improved = valLoss < s.bestLoss;
		let reduced = false;
		if (improved) {
			s.bestLoss = valLoss;
			s.bestEpoch = epoch;
			s.wait = 0;
			s.plateauWait = 0;
		} else {
			s.wait++;
			s.plateauWait++;
			if (s.plateauWait >= o.lrPatience) {
				s.plateauWait = 0;
				const next = Math.max(s.learningRate * o.lrFactor, o.minLearningRate);
				if (next < s.learningRate) {
					s.learningRate = next;
					reduced = true;
				}
			}
		}
		const stop = o.patience > 0 && s.wait >= o.patience;
		return { improved, stop, learningRate: s.learningRate, reduced };
	}

	/** Give a run that stopped early another `patience` epochs (the user asked to go on). */
	resetPatience(): void {
		this.s.wait = 0;
		this.s.plateauWait = 0;
	}
}
