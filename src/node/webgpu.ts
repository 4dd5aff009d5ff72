/**
 * Makes tfjs run on WebGPU in Node through Dawn (the `webgpu` npm package).
 *
 * Why a module of its own: Dawn's `create()` returns the GPU entry object whose native side owns the
 * instance. If that object is garbage-collected while devices live, Dawn crashes at random (SIGSEGV,
 * futex errors; DESIGN.md section 5). We pin it in a module-level constant for the whole process.
 */
import { create, globals } from 'webgpu';
import * as tf from '@tensorflow/tfjs';

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  device: string;
}

// Pinned for the life of the process: see the header.
let pinnedGpu: GPU | undefined;

function installNavigatorGpu(dawnOptions: string[]): GPU {
  if (pinnedGpu) return pinnedGpu;
  Object.assign(globalThis, globals);
  pinnedGpu = create(dawnOptions);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) {
    Object.defineProperty(nav, 'gpu', { value: pinnedGpu, configurable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: pinnedGpu }, configurable: true });
  }
  // Mesa's lavapipe and Dawn want a runtime dir; headless CI machines often have none.
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  return pinnedGpu;
}

/**
 * Registers and selects the tfjs WebGPU backend, backed by Dawn. Throws with the reason and what to
 * do when no adapter is found: callers that need WebGPU must fail loudly, never fall back quietly.
 */
export async function initNodeWebGPU(dawnOptions: string[] = []): Promise<AdapterInfo> {
  const gpu = installNavigatorGpu(dawnOptions);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error(
      'No WebGPU adapter found through Dawn. Install a Vulkan driver (on Debian: ' +
        '`apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`, or run ' +
        '`bash scripts/install-system-deps.sh`), or use `--backend cpu`.',
    );
  }
  const info = adapterInfoOf(adapter);
  // Imported only now: the backend module reads navigator.gpu when it registers.
  await import('@tensorflow/tfjs-backend-webgpu');
  const ok = await tf.setBackend('webgpu');
  if (!ok || tf.getBackend() !== 'webgpu') {
    throw new Error(`tfjs could not initialise its webgpu backend on adapter "${info.description}".`);
  }
  await tf.ready();
  watchDeviceErrors((tf.backend() as unknown as { device: GPUDevice }).device);
  return info;
}

const gpuErrors: string[] = [];

/**
 * Validation errors on a WebGPU device do not throw: Dawn prints them and the dispatch silently
 * does nothing, so a benchmark would time no work and report a fine number. We collect them so
 * callers (bench, CLI, tests) can fail loudly.
 */
function watchDeviceErrors(device: GPUDevice): void {
  device.onuncapturederror = (event: GPUUncapturedErrorEvent) => {
    gpuErrors.push(event.error.message);
  };
}

/** GPU errors since the last call (and clears them). */
export function takeGPUErrors(): string[] {
  return gpuErrors.splice(0, gpuErrors.length);
}

/** Throws if the GPU reported any error since the last check: results computed since are garbage. */
export function assertNoGPUErrors(context: string): void {
  const errors = takeGPUErrors();
  if (errors.length > 0) {
    throw new Error(`${context}: the WebGPU device reported ${errors.length} error(s); first: ${errors[0]}`);
  }
}

function adapterInfoOf(adapter: GPUAdapter): AdapterInfo {
  const raw = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  return {
    vendor: raw?.vendor ?? '',
    architecture: raw?.architecture ?? '',
    description: raw?.description ?? '',
    device: raw?.device ?? '',
  };
}
