/**
 * Evaluation in inference mode over one split: metrics, and optionally every prediction (for
 * `gazecam predict` and the studio's overlays). One readback per batch (probabilities, per-image
 * loss and the refined CAMs).
 */
import * as tf from '@tensorflow/tfjs';
import { camMaps, prepareKernels, refineCams } from '../kernels/index.ts';
import type { ResNet } from '../model/index.ts';
import type { TrainConfig } from './config.ts';
import { disposeBatch, makeBatch, normaliseImages, type SplitData } from './data.ts';
import { MetricsAccumulator, type SplitMetrics } from './metrics.ts';

export interface Predictions {
  /** [N*K] */
  logits: Float32Array;
  /** [N*K] softmax */
  probs: Float32Array;
  /** refined CAMs before the sigmoid, NHWC [N,S,S,K] */
  cams: Float32Array;
}

/** Batches of `batch` indices covering 0..count-1; the last is padded by repeating its final index. */
export function paddedBatches(count: number, batch: number): Array<{ indices: number[]; real: number }> {
  const out: Array<{ indices: number[]; real: number }> = [];
  for (let start = 0; start < count; start += batch) {
    const real = Math.min(batch, count - start);
    const indices = Array.from({ length: batch }, (_, i) => start + Math.min(i, real - 1));
    out.push({ indices, real });
  }
  return out;
}

export async function evaluateSplit(
  model: ResNet,
  data: SplitData,
  c: TrainConfig,
  numClasses: number,
  options: { collect?: boolean; batch?: number } = {},
): Promise<{ metrics: SplitMetrics; predictions?: Predictions }> {
  prepareKernels();
  const batchSize = options.batch ?? c.batch;
  const pixels = c.size * c.size;
  const acc = new MetricsAccumulator(numClasses);
  const predictions: Predictions | undefined = options.collect
    ? {
        logits: new Float32Array(data.count * numClasses),
        probs: new Float32Array(data.count * numClasses),
        cams: new Float32Array(data.count * pixels * numClasses),
      }
    : undefined;
  let done = 0;
  for (const { indices, real } of paddedBatches(data.count, batchSize)) {
    const batch = makeBatch(data, indices, numClasses);
    const [logitsT, probsT, lossT, camsT] = tf.tidy(() => {
      const { logits, fmap } = model.forward(normaliseImages(batch.images, c.mean, c.std), { training: false });
      const perImageCe = tf.neg(tf.sum(tf.mul(batch.oneHot, tf.logSoftmax(logits)), 1));
      const { cams } = refineCams(camMaps(fmap, model.fcWeight()), [c.size, c.size]);
      return [logits, tf.softmax(logits), perImageCe, cams];
    });
    disposeBatch(batch);
    const [logits, probs, losses, cams] = (await Promise.all([logitsT.data(), probsT.data(), lossT.data(), camsT.data()])) as Float32Array[];
    tf.dispose([logitsT, probsT, lossT, camsT]);
    const ids = indices.slice(0, real);
    let lossSum = 0;
    for (let i = 0; i < real; i++) lossSum += losses[i];
    acc.addPredictions(
      probs.subarray(0, real * numClasses),
      ids.map((i) => data.labels[i]),
      ids.map((i) => data.conflict[i]),
      lossSum,
    );
    const trueCam = new Float32Array(pixels);
    ids.forEach((src, i) => {
      if (!data.hasGaze[src] || data.labels[src] < 0) return;
      const label = data.labels[src];
      for (let p = 0; p < pixels; p++) trueCam[p] = cams[(i * pixels + p) * numClasses + label];
      acc.addCamGaze(trueCam, data.gaze.subarray(src * pixels, (src + 1) * pixels));
    });
    if (predictions) {
      predictions.logits.set(logits.subarray(0, real * numClasses), done * numClasses);
      predictions.probs.set(probs.subarray(0, real * numClasses), done * numClasses);
      predictions.cams.set(cams.subarray(0, real * pixels * numClasses), done * pixels * numClasses);
    }
    done += real;
  }
  return { metrics: acc.summary(), predictions };
}
