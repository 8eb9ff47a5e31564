/**
 * The two optimisers of Cellpose 3.1 `train_seg` (spec §6.1), as PyTorch 1.13 implements them,
 * over tfjs variables, with a learning rate set per step and state that can be saved and restored:
 * - AdamW (β 0.9/0.999, eps 1e-8): `p ← p·(1 − lr·wd)`, `m ← β1·m + (1 − β1)·g`,
 *   `v ← β2·v + (1 − β2)·g²`, `p ← p − (lr / (1 − β1^t))·m / (√v / √(1 − β2^t) + eps)`;
 * - SGD with momentum μ (no dampening, no Nesterov): `g ← g + wd·p`, `b ← g` on the first step and
 *   `b ← μ·b + g` after, `p ← p − lr·b`.
 * Every parameter (BatchNorm and Linear biases included) gets the weight decay, as in Cellpose.
 * A step with lr = 0 (Cellpose's epoch 0) still moves the moments / momentum buffers.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerKind } from '../../core/cellpose/train/config';

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPS = 1e-8;

/** Saved optimiser state: the step count and each slot's values by parameter name. */
export interface OptimizerState {
	kind: OptimizerKind;
	step: number;
	/** `m`, `v` (AdamW) or `momentum` (SGD) per parameter name. */
	slots: { name: string; slot: string; shape: number[]; data: Float32Array }[];
}

export class CpnetOptimizer {
	private step = 0;
	private readonly slots = new Map<string, Map<string, tf.Variable>>();
	/** Parameters whose momentum buffer has been started. */
	private readonly seen = new Set<string>();

	constructor(
		readonly kind: OptimizerKind,
		readonly weightDecay: number,
		readonly momentum = 0.9
	) {}

	get steps(): number {
		return this.step;
	}

	private slot(name: string, slot: string, like: tf.Tensor): tf.Variable {
		let m = this.slots.get(name);
		if (!m) this.slots.set(name, (m = new Map()));
		let v = m.get(slot);
		if (!v) {
			v = tf.variable(tf.zerosLike(like), false);
			m.set(slot, v);
		}
		return v;
	}

	/** One step of every variable that has a gradient (`grads` by variable name; not disposed here). */
	apply(vars: ReadonlyMap<string, tf.Variable>, grads: tf.NamedTensorMap, lr: number): void {
		this.step++;
		const t = this.step;
		const wd = this.weightDecay;
		tf.tidy(() => {
			for (const [name, p] of vars) {
				const g = grads[p.name];
				if (!g) continue;
				if (this.kind === 'adamw') {
					const m = this.slot(name, 'm', p);
					const v = this.slot(name, 'v', p);
					const decayed = wd !== 0 ? tf.mul(p, 1 - lr * wd) : p;
					m.assign(tf.add(tf.mul(m, ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1)));
					v.assign(tf.add(tf.mul(v, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2)));
					const stepSize = lr / (1 - ADAM_BETA1 ** t);
					const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - ADAM_BETA2 ** t)), ADAM_EPS);
					p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
				} else {
					const d = wd !== 0 ? tf.add(g, tf.mul(p, wd)) : g;
					let buf: tf.Tensor = d;
					if (this.momentum !== 0) {
						const b = this.slot(name, 'momentum', p);
						// PyTorch starts the buffer at the first gradient (`buf = clone(d_p)`).
						b.assign(this.seen.has(name) ? tf.add(tf.mul(b, this.momentum), d) : d);
						this.seen.add(name);
						buf = b;
					}
					p.assign(tf.sub(p, tf.mul(buf, lr)));
				}
			}
		});
	}

	getState(): OptimizerState {
		const slots: OptimizerState['slots'] = [];
		for (const [name, m] of this.slots) for (const [slot, v] of m) slots.push({ name, slot, shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
		return { kind: this.kind, step: this.step, slots };
	}

	setState(s: OptimizerState): void {
		if (s.kind !== this.kind) throw new Error(`the checkpoint's optimiser is ${s.kind}, not ${this.kind}`);
		this.dispose();
		this.step = s.step;
		for (const { name, slot, shape, data } of s.slots) {
			let m = this.slots.get(name);
			if (!m) this.slots.set(name, (m = new Map()));
			m.set(slot, tf.variable(tf.tensor(data, shape, 'float32'), false));
			if (slot === 'momentum') this.seen.add(name);
		}
	}

	dispose(): void {
		for (const m of this.slots.values()) for (const v of m.values()) v.dispose();
		this.slots.clear();
		this.seen.clear();
	}
}
