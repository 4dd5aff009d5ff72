/**
 * The engine's public API (DESIGN.md section 3). DOM-free: used by the studio's worker, the CLI and
 * tests. All tensors are NHWC (tfjs layout); conversions to PyTorch's NCHW live in io/layout.ts.
 */
export { camMaps, refineCams, upsampleAlignCorners } from './kernels/cam_ops.ts';
export type { RefinedCams } from './kernels/refine_reference.ts';
