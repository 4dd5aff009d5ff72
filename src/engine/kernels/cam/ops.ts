/** camMaps: the fused kernel on webgpu, the plain-tfjs reference elsewhere (same semantics, tested). */
import * as tf from '@tensorflow/tfjs';
import { prepareKernels } from '../registry.ts';
import { CAM_MAPS } from './kernel.ts';
import { camMapsReference } from './reference.ts';

/** fmap [B,h,w,C], fcWeight [C,K] -> cam [B,h,w,K]; no gradient reaches fcWeight. */
export function camMaps(fmapNhwc: tf.Tensor4D, fcWeight: tf.Tensor2D): tf.Tensor4D {
  if (fmapNhwc.shape[3] !== fcWeight.shape[0]) {
    throw new Error(
      `camMaps: feature map has ${fmapNhwc.shape[3]} channels but the FC weight [C,K] has C=${fcWeight.shape[0]}; ` +
        'pass the classifier weight as [C,K] (transpose of nn.Linear.weight).',
    );
  }
  if (!prepareKernels()) return camMapsReference(fmapNhwc, fcWeight);
  return tf.engine().runKernel(CAM_MAPS, { fmap: fmapNhwc, weight: fcWeight }) as tf.Tensor4D;
}
