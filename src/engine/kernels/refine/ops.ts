/**
 * refine_cams and the align_corners upsample: the fused kernels on webgpu, the plain-tfjs reference
 * elsewhere (same semantics, tested against the seed's PyTorch fixtures on both).
 */
import * as tf from '@tensorflow/tfjs';
import { prepareKernels } from '../registry.ts';
import { REFINE_CAMS, REFINE_SIGMOID_CAMS } from './kernel.ts';
import { refineCamsReference, upsampleAlignCornersReference, type RefinedCams } from './reference.ts';

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
  // The gradient holds its own reference to the stats.
  stats!.dispose();
  return { cams: cams!, sigmoidCams: sigmoidCams! };
}

/** refine_cams' sigmoid output alone, for losses that use nothing else. */
export function refineSigmoidCams(camNhwc: tf.Tensor4D, [outH, outW]: [number, number]): tf.Tensor4D {
  checkTargetSize(outH, outW);
  if (!prepareKernels()) return refineCamsReference(camNhwc, [outH, outW]).sigmoidCams;
  const [sigmoidCams, stats] = tf.engine().runKernel(REFINE_SIGMOID_CAMS, { cam: camNhwc }, { outH, outW }) as tf.Tensor4D[];
  stats!.dispose();
  return sigmoidCams!;
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
