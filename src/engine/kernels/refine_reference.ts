/**
 * refine_cams as plain tfjs ops: the oracle for the fused WGSL kernel and the path on other backends.
 * Seed semantics: bilinear upsample with align_corners=True only when the size differs; per image
 * and per class min-max normalise over H*W, where a range of exactly 0 becomes 1e-5 (not "+eps");
 * sigmoid_cams = sigmoid(100 * (cams - 0.4)).
 */
import * as tf from '@tensorflow/tfjs';

export const ZERO_RANGE_REPLACEMENT = 1e-5;
export const SIGMOID_GAIN = 100;
export const SIGMOID_THRESHOLD = 0.4;

export interface RefinedCams {
  /** [B,H,W,K], each (image, class) map min-max normalised to [0,1] */
  cams: tf.Tensor4D;
  /** [B,H,W,K], sigmoid(100 * (cams - 0.4)) */
  sigmoidCams: tf.Tensor4D;
}

export function refineCamsReference(camNhwc: tf.Tensor4D, [outH, outW]: [number, number]): RefinedCams {
  return tf.tidy(() => {
    const [, h, w] = camNhwc.shape;
    const up = h === outH && w === outW ? camNhwc : tf.image.resizeBilinear(camNhwc, [outH, outW], true);
    const min = tf.min(up, [1, 2], true);
    const max = tf.max(up, [1, 2], true);
    const range = tf.sub(max, min);
    const safeRange = tf.where(tf.equal(range, 0), tf.fill(range.shape, ZERO_RANGE_REPLACEMENT), range);
    const cams = tf.div(tf.sub(up, min), safeRange) as tf.Tensor4D;
    const sigmoidCams = tf.sigmoid(tf.mul(tf.sub(cams, SIGMOID_THRESHOLD), SIGMOID_GAIN)) as tf.Tensor4D;
    return { cams, sigmoidCams };
  });
}
