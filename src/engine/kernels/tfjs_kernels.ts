/**
 * tfjs's own webgpu kernels that ours replace (Conv2D, Conv2DBackpropFilter), captured before the
 * swap: ours hand them what they do not cover, and parity tests and benchmarks put them back.
 */
import * as tf from '@tensorflow/tfjs';

const captured = new Map<string, tf.KernelConfig>();

/** tfjs's original kernel for `name`; throws if it was never captured (a registration bug). */
export function tfjsKernel(name: string): tf.KernelConfig {
  const kernel = captured.get(name);
  if (!kernel) throw new Error(`tfjs webgpu ${name} was not captured before replacing it`);
  return kernel;
}

/** Registers `ours` for webgpu's `name` (enabled) or puts tfjs's back. Idempotent. */
export function swapKernel(name: string, ours: tf.KernelFunc, enabled: boolean): void {
  if (!captured.has(name)) {
    const theirs = tf.getKernel(name, 'webgpu');
    if (!theirs) throw new Error(`tfjs-backend-webgpu is not loaded: no ${name} to replace`);
    captured.set(name, theirs);
  }
  const wanted = enabled ? ours : tfjsKernel(name).kernelFunc;
  if (tf.getKernel(name, 'webgpu')?.kernelFunc === wanted) return;
  tf.unregisterKernel(name, 'webgpu');
  tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc: wanted });
}
