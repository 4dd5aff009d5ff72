/**
 * The engine's public API (DESIGN.md section 3). DOM-free: used by the studio's worker, the CLI and
 * tests. All tensors are NHWC (tfjs layout); conversions to PyTorch's NCHW live in io/layout.ts.
 */
export { camMaps, refineCams, refineSigmoidCams, upsampleAlignCorners, prepareKernels, configureKernels } from './kernels/index.ts';
export type { RefinedCams, KernelOptions } from './kernels/index.ts';

// The rest of the engine, by area (namespaced: names like `Optimizer` or `StateDict` stay unambiguous).
export * as model from './model/index.ts';
export * as io from './io/index.ts';
export * as train from './train/index.ts';
