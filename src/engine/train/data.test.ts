/**
 * normaliseImages against the written-out definition (tile the gray channel to three, subtract the
 * per-channel mean, divide by the per-channel std): the same float operations per element, so the
 * values must be identical, on tfjs cpu and WebGPU.
 */
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { forEachBackend } from '../../../test/helpers/backends.ts';
import { normaliseImages } from './data.ts';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

forEachBackend('normaliseImages', () => {
  it('equals tile, subtract mean[c], divide by std[c], element for element', async () => {
    const gray = tf.randomUniform([2, 5, 7, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const out = normaliseImages(gray, MEAN, STD);
    const values = (await out.data()) as Float32Array;
    const g = (await gray.data()) as Float32Array;
    expect(out.shape).toEqual([2, 5, 7, 3]);
    for (let i = 0; i < g.length; i++) {
      for (let c = 0; c < 3; c++) {
        const expected = Math.fround(Math.fround(g[i]! - Math.fround(MEAN[c]!)) / Math.fround(STD[c]!));
        expect(values[i * 3 + c]).toBe(expected);
      }
    }
    tf.dispose([gray, out]);
  });
});
