/**
 * Training-mode batch norm as webgpu kernels: GazecamBatchNormTrain (x, gamma, beta) -> [y, stats
 * [C,2] = (mean, biased variance)] and its backward (x, gamma, stats, dy) -> [dx, dGamma, dBeta].
 * The per-channel reductions run as one workgroup per channel (tiled path) or as chunk partials
 * combined afterwards (direct path: no barriers; the statistics combine by Chan's formula so the
 * two-pass accuracy holds).
 */
import * as tf from '@tensorflow/tfjs';
import {
  BatchNormGradInputProgram,
  BatchNormGradSumsPartialsProgram,
  BatchNormGradSumsProgram,
  BatchNormNormaliseProgram,
  BatchNormStatsCombineProgram,
  BatchNormStatsPartialsProgram,
  BatchNormStatsProgram,
  ChannelColumnProgram,
  channelSplitUniforms,
  planChannelSplits,
} from './program.ts';
import { activeKernelPath } from '../options.ts';
import { SplitSumProgram, take, type KernelArgs, type KernelSet, type WebGPUBackendLike } from '../webgpu_program.ts';

export const BATCH_NORM_TRAIN = 'GazecamBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'GazecamBatchNormTrainGrad';

/** Per-channel (mean, biased variance) [C, 2]. */
function batchNormStats(backend: WebGPUBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  if (activeKernelPath() !== 'direct') return backend.runWebGPUProgram(new BatchNormStatsProgram(x.shape), [x], 'float32');
  const plan = planChannelSplits(x.shape);
  const partials = backend.runWebGPUProgram(new BatchNormStatsPartialsProgram(plan), [x], 'float32', channelSplitUniforms(plan));
  const stats = backend.runWebGPUProgram(new BatchNormStatsCombineProgram(plan.channels), [partials], 'float32', [
    { type: 'int32', data: [plan.count] },
    { type: 'int32', data: [plan.chunk] },
  ]);
  backend.disposeData(partials.dataId);
  return stats;
}

/** Per-channel (sum dy, sum dy * xHat) [C, 2]. */
function batchNormGradSums(backend: WebGPUBackendLike, x: tf.TensorInfo, stats: tf.TensorInfo, dy: tf.TensorInfo, eps: number): tf.TensorInfo {
  if (activeKernelPath() !== 'direct') {
    return backend.runWebGPUProgram(new BatchNormGradSumsProgram(x.shape, eps), [x, stats, dy], 'float32');
  }
  const plan = planChannelSplits(x.shape);
  const partials = backend.runWebGPUProgram(new BatchNormGradSumsPartialsProgram(plan, eps), [x, stats, dy], 'float32', channelSplitUniforms(plan));
  const sums = backend.runWebGPUProgram(new SplitSumProgram([plan.channels, 2]), [partials], 'float32');
  backend.disposeData(partials.dataId);
  return sums;
}

function batchNormTrainKernel(args: KernelArgs) {
  const backend = args.backend as WebGPUBackendLike;
  const { x, gamma, beta } = take(args.inputs, 'x', 'gamma', 'beta');
  const { eps } = args.attrs as { eps: number };
  const stats = batchNormStats(backend, x);
  const y = backend.runWebGPUProgram(new BatchNormNormaliseProgram(x.shape, eps), [x, stats, gamma, beta], 'float32');
  return [y, stats];
}

function batchNormTrainGradKernel(args: KernelArgs) {
  const backend = args.backend as WebGPUBackendLike;
  const { x, gamma, stats, dy } = take(args.inputs, 'x', 'gamma', 'stats', 'dy');
  const { eps } = args.attrs as { eps: number };
  const sums = batchNormGradSums(backend, x, stats, dy, eps);
  const dx = backend.runWebGPUProgram(new BatchNormGradInputProgram(x.shape, eps), [x, stats, gamma, dy, sums], 'float32');
  const channels = x.shape[3]!;
  const dBeta = backend.runWebGPUProgram(new ChannelColumnProgram(channels, 0), [sums], 'float32');
  const dGamma = backend.runWebGPUProgram(new ChannelColumnProgram(channels, 1), [sums], 'float32');
  backend.disposeData(sums.dataId);
  return [dx, dGamma, dBeta];
}

export const batchNormKernels: KernelSet = {
  kernels: [
    { name: BATCH_NORM_TRAIN, func: batchNormTrainKernel },
    { name: BATCH_NORM_TRAIN_GRAD, func: batchNormTrainGradKernel },
  ],
  gradients: [
    {
      kernelName: BATCH_NORM_TRAIN,
      inputsToSave: ['x', 'gamma'],
      outputsToSave: [false, true],
      gradFunc: (dys, saved, attrs) => {
        // dys[1] is the stats output's zero gradient: the running-statistics update is not differentiated.
        const [dy] = dys as tf.Tensor[];
        const [x, gamma, stats] = saved;
        // One kernel computes all three here rather than in a thunk: tfjs runs each input's thunk in
        // its own tidy, which would dispose the two gradients that thunk does not return.
        const [dx, dGamma, dBeta] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { x: x!, gamma: gamma!, stats: stats!, dy: dy! }, attrs) as tf.Tensor[];
        return { x: () => dx!, gamma: () => dGamma!, beta: () => dBeta! };
      },
    },
  ],
};
