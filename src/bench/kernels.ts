/**
 * Kernel benchmark: the fused WGSL CAM + refine_cams path against the same math in composed tfjs ops,
 * forward + backward, on the current backend. DOM-free: run by `gazecam bench` in Node and by the
 * bench page in the browser.
 *
 * Two composed baselines, because a user could write either: our reference (matmul upsample,
 * first-index min/max like PyTorch) and the naive one (tf.image.resizeBilinear + tf.min/tf.max).
 * The speedup is quoted against the faster of the two.
 */
import * as tf from '@tensorflow/tfjs';
import { camMaps, refineSigmoidCams } from '../engine/index.ts';
import { camMapsReference } from '../engine/kernels/cam/reference.ts';
import {
  refineCamsReference,
  SIGMOID_GAIN,
  SIGMOID_THRESHOLD,
  ZERO_RANGE_REPLACEMENT,
  zeroRangeMask,
} from '../engine/kernels/refine/reference.ts';
import { medianMs, type TimingOptions } from './timing.ts';

export interface KernelShape {
  batch: number;
  camH: number;
  camW: number;
  channels: number;
  classes: number;
  outH: number;
  outW: number;
}

export interface KernelResult {
  name: string;
  shape: string;
  fusedMs: number;
  composedMs: number;
  /** composedMs / fusedMs, against the faster composed baseline */
  speedup: number;
  composedReferenceMs: number;
  composedNaiveMs: number;
  fusedFirstMs: number;
}

/** The realistic size: ResNet-18 at 224 px, batch 16, 3 classes. */
export const DEFAULT_KERNEL_SHAPE: KernelShape = {
  batch: 16, camH: 7, camW: 7, channels: 512, classes: 3, outH: 224, outW: 224,
};

type CamPath = (fmap: tf.Tensor4D, w: tf.Tensor2D, size: [number, number]) => tf.Tensor4D;

const fused: CamPath = (fmap, w, size) => refineSigmoidCams(camMaps(fmap, w), size);
const composedReference: CamPath = (fmap, w, size) => refineCamsReference(camMapsReference(fmap, w), size).sigmoidCams;
/**
 * What a tfjs user would write first: native resizeBilinear and min/max (whose gradient differs
 * from PyTorch on ties only). The zero-range mask still needs our detached helper: tf.where on
 * tf.equal has no gradient in tfjs ("gradient function not found for Equal").
 */
const composedNaive: CamPath = (fmap, w, size) => {
  const [b, h, wd, c] = fmap.shape;
  const k = w.shape[1];
  const cam = tf.reshape(tf.matMul(tf.reshape(fmap, [b * h * wd, c]), w), [b, h, wd, k]) as tf.Tensor4D;
  const up = tf.image.resizeBilinear(cam, size, true);
  const min = tf.min(up, [1, 2], true);
  const range = tf.sub(tf.max(up, [1, 2], true), min);
  const safe = tf.add(range, tf.mul(zeroRangeMask(range), tf.sub(ZERO_RANGE_REPLACEMENT, range)));
  const cams = tf.div(tf.sub(up, min), safe);
  return tf.sigmoid(tf.mul(tf.sub(cams, SIGMOID_THRESHOLD), SIGMOID_GAIN)) as tf.Tensor4D;
};

/**
 * One forward + backward w.r.t. the feature map with upstream gradient g on sigmoidCams (what the
 * seed's MSE loss feeds back), waited for. g is passed as dy so no loss ops are timed.
 */
function stepOf(path: CamPath, fmap: tf.Tensor4D, w: tf.Tensor2D, g: tf.Tensor, size: [number, number]) {
  return async () => {
    const probe = tf.tidy(() => {
      const dFmap = tf.grad((f: tf.Tensor) => path(f as tf.Tensor4D, w, size))(fmap, g);
      return tf.sum(dFmap); // a scalar readback: waits for the GPU without timing a big copy
    });
    await probe.data();
    probe.dispose();
  };
}

export async function benchCamKernels(
  shape: KernelShape = DEFAULT_KERNEL_SHAPE,
  timing: TimingOptions = { warmup: 3, runs: 10 },
): Promise<KernelResult> {
  const { batch, camH, camW, channels, classes, outH, outW } = shape;
  const size: [number, number] = [outH, outW];
  const fmap = tf.tidy(() => tf.relu(tf.randomNormal([batch, camH, camW, channels], 0, 1, 'float32', 1))) as tf.Tensor4D;
  const w = tf.randomNormal([channels, classes], 0, 0.05, 'float32', 2) as tf.Tensor2D;
  const g = tf.randomNormal([batch, outH, outW, classes], 0, 1, 'float32', 3);
  try {
    const f = await medianMs(stepOf(fused, fmap, w, g, size), timing);
    const ref = await medianMs(stepOf(composedReference, fmap, w, g, size), timing);
    const naive = await medianMs(stepOf(composedNaive, fmap, w, g, size), timing);
    const composedMs = Math.min(ref.medianMs, naive.medianMs);
    return {
      name: 'cam+refine fwd+bwd',
      shape: `B${batch} ${camH}x${camW}x${channels} -> ${outH}x${outW} K${classes}`,
      fusedMs: f.medianMs,
      composedMs,
      speedup: composedMs / f.medianMs,
      composedReferenceMs: ref.medianMs,
      composedNaiveMs: naive.medianMs,
      fusedFirstMs: f.firstMs,
    };
  } finally {
    tf.dispose([fmap, w, g]);
  }
}
