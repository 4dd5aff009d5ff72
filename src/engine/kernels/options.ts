/**
 * How the engine's kernels run: one typed table, changed only through configureKernels (registry.ts)
 * by benchmarks and parity tests. The defaults are what training uses.
 */

/**
 * Which conv and batch-norm reduction programs run. 'tiled' stages tiles in workgroup memory between
 * barriers (tfjs's Conv2D, our split-K filter gradient): right for GPUs. 'direct' is barrier-free,
 * each invocation owning a register block: right for adapters that run workgroups on CPU threads,
 * where every barrier parks and resumes the whole workgroup.
 */
export type KernelPath = 'tiled' | 'direct';

export interface KernelOptions {
  /** 'auto' takes the adapter's path, decided once when the kernels are registered */
  path: KernelPath | 'auto';
  /** Conv2D: ours on the direct path (tfjs's elsewhere), or always tfjs's */
  conv2d: 'gazecam' | 'tfjs';
  /** Conv2DBackpropFilter: our implicit GEMM / direct program, or tfjs's */
  convBackpropFilter: 'gazecam' | 'tfjs';
  /** training-mode batch norm: the fused WGSL kernels, or the plain-tfjs customGrad */
  batchNorm: 'fused' | 'reference';
  /** the optimizer's per-parameter update: fused WGSL kernels, or composed tfjs ops */
  optimizer: 'fused' | 'composed';
}

export const DEFAULT_KERNEL_OPTIONS: Readonly<KernelOptions> = Object.freeze({
  path: 'auto',
  conv2d: 'gazecam',
  convBackpropFilter: 'gazecam',
  batchNorm: 'fused',
  optimizer: 'fused',
});

let options: KernelOptions = { ...DEFAULT_KERNEL_OPTIONS };
/** The adapter's path, set once at registration (null before, and on non-webgpu backends). */
let adapterPath: KernelPath | null = null;

export function kernelOptions(): Readonly<KernelOptions> {
  return options;
}

/** Replaces the options; returns the previous ones. Call configureKernels, which also swaps kernels. */
export function setKernelOptions(next: KernelOptions): KernelOptions {
  const previous = options;
  options = { ...next };
  return previous;
}

/**
 * SwiftShader (Chrome with no usable GPU: architecture "swiftshader") and Mesa's llvmpipe/lavapipe
 * (Dawn reports architecture "software"; tfjs keeps only vendor and architecture).
 */
export function isCpuAdapter(info: { vendor?: string; architecture?: string } | undefined): boolean {
  return /swiftshader|llvmpipe|lavapipe|^software$/i.test(info?.architecture ?? '');
}

/** The path an adapter wants: direct on CPU adapters, tiled on GPUs. */
export function pathForAdapter(info: { vendor?: string; architecture?: string } | undefined): KernelPath {
  return isCpuAdapter(info) ? 'direct' : 'tiled';
}

/** Decides the adapter's path, once per backend: the registry calls it with tfjs's adapter info. */
export function decideAdapterPath(info: { vendor?: string; architecture?: string } | undefined): void {
  adapterPath = pathForAdapter(info);
}

/** The path the conv and batch-norm kernels take now. */
export function activeKernelPath(): KernelPath {
  return options.path !== 'auto' ? options.path : (adapterPath ?? 'tiled');
}
