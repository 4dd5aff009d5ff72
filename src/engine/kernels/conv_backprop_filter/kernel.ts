/**
 * Our replacement of tfjs's webgpu Conv2DBackpropFilter: a tiled split-K implicit GEMM on GPUs, the
 * barrier-free direct program on CPU adapters; tfjs's own for what neither covers (NCHW, dilation).
 */
import * as tf from '@tensorflow/tfjs';
import { convGeometry, type ConvAttrs } from '../conv_geometry.ts';
import { activeKernelPath } from '../options.ts';
import { tfjsKernel } from '../tfjs_kernels.ts';
import { SplitSumProgram, take, type KernelArgs, type WebGPUBackendLike } from '../webgpu_program.ts';
import {
  ConvFilterDirectProgram,
  ConvFilterPartialsProgram,
  convFilterDirectUniforms,
  convFilterUniforms,
  planDirectSplits,
  planSplits,
} from './program.ts';

export const CONV2D_BACKPROP_FILTER = 'Conv2DBackpropFilter';

export function convBackpropFilterKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WebGPUBackendLike;
  const { x, dy } = take(args.inputs, 'x', 'dy');
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  const g = convGeometry(x.shape, attrs.filterShape, attrs);
  if (!g) return tfjsKernel(CONV2D_BACKPROP_FILTER).kernelFunc(args as never) as tf.TensorInfo;
  if (activeKernelPath() === 'direct') {
    const plan = planDirectSplits(g);
    const out = backend.runWebGPUProgram(new ConvFilterDirectProgram(g, plan, attrs.filterShape), [x, dy], 'float32', convFilterDirectUniforms(g, plan));
    if (plan.splits === 1) return out;
    const dW = backend.runWebGPUProgram(new SplitSumProgram(attrs.filterShape), [out], 'float32');
    backend.disposeData(out.dataId);
    return dW;
  }
  const plan = planSplits(g);
  const partials = backend.runWebGPUProgram(new ConvFilterPartialsProgram(plan, g.outC), [x, dy], 'float32', convFilterUniforms(g, plan));
  const dW = backend.runWebGPUProgram(new SplitSumProgram(attrs.filterShape), [partials], 'float32');
  backend.disposeData(partials.dataId);
  return dW;
}
