/**
 * GazecamAugment (images [B,S,S,1], gaze [B,S,S,1], params [B,AUGMENT_PARAMS]) -> [images', gaze'],
 * attrs noiseStd and noiseSeed. Applied to input data before a step, so it has no gradient.
 */
import { take, type KernelArgs, type KernelSet, type WebGPUBackendLike } from '../webgpu_program.ts';
import { AugmentProgram } from './program.ts';

export const AUGMENT = 'GazecamAugment';

function augmentKernel({ inputs, backend, attrs }: KernelArgs) {
  const gpu = backend as WebGPUBackendLike;
  const { images, gaze, params } = take(inputs, 'images', 'gaze', 'params');
  const { noiseStd, noiseSeed } = attrs as { noiseStd: number; noiseSeed: number };
  const uniforms = [
    { type: 'float32' as const, data: [noiseStd] },
    { type: 'int32' as const, data: [noiseSeed | 0] },
  ];
  return [
    gpu.runWebGPUProgram(new AugmentProgram(images.shape, true), [images, params], 'float32', uniforms),
    gpu.runWebGPUProgram(new AugmentProgram(gaze.shape, false), [gaze, params], 'float32', uniforms),
  ];
}

export const augmentKernels: KernelSet = {
  kernels: [{ name: AUGMENT, func: augmentKernel }],
  gradients: [],
};
