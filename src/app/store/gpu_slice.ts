import type { BackendName, Capabilities } from '../../worker/protocol.ts';
import type { SliceCreator } from './types.ts';

export type BackendStatus =
  | { state: 'idle' }
  | { state: 'starting'; backend: BackendName }
  | { state: 'ready'; backend: BackendName; initMs: number }
  | { state: 'failed'; backend: BackendName; message: string }
  | { state: 'lost'; backend: BackendName; message: string };

export interface GpuSlice {
  /** null until the worker has detected them (once per worker) */
  capabilities: Capabilities | null;
  backend: BackendStatus;
  /** GPU devices lost in this page so far; each one replaced the worker */
  deviceLosses: number;
  /** Asks the worker to (re)start tfjs on `backend`. */
  startBackend(backend: BackendName): void;
  capabilitiesDetected(capabilities: Capabilities): void;
  backendReady(backend: BackendName, initMs: number): void;
  backendFailed(backend: BackendName, message: string): void;
  /**
   * The worker's GPU device is gone: replace the worker, start the same backend in the new one and
   * hand it the dataset again, so the run can resume from its last checkpoint without a reload.
   */
  deviceLost(message: string): void;
}

/**
 * A device lost again and again (a failing GPU, a driver that keeps resetting) would replace the
 * worker in a loop; past this many the studio stops and asks for a reload instead.
 */
export const MAX_DEVICE_RECOVERIES = 3;

export const createGpuSlice: SliceCreator<GpuSlice> = (port) => (set, get) => ({
  capabilities: null,
  backend: { state: 'idle' },
  deviceLosses: 0,
  startBackend: (backend) => {
    set({ backend: { state: 'starting', backend } });
    port.post({ type: 'init', backend });
  },
  capabilitiesDetected: (capabilities) => set({ capabilities }),
  backendReady: (backend, initMs) => set({ backend: { state: 'ready', backend, initMs } }),
  backendFailed: (backend, message) => set({ backend: { state: 'failed', backend, message } }),
  deviceLost: (message) => {
    const current = get().backend;
    const backend = current.state === 'idle' ? 'webgpu' : current.backend;
    const deviceLosses = get().deviceLosses + 1;
    const wasTraining = get().trainingStatus !== 'idle';
    set({ backend: { state: 'lost', backend, message }, deviceLosses });
    get().trainingInterrupted(`Interrupted: the GPU device was lost (${message}).`);
    if (deviceLosses > MAX_DEVICE_RECOVERIES) {
      get().notify(
        'error',
        `The GPU device was lost again (${message}), ${deviceLosses} times on this page. Reload the page; if it keeps ` +
          'happening, close other GPU-heavy tabs or use the slower fallback. The last checkpoint is kept.',
      );
      return;
    }
    port.replaceWorker();
    get().startBackend(backend);
    get().reloadDataset();
    get().reloadImportedWeights();
    get().notify(
      'error',
      `The GPU device was lost (${message}). The studio started a new one` +
        (wasTraining ? ': press "Resume training" to continue from the last checkpoint (the steps since it are lost).' : '.'),
    );
  },
});

/** The fallback to offer when WebGPU is missing: WebGL2 in the worker if it has it, else CPU. */
export function fallbackBackend(capabilities: Capabilities): BackendName {
  return capabilities.webgl2InWorker ? 'webgl' : 'cpu';
}

/** "google swiftshader — SwiftShader Device (Subzero)"; Chrome hides the description by default. */
export function adapterLabel(capabilities: Capabilities): string | null {
  const gpu = capabilities.webgpu;
  if (!gpu.available) return null;
  const { vendor, architecture, description } = gpu.adapter;
  const vendorArch = [vendor, architecture].filter(Boolean).join(' ');
  return [vendorArch, description].filter(Boolean).join(' — ') || 'unnamed adapter';
}
