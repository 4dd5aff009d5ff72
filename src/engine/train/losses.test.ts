/**
 * trueClassMap (unstack + AddN) against the multiply + sum it stands for: forward and the gradient
 * w.r.t. the maps, one-hot and multi-hot labels, on every backend. camGazeLoss picks what each
 * distance needs from the raw CAM; the PyTorch oracle for the values is test/python/loss_oracle.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { forEachBackend, maxRelError } from '../../../test/helpers/backends.ts';
import { camGazeLoss, trueClassMap } from './losses.ts';

type Select = (maps: tf.Tensor4D, labels: tf.Tensor2D) => tf.Tensor4D;
const multiplyAndSum: Select = (maps, labels) =>
  tf.sum(tf.mul(maps, tf.reshape(labels, [labels.shape[0], 1, 1, labels.shape[1]])), 3, true) as tf.Tensor4D;

async function selectAndGrad(select: Select, maps: tf.Tensor4D, labels: tf.Tensor2D): Promise<{ y: Float32Array; dMaps: Float32Array }> {
  // A non-uniform upstream gradient, so a wrong dMaps layout cannot pass by symmetry.
  const weights = tf.randomUniform([maps.shape[0], maps.shape[1], maps.shape[2], 1], 0.5, 2, 'float32', 3);
  const { value, grad } = tf.valueAndGrad((m: tf.Tensor) => tf.sum(tf.mul(select(m as tf.Tensor4D, labels), weights)))(maps);
  const y = tf.tidy(() => select(maps, labels));
  const out = { y: (await y.data()) as Float32Array, dMaps: (await grad.data()) as Float32Array };
  tf.dispose([weights, value, grad, y]);
  return out;
}

forEachBackend('trueClassMap and camGazeLoss', () => {
  for (const labelKind of ['one-hot', 'multi-hot'] as const) {
    it(`trueClassMap equals multiply + sum, forward and d/dmaps (${labelKind})`, async () => {
      const maps = tf.randomNormal([3, 5, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const labels = labelKind === 'one-hot'
        ? tf.oneHot(tf.tensor1d([2, 0, 1], 'int32'), 3).toFloat() as tf.Tensor2D
        : tf.tensor2d([[1, 0, 1], [0.5, 0.25, 0], [0, 0, 0]]);
      const before = tf.memory().numTensors;
      const reference = await selectAndGrad(multiplyAndSum, maps, labels);
      const ours = await selectAndGrad(trueClassMap, maps, labels);
      expect(ours.y.length).toBe(3 * 5 * 4);
      expect(maxRelError(ours.y, reference.y), 'forward').toBeLessThan(1e-5);
      expect(maxRelError(ours.dMaps, reference.dMaps), 'd/dmaps').toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([maps, labels]);
    });
  }

  it('camGazeLoss is 0 when no image has gaze, for every distance', async () => {
    const cam = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
    const targets = {
      gaze: tf.zeros([2, 12, 12, 1]) as tf.Tensor4D,
      gazeMask: tf.zeros([2]) as tf.Tensor1D,
      oneHot: tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2).toFloat() as tf.Tensor2D,
    };
    for (const loss of ['kl', 'mse', 'bce', 'l1'] as const) {
      const value = tf.tidy(() => camGazeLoss(cam, targets, { loss, classes: 'true' }));
      expect(await value.data(), loss).toEqual(new Float32Array([0]));
      value.dispose();
    }
    tf.dispose([cam, ...Object.values(targets)]);
  });
});
