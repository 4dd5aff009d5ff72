/**
 * The seed's refine_cams as webgpu kernels, forward and backward:
 * - GazecamRefineCams (cam) -> [cams, sigmoidCams, stats];
 * - GazecamRefineSigmoidCams (cam) -> [sigmoidCams, stats], for the losses, which use only the
 *   sigmoid maps: no cams map is written, and its backward recomputes the x-upsampled rows.
 * `stats` holds each (image, class) map's min and range, an internal output kept for the gradient.
 */
import * as tf from '@tensorflow/tfjs';
import {
  RefineGradColsProgram,
  RefineGradRowsProgram,
  RefineGradSumsProgram,
  RefineNormaliseProgram,
  RefineRowsUpProgram,
  RefineSigmoidProgram,
  RefineStatsProgram,
} from './program.ts';
import { alignCornersScale, take, type KernelArgs, type KernelSet, type ProgramUniform, type WebGPUBackendLike } from '../webgpu_program.ts';

export const REFINE_CAMS = 'GazecamRefineCams';
export const REFINE_CAMS_GRAD = 'GazecamRefineCamsGrad';
export const REFINE_SIGMOID_CAMS = 'GazecamRefineSigmoidCams';
export const REFINE_SIGMOID_CAMS_GRAD = 'GazecamRefineSigmoidCamsGrad';

export interface RefineAttrs {
  outH: number;
  outW: number;
  [key: string]: number;
}

function refineUniforms(camShape: number[], { outH, outW }: RefineAttrs): ProgramUniform[] {
  return [
    { type: 'int32', data: [outH] },
    { type: 'int32', data: [outW] },
    { type: 'float32', data: [alignCornersScale(camShape[1]!, outH)] },
    { type: 'float32', data: [alignCornersScale(camShape[2]!, outW)] },
  ];
}

/**
 * The forward shared by both kernels: the x-upsampled rows, the per-(image, class) stats, then the
 * normalise pass (cams, or with `sigmoid` the sigmoid maps directly). Frees the rows.
 */
function refineForward(args: KernelArgs, sigmoid: boolean) {
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

/**
 * The backward's last two passes, shared by both kernels: du summed along x through the bilinear
 * taps (rows), then along y (cols) into dCam. Frees `sums` and the rows.
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

function refineCamsKernel(args: KernelArgs) {
  const { backend, maps: cams, stats } = refineForward(args, false);
  const sigmoid = backend.runWebGPUProgram(new RefineSigmoidProgram(cams.shape), [cams], 'float32');
  return [cams, sigmoid, stats];
}

function refineCamsGradKernel(args: KernelArgs) {
  const backend = args.backend as WebGPUBackendLike;
  const { cam, cams, sigmoidCams, stats, dCams, dSig } = take(args.inputs, 'cam', 'cams', 'sigmoidCams', 'stats', 'dCams', 'dSig');
  const attrs = args.attrs as RefineAttrs;
  const uniforms = refineUniforms(cam.shape, attrs);
  const sums = backend.runWebGPUProgram(new RefineGradSumsProgram(cam.shape), [cams, sigmoidCams, dCams, dSig], 'float32', uniforms);
  return refineGradRowsCols(backend, cam.shape, [attrs.outH, attrs.outW], uniforms, true, [stats, sigmoidCams, dCams, dSig], sums);
}

function refineSigmoidCamsKernel(args: KernelArgs) {
  const { maps: sigmoid, stats } = refineForward(args, true);
  return [sigmoid, stats];
}

/**
 * Recomputes the x-upsampled rows (a map of h*W, small) instead of saving them, and cams from them
 * inside the sums pass: cheaper than writing and reading a full cams map.
 */
function refineSigmoidCamsGradKernel(args: KernelArgs) {
  const backend = args.backend as WebGPUBackendLike;
  const { cam, sigmoidCams, stats, dSig } = take(args.inputs, 'cam', 'sigmoidCams', 'stats', 'dSig');
  const attrs = args.attrs as RefineAttrs;
  const size: [number, number] = [attrs.outH, attrs.outW];
  const uniforms = refineUniforms(cam.shape, attrs);
  const rowsUp = backend.runWebGPUProgram(new RefineRowsUpProgram(cam.shape, size), [cam], 'float32', uniforms);
  const sums = backend.runWebGPUProgram(new RefineGradSumsProgram(cam.shape, false), [rowsUp, stats, sigmoidCams, dSig], 'float32', uniforms);
  backend.disposeData(rowsUp.dataId);
  return refineGradRowsCols(backend, cam.shape, size, uniforms, false, [stats, sigmoidCams, dSig], sums);
}

export const refineKernels: KernelSet = {
  kernels: [
    { name: REFINE_CAMS, func: refineCamsKernel },
    { name: REFINE_CAMS_GRAD, func: refineCamsGradKernel },
    { name: REFINE_SIGMOID_CAMS, func: refineSigmoidCamsKernel },
    { name: REFINE_SIGMOID_CAMS_GRAD, func: refineSigmoidCamsGradKernel },
  ],
  gradients: [
    {
      kernelName: REFINE_CAMS,
      inputsToSave: ['cam'],
      // The backward reads the forward's outputs rather than recomputing upsample and exp.
      outputsToSave: [true, true, true],
      gradFunc: (dys, saved, attrs) => {
        const [dCams, dSig] = dys as tf.Tensor[];
        const [cam, cams, sigmoidCams, stats] = saved;
        return {
          cam: () => tf.engine().runKernel(REFINE_CAMS_GRAD, { cam: cam!, cams: cams!, sigmoidCams: sigmoidCams!, stats: stats!, dCams: dCams!, dSig: dSig! }, attrs) as tf.Tensor,
        };
      },
    },
    {
      kernelName: REFINE_SIGMOID_CAMS,
      inputsToSave: ['cam'],
      outputsToSave: [true, true],
      gradFunc: (dys, saved, attrs) => {
        // dys[1] is the stats output's zero gradient; stats carry no gradient of their own.
        const [dSig] = dys as tf.Tensor[];
        const [cam, sigmoidCams, stats] = saved;
        return {
          cam: () => tf.engine().runKernel(REFINE_SIGMOID_CAMS_GRAD, { cam: cam!, sigmoidCams: sigmoidCams!, stats: stats!, dSig: dSig! }, attrs) as tf.Tensor,
        };
      },
    },
  ],
};
