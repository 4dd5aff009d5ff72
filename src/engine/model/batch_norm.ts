/**
 * Batch norm with PyTorch's semantics, on NHWC tensors.
 *
 * Why not tfjs-layers' BatchNormalization: Keras defaults (momentum 0.99, eps 1e-3), a running
 * variance updated with the biased batch variance, no num_batches_tracked, and a crash in training
 * mode with center/scale off (tfjs issue 2868). PyTorch (torch.nn.BatchNorm2d, eps 1e-5,
 * momentum 0.1):
 * - training: normalise with the batch mean and the *biased* batch variance; then
 *   running_mean = 0.9 running_mean + 0.1 mean, running_var = 0.9 running_var + 0.1 var * n/(n-1)
 *   (the *unbiased* variance), num_batches_tracked += 1;
 * - eval: normalise with the running statistics.
 * The training forward is src/engine/kernels/batch_norm/: fused WGSL kernels on webgpu, a plain-tfjs
 * customGrad with the analytic backward elsewhere.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormTrainOp } from '../kernels/batch_norm/ops.ts';

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

export interface BatchNormState {
  weight: tf.Variable<tf.Rank.R1>; // gamma [C]
  bias: tf.Variable<tf.Rank.R1>; // beta [C]
  runningMean: tf.Variable<tf.Rank.R1>; // [C], non-trainable
  runningVar: tf.Variable<tf.Rank.R1>; // [C], non-trainable
}

export function batchNormEval(x: tf.Tensor4D, s: BatchNormState): tf.Tensor4D {
  return tf.batchNorm4d(x, s.runningMean, s.runningVar, s.bias, s.weight, BN_EPS);
}

/**
 * Training-mode BN: returns the normalised output, and when `updateStats` is set writes the running
 * statistics (PyTorch's update rule). The caller increments num_batches_tracked.
 */
export function batchNormTrain(x: tf.Tensor4D, s: BatchNormState, updateStats: boolean): tf.Tensor4D {
  const [b, h, w] = x.shape;
  const n = b * h * w;
  if (n < 2) {
    // PyTorch refuses too: the unbiased variance needs two values per channel.
    throw new Error(`Batch norm in training mode needs more than 1 value per channel; got input shape [${x.shape.join(',')}].`);
  }
  const result = batchNormTrainOp(x, s.weight, s.bias, BN_EPS);
  if (updateStats) updateRunningStats(s, result, n);
  tf.dispose([result.mean, result.variance]);
  return result.y;
}

/** PyTorch's update: momentum 0.1, the running variance from the unbiased batch variance. */
function updateRunningStats(s: BatchNormState, moments: { mean: tf.Tensor1D; variance: tf.Tensor1D }, n: number): void {
  tf.tidy(() => {
    const unbiased = tf.mul(moments.variance, n / (n - 1));
    s.runningMean.assign(tf.add(tf.mul(s.runningMean, 1 - BN_MOMENTUM), tf.mul(moments.mean, BN_MOMENTUM)));
    s.runningVar.assign(tf.add(tf.mul(s.runningVar, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
  });
}
