/**
 * The one place that asks the browser what it can do. Runs in the worker, once; the result is a
 * plain table the UI renders and the engine sizes its work by. Nothing else pokes at navigator.gpu.
 */
import type { AdapterLimits, Capabilities, WebGpuCapability } from './protocol.ts';

async function detectWebGpu(): Promise<WebGpuCapability> {
  if (!('gpu' in navigator) || !navigator.gpu) {
    return {
      available: false,
      reason:
        'This browser does not expose WebGPU to workers (navigator.gpu is missing). Use a recent Chrome or Edge; ' +
        'on Linux start it with --enable-unsafe-webgpu.',
    };
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { available: false, reason: `requestAdapter() failed: ${String(err)}` };
  }
  if (!adapter) {
    return {
      available: false,
      reason:
        'WebGPU is present but no adapter was found (GPU blocklisted, drivers missing, or disabled in chrome://flags).',
    };
  }
  const info = adapter.info;
  const l = adapter.limits;
  const limits: AdapterLimits = {
    maxBufferSize: l.maxBufferSize,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
  };
  return {
    available: true,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      // `isFallbackAdapter` moved from GPUAdapter to GPUAdapterInfo; read whichever this browser has.
      isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter),
    },
    limits,
    features: [...adapter.features].sort(),
  };
}

function detectWebgl2InWorker(): boolean {
  if (typeof OffscreenCanvas === 'undefined') return false;
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    const ok = gl !== null;
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
    return ok;
  } catch {
    return false;
  }
}

let detected: Promise<Capabilities> | undefined;

/** Detects once per worker; later calls get the same table. */
export function detectCapabilities(): Promise<Capabilities> {
  detected ??= (async () => ({
    webgpu: await detectWebGpu(),
    webgl2InWorker: detectWebgl2InWorker(),
    hardwareConcurrency: navigator.hardwareConcurrency ?? 1,
  }))();
  return detected;
}
