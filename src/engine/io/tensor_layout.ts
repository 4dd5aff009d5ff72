/**
 * PyTorch is NCHW, tfjs is NHWC. Every tensor that crosses that boundary goes through one of these,
 * so a missing or doubled transpose shows up as a failing test rather than a silently wrong map.
 */
import * as tf from '@tensorflow/tfjs';

export function nchwToNhwc(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 2, 3, 1]);
}

export function nhwcToNchw(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 3, 1, 2]);
}

/** nn.Linear's weight [K, C] -> the [C, K] matrix the CAM kernel takes. */
export function linearWeightToCK(weightKC: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(weightKC);
}
