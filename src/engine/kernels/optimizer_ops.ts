/**
 * Dispatch for the optimizer's per-parameter update: the fused WGSL kernels on webgpu
 * (optimizer_webgpu.ts), null elsewhere so src/engine/train/optimizer.ts runs its composed tfjs
 * ops (the reference). Registers its own kernels, for webgpu only:
 * - GazecamAdamUpdate (param, grad, m, v) -> [param', m', v']: three programs;
 * - GazecamSgdMomentumUpdate (param, grad, buf) -> [param', buf']: two;
 * - GazecamSgdUpdate (param, grad) -> param': one.
 * Hyperparameters travel as kernel attrs and reach the programs as f32 uniforms.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamParamProgram, MovingAverageProgram, SgdParamProgram } from './optimizer_webgpu.ts';
import { take, type ProgramUniform, type WebGPUBackendLike } from './webgpu_program.ts';

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

let fusedEnabled = true;

/** Turns the fused kernels off (false) or back on, for A/B benchmarks and parity tests. */
export function useFusedOptimizer(enabled: boolean): void {
  fusedEnabled = enabled;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

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

/** Idempotent (also across a module reload: asks tfjs's registry). */
function registerOptimizerKernels(): void {
  const kernels: Array<[string, tf.KernelFunc]> = [
    [ADAM_UPDATE, adamUpdateKernel as unknown as tf.KernelFunc],
    [SGD_MOMENTUM_UPDATE, sgdMomentumUpdateKernel as unknown as tf.KernelFunc],
    [SGD_UPDATE, sgdUpdateKernel as unknown as tf.KernelFunc],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (!tf.getKernel(kernelName, 'webgpu')) tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc });
  }
}

function fusedActive(): boolean {
  if (!fusedEnabled || tf.getBackend() !== 'webgpu') return false;
  registerOptimizerKernels();
  return true;
}

/** Adam's [param', m', v'], or null where the fused kernels do not run. */
export function adamUpdateFused(param: tf.Tensor, grad: tf.Tensor, m: tf.Tensor, v: tf.Tensor, h: AdamHyper): [tf.Tensor, tf.Tensor, tf.Tensor] | null {
  if (!fusedActive()) return null;
  return tf.engine().runKernel(ADAM_UPDATE, { param, grad, m, v }, { ...h }) as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/** SGD with momentum's [param', buf'], or null where the fused kernels do not run. */
export function sgdMomentumUpdateFused(param: tf.Tensor, grad: tf.Tensor, buf: tf.Tensor, h: SgdHyper): [tf.Tensor, tf.Tensor] | null {
  if (!fusedActive()) return null;
  return tf.engine().runKernel(SGD_MOMENTUM_UPDATE, { param, grad, buf }, { ...h }) as [tf.Tensor, tf.Tensor];
}

/** Plain SGD's param', or null where the fused kernels do not run. */
export function sgdUpdateFused(param: tf.Tensor, grad: tf.Tensor, h: Omit<SgdHyper, 'momentum'>): tf.Tensor | null {
  if (!fusedActive()) return null;
  return tf.engine().runKernel(SGD_UPDATE, { param, grad }, { ...h }) as tf.Tensor;
}
