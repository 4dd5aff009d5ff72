import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initNodeWebGPU } from '../src/node/webgpu.ts';

describe('WebGPU in Node through Dawn', () => {
  it('finds an adapter and runs a matmul that agrees with the cpu backend', async () => {
    const info = await initNodeWebGPU();
    expect(info.description.length).toBeGreaterThan(0);
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor2d([1, 0, -1, 2, 0.5, 3], [3, 2]);
    const gpu = await tf.matMul(a, b).data();
    expect(Array.from(gpu)).toEqual([0.5, 13, 2, 28]); // worked by hand
    tf.dispose([a, b]);
  });
});
