/** The optimizer's per-parameter updates: fused kernels on webgpu (unless configured off), composed ops elsewhere. */
import * as tf from '@tensorflow/tfjs';
import { kernelOptions } from '../options.ts';
import { prepareKernels } from '../registry.ts';
import { ADAM_UPDATE, SGD_MOMENTUM_UPDATE, SGD_UPDATE, type AdamHyper, type SgdHyper } from './kernel.ts';
import { adamUpdateReference, sgdMomentumUpdateReference, sgdUpdateReference } from './reference.ts';

const fused = () => kernelOptions().optimizer === 'fused' && prepareKernels();

/** Adam's [param', m', v']. */
export function adamUpdate(param: tf.Tensor, grad: tf.Tensor, m: tf.Tensor, v: tf.Tensor, h: AdamHyper): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (!fused()) return adamUpdateReference(param, grad, m, v, h);
  return tf.engine().runKernel(ADAM_UPDATE, { param, grad, m, v }, { ...h }) as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/** SGD with momentum's [param', buf']. */
export function sgdMomentumUpdate(param: tf.Tensor, grad: tf.Tensor, buf: tf.Tensor, h: SgdHyper): [tf.Tensor, tf.Tensor] {
  if (!fused()) return sgdMomentumUpdateReference(param, grad, buf, h);
  return tf.engine().runKernel(SGD_MOMENTUM_UPDATE, { param, grad, buf }, { ...h }) as [tf.Tensor, tf.Tensor];
}

/** Plain SGD's param'. */
export function sgdUpdate(param: tf.Tensor, grad: tf.Tensor, h: Omit<SgdHyper, 'momentum'>): tf.Tensor {
  if (!fused()) return sgdUpdateReference(param, grad, h);
  return tf.engine().runKernel(SGD_UPDATE, { param, grad }, { ...h }) as tf.Tensor;
}
