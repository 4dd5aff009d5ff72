/**
 * Our barrier-free webgpu Conv2D (the direct path, for CPU adapters) against tfjs's own webgpu
 * Conv2D (kernel swapped back) and tfjs cpu, forward and through tf.grad, over a ResNet's
 * geometries: the 7x7/2 stem on 3 channels, 3x3 with stride 1 and 2, 1x1 downsample, 'same'
 * padding, channel counts that are not multiples of 4, position counts that are not either.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relToMax, useBackend, webgpuAdapter } from '../../../../test/helpers/backends.ts';
import { explicitPad, type ConvCase } from '../../../../test/helpers/conv_cases.ts';
import { assertNoGPUErrors } from '../../../node/webgpu.ts';
import { activeKernelPath, configureKernels, DEFAULT_KERNEL_OPTIONS, isCpuAdapter, pathForAdapter, prepareKernels } from '../registry.ts';

type Case = ConvCase;
const explicit = explicitPad;
const CASES: Case[] = [
  { name: 'stem 7x7/2 pad 3 on 3 channels', x: [2, 32, 32, 3], k: 7, outC: 16, stride: 2, pad: explicit(3) },
  { name: '3x3/1 pad 1', x: [2, 8, 8, 16], k: 3, outC: 16, stride: 1, pad: explicit(1) },
  { name: '3x3/2 pad 1, odd size, 9 positions per image', x: [3, 5, 5, 8], k: 3, outC: 24, stride: 2, pad: explicit(1) },
  { name: '1x1/2 downsample', x: [2, 8, 8, 16], k: 1, outC: 32, stride: 2, pad: 'valid' },
  { name: '3x3 same, 6 -> 10 channels (neither a multiple of 4)', x: [2, 7, 7, 6], k: 3, outC: 10, stride: 1, pad: 'same' },
  { name: '1x1/1 (tfjs takes its matmul path here)', x: [2, 6, 6, 12], k: 1, outC: 20, stride: 1, pad: 'valid' },
  { name: '3x3/2 pad 1 on even maps, 8 -> 6 channels', x: [2, 8, 8, 8], k: 3, outC: 6, stride: 2, pad: explicit(1) },
];

/** y and dL/dx for a random upstream gradient: dx runs tfjs's Conv2DBackpropInput. */
async function convAndGrad(c: Case, seed: number): Promise<[Float32Array, Float32Array]> {
  const [y, dx] = tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', seed) as tf.Tensor4D;
    const w = tf.randomNormal([c.k, c.k, c.x[3], c.outC], 0, 0.1, 'float32', seed + 1) as tf.Tensor4D;
    const y = tf.conv2d(x, w, c.stride, c.pad);
    const up = tf.randomNormal(y.shape, 0, 1, 'float32', seed + 2);
    const dx = tf.grad((xv: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xv as tf.Tensor4D, w, c.stride, c.pad), up)))(x);
    return [y, dx];
  });
  const out: [Float32Array, Float32Array] = [(await y.data()) as Float32Array, (await dx.data()) as Float32Array];
  tf.dispose([y, dx]);
  return out;
}

describe('Conv2D, barrier-free direct program, on webgpu', () => {
  beforeAll(async () => {
    await useBackend('webgpu');
    prepareKernels();
    configureKernels({ path: 'direct' });
  });
  afterAll(() => {
    configureKernels(DEFAULT_KERNEL_OPTIONS);
  });

  for (const c of CASES) {
    it(`matches tfjs's own kernel and tfjs cpu: ${c.name}`, async () => {
      configureKernels({ conv2d: 'tfjs' });
      const [tfjsY, tfjsDx] = await convAndGrad(c, 5);
      configureKernels({ conv2d: 'gazecam' });
      const [ours, oursDx] = await convAndGrad(c, 5);
      assertNoGPUErrors(c.name);
      await useBackend('cpu');
      const [cpu, cpuDx] = await convAndGrad(c, 5);
      await useBackend('webgpu');
      expect(relToMax(ours, tfjsY)).toBeLessThan(1e-5);
      expect(relToMax(ours, cpu)).toBeLessThan(1e-5);
      expect(relToMax(oursDx, tfjsDx)).toBeLessThan(1e-5);
      expect(relToMax(oursDx, cpuDx)).toBeLessThan(1e-5);
    });
  }

  it('really swaps the registered kernel', () => {
    configureKernels({ conv2d: 'tfjs' });
    const theirs = tf.getKernel('Conv2D', 'webgpu')!.kernelFunc;
    configureKernels({ conv2d: 'gazecam' });
    expect(tf.getKernel('Conv2D', 'webgpu')!.kernelFunc).not.toBe(theirs);
  });
});

describe('convolution path by adapter', () => {
  it('takes the direct path on CPU adapters and the tiled one on GPUs', () => {
    expect(isCpuAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isCpuAdapter({ vendor: 'mesa', architecture: 'software' })).toBe(true);
    expect(isCpuAdapter({ vendor: 'mesa', architecture: 'llvmpipe' })).toBe(true);
    expect(isCpuAdapter({ vendor: 'mesa', architecture: 'rdna-3' })).toBe(false);
    expect(isCpuAdapter({ vendor: 'nvidia', architecture: 'hopper' })).toBe(false);
    expect(isCpuAdapter({ vendor: 'intel', architecture: 'gen-12lp' })).toBe(false);
    expect(isCpuAdapter(undefined)).toBe(false);
    expect(pathForAdapter({ vendor: 'nvidia', architecture: 'ampere' })).toBe('tiled');
    expect(pathForAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe('direct');
  });

  it("reads this machine's Dawn adapter as what it is", async () => {
    await useBackend('webgpu');
    prepareKernels();
    const info = (tf.backend() as unknown as { adapterInfo: { vendor: string; architecture: string } }).adapterInfo;
    const description = webgpuAdapter()!.description;
    // On lavapipe (CI) the direct path; on a real GPU the tiled one. The adapter's description,
    // which tfjs does not keep, says which it is.
    const isSoftware = /llvmpipe|lavapipe|swiftshader/i.test(description);
    expect({ description, info, path: activeKernelPath() }).toEqual({
      description,
      info,
      path: isSoftware ? 'direct' : 'tiled',
    });
  });
});
