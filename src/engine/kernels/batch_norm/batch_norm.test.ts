/**
 * The fused training-mode batch norm on webgpu against its plain-tfjs reference (the model's
 * customGrad, on the same backend and on tfjs cpu): output, running statistics and the gradients
 * w.r.t. x, gamma and beta, over shapes a ResNet has and edge cases.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relToMax, useBackend } from '../../../../test/helpers/backends.ts';
import { assertNoGPUErrors } from '../../../node/webgpu.ts';
import { batchNormTrain, type BatchNormState } from '../../model/batch_norm.ts';
import { configureKernels, DEFAULT_KERNEL_OPTIONS, prepareKernels, type KernelPath } from '../registry.ts';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './kernel.ts';

type Shape = [number, number, number, number];
const CASES: Array<{ name: string; shape: Shape }> = [
  { name: 'stem-like 16x16x16, B4', shape: [4, 16, 16, 16] },
  { name: '130 channels (not a power of two), 7x7, B3', shape: [3, 7, 7, 130] },
  { name: 'two values per channel (the minimum)', shape: [2, 1, 1, 5] },
  { name: 'large offset and scale (cancellation in the variance)', shape: [8, 4, 4, 8] },
  // The direct path's chunks: 495 positions in 7 chunks of 71, the last one shorter.
  { name: 'positions not a multiple of the chunk, 4 channels', shape: [5, 9, 11, 4] },
];
const PATHS: KernelPath[] = ['tiled', 'direct'];

interface Outcome {
  y: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
  dx: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
}

async function run(shape: Shape, seed: number, offset: number): Promise<Outcome> {
  const c = shape[3];
  const state: BatchNormState = {
    weight: tf.variable(tf.randomUniform([c], 0.5, 1.5, 'float32', seed)),
    bias: tf.variable(tf.randomUniform([c], -0.5, 0.5, 'float32', seed + 1)),
    runningMean: tf.variable(tf.zeros([c]), false),
    runningVar: tf.variable(tf.ones([c]), false),
  };
  const x = tf.tidy(() => tf.add(tf.randomNormal(shape, 0, offset > 0 ? 3 : 1, 'float32', seed + 2), offset)) as tf.Tensor4D;
  const g = tf.randomNormal(shape, 0, 1, 'float32', seed + 3);
  const y = batchNormTrain(x, state, true);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(batchNormTrain(x, state, false), g)), [state.weight, state.bias]);
  const [dx] = tf.grads((xv: tf.Tensor) => tf.sum(tf.mul(batchNormTrain(xv as tf.Tensor4D, state, false), g)))([x]);
  const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;
  const outcome = {
    y: await read(y),
    runningMean: await read(state.runningMean),
    runningVar: await read(state.runningVar),
    dx: await read(dx!),
    dGamma: await read(grads[state.weight.name]!),
    dBeta: await read(grads[state.bias.name]!),
  };
  tf.dispose([x, g, y, dx!, ...Object.values(grads), state.weight, state.bias, state.runningMean, state.runningVar]);
  return outcome;
}

describe('fused batch norm (training mode) on webgpu', () => {
  beforeAll(async () => {
    await useBackend('webgpu');
    prepareKernels();
  });
  afterAll(() => configureKernels(DEFAULT_KERNEL_OPTIONS));

  for (const path of PATHS) for (const { name, shape } of CASES) {
    it(`${path} path matches the composed reference on webgpu and tfjs cpu: ${name}`, async () => {
      configureKernels({ path: path });
      const offset = name.startsWith('large offset') ? 50 : 0;
      configureKernels({ batchNorm: 'fused' });
      const fused = await run(shape, 7, offset);
      assertNoGPUErrors(name);
      configureKernels({ batchNorm: 'reference' });
      const reference = await run(shape, 7, offset);
      configureKernels({ batchNorm: 'fused' });
      await useBackend('cpu');
      const cpu = await run(shape, 7, offset);
      await useBackend('webgpu');
      for (const key of Object.keys(fused) as Array<keyof Outcome>) {
        expect(relToMax(fused[key], reference[key]), `${key} vs webgpu reference`).toBeLessThan(1e-4);
        expect(relToMax(fused[key], cpu[key]), `${key} vs cpu`).toBeLessThan(1e-4);
      }
    });
  }

  it('runs the fused kernels forward and backward, and can be switched off', async () => {
    const state: BatchNormState = {
      weight: tf.variable(tf.ones([4])), bias: tf.variable(tf.zeros([4])),
      runningMean: tf.variable(tf.zeros([4]), false), runningVar: tf.variable(tf.ones([4]), false),
    };
    const x = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const loss = () => tf.grad((xv: tf.Tensor) => tf.sum(tf.square(batchNormTrain(xv as tf.Tensor4D, state, false))))(x);
    const on = await tf.profile(loss);
    expect(on.kernelNames).toEqual(expect.arrayContaining([BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD]));
    configureKernels({ batchNorm: 'reference' });
    const off = await tf.profile(loss);
    configureKernels({ batchNorm: 'fused' });
    expect(off.kernelNames).not.toContain(BATCH_NORM_TRAIN);
    tf.dispose([x, on.result as tf.Tensor, off.result as tf.Tensor, state.weight, state.bias, state.runningMean, state.runningVar]);
  });

  it('leaves the tensor count flat over repeated forward+backward calls', async () => {
    const state: BatchNormState = {
      weight: tf.variable(tf.ones([8])), bias: tf.variable(tf.zeros([8])),
      runningMean: tf.variable(tf.zeros([8]), false), runningVar: tf.variable(tf.ones([8]), false),
    };
    const x = tf.randomNormal([4, 4, 4, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
    const step = () => tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(batchNormTrain(x, state, true))), [state.weight, state.bias]);
      return tf.add(value, tf.sum(grads[state.weight.name]!));
    });
    tf.dispose(step());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const t = step();
      await t.data();
      t.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, state.weight, state.bias, state.runningMean, state.runningVar]);
  });
});
