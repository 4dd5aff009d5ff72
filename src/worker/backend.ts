/**
 * Starts tfjs inside the worker on the chosen backend. On webgpu tfjs requests its own adapter and
 * device; we take that device from the backend to report a lost device, which otherwise fails
 * silently as every later readback hangs or rejects. A lost device cannot be revived: the studio
 * replaces the whole worker (src/app/worker_client.ts), so nothing here tries to.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from './protocol.ts';

/** The device tfjs trains on, and whether its loss has been reported (once per device). */
let active: { device: GPUDevice; hooks: BackendHooks; lossReported: boolean } | null = null;

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
    const current = { device, hooks, lossReported: false };
    active = current;
    void device.lost.then((lost) => {
      // 'destroyed' is tfjs disposing its own backend; any other reason is the driver or the browser.
      if (lost.reason === 'destroyed' || current.lossReported) return;
      current.lossReported = true;
      hooks.onDeviceLost(`${lost.reason}: ${lost.message || 'no message from the browser'}`);
    });
    device.addEventListener('uncapturederror', (event) => {
      hooks.onUncapturedError((event as GPUUncapturedErrorEvent).error.message);
    });
  }
}

/**
 * The `debugLoseDevice` test hook: reports the loss first (a destroy() resolves `lost` with reason
 * 'destroyed', which is otherwise tfjs's own, silent, disposal), then destroys the device so every
 * later GPU call in this worker fails as it would after a driver reset.
 */
export function loseDeviceOnPurpose(): void {
  if (!active) throw new Error(`There is no WebGPU device to lose: the worker runs on "${tf.getBackend() ?? 'no backend'}".`);
  if (!active.lossReported) {
    active.lossReported = true;
    active.hooks.onDeviceLost('destroyed: the device was destroyed on purpose by the debugLoseDevice test hook');
  }
  active.device.destroy();
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
