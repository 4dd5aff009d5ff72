/**
 * Training-mode batch norm in plain tfjs ops, PyTorch's forward (batch mean, biased variance) with
 * the analytic backward as a customGrad: three reductions over [B,h,w], cheaper than
 * differentiating the composed ops and what PyTorch computes. The fused kernels are tested
 * against it, and it is the path on every backend but webgpu.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchNormTrainResult } from './ops.ts';

const REDUCE_AXES = [0, 1, 2];

export function batchNormTrainReference(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): BatchNormTrainResult {
  const [b, h, w] = x.shape;
  const n = b * h * w;
  // Batch moments leave the customGrad's tidy through this stash (kept; the caller disposes them).
  let stash: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const bn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, g, bias, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = tf.mean(xIn, REDUCE_AXES) as tf.Tensor1D;
    const centred = tf.sub(xIn, mean);
    const variance = tf.mean(tf.square(centred), REDUCE_AXES) as tf.Tensor1D;
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const xHat = tf.mul(centred, invStd);
    save([xHat, invStd, g]);
    stash = { mean: tf.keep(mean), variance: tf.keep(variance) };
    return {
      value: tf.add(tf.mul(xHat, g), bias),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [savedXHat, savedInvStd, savedGamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
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
  const y = bn(x, gamma, beta) as tf.Tensor4D;
  return { y, ...stash! };
}
