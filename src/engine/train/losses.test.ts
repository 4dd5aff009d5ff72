/**
 * trueClassMap's AddN and batched-matmul forms against the multiply + sum they replace (kept behind
 * useClassSelect for A/B benchmarks): forward and the gradient w.r.t. the maps, one-hot and
 * multi-hot labels, on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, it } from 'vitest';
import { forEachBackend, maxRelError } from '../../../test/helpers/backends.ts';
import { trueClassMap, useClassSelect } from './losses.ts';

async function selectAndGrad(maps: tf.Tensor4D, labels: tf.Tensor2D): Promise<{ y: Float32Array; dMaps: Float32Array }> {
  // A non-uniform upstream gradient, so a wrong dMaps layout cannot pass by symmetry.
  const weights = tf.randomUniform([maps.shape[0], maps.shape[1], maps.shape[2], 1], 0.5, 2, 'float32', 3);
  const { value, grad } = tf.valueAndGrad((m: tf.Tensor) => tf.sum(tf.mul(trueClassMap(m as tf.Tensor4D, labels), weights)))(maps);
  const y = tf.tidy(() => trueClassMap(maps, labels));
  const out = { y: (await y.data()) as Float32Array, dMaps: (await grad.data()) as Float32Array };
  tf.dispose([weights, value, grad, y]);
  return out;
}

forEachBackend('trueClassMap', () => {
  afterAll(() => useClassSelect('addN'));

  for (const labelKind of ['one-hot', 'multi-hot'] as const) {
    it(`addN and matmul forms equal multiply + sum, forward and d/dmaps (${labelKind})`, async () => {
      const maps = tf.randomNormal([3, 5, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const labels = labelKind === 'one-hot'
        ? tf.oneHot(tf.tensor1d([2, 0, 1], 'int32'), 3).toFloat() as tf.Tensor2D
        : tf.tensor2d([[1, 0, 1], [0.5, 0.25, 0], [0, 0, 0]]);
      const before = tf.memory().numTensors;
      useClassSelect('sum');
      const summed = await selectAndGrad(maps, labels);
      for (const mode of ['addN', 'matmul'] as const) {
        useClassSelect(mode);
        const other = await selectAndGrad(maps, labels);
        expect(other.y.length).toBe(3 * 5 * 4);
        expect(maxRelError(other.y, summed.y), `${mode} forward`).toBeLessThan(1e-5);
        expect(maxRelError(other.dMaps, summed.dMaps), `${mode} d/dmaps`).toBeLessThan(1e-5);
      }
      useClassSelect('addN');
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([maps, labels]);
    });
  }
});
