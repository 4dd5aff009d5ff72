/**
 * Our replacement of tfjs's webgpu Conv2D: the barrier-free direct program on the direct kernel
 * path; tfjs's own tiled Conv2D everywhere else (GPUs) and for what ours does not cover.
 */
import * as tf from '@tensorflow/tfjs';
import { convGeometry, type ConvAttrs } from '../conv_geometry.ts';
import { activeKernelPath } from '../options.ts';
import { tfjsKernel } from '../tfjs_kernels.ts';
import { take, type KernelArgs, type WebGPUBackendLike } from '../webgpu_program.ts';
import { Conv2DDirectProgram, conv2dDirectUniforms } from './program.ts';

export const CONV2D = 'Conv2D';

export function conv2dKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WebGPUBackendLike;
  const { x, filter } = take(args.inputs, 'x', 'filter');
  const g = activeKernelPath() === 'direct' ? convGeometry(x.shape, filter.shape, args.attrs as unknown as ConvAttrs) : null;
  if (!g) return tfjsKernel(CONV2D).kernelFunc(args as never) as tf.TensorInfo;
  return backend.runWebGPUProgram(new Conv2DDirectProgram(g), [x, filter], 'float32', conv2dDirectUniforms(g));
}
