/**
 * Where one training step's time goes, per kernel name: tf.profile of one step after warm-up, its
 * kernel times summed by name. Written to compare backends kernel by kernel in the browser
 * (WebGPU vs WebGL on the same SwiftShader CPU), where a step-level ratio says only who loses.
 *
 * What "kernel time" means depends on the backend's timer, and the profile says which it got:
 * - webgpu with the 'timestamp-query' feature: GPU time of each program's compute pass (tfjs puts
 *   every program in its own pass while profiling); without the feature tfjs reports 0 for all.
 * - webgl with EXT_disjoint_timer_query(_webgl2): GPU time of each program's draw calls.
 * - otherwise (webgl without the extension, cpu): tfjs's profiler runs the kernel, then reads every
 *   output back (dataSync) and reports the wall time, readback included.
 * DOM-free.
 */
import * as tf from '@tensorflow/tfjs';

export type KernelTimer = 'webgpu-timestamp-query' | 'webgpu-no-timer' | 'webgl-disjoint-timer-query' | 'wall-with-readback';

export interface KernelTotal {
  /** tfjs kernel name, e.g. Conv2D; ours are registered under tfjs's names */
  name: string;
  ms: number;
  calls: number;
}

export interface StepProfile {
  timer: KernelTimer;
  /** wall time of the profiled step; profiling syncs per kernel, so longer than an unprofiled step */
  profiledStepMs: number;
  /** sum of every kernel's time */
  kernelMs: number;
  kernelCalls: number;
  /** kernels whose time the timer could not give (an error object instead of a number) */
  untimedCalls: number;
  /** by total time, largest first */
  kernels: KernelTotal[];
}

/** Which timer tf.profile uses on the active backend (see the file header). */
export function kernelTimer(): KernelTimer {
  const backend = tf.getBackend();
  if (backend === 'webgpu') {
    const supported = (tf.backend() as unknown as { supportTimestampQuery?: boolean }).supportTimestampQuery;
    return supported ? 'webgpu-timestamp-query' : 'webgpu-no-timer';
  }
  if (backend === 'webgl' && tf.env().getNumber('WEBGL_DISJOINT_QUERY_TIMER_EXTENSION_RELIABLE') > 0) {
    return 'webgl-disjoint-timer-query';
  }
  return 'wall-with-readback';
}

/** Profiles one call of `step` (which must wait for its own results) and sums kernel times by name. */
export async function profileStep(step: () => Promise<void>): Promise<StepProfile> {
  const timer = kernelTimer();
  const t0 = performance.now();
  const info = await tf.profile(step);
  const profiledStepMs = performance.now() - t0;
  const byName = new Map<string, KernelTotal>();
  let untimedCalls = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    if (typeof k.kernelTimeMs !== 'number') untimedCalls++;
    const entry = byName.get(k.name) ?? { name: k.name, ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls++;
    byName.set(k.name, entry);
  }
  const kernels = [...byName.values()].sort((a, b) => b.ms - a.ms);
  return {
    timer,
    profiledStepMs,
    kernelMs: kernels.reduce((sum, k) => sum + k.ms, 0),
    kernelCalls: info.kernels.length,
    untimedCalls,
    kernels,
  };
}
