import type { BackendName, Capabilities, EngineFeatures } from '../../worker/protocol.ts';
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
  /** which engine pieces this build can run; null until the worker reports */
  engine: EngineFeatures | null;
  backend: BackendStatus;
  /** Asks the worker to (re)start tfjs on `backend`. */
  startBackend(backend: BackendName): void;
  capabilitiesDetected(capabilities: Capabilities, engine: EngineFeatures): void;
  backendReady(backend: BackendName, initMs: number): void;
  backendFailed(backend: BackendName, message: string): void;
  deviceLost(message: string): void;
}

export const createGpuSlice: SliceCreator<GpuSlice> = (port) => (set, get) => ({
  capabilities: null,
  engine: null,
  backend: { state: 'idle' },
  startBackend: (backend) => {
    set({ backend: { state: 'starting', backend } });
    port.post({ type: 'init', backend });
  },
  capabilitiesDetected: (capabilities, engine) => set({ capabilities, engine }),
  backendReady: (backend, initMs) => set({ backend: { state: 'ready', backend, initMs } }),
  backendFailed: (backend, message) => set({ backend: { state: 'failed', backend, message } }),
  deviceLost: (message) => {
    const current = get().backend;
    const backend = current.state === 'idle' ? 'webgpu' : current.backend;
    set({ backend: { state: 'lost', backend, message } });
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
