/**
 * Our webgpu Conv2DBackpropFilter against tfjs's own (same backend, kernel swapped) and against
 * tfjs cpu, over the geometries a ResNet has: the 7x7/2 stem, 3x3 convs with stride 1 and 2, 1x1
 * downsample convs, 'same' padding, channel counts that are not multiples of the 64-wide tile.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relToMax, useBackend } from '../../../../test/helpers/backends.ts';
import { explicitPad, type ConvCase } from '../../../../test/helpers/conv_cases.ts';
import { assertNoGPUErrors } from '../../../node/webgpu.ts';
import { planDirectSplits, planSplits } from './program.ts';
import { configureKernels, DEFAULT_KERNEL_OPTIONS, prepareKernels, type KernelPath } from '../registry.ts';

type Case = ConvCase;
const explicit = explicitPad;
const CASES: Case[] = [
  { name: 'stem 7x7/2 pad 3', x: [2, 32, 32, 3], k: 7, outC: 16, stride: 2, pad: explicit(3) },
  { name: '3x3/1 pad 1', x: [2, 8, 8, 16], k: 3, outC: 16, stride: 1, pad: explicit(1) },
  { name: '3x3/2 pad 1, odd size', x: [2, 9, 9, 8], k: 3, outC: 24, stride: 2, pad: explicit(1) },
  { name: '1x1/2 downsample', x: [2, 8, 8, 16], k: 1, outC: 32, stride: 2, pad: 'valid' },
  { name: '3x3 same, 70 -> 130 channels (several tiles)', x: [3, 12, 12, 70], k: 3, outC: 130, stride: 1, pad: 'same' },
  { name: 'many positions (split-K)', x: [8, 32, 32, 4], k: 3, outC: 8, stride: 1, pad: explicit(1) },
  // Positions advance 16 per K-step with carries across rows and images: rows narrower than a step.
  { name: '3x3/1 on 3x3 maps (several rows per step)', x: [5, 3, 3, 8], k: 3, outC: 8, stride: 1, pad: explicit(1) },
  { name: '3x3/2 on 2x2 maps (1x1 output: an image per position)', x: [20, 2, 2, 8], k: 3, outC: 8, stride: 2, pad: explicit(1) },
];

async function filterGrad(c: Case, seed: number): Promise<Float32Array> {
  const dW = tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', seed) as tf.Tensor4D;
    const w = tf.randomNormal([c.k, c.k, c.x[3], c.outC], 0, 0.1, 'float32', seed + 1) as tf.Tensor4D;
    const f = (wv: tf.Tensor) => {
      const y = tf.conv2d(x, wv as tf.Tensor4D, c.stride, c.pad);
      return tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', seed + 2)));
    };
    return tf.grad(f)(w);
  });
  const values = (await dW.data()) as Float32Array;
  dW.dispose();
  return values;
}

const PATHS: Array<[KernelPath, string]> = [['tiled', 'tiled implicit GEMM, split-K'], ['direct', 'barrier-free direct blocks']];

describe('Conv2DBackpropFilter on webgpu', () => {
  beforeAll(async () => {
    await useBackend('webgpu');
    prepareKernels();
  });
  afterAll(() => configureKernels(DEFAULT_KERNEL_OPTIONS));

  for (const [path, title] of PATHS) {
    for (const c of CASES) {
      it(`${title} matches tfjs's own kernel and tfjs cpu: ${c.name}`, async () => {
        configureKernels({ path: path });
        configureKernels({ convBackpropFilter: 'tfjs' });
        const tfjsWebgpu = await filterGrad(c, 11);
        configureKernels({ convBackpropFilter: 'gazecam' });
        const ours = await filterGrad(c, 11);
        assertNoGPUErrors(c.name);
        await useBackend('cpu');
        const cpu = await filterGrad(c, 11);
        await useBackend('webgpu');
        expect(relToMax(ours, tfjsWebgpu)).toBeLessThan(1e-5);
        expect(relToMax(ours, cpu)).toBeLessThan(1e-5);
      });
    }
  }

  it('really swaps the registered kernel', () => {
    configureKernels({ convBackpropFilter: 'tfjs' });
    const theirs = tf.getKernel('Conv2DBackpropFilter', 'webgpu')!.kernelFunc;
    configureKernels({ convBackpropFilter: 'gazecam' });
    const ours = tf.getKernel('Conv2DBackpropFilter', 'webgpu')!.kernelFunc;
    expect(ours).not.toBe(theirs);
  });

  it('plans split-K so small filters over many positions still fill the GPU', () => {
    const stem = planSplits({ batch: 16, inH: 224, inW: 224, inC: 3, outH: 112, outW: 112, outC: 64, kH: 7, kW: 7, strideH: 2, strideW: 2, padTop: 3, padLeft: 3 });
    expect(stem.tilesR * stem.tilesC * stem.splits).toBeGreaterThanOrEqual(256);
    expect(stem.chunk * stem.splits).toBeGreaterThanOrEqual(stem.positions);
    expect(stem.chunk % 16).toBe(0);
  });

  it('plans the direct path to one pass where blocks alone fill a CPU, and splits the small filters', () => {
    const wide = planDirectSplits({ batch: 16, inH: 28, inW: 28, inC: 128, outH: 28, outW: 28, outC: 128, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1 });
    expect(wide.splits).toBe(1);
    const small = planDirectSplits({ batch: 16, inH: 16, inW: 16, inC: 16, outH: 16, outW: 16, outC: 16, kH: 3, kW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1 });
    expect(small.splits).toBeGreaterThan(1);
    expect(small.chunk * small.splits).toBeGreaterThanOrEqual(small.positions);
    expect(small.chunk * (small.splits - 1)).toBeLessThan(small.positions);
  });
});
