/**
 * Cellpose 3.1 `_loss_fn_seg` on tfjs tensors (NHWC), the formula of `core/cellpose/train/loss.ts`:
 * `MSE(y[…, 0:2], 5·t[…, 1:3]) / 2 + BCEWithLogits(y[…, 2], t[…, 0] > 0.5)`, both means over every
 * element. BCE is written `softplus(x) − x·z`, whose gradient σ(x) − z is exact at x = 0 too.
 */
import * as tf from '@tensorflow/tfjs';
import { FLOW_TARGET_SCALE } from '../../core/cellpose/train/loss';

/** The scalar loss of outputs `y` (N, H, W, 3) = [dY, dX, cellprob] against targets (N, H, W, 3) = [cellprob, dY, dX]. */
export function segmentationLossTf(y: tf.Tensor4D, target: tf.Tensor4D): tf.Scalar {
	return tf.tidy(() => {
		const [n, h, w] = y.shape;
		const flows = tf.slice(y, [0, 0, 0, 0], [n, h, w, 2]);
		const flowTarget = tf.mul(tf.slice(target, [0, 0, 0, 1], [n, h, w, 2]), FLOW_TARGET_SCALE);
		const mse = tf.div(tf.mean(tf.squaredDifference(flows, flowTarget)), 2);
		const logits = tf.slice(y, [0, 0, 0, 2], [n, h, w, 1]);
		const z = tf.cast(tf.greater(tf.slice(target, [0, 0, 0, 0], [n, h, w, 1]), 0.5), 'float32');
		const bce = tf.mean(tf.sub(tf.softplus(logits), tf.mul(logits, z)));
		return tf.add(mse, bce) as tf.Scalar;
	});
}
