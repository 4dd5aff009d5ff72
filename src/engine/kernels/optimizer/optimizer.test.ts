/**
 * The fused optimizer update on webgpu against its composed tfjs reference (src/engine/train/
 * optimizer.ts, on the same backend and on tfjs cpu): parameters and optimizer slots after several
 * steps with a changing learning rate, for Adam (with and without weight decay) and SGD (with and
 * without momentum), over parameter shapes a ResNet has.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relToMax, useBackend } from '../../../../test/helpers/backends.ts';
import { assertNoGPUErrors } from '../../../node/webgpu.ts';
import { Optimizer } from '../../train/optimizer.ts';
import { configureKernels, DEFAULT_KERNEL_OPTIONS } from '../registry.ts';
import { ADAM_UPDATE, SGD_MOMENTUM_UPDATE, SGD_UPDATE } from './kernel.ts';

const SHAPES = [[3, 3, 16, 16], [16], [64, 3], [3]];
const STEPS = 5;

interface Setting {
  name: string;
  kind: 'adam' | 'sgd';
  momentum: number;
  weightDecay: number;
}

const SETTINGS: Setting[] = [
  { name: 'adam', kind: 'adam', momentum: 0, weightDecay: 0 },
  { name: 'adam with weight decay', kind: 'adam', momentum: 0, weightDecay: 5e-2 },
  { name: 'sgd with momentum', kind: 'sgd', momentum: 0.9, weightDecay: 0 },
  { name: 'sgd with momentum and weight decay', kind: 'sgd', momentum: 0.9, weightDecay: 5e-2 },
  { name: 'sgd without momentum, with weight decay', kind: 'sgd', momentum: 0, weightDecay: 5e-2 },
];

/** Deterministic values in [-scale, scale), the same on every backend; every 7th is 0 (v = 0 there). */
function values(count: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = i % 7 === 3 ? 0 : ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Runs STEPS updates on fresh parameters; returns every parameter and slot, by name. */
async function run(setting: Setting): Promise<Map<string, Float32Array>> {
  const optimizer = new Optimizer(setting.kind, setting.momentum, setting.weightDecay);
  const params: Array<[string, tf.Variable]> = SHAPES.map((shape, i) => [`p${i}`, tf.variable(tf.tensor(values(sizeOf(shape), 11 + i, 1), shape))]);
  for (let step = 0; step < STEPS; step++) {
    const grads: Record<string, tf.Tensor> = {};
    params.forEach(([, p], i) => { grads[p.name] = tf.tensor(values(p.size, 1000 * step + i, 0.1 * (step + 1)), p.shape); });
    optimizer.apply(params, grads, 1e-2 * (1 - step / 10));
    tf.dispose(Object.values(grads));
  }
  const out = new Map<string, Float32Array>();
  for (const [name, p] of params) out.set(name, (await p.data()) as Float32Array);
  for (const [key, v] of optimizer.state.slots) out.set(key, (await v.data()) as Float32Array);
  optimizer.dispose();
  tf.dispose(params.map(([, p]) => p));
  return out;
}

describe('fused optimizer update on webgpu', () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  });
  afterAll(() => configureKernels(DEFAULT_KERNEL_OPTIONS));

  for (const setting of SETTINGS) {
    it(`matches the composed reference on webgpu and tfjs cpu: ${setting.name}`, async () => {
      configureKernels({ optimizer: 'fused' });
      const fused = await run(setting);
      assertNoGPUErrors(setting.name);
      configureKernels({ optimizer: 'composed' });
      const reference = await run(setting);
      configureKernels({ optimizer: 'fused' });
      await useBackend('cpu');
      const cpu = await run(setting);
      await useBackend('webgpu');
      expect([...fused.keys()].sort()).toEqual([...cpu.keys()].sort());
      expect(fused.size).toBe(SHAPES.length * (setting.kind === 'adam' ? 3 : setting.momentum > 0 ? 2 : 1));
      for (const [key, value] of fused) {
        expect(relToMax(value, reference.get(key)!), `${key} vs webgpu reference`).toBeLessThan(1e-6);
        expect(relToMax(value, cpu.get(key)!), `${key} vs cpu`).toBeLessThan(1e-6);
      }
    });
  }

  it('runs one fused kernel per parameter, can be switched off, and compiles no pipeline after the first step', async () => {
    const pipelines = () => Object.keys((tf.backend() as unknown as { pipelineCache: object }).pipelineCache).length;
    for (const [setting, kernel] of [[SETTINGS[1]!, ADAM_UPDATE], [SETTINGS[3]!, SGD_MOMENTUM_UPDATE], [SETTINGS[4]!, SGD_UPDATE]] as const) {
      const optimizer = new Optimizer(setting.kind, setting.momentum, setting.weightDecay);
      const param = tf.variable(tf.ones([4, 4]));
      const grad = tf.fill([4, 4], 0.5);
      const step = (lr: number) => tf.profile(() => { optimizer.apply([['w', param]], { [param.name]: grad }, lr); });
      const first = await step(1e-2);
      await step(2e-2);
      const compiled = pipelines();
      const on = await step(3e-2);
      expect(pipelines(), `${setting.name}: a new lr compiled a new pipeline`).toBe(compiled);
      expect(on.kernelNames, setting.name).toEqual([kernel]);
      expect(first.kernelNames, setting.name).toEqual([kernel]);
      configureKernels({ optimizer: 'composed' });
      const off = await step(4e-2);
      configureKernels({ optimizer: 'fused' });
      expect(off.kernelNames).not.toContain(kernel);
      assertNoGPUErrors(setting.name);
      optimizer.dispose();
      tf.dispose([param, grad]);
    }
  });

  it('leaves the tensor count flat over steps', async () => {
    for (const setting of SETTINGS) {
      const optimizer = new Optimizer(setting.kind, setting.momentum, setting.weightDecay);
      const param = tf.variable(tf.ones([8, 3]));
      const grad = tf.fill([8, 3], 0.25);
      const step = async () => {
        optimizer.apply([['w', param]], { [param.name]: grad }, 1e-2);
        await param.data();
      };
      await step(); // creates the slots
      const before = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) await step();
      expect(tf.memory().numTensors, setting.name).toBe(before);
      optimizer.dispose();
      tf.dispose([param, grad]);
    }
  });
});
