/**
 * Registers the fused CAM kernels with tfjs for the webgpu backend, forward and backward.
 * Kernels: GazecamCamMaps (fmap, weight) -> cam; GazecamRefineCams (cam) -> [cams, sigmoidCams,
 * stats]; GazecamRefineSigmoidCams (cam) -> [sigmoidCams, stats], for the losses, which use only the
 * sigmoid maps; and their gradient kernels, each running the programs in cam_webgpu.ts / refine_webgpu.ts.
 * Gradients are registered against the forward kernel names, so tf.grad works through them.
 */
import * as tf from '@tensorflow/tfjs';
import { CamBackwardProgram, CamForwardProgram } from './cam_webgpu.ts';
import {
  RefineGradColsProgram,
  RefineGradRowsProgram,
  RefineGradSumsProgram,
  RefineNormaliseProgram,
  RefineRowsUpProgram,
  RefineSigmoidProgram,
  RefineStatsProgram,
} from './refine_webgpu.ts';
import { alignCornersScale, SplitSumProgram, take, type ProgramUniform, type WebGPUBackendLike } from './webgpu_program.ts';
import {
  ConvFilterDirectProgram,
  ConvFilterPartialsProgram,
  convFilterDirectUniforms,
  convFilterUniforms,
  planDirectSplits,
  planSplits,
  type ConvGeometry,
} from './conv_backprop_filter_webgpu.ts';
import { Conv2DDirectProgram, conv2dDirectUniforms } from './conv2d_webgpu.ts';
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
} from './batch_norm_webgpu.ts';

export const CAM_MAPS = 'GazecamCamMaps';
export const CAM_MAPS_GRAD = 'GazecamCamMapsGrad';
export const REFINE_CAMS = 'GazecamRefineCams';
export const REFINE_CAMS_GRAD = 'GazecamRefineCamsGrad';
export const REFINE_SIGMOID_CAMS = 'GazecamRefineSigmoidCams';
export const REFINE_SIGMOID_CAMS_GRAD = 'GazecamRefineSigmoidCamsGrad';
export const BATCH_NORM_TRAIN = 'GazecamBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'GazecamBatchNormTrainGrad';

export interface RefineAttrs {
  outH: number;
  outW: number;
  [key: string]: number;
}

function refineUniforms(camShape: number[], { outH, outW }: RefineAttrs): ProgramUniform[] {
  return [
    { type: 'int32', data: [outH] },
    { type: 'int32', data: [outW] },
    { type: 'float32', data: [alignCornersScale(camShape[1], outH)] },
    { type: 'float32', data: [alignCornersScale(camShape[2], outW)] },
  ];
}

function camMapsKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }) {
  const { fmap, weight } = take(inputs, 'fmap', 'weight');
  const program = new CamForwardProgram(fmap.shape, weight.shape[1]);
  return (backend as WebGPUBackendLike).runWebGPUProgram(program, [fmap, weight], 'float32');
}

function camMapsGradKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }) {
  const { dy, weight } = take(inputs, 'dy', 'weight');
  const program = new CamBackwardProgram([...dy.shape.slice(0, 3), weight.shape[0]]);
  return (backend as WebGPUBackendLike).runWebGPUProgram(program, [dy, weight], 'float32');
}

/**
 * The forward shared by both refine kernels: the x-upsampled rows, the per-(image, class) stats,
 * then the normalise pass (cams, or with `sigmoid` the sigmoid maps directly). Frees the rows.
 */
function refineForward(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }, sigmoid: boolean) {
  const backend = args.backend as WebGPUBackendLike;
  const { cam } = take(args.inputs, 'cam');
  const attrs = args.attrs as RefineAttrs;
  const size: [number, number] = [attrs.outH, attrs.outW];
  const uniforms = refineUniforms(cam.shape, attrs);
  const rowsUp = backend.runWebGPUProgram(new RefineRowsUpProgram(cam.shape, size), [cam], 'float32', uniforms);
  const stats = backend.runWebGPUProgram(new RefineStatsProgram(cam.shape), [rowsUp], 'float32', uniforms);
  const maps = backend.runWebGPUProgram(new RefineNormaliseProgram(cam.shape, size, sigmoid), [rowsUp, stats], 'float32', uniforms);
  backend.disposeData(rowsUp.dataId);
  return { backend, maps, stats };
}

function refineCamsKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) {
  const { backend, maps: cams, stats } = refineForward(args, false);
  const sigmoid = backend.runWebGPUProgram(new RefineSigmoidProgram(cams.shape), [cams], 'float32');
  return [cams, sigmoid, stats];
}

function refineCamsGradKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) {
  const backend = args.backend as WebGPUBackendLike;
  const { cam, cams, sigmoidCams, stats, dCams, dSig } = take(
    args.inputs, 'cam', 'cams', 'sigmoidCams', 'stats', 'dCams', 'dSig');
  const attrs = args.attrs as RefineAttrs;
  const uniforms = refineUniforms(cam.shape, attrs);
  const sums = backend.runWebGPUProgram(
    new RefineGradSumsProgram(cam.shape),
    [cams, sigmoidCams, dCams, dSig],
    'float32',
    uniforms,
  );
  return refineGradRowsCols(backend, cam.shape, [attrs.outH, attrs.outW], uniforms, true, [stats, sigmoidCams, dCams, dSig], sums);
}

/**
 * The backward's last two passes, shared by both refine kernels: du summed along x through the
 * bilinear taps (rows), then along y (cols) into dCam. Frees `sums` and the rows.
 */
function refineGradRowsCols(
  backend: WebGPUBackendLike,
  camShape: number[],
  size: [number, number],
  uniforms: ProgramUniform[],
  withCams: boolean,
  upstream: tf.TensorInfo[],
  sums: tf.TensorInfo,
): tf.TensorInfo {
  const rows = backend.runWebGPUProgram(new RefineGradRowsProgram(camShape, size, withCams), [...upstream, sums], 'float32', uniforms);
  const dCam = backend.runWebGPUProgram(new RefineGradColsProgram(camShape), [rows], 'float32', uniforms);
  backend.disposeData(sums.dataId);
  backend.disposeData(rows.dataId);
  return dCam;
}

/** refine_cams' sigmoid output alone: normalise and sigmoid in one pass, no cams map written. */
function refineSigmoidCamsKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) {
  const { maps: sigmoid, stats } = refineForward(args, true);
  return [sigmoid, stats];
}

/**
 * Its backward recomputes the x-upsampled rows (a map of h*W, small) instead of saving them, and
 * cams from them inside the sums pass: cheaper than writing and reading a full cams map.
 */
function refineSigmoidCamsGradKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) {
  const backend = args.backend as WebGPUBackendLike;
  const { cam, sigmoidCams, stats, dSig } = take(args.inputs, 'cam', 'sigmoidCams', 'stats', 'dSig');
  const attrs = args.attrs as RefineAttrs;
  const size: [number, number] = [attrs.outH, attrs.outW];
  const uniforms = refineUniforms(cam.shape, attrs);
  const rowsUp = backend.runWebGPUProgram(new RefineRowsUpProgram(cam.shape, size), [cam], 'float32', uniforms);
  const sums = backend.runWebGPUProgram(
    new RefineGradSumsProgram(cam.shape, false),
    [rowsUp, stats, sigmoidCams, dSig],
    'float32',
    uniforms,
  );
  backend.disposeData(rowsUp.dataId);
  return refineGradRowsCols(backend, cam.shape, size, uniforms, false, [stats, sigmoidCams, dSig], sums);
}

/** Per-channel (mean, biased variance) [C, 2]: one workgroup per channel, or chunks combined on the direct path. */
function batchNormStats(backend: WebGPUBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  if (kernelPathFor(backend) !== 'direct') return backend.runWebGPUProgram(new BatchNormStatsProgram(x.shape), [x], 'float32');
  const plan = planChannelSplits(x.shape);
  const partials = backend.runWebGPUProgram(new BatchNormStatsPartialsProgram(plan), [x], 'float32', channelSplitUniforms(plan));
  const stats = backend.runWebGPUProgram(new BatchNormStatsCombineProgram(plan.channels), [partials], 'float32', [
    { type: 'int32', data: [plan.count] },
    { type: 'int32', data: [plan.chunk] },
  ]);
  backend.disposeData(partials.dataId);
  return stats;
}

/** Per-channel (sum dy, sum dy * xHat) [C, 2], likewise. */
function batchNormGradSums(backend: WebGPUBackendLike, x: tf.TensorInfo, stats: tf.TensorInfo, dy: tf.TensorInfo, eps: number): tf.TensorInfo {
  if (kernelPathFor(backend) !== 'direct') {
    return backend.runWebGPUProgram(new BatchNormGradSumsProgram(x.shape, eps), [x, stats, dy], 'float32');
  }
  const plan = planChannelSplits(x.shape);
  const partials = backend.runWebGPUProgram(new BatchNormGradSumsPartialsProgram(plan, eps), [x, stats, dy], 'float32', channelSplitUniforms(plan));
  const sums = backend.runWebGPUProgram(new SplitSumProgram([plan.channels, 2]), [partials], 'float32');
  backend.disposeData(partials.dataId);
  return sums;
}

/** Training-mode batch norm: (x, gamma, beta) -> [y, stats [C,2] = (mean, biased variance)]. */
function batchNormTrainKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) {
  const backend = args.backend as WebGPUBackendLike;
  const { x, gamma, beta } = take(args.inputs, 'x', 'gamma', 'beta');
  const { eps } = args.attrs as { eps: number };
  const stats = batchNormStats(backend, x);
  const y = backend.runWebGPUProgram(new BatchNormNormaliseProgram(x.shape, eps), [x, stats, gamma, beta], 'float32');
  return [y, stats];
}

/** Its backward: (x, gamma, stats, dy) -> [dx, dGamma, dBeta]. */
function batchNormTrainGradKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) {
  const backend = args.backend as WebGPUBackendLike;
  const { x, gamma, stats, dy } = take(args.inputs, 'x', 'gamma', 'stats', 'dy');
  const { eps } = args.attrs as { eps: number };
  const sums = batchNormGradSums(backend, x, stats, dy, eps);
  const dx = backend.runWebGPUProgram(new BatchNormGradInputProgram(x.shape, eps), [x, stats, gamma, dy, sums], 'float32');
  const channels = x.shape[3];
  const dBeta = backend.runWebGPUProgram(new ChannelColumnProgram(channels, 0), [sums], 'float32');
  const dGamma = backend.runWebGPUProgram(new ChannelColumnProgram(channels, 1), [sums], 'float32');
  backend.disposeData(sums.dataId);
  return [dx, dGamma, dBeta];
}

/**
 * Which Conv2D, filter-gradient and batch-norm reduction programs run. 'tiled': workgroup-memory
 * tiles and tree sums (tfjs's Conv2D, our split-K filter gradient), right for GPUs. 'direct': the
 * barrier-free programs, right for adapters that run workgroups on CPU threads. 'auto' picks by adapter.
 */
export type KernelPath = 'tiled' | 'direct';
let kernelPathSetting: KernelPath | 'auto' = 'auto';

export function useKernelPath(path: KernelPath | 'auto'): void {
  kernelPathSetting = path;
}

/**
 * SwiftShader (Chrome with no usable GPU: vendor "google", architecture "swiftshader") and Mesa's
 * llvmpipe/lavapipe (Dawn reports vendor "mesa", architecture "software"; its description names
 * llvmpipe, but tfjs keeps only vendor and architecture).
 */
export function isCpuAdapter(info: { vendor?: string; architecture?: string } | undefined): boolean {
  return /swiftshader|llvmpipe|lavapipe|^software$/i.test(info?.architecture ?? '');
}

/** The kernel path on this backend (its adapter decides under 'auto'). */
export function kernelPathFor(backend: unknown): KernelPath {
  if (kernelPathSetting !== 'auto') return kernelPathSetting;
  const info = (backend as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return isCpuAdapter(info) ? 'direct' : 'tiled';
}

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** The geometry our programs take, or null for what they do not cover (NCHW, dilation). */
function convGeometry(xShape: number[], filterShape: number[], attrs: ConvAttrs): ConvGeometry | null {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  if (info.dataFormat !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  return {
    batch: info.batchSize, inH: info.inHeight, inW: info.inWidth, inC: info.inChannels,
    outH: info.outHeight, outW: info.outWidth, outC: info.outChannels, kH: info.filterHeight, kW: info.filterWidth,
    strideH: info.strideHeight, strideW: info.strideWidth, padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
}

/** tfjs's own webgpu kernels we replace, kept for what ours do not cover and for parity tests. */
const tfjsKernels = new Map<string, tf.KernelConfig>();

function tfjsKernel(name: string): tf.KernelConfig {
  const kernel = tfjsKernels.get(name);
  if (!kernel) throw new Error(`tfjs webgpu ${name} was not captured before replacing it`);
  return kernel;
}

function convBackpropFilterKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) {
  const backend = args.backend as WebGPUBackendLike;
  const { x, dy } = take(args.inputs, 'x', 'dy');
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  const g = convGeometry(x.shape, attrs.filterShape, attrs);
  if (!g) return tfjsKernel('Conv2DBackpropFilter').kernelFunc(args as never);
  if (kernelPathFor(backend) === 'direct') {
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

/** Ours only on the direct path: on GPUs tfjs's tiled Conv2D stays. */
function conv2dKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) {
  const backend = args.backend as WebGPUBackendLike;
  const { x, filter } = take(args.inputs, 'x', 'filter');
  const g = kernelPathFor(backend) === 'direct' ? convGeometry(x.shape, filter.shape, args.attrs as unknown as ConvAttrs) : null;
  if (!g) return tfjsKernel('Conv2D').kernelFunc(args as never);
  return backend.runWebGPUProgram(new Conv2DDirectProgram(g), [x, filter], 'float32', conv2dDirectUniforms(g));
}

/** Registers `ours` for webgpu's `name` (true) or puts tfjs's back (false). Idempotent. */
function swapKernel(name: string, ours: tf.KernelFunc, enabled: boolean): void {
  if (!tfjsKernels.has(name)) {
    const theirs = tf.getKernel(name, 'webgpu');
    if (!theirs) throw new Error(`tfjs-backend-webgpu is not loaded: no ${name} to replace`);
    tfjsKernels.set(name, theirs);
  }
  const wanted = enabled ? ours : tfjsKernel(name).kernelFunc;
  if (tf.getKernel(name, 'webgpu')?.kernelFunc === wanted) return;
  tf.unregisterKernel(name, 'webgpu');
  tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc: wanted });
}

/**
 * Swaps tfjs's webgpu Conv2DBackpropFilter for ours (true) or back (false). Idempotent. Parity
 * tests compare the two on the same backend.
 */
export function useFastConvBackpropFilter(enabled: boolean): void {
  swapKernel('Conv2DBackpropFilter', convBackpropFilterKernel as tf.KernelFunc, enabled);
}

/**
 * Swaps tfjs's webgpu Conv2D for ours, which runs the direct program where kernelPathFor says so
 * and hands everything else back to tfjs's.
 */
export function useOwnConv2D(enabled: boolean): void {
  swapKernel('Conv2D', conv2dKernel as tf.KernelFunc, enabled);
}

let registered = false;

/** Idempotent; called lazily the first time a CAM op runs on webgpu. */
export function registerWebGPUKernels(): void {
  if (registered) return;
  registered = true;
  useFastConvBackpropFilter(true);
  useOwnConv2D(true);
  const kernels: Array<[string, tf.KernelFunc]> = [
    [CAM_MAPS, camMapsKernel as tf.KernelFunc],
    [CAM_MAPS_GRAD, camMapsGradKernel as tf.KernelFunc],
    [REFINE_CAMS, refineCamsKernel as tf.KernelFunc],
    [REFINE_CAMS_GRAD, refineCamsGradKernel as tf.KernelFunc],
    [REFINE_SIGMOID_CAMS, refineSigmoidCamsKernel as tf.KernelFunc],
    [REFINE_SIGMOID_CAMS_GRAD, refineSigmoidCamsGradKernel as tf.KernelFunc],
    [BATCH_NORM_TRAIN, batchNormTrainKernel as tf.KernelFunc],
    [BATCH_NORM_TRAIN_GRAD, batchNormTrainGradKernel as tf.KernelFunc],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc });
  }
  tf.registerGradient({
    kernelName: CAM_MAPS,
    inputsToSave: ['fmap', 'weight'],
    gradFunc: (dy, saved) => {
      const [, weight] = saved;
      return {
        fmap: () => tf.engine().runKernel(CAM_MAPS_GRAD, { dy: dy as tf.Tensor, weight }) as tf.Tensor,
        // The seed's fc.weight.detach(): the CAM sends no gradient into the classifier.
        weight: () => tf.zerosLike(weight),
      };
    },
  });
  tf.registerGradient({
    kernelName: REFINE_CAMS,
    inputsToSave: ['cam'],
    // The backward reads the forward's outputs rather than recomputing upsample and exp.
    outputsToSave: [true, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [dCams, dSig] = dys as tf.Tensor[];
      const [cam, cams, sigmoidCams, stats] = saved;
      return {
        cam: () =>
          tf.engine().runKernel(REFINE_CAMS_GRAD, { cam, cams, sigmoidCams, stats, dCams, dSig }, attrs) as tf.Tensor,
      };
    },
  });
  tf.registerGradient({
    kernelName: REFINE_SIGMOID_CAMS,
    inputsToSave: ['cam'],
    outputsToSave: [true, true],
    gradFunc: (dys, saved, attrs) => {
      // dys[1] is the stats output's zero gradient (tiny); stats carry no gradient of their own.
      const [dSig] = dys as tf.Tensor[];
      const [cam, sigmoidCams, stats] = saved;
      return {
        cam: () => tf.engine().runKernel(REFINE_SIGMOID_CAMS_GRAD, { cam, sigmoidCams, stats, dSig }, attrs) as tf.Tensor,
      };
    },
  });
  tf.registerGradient({
    kernelName: BATCH_NORM_TRAIN,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true],
    gradFunc: (dys, saved, attrs) => {
      // dys[1] is the stats output's zero gradient: the running-statistics update is not differentiated.
      const [dy] = dys as tf.Tensor[];
      const [x, gamma, stats] = saved;
      // One kernel computes all three, here rather than in a thunk: tfjs runs each input's thunk in
      // its own tidy, which would dispose the two gradients that thunk does not return.
      const [dx, dGamma, dBeta] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { x, gamma, stats, dy }, attrs) as tf.Tensor[];
      return { x: () => dx!, gamma: () => dGamma!, beta: () => dBeta! };
    },
  });
}
