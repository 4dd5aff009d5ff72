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
 * The training forward is a customGrad with the analytic backward (three reductions over [B,h,w],
 * no tiling), which is both cheaper than differentiating the composed ops and what PyTorch computes.
 * On webgpu the fused WGSL kernels (src/engine/kernels/batch_norm_webgpu.ts) replace it; this
 * customGrad stays the reference they are tested against, and the path on every other backend.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormTrainFused } from '../kernels/batch_norm_ops.ts';

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

const REDUCE_AXES = [0, 1, 2];

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
  const fused = batchNormTrainFused(x, s.weight, s.bias, BN_EPS);
  if (fused) {
    if (updateStats) updateRunningStats(s, fused, n);
    tf.dispose([fused.mean, fused.variance]);
    return fused.y;
  }
  // Batch moments leave the customGrad's tidy through this stash (kept, disposed below).
  let stash: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const bn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gamma, beta, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = tf.mean(xIn, REDUCE_AXES) as tf.Tensor1D;
    const centred = tf.sub(xIn, mean);
    const variance = tf.mean(tf.square(centred), REDUCE_AXES) as tf.Tensor1D; // biased, as PyTorch normalises
    const invStd = tf.rsqrt(tf.add(variance, BN_EPS));
    const xHat = tf.mul(centred, invStd);
    save([xHat, invStd, gamma]);
    stash = { mean: tf.keep(mean), variance: tf.keep(variance) };
    return {
      value: tf.add(tf.mul(xHat, gamma), beta),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [savedXHat, savedInvStd, savedGamma] = saved;
        const dOut = dy as tf.Tensor4D;
        const dBeta = tf.sum(dOut, REDUCE_AXES);
        const dGamma = tf.sum(tf.mul(dOut, savedXHat), REDUCE_AXES);
        // dx = gamma * invStd * (dy - mean(dy) - xHat * mean(dy * xHat))
        const dX = tf.mul(
          tf.mul(savedGamma, savedInvStd),
          tf.sub(tf.sub(dOut, tf.div(dBeta, n)), tf.mul(savedXHat, tf.div(dGamma, n))),
        );
        return [dX, dGamma, dBeta];
      },
    };
  });
  const y = bn(x, s.weight, s.bias) as tf.Tensor4D;
  const moments = stash!;
  if (updateStats) updateRunningStats(s, moments, n);
  tf.dispose([moments.mean, moments.variance]);
  return y;
}

/** PyTorch's update: momentum 0.1, the running variance from the unbiased batch variance. */
function updateRunningStats(s: BatchNormState, moments: { mean: tf.Tensor1D; variance: tf.Tensor1D }, n: number): void {
  tf.tidy(() => {
    const unbiased = tf.mul(moments.variance, n / (n - 1));
    s.runningMean.assign(tf.add(tf.mul(s.runningMean, 1 - BN_MOMENTUM), tf.mul(moments.mean, BN_MOMENTUM)));
    s.runningVar.assign(tf.add(tf.mul(s.runningVar, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
  });
}
