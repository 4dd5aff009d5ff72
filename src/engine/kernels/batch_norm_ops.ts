/**
 * Dispatch for training-mode batch norm: the fused WGSL kernels on webgpu (batch_norm_webgpu.ts),
 * null elsewhere so the model falls back to its plain-tfjs customGrad (the reference).
 */
import * as tf from '@tensorflow/tfjs';
import { prepareKernels } from './cam_ops.ts';
import { BATCH_NORM_TRAIN } from './register_webgpu.ts';

let fusedEnabled = true;

/** Turns the fused kernels off (false) or back on, for A/B benchmarks and parity tests. */
export function useFusedBatchNorm(enabled: boolean): void {
  fusedEnabled = enabled;
}

export interface BatchNormTrainResult {
  y: tf.Tensor4D;
  /** batch mean [C] */
  mean: tf.Tensor1D;
  /** biased batch variance [C] (what the forward normalises with) */
  variance: tf.Tensor1D;
}

/**
 * y = (x - mean) / sqrt(var + eps) * gamma + beta with the batch's statistics, differentiable in x,
 * gamma and beta; or null where the fused kernels do not run. The caller disposes mean and variance.
 */
export function batchNormTrainFused(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): BatchNormTrainResult | null {
  if (!fusedEnabled || !prepareKernels()) return null;
  const [y, stats] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, { eps }) as [tf.Tensor4D, tf.Tensor2D];
  const channels = x.shape[3];
  const [mean, variance] = tf.tidy(() => tf.split(stats, 2, 1).map((t) => tf.reshape(t, [channels]) as tf.Tensor1D));
  // The gradient keeps its own reference to the stats output.
  stats.dispose();
  return { y, mean: mean!, variance: variance! };
}
