/**
 * The optimizer's per-parameter update as webgpu kernels:
 * - GazecamAdamUpdate (param, grad, m, v) -> [param', m', v']: three programs;
 * - GazecamSgdMomentumUpdate (param, grad, buf) -> [param', buf']: two;
 * - GazecamSgdUpdate (param, grad) -> param': one.
 * Hyperparameters travel as kernel attrs and reach the programs as f32 uniforms.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamParamProgram, MovingAverageProgram, SgdParamProgram } from './program.ts';
import { take, type KernelArgs, type KernelSet, type ProgramUniform, type WebGPUBackendLike } from '../webgpu_program.ts';

export const ADAM_UPDATE = 'GazecamAdamUpdate';
export const SGD_MOMENTUM_UPDATE = 'GazecamSgdMomentumUpdate';
export const SGD_UPDATE = 'GazecamSgdUpdate';

export interface AdamHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** lr / (1 - beta1^t) */
  stepSize: number;
  /** sqrt(1 - beta2^t) */
  biasCorrection2Sqrt: number;
}

export interface SgdHyper {
  lr: number;
  weightDecay: number;
  /** the buffer's decay this step: 0 on the first step (the buffer becomes the gradient), else momentum */
  momentum: number;
}

const f32 = (...values: number[]): ProgramUniform[] => values.map((x) => ({ type: 'float32', data: [x] }));

function adamUpdateKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const gpu = backend as WebGPUBackendLike;
  const { param, grad, m, v } = take(inputs, 'param', 'grad', 'm', 'v');
  const h = attrs as unknown as AdamHyper;
  const decay = h.weightDecay > 0;
  const gradInputs = decay ? [param, grad] : [grad];
  const newM = gpu.runWebGPUProgram(new MovingAverageProgram(param.shape, false, decay), [...gradInputs, m], 'float32',
    f32(h.beta1, 1 - h.beta1, h.weightDecay));
  const newV = gpu.runWebGPUProgram(new MovingAverageProgram(param.shape, true, decay), [...gradInputs, v], 'float32',
    f32(h.beta2, 1 - h.beta2, h.weightDecay));
  const newParam = gpu.runWebGPUProgram(new AdamParamProgram(param.shape), [param, newM, newV], 'float32',
    f32(h.stepSize, h.biasCorrection2Sqrt, h.eps));
  return [newParam, newM, newV];
}

function sgdMomentumUpdateKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const gpu = backend as WebGPUBackendLike;
  const { param, grad, buf } = take(inputs, 'param', 'grad', 'buf');
  const h = attrs as unknown as SgdHyper;
  const decay = h.weightDecay > 0;
  // oneMinusBeta 1: buf * momentum + g * 1, and g * 1 is g exactly, as the composed buf * momentum + g.
  const newBuf = gpu.runWebGPUProgram(new MovingAverageProgram(param.shape, false, decay), [...(decay ? [param] : []), grad, buf], 'float32',
    f32(h.momentum, 1, h.weightDecay));
  const newParam = gpu.runWebGPUProgram(new SgdParamProgram(param.shape, false), [param, newBuf], 'float32', f32(h.lr, 0));
  return [newParam, newBuf];
}

function sgdUpdateKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { param, grad } = take(inputs, 'param', 'grad');
  const h = attrs as unknown as SgdHyper;
  return (backend as WebGPUBackendLike).runWebGPUProgram(new SgdParamProgram(param.shape, h.weightDecay > 0), [param, grad], 'float32',
    f32(h.lr, h.weightDecay));
}

export const optimizerKernels: KernelSet = {
  kernels: [
    { name: ADAM_UPDATE, func: adamUpdateKernel },
    { name: SGD_MOMENTUM_UPDATE, func: sgdMomentumUpdateKernel },
    { name: SGD_UPDATE, func: sgdUpdateKernel },
  ],
  gradients: [],
};
