/**
 * One test suite, every backend: `forEachBackend` runs a describe block on tfjs cpu and on WebGPU
 * through Dawn. WebGPU without an adapter throws from `beforeAll`, so those tests fail loudly;
 * they are never skipped.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, beforeAll } from 'vitest';
import { assertNoGPUErrors, initNodeWebGPU, type AdapterInfo } from '../../src/node/webgpu.ts';

export type BackendName = 'cpu' | 'webgpu';
export const BACKENDS: BackendName[] = ['cpu', 'webgpu'];

let adapter: AdapterInfo | undefined;

export async function useBackend(name: BackendName): Promise<void> {
  if (name === 'webgpu') {
    adapter ??= await initNodeWebGPU();
  }
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tfjs backend "${name}" did not initialise`);
  await tf.ready();
}

/** The Dawn adapter useBackend('webgpu') started on (undefined before it ran). */
export function webgpuAdapter(): AdapterInfo | undefined {
  return adapter;
}

export function forEachBackend(title: string, body: (backend: BackendName) => void): void {
  for (const backend of BACKENDS) {
    describe(`${title} [${backend}]`, () => {
      beforeAll(async () => {
        await useBackend(backend);
      });
      // A WebGPU validation error does not throw; it makes the dispatch a no-op. Fail the test.
      afterEach(() => {
        if (backend === 'webgpu') assertNoGPUErrors('WebGPU device');
      });
      body(backend);
    });
  }
}

/** Max |a-b| / max(|b|, floor): a relative error that does not explode at zeros. */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-3): number {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  }
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor);
    if (!(err <= worst)) worst = err; // NaN propagates as the worst error
  }
  return worst;
}

/** maxRelError against the largest |expected|: for outputs whose small entries carry only summation-order noise. */
export function relToMax(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  return maxRelError(actual, expected, Math.max(scale, 1e-12));
}
