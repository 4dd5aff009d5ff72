/**
 * Starts tfjs inside the worker on the chosen backend. On webgpu tfjs requests its own adapter and
 * device; we take that device from the backend to report a lost device, which otherwise fails
 * silently as every later readback hangs or rejects.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from './protocol.ts';

export interface BackendHooks {
  onDeviceLost(message: string): void;
  onUncapturedError(message: string): void;
}

/** Throws with the backend name and what to try next when the backend does not start. */
export async function startBackend(backend: BackendName, hooks: BackendHooks): Promise<void> {
  if (backend === 'webgpu') {
    // Registers the 'webgpu' backend factory; imported lazily so the fallbacks never load it.
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(backend);
    await tf.ready();
  } catch (err) {
    throw new Error(`tfjs backend "${backend}" failed to start: ${errorText(err)}`);
  }
  if (!ok || tf.getBackend() !== backend) {
    throw new Error(
      `tfjs backend "${backend}" did not initialise (active: "${tf.getBackend() ?? 'none'}").` +
        (backend === 'webgpu' ? ' Try the slower fallback.' : ''),
    );
  }
  if (backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    if (!device) throw new Error('tfjs webgpu backend started without a GPUDevice.');
    device.label ||= 'gazecam-training';
    void device.lost.then((lost) => {
      if (lost.reason !== 'destroyed') hooks.onDeviceLost(`${lost.reason}: ${lost.message}`);
    });
    device.addEventListener('uncapturederror', (event) => {
      hooks.onUncapturedError((event as GPUUncapturedErrorEvent).error.message);
    });
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
