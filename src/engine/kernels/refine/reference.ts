/**
 * refine_cams as plain tfjs ops: the oracle for the fused WGSL kernel and the path on other backends.
 * Seed semantics: bilinear upsample with align_corners=True only when the size differs; per image
 * and per class min-max normalise over H*W, where a range of exactly 0 becomes 1e-5 (not "+eps");
 * sigmoid_cams = sigmoid(100 * (cams - 0.4)).
 *
 * Gradient of min/max: PyTorch's `min(dim)` sends it to one element (the first of ties); tfjs's Min
 * sends it to every tied element. Ties happen exactly on constant maps, which the seed's zero-range
 * rule is about, so we route the gradient to the first extreme index like PyTorch does.
 *
 * The upsample is written as two matmuls with align_corners interpolation matrices rather than
 * tf.image.resizeBilinear: tfjs-backend-cpu 4.22's ResizeBilinearGrad returns a gradient with H and
 * W swapped for non-square maps ("gradient of input 'images' has shape '1,5,3,2', which does not
 * match the shape of the input '1,3,5,2'"), so the reference would not run on cpu.
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

/** min or max over the last axis of [B,K,N], keepDims, with the gradient on the first extreme index. */
function extremeFirstIndex(kind: 'min' | 'max'): (x: tf.Tensor3D) => tf.Tensor3D {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor3D, tf.GradSaveFunc];
    save([x]);
    const value = kind === 'min' ? tf.min(x, 2, true) : tf.max(x, 2, true);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], [savedX]: tf.Tensor[]) => {
        const n = savedX.shape[2]!;
        const index = kind === 'min' ? tf.argMin(savedX, 2) : tf.argMax(savedX, 2);
        return tf.mul(tf.oneHot(index, n, 1, 0, 'float32'), dy as tf.Tensor);
      },
    };
  }) as (x: tf.Tensor3D) => tf.Tensor3D;
}

/** 1 where the range is exactly 0, else 0; a constant for autodiff, like the seed's boolean index. */
export const zeroRangeMask = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [range] = args as [tf.Tensor];
  return {
    value: tf.cast(tf.equal(range, 0), 'float32'),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
  };
}) as (range: tf.Tensor) => tf.Tensor;

const minFirstIndex = extremeFirstIndex('min');
const maxFirstIndex = extremeFirstIndex('max');

/**
 * [out, in] matrix of align_corners=True bilinear weights along one axis (PyTorch's
 * `area_pixel_compute_source_index` with align_corners: src = dst * (in - 1) / (out - 1)).
 */
export function alignCornersMatrix(outSize: number, inSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  for (let i = 0; i < outSize; i++) {
    const src = Math.fround(Math.fround(scale) * i);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const frac = src - i0;
    m[i * inSize + i0] += 1 - frac;
    m[i * inSize + i1] += frac;
  }
  return m;
}

/** cam [B,h,w,K] -> [B,K,H*W], upsampled with align_corners when the size differs. */
function upsampleToFlat(cam: tf.Tensor4D, outH: number, outW: number): tf.Tensor3D {
  const [b, h, w, k] = cam.shape;
  const byClass = tf.transpose(cam, [0, 3, 1, 2]); // [B,K,h,w]
  if (h === outH && w === outW) return tf.reshape(byClass, [b, k, h * w]);
  const rx = tf.tensor2d(alignCornersMatrix(outW, w), [outW, w]);
  const ry = tf.tensor2d(alignCornersMatrix(outH, h), [outH, h]);
  const alongX = tf.matMul(tf.reshape(byClass, [b * k * h, w]), rx, false, true); // [BKh, W]
  const swapped = tf.transpose(tf.reshape(alongX, [b * k, h, outW]), [0, 2, 1]); // [BK, W, h]
  const alongY = tf.matMul(tf.reshape(swapped, [b * k * outW, h]), ry, false, true); // [BKW, H]
  const upT = tf.transpose(tf.reshape(alongY, [b * k, outW, outH]), [0, 2, 1]); // [BK, H, W]
  return tf.reshape(upT, [b, k, outH * outW]);
}

/** cam [B,h,w,K] -> [B,H,W,K], align_corners bilinear, as matmuls (differentiable on every backend). */
export function upsampleAlignCornersReference(cam: tf.Tensor4D, [outH, outW]: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, , , k] = cam.shape;
    const flat = upsampleToFlat(cam, outH, outW); // [B,K,H*W]
    return tf.reshape(tf.transpose(flat, [0, 2, 1]), [b, outH, outW, k]) as tf.Tensor4D;
  });
}

export function refineCamsReference(camNhwc: tf.Tensor4D, [outH, outW]: [number, number]): RefinedCams {
  return tf.tidy(() => {
    const [b, , , k] = camNhwc.shape;
    // [B,K,H*W]: the seed normalises each (image, class) map over its H*W pixels.
    const flat = upsampleToFlat(camNhwc, outH, outW);
    const min = minFirstIndex(flat);
    const max = maxFirstIndex(flat);
    const range = tf.sub(max, min);
    // Seed: `norm[norm == 0] = 1e-5`. Written as range + mask * (1e-5 - range) so the replaced
    // entries get no gradient, exactly like the in-place assignment.
    const mask = zeroRangeMask(range);
    const safeRange = tf.add(range, tf.mul(mask, tf.sub(ZERO_RANGE_REPLACEMENT, range)));
    const camsFlat = tf.div(tf.sub(flat, min), safeRange);
    const cams = tf.reshape(tf.transpose(camsFlat, [0, 2, 1]), [b, outH, outW, k]) as tf.Tensor4D;
    const sigmoidCams = tf.sigmoid(tf.mul(tf.sub(cams, SIGMOID_THRESHOLD), SIGMOID_GAIN)) as tf.Tensor4D;
    return { cams, sigmoidCams };
  });
}
