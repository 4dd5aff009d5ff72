/**
 * CAM as plain tfjs ops: the oracle the WGSL kernel is checked against, and the path used on
 * backends other than webgpu. Seed: `cam = F.conv2d(fmap, fc.weight.detach()[:, :, None, None])`.
 * The FC weight is detached: tfjs 4.22 has no stopGradient, so customGrad returns zeros for it.
 */
import * as tf from '@tensorflow/tfjs';

/** fmapNhwc [B,h,w,C], fcWeight [C,K] -> cam [B,h,w,K]; gradient flows into fmap only. */
export function camMapsReference(fmapNhwc: tf.Tensor4D, fcWeight: tf.Tensor2D): tf.Tensor4D {
  const detached = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [fmap, weight, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([weight]);
    const [b, h, w, c] = fmap.shape;
    const k = weight.shape[1]!;
    const cam = tf.matMul(tf.reshape(fmap, [b * h * w, c]), weight).reshape([b, h, w, k]);
    return {
      value: cam,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [savedWeight] = saved;
        const dFmap = tf.matMul(tf.reshape(dy as tf.Tensor, [b * h * w, k]), savedWeight, false, true).reshape([b, h, w, c]);
        return [dFmap, tf.zerosLike(savedWeight)];
      },
    };
  });
  return detached(fmapNhwc, fcWeight) as tf.Tensor4D;
}
