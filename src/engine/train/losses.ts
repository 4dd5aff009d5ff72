/**
 * Losses (DESIGN.md section 1). All take NHWC tensors and a per-image gaze mask, and average over
 * the images that have gaze: images without gaze contribute the classification loss only.
 */
import * as tf from '@tensorflow/tfjs';
import type { GazeLoss, MultitaskLoss } from './config.ts';

/** Mean softmax cross-entropy, as torch.nn.CrossEntropyLoss. logits [B,K], labels one-hot [B,K]. */
export function crossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Mean of per-image values over the images whose mask is 1; 0 when none has gaze. */
function maskedMean(perImage: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  return tf.div(tf.sum(tf.mul(perImage, mask)), tf.maximum(tf.sum(mask), 1));
}

const BCE_EPS = 1e-7;

/**
 * Seed-style distance between a [0,1] map and the gaze, per image: mean over pixels (and over
 * classes when several are supervised). pred/target [B,H,W,C].
 */
function pixelDistance(pred: tf.Tensor4D, target: tf.Tensor4D, loss: Exclude<GazeLoss, 'kl'>): tf.Tensor1D {
  let d: tf.Tensor;
  if (loss === 'mse') d = tf.squaredDifference(pred, target);
  else if (loss === 'l1') d = tf.abs(tf.sub(pred, target));
  else {
    const p = tf.clipByValue(pred, BCE_EPS, 1 - BCE_EPS);
    d = tf.neg(tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p)))));
  }
  return tf.mean(d, [1, 2, 3]) as tf.Tensor1D;
}

/**
 * KL(q || softmax(logits)) per image, over H*W, with q the gaze normalised to sum 1. logitMaps and
 * gaze [B,H,W,C]; averaged over C. q log q is a constant of the target but kept so the value is a
 * true KL (0 when the prediction matches).
 */
function klToGaze(logitMaps: tf.Tensor4D, gaze: tf.Tensor4D): tf.Tensor1D {
  const [b, h, w, c] = logitMaps.shape;
  const flatLogits = tf.reshape(tf.transpose(logitMaps, [0, 3, 1, 2]), [b, c, h * w]);
  const flatGaze = tf.reshape(tf.transpose(gaze, [0, 3, 1, 2]), [b, c, h * w]);
  const q = tf.div(flatGaze, tf.maximum(tf.sum(flatGaze, 2, true), 1e-12));
  const qLogQ = tf.where(tf.greater(q, 0), tf.mul(q, tf.log(tf.maximum(q, 1e-30))), tf.zerosLike(q));
  const kl = tf.sum(tf.sub(qLogQ, tf.mul(q, tf.logSoftmax(flatLogits, 2))), 2);
  return tf.mean(kl, 1) as tf.Tensor1D;
}

export interface CamLossInputs {
  /** sigmoid(100 (cams - 0.4)) of the refined CAMs, [B,H,W,K] (all but KL) */
  sigmoidCams: tf.Tensor4D | null;
  /** the raw CAM upsampled with align_corners (KL only), [B,H,W,K] */
  camUp: tf.Tensor4D | null;
  /** [B,H,W,1] in [0,1] (zeros for images without gaze) */
  gaze: tf.Tensor4D;
  /** [B] 1 where the image has gaze */
  gazeMask: tf.Tensor1D;
  /** [B,K] */
  oneHot: tf.Tensor2D;
  loss: GazeLoss;
  /** supervise the true class only (seed) or all classes */
  classes: 'true' | 'all';
}

/** How trueClassMap sums over classes; every mode computes the same sum (losses.test.ts). */
export type ClassSelect = 'addN' | 'matmul' | 'sum';
let classSelect: ClassSelect = 'addN';

/** Picks trueClassMap's formulation, for A/B benchmarks (src/bench/ab.ts). */
export function useClassSelect(mode: ClassSelect): void {
  classSelect = mode;
}

/**
 * Picks the true-class channel of [B,H,W,K] -> [B,H,W,1] via the one-hot labels: the sum over k of
 * maps[..., k] * oneHot[b, k]. Not as tf.sum(..., 3): tfjs-webgpu's Sum runs one 64-invocation
 * workgroup with barriers per output, and this K=3 reduction over 16x64x64 pixels took about 2.8 s
 * of a 13 s step in Chromium's SwiftShader (bench page, profile=1). The K channels are unstacked
 * and added with AddN instead, elementwise kernels only; README "In the browser" has the A/Bs.
 */
export function trueClassMap(maps: tf.Tensor4D, oneHot: tf.Tensor2D): tf.Tensor4D {
  const [b, h, w, k] = maps.shape;
  if (classSelect === 'matmul') {
    return tf.reshape(tf.matMul(tf.reshape(maps, [b, h * w, k]), tf.reshape(oneHot, [b, k, 1])), [b, h, w, 1]);
  }
  const weighted = tf.mul(maps, tf.reshape(oneHot, [b, 1, 1, k]));
  if (classSelect === 'sum') return tf.sum(weighted, 3, true) as tf.Tensor4D;
  return tf.reshape(k === 1 ? weighted : tf.addN(tf.unstack(weighted, 3)), [b, h, w, 1]);
}

/** The CAM-to-gaze loss of the guided-attention method, averaged over images with gaze. */
export function camGazeLoss(x: CamLossInputs): tf.Scalar {
  const select = (maps: tf.Tensor4D) => (x.classes === 'true' ? trueClassMap(maps, x.oneHot) : maps);
  const maps = x.loss === 'kl' ? x.camUp : x.sigmoidCams;
  if (!maps) {
    throw new Error(x.loss === 'kl'
      ? 'camGazeLoss: the KL loss needs the upsampled raw CAM (camUp).'
      : `camGazeLoss: the ${x.loss} loss needs the sigmoid CAMs (sigmoidCams).`);
  }
  const k = x.classes === 'true' ? 1 : maps.shape[3];
  const target = k === 1 ? x.gaze : (tf.tile(x.gaze, [1, 1, 1, k]) as tf.Tensor4D);
  const perImage = x.loss === 'kl' ? klToGaze(select(maps), target) : pixelDistance(select(maps), target, x.loss);
  return maskedMean(perImage, x.gazeMask);
}

/** Karargyris' multi-task loss on the gaze head's prediction (logits upsampled to [B,H,W,1]). */
export function gazeHeadLoss(gazeLogitsUp: tf.Tensor4D, gaze: tf.Tensor4D, mask: tf.Tensor1D, loss: MultitaskLoss): tf.Scalar {
  const perImage = loss === 'kl' ? klToGaze(gazeLogitsUp, gaze) : pixelDistance(tf.sigmoid(gazeLogitsUp) as tf.Tensor4D, gaze, 'mse');
  return maskedMean(perImage, mask);
}
