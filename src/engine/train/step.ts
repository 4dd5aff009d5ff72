/**
 * One training step: forward in training mode, CE + lambda * gaze loss(es), backward, optimizer
 * update. No GPU->CPU sync: the losses come back as tensors the caller reads at log points.
 */
import * as tf from '@tensorflow/tfjs';
import { camMaps, prepareKernels } from '../kernels/index.ts';
import type { ResNet } from '../model/index.ts';
import { usesCamLoss, usesGazeHead, type TrainConfig } from './config.ts';
import { normaliseImages, type Batch } from './data.ts';
import { camGazeLoss, crossEntropy, gazeHeadLoss } from './losses.ts';
import type { Optimizer } from './optimizer.ts';

/** Scalars of one step, on the device; the caller disposes them. */
export interface StepLosses {
  total: tf.Scalar;
  ce: tf.Scalar;
  /** CAM-to-gaze term before lambda (0 when unused) */
  cam: tf.Scalar;
  /** gaze-head term before lambda (0 when unused) */
  head: tf.Scalar;
}

/** Forward + losses; shared by the training step and tests of the loss graph. */
export function computeLosses(model: ResNet, batch: Batch, c: TrainConfig, training: boolean): StepLosses {
  prepareKernels();
  const x = normaliseImages(batch.images, c.mean, c.std);
  const { logits, fmap, gazeLogits } = model.forward(x, { training });
  const ce = crossEntropy(logits, batch.oneHot);
  let cam: tf.Scalar = tf.scalar(0);
  let head: tf.Scalar = tf.scalar(0);
  if (usesCamLoss(c)) {
    cam = camGazeLoss(camMaps(fmap, model.fcWeight()), batch, { loss: c.loss, classes: c.camClasses });
  }
  if (usesGazeHead(c) && gazeLogits && c.lambda > 0) {
    head = gazeHeadLoss(gazeLogits, batch, c.multitaskLoss);
  }
  const total = tf.add(ce, tf.mul(tf.add(cam, head), c.lambda)) as tf.Scalar;
  return { total, ce, cam, head };
}

export function trainStep(model: ResNet, optimizer: Optimizer, batch: Batch, c: TrainConfig, lr: number): StepLosses {
  const params = model.namedTrainableVariables();
  let parts: Omit<StepLosses, 'total'> | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const losses = computeLosses(model, batch, c, true);
    parts = { ce: tf.keep(losses.ce), cam: tf.keep(losses.cam), head: tf.keep(losses.head) };
    return losses.total;
  }, params.map(([, v]) => v));
  optimizer.apply(params, grads, lr);
  tf.dispose(Object.values(grads));
  return { total: value, ...parts! };
}
