/**
 * Registers every GazeCAM kernel with tfjs's webgpu backend, once: the fused CAM, refine, batch-norm,
 * optimizer and augmentation kernels with their gradients, and our replacements of tfjs's Conv2D and
 * Conv2DBackpropFilter. A registration that throws is retried on the next call. The kernel path
 * ('auto') is decided here, once, from the adapter tfjs runs on.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentKernels } from './augment/kernel.ts';
import { batchNormKernels } from './batch_norm/kernel.ts';
import { camKernels } from './cam/kernel.ts';
import { CONV2D, conv2dKernel } from './conv2d/kernel.ts';
import { CONV2D_BACKPROP_FILTER, convBackpropFilterKernel } from './conv_backprop_filter/kernel.ts';
import { optimizerKernels } from './optimizer/kernel.ts';
import { decideAdapterPath, kernelOptions, setKernelOptions, type KernelOptions } from './options.ts';
import { refineKernels } from './refine/kernel.ts';
import { swapKernel } from './tfjs_kernels.ts';
import type { KernelSet } from './webgpu_program.ts';

const KERNEL_SETS: KernelSet[] = [camKernels, refineKernels, batchNormKernels, optimizerKernels, augmentKernels];

/** tfjs kernels we replace, and whether the options want ours. */
const REPLACEMENTS = [
  { name: CONV2D, ours: conv2dKernel, wanted: (o: KernelOptions) => o.conv2d === 'gazecam' },
  { name: CONV2D_BACKPROP_FILTER, ours: convBackpropFilterKernel, wanted: (o: KernelOptions) => o.convBackpropFilter === 'gazecam' },
];

/** The backend object our kernels were registered for (a new webgpu backend registers afresh). */
let registeredFor: object | null = null;

function applyReplacements(): void {
  const options = kernelOptions();
  for (const r of REPLACEMENTS) swapKernel(r.name, r.ours as tf.KernelFunc, r.wanted(options));
}

function registerKernels(backend: object): void {
  for (const set of KERNEL_SETS) {
    for (const { name, func } of set.kernels) {
      if (!tf.getKernel(name, 'webgpu')) tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc: func as tf.KernelFunc });
    }
    for (const gradient of set.gradients) {
      if (!tf.getGradient(gradient.kernelName)) tf.registerGradient(gradient);
    }
  }
  applyReplacements();
  decideAdapterPath((backend as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo);
  registeredFor = backend;
}

/**
 * True on webgpu, after making sure our kernels are registered there; false on other backends,
 * where the ops run their plain-tfjs references. Cheap after the first call.
 */
export function prepareKernels(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const backend = tf.backend();
  if (registeredFor !== backend) registerKernels(backend);
  return true;
}

/**
 * Changes how the kernels run (benchmarks' A/Bs, parity tests); returns the options before the
 * change, so a caller can put them back with configureKernels(previous).
 */
export function configureKernels(changes: Partial<KernelOptions>): KernelOptions {
  const previous = setKernelOptions({ ...kernelOptions(), ...changes });
  if (registeredFor) applyReplacements();
  return previous;
}

export { kernelOptions, activeKernelPath, isCpuAdapter, pathForAdapter, DEFAULT_KERNEL_OPTIONS } from './options.ts';
export type { KernelOptions, KernelPath } from './options.ts';
