/**
 * Losses (DESIGN.md section 1). All take NHWC tensors and a per-image gaze mask, and average over
 * the images that have gaze: images without gaze contribute the classification loss only.
 */
import * as tf from '@tensorflow/tfjs';
import { refineSigmoidCams, upsampleAlignCorners } from '../kernels/index.ts';
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

/** What the gaze losses compare against, per batch. */
export interface GazeTargets {
  /** [B,H,W,1] in [0,1], at the input size (zeros for images without gaze) */
  gaze: tf.Tensor4D;
  /** [B] 1 where the image has gaze */
  gazeMask: tf.Tensor1D;
  /** [B,K] */
  oneHot: tf.Tensor2D;
}

export interface CamLossOptions {
  loss: GazeLoss;
  /** supervise the true class only (seed) or all classes */
  classes: 'true' | 'all';
}

/**
 * Picks the true-class channel of [B,H,W,K] -> [B,H,W,1] via the one-hot labels: the sum over k of
 * maps[..., k] * oneHot[b, k], as unstacked channels added with AddN. Elementwise kernels only:
 * tfjs-webgpu's Sum runs one barrier-heavy workgroup per output pixel here, which is slow on
 * software adapters (docs/benchmarks.md).
 */
export function trueClassMap(maps: tf.Tensor4D, oneHot: tf.Tensor2D): tf.Tensor4D {
  const [b, h, w, k] = maps.shape;
  const weighted = tf.mul(maps, tf.reshape(oneHot, [b, 1, 1, k]));
  return tf.reshape(k === 1 ? weighted : tf.addN(tf.unstack(weighted, 3)), [b, h, w, 1]);
}

/**
 * The CAM-to-gaze loss of the guided-attention method, averaged over images with gaze. Takes the raw
 * CAM [B,h,w,K] (camMaps' output) and derives what the chosen distance needs at the gaze map's size:
 * the seed's sigmoid of the refined CAMs for mse/bce/l1, the raw CAM upsampled (align_corners) for kl.
 */
export function camGazeLoss(cam: tf.Tensor4D, targets: GazeTargets, options: CamLossOptions): tf.Scalar {
  const size: [number, number] = [targets.gaze.shape[1], targets.gaze.shape[2]];
  const maps = options.loss === 'kl' ? upsampleAlignCorners(cam, size) : refineSigmoidCams(cam, size);
  const selected = options.classes === 'true' ? trueClassMap(maps, targets.oneHot) : maps;
  const k = selected.shape[3];
  const target = k === 1 ? targets.gaze : (tf.tile(targets.gaze, [1, 1, 1, k]) as tf.Tensor4D);
  const perImage = options.loss === 'kl' ? klToGaze(selected, target) : pixelDistance(selected, target, options.loss);
  return maskedMean(perImage, targets.gazeMask);
}

/** Karargyris' multi-task loss on the gaze head's logits [B,h,w,1], upsampled to the gaze map's size. */
export function gazeHeadLoss(gazeLogits: tf.Tensor4D, targets: Omit<GazeTargets, 'oneHot'>, loss: MultitaskLoss): tf.Scalar {
  const up = upsampleAlignCorners(gazeLogits, [targets.gaze.shape[1], targets.gaze.shape[2]]);
  const perImage = loss === 'kl' ? klToGaze(up, targets.gaze) : pixelDistance(tf.sigmoid(up) as tf.Tensor4D, targets.gaze, 'mse');
  return maskedMean(perImage, targets.gazeMask);
}
