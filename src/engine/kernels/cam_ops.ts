/**
 * Dispatch for the CAM ops: the fused WGSL kernels on webgpu, the plain-tfjs reference elsewhere.
 * Both paths have the same semantics (seed parity tests run both), detach of the FC weight included.
 */
import * as tf from '@tensorflow/tfjs';
import { camMapsReference } from './cam_reference.ts';
import { refineCamsReference, upsampleAlignCornersReference, type RefinedCams } from './refine_reference.ts';
import { CAM_MAPS, REFINE_CAMS, REFINE_SIGMOID_CAMS, registerWebGPUKernels } from './register_webgpu.ts';

/**
 * True on webgpu, after registering our kernels there (the fused CAM ops, and the faster
 * Conv2DBackpropFilter). Training and evaluation call it up front; cheap after the first call.
 */
export function prepareKernels(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  registerWebGPUKernels();
  return true;
}

/** fmap [B,h,w,C], fcWeight [C,K] -> cam [B,h,w,K]; no gradient reaches fcWeight. */
export function camMaps(fmapNhwc: tf.Tensor4D, fcWeight: tf.Tensor2D): tf.Tensor4D {
  if (fmapNhwc.shape[3] !== fcWeight.shape[0]) {
    throw new Error(
      `camMaps: feature map has ${fmapNhwc.shape[3]} channels but the FC weight [C,K] has C=${fcWeight.shape[0]}; ` +
        'pass the classifier weight as [C,K] (transpose of nn.Linear.weight).',
    );
  }
  if (!prepareKernels()) return camMapsReference(fmapNhwc, fcWeight);
  return tf.engine().runKernel(CAM_MAPS, { fmap: fmapNhwc, weight: fcWeight }) as tf.Tensor4D;
}

function checkTargetSize(outH: number, outW: number): void {
  if (!(outH >= 1 && outW >= 1 && Number.isInteger(outH) && Number.isInteger(outW))) {
    throw new Error(`refineCams: target size must be positive integers, got [${outH}, ${outW}]`);
  }
}

/** cam [B,h,w,K] -> normalised cams and sigmoid cams at [H,W] (the seed's refine_cams). */
export function refineCams(camNhwc: tf.Tensor4D, [outH, outW]: [number, number]): RefinedCams {
  checkTargetSize(outH, outW);
  if (!prepareKernels()) return refineCamsReference(camNhwc, [outH, outW]);
  const [cams, sigmoidCams, stats] = tf.engine().runKernel(REFINE_CAMS, { cam: camNhwc }, { outH, outW }) as tf.Tensor4D[];
  // stats are an internal output kept for the gradient; the engine holds its own reference.
  stats.dispose();
  return { cams, sigmoidCams };
}

/**
 * refine_cams' sigmoid output alone, for losses that use nothing else: on webgpu it skips writing
 * the cams map and, in the backward, the zero gradient tfjs would upload for an unused output.
 */
export function refineSigmoidCams(camNhwc: tf.Tensor4D, [outH, outW]: [number, number]): tf.Tensor4D {
  checkTargetSize(outH, outW);
  if (!prepareKernels()) return refineCamsReference(camNhwc, [outH, outW]).sigmoidCams;
  const [sigmoidCams, stats] = tf.engine().runKernel(REFINE_SIGMOID_CAMS, { cam: camNhwc }, { outH, outW }) as tf.Tensor4D[];
  stats.dispose();
  return sigmoidCams;
}

/**
 * x [B,h,w,C] -> [B,H,W,C], bilinear with align_corners=True (PyTorch's F.interpolate), differentiable.
 * webgpu: tfjs's native resizeBilinear (verified against PyTorch); other backends: interpolation
 * matmuls, because tfjs-backend-cpu's ResizeBilinearGrad swaps H and W on non-square maps.
 */
export function upsampleAlignCorners(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h === size[0] && w === size[1]) return x;
  if (tf.getBackend() === 'webgpu') return tf.image.resizeBilinear(x, size, true);
  return upsampleAlignCornersReference(x, size);
}
