/** Training-mode batch norm: the fused kernels on webgpu (unless configured off), the reference elsewhere. */
import * as tf from '@tensorflow/tfjs';
import { kernelOptions } from '../options.ts';
import { prepareKernels } from '../registry.ts';
import { BATCH_NORM_TRAIN } from './kernel.ts';
import { batchNormTrainReference } from './reference.ts';

export interface BatchNormTrainResult {
  y: tf.Tensor4D;
  /** batch mean [C] */
  mean: tf.Tensor1D;
  /** biased batch variance [C] (what the forward normalises with) */
  variance: tf.Tensor1D;
}

/**
 * y = (x - mean) / sqrt(var + eps) * gamma + beta with the batch's statistics, differentiable in x,
 * gamma and beta. The caller disposes mean and variance.
 */
export function batchNormTrainOp(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): BatchNormTrainResult {
  if (kernelOptions().batchNorm !== 'fused' || !prepareKernels()) return batchNormTrainReference(x, gamma, beta, eps);
  const [y, stats] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, { eps }) as [tf.Tensor4D, tf.Tensor2D];
  const channels = x.shape[3];
  const [mean, variance] = tf.tidy(() => tf.split(stats, 2, 1).map((t) => tf.reshape(t, [channels]) as tf.Tensor1D));
  // The gradient keeps its own reference to the stats output.
  stats.dispose();
  return { y, mean: mean!, variance: variance! };
}
