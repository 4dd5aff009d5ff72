/**
 * The kernels' public face: the CAM ops the engine calls (fused on webgpu, plain-tfjs references
 * elsewhere), and prepareKernels / configureKernels. Each kernel lives in a folder of its own:
 * program.ts (WGSL), kernel.ts (tfjs glue and gradient), ops.ts (what the engine calls),
 * reference.ts (plain tfjs) and its test.
 */
export { camMaps } from './cam/ops.ts';
export { refineCams, refineSigmoidCams, upsampleAlignCorners } from './refine/ops.ts';
export type { RefinedCams } from './refine/reference.ts';
export {
  activeKernelPath,
  configureKernels,
  DEFAULT_KERNEL_OPTIONS,
  isCpuAdapter,
  pathForAdapter,
  kernelOptions,
  prepareKernels,
  type KernelOptions,
  type KernelPath,
} from './registry.ts';
