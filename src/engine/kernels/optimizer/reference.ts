/**
 * The optimizer updates as composed tfjs ops: torch.optim's semantics (L2 weight decay added to the
 * gradient, Adam's bias correction). The fused kernels are tested against these, and they are the
 * path on every backend but webgpu. Call inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdamHyper, SgdHyper } from './kernel.ts';

function withWeightDecay(param: tf.Tensor, grad: tf.Tensor, weightDecay: number): tf.Tensor {
  return weightDecay > 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
}

export function adamUpdateReference(param: tf.Tensor, grad: tf.Tensor, m: tf.Tensor, v: tf.Tensor, h: AdamHyper): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const g = withWeightDecay(param, grad, h.weightDecay);
  const newM = tf.add(tf.mul(m, h.beta1), tf.mul(g, 1 - h.beta1));
  const newV = tf.add(tf.mul(v, h.beta2), tf.mul(tf.square(g), 1 - h.beta2));
  const denom = tf.add(tf.div(tf.sqrt(newV), h.biasCorrection2Sqrt), h.eps);
  return [tf.sub(param, tf.mul(tf.div(newM, denom), h.stepSize)), newM, newV];
}

/** h.momentum is 0 on the first step, so the zero-initialised buffer becomes the gradient exactly. */
export function sgdMomentumUpdateReference(param: tf.Tensor, grad: tf.Tensor, buf: tf.Tensor, h: SgdHyper): [tf.Tensor, tf.Tensor] {
  const newBuf = tf.add(tf.mul(buf, h.momentum), withWeightDecay(param, grad, h.weightDecay));
  return [tf.sub(param, tf.mul(newBuf, h.lr)), newBuf];
}

export function sgdUpdateReference(param: tf.Tensor, grad: tf.Tensor, h: Omit<SgdHyper, 'momentum'>): tf.Tensor {
  return tf.sub(param, tf.mul(withWeightDecay(param, grad, h.weightDecay), h.lr));
}
