import { useStudio } from '../use_studio.ts';
import { adapterLabel, fallbackBackend } from '../store/gpu_slice.ts';

const BACKEND_LABEL = { webgpu: 'WebGPU', webgl: 'WebGL (fallback)', cpu: 'CPU (fallback)' } as const;

/** Which adapter the worker got, or why there is none and what to do instead. */
export function GpuStatus() {
  const capabilities = useStudio((s) => s.capabilities);
  const backend = useStudio((s) => s.backend);
  const startBackend = useStudio((s) => s.startBackend);
  const deviceLosses = useStudio((s) => s.deviceLosses);

  if (!capabilities) {
    return (
      <p className="gpu-status" role="status" aria-label="GPU">
        Detecting GPU…
      </p>
    );
  }
  const label = adapterLabel(capabilities);
  const fallback = fallbackBackend(capabilities);
  const onFallback = backend.state !== 'idle' && backend.backend !== 'webgpu';
  const webgpuBroken = backend.state === 'failed' && backend.backend === 'webgpu';
  const fallbackButton = !onFallback && (
    <button type="button" onClick={() => startBackend(fallback)}>
      Use slower fallback ({BACKEND_LABEL[fallback]})
    </button>
  );
  return (
    <div className="gpu-status" role="status" aria-label="GPU">
      {label ? (
        <span className="gpu-adapter" title={label}>
          WebGPU: {label}
        </span>
      ) : (
        <div className="gpu-missing">
          <strong>WebGPU is not available.</strong> {!capabilities.webgpu.available && capabilities.webgpu.reason}{' '}
          Training still works on the slower {BACKEND_LABEL[fallback]} backend.
          {fallbackButton}
        </div>
      )}
      <span className={`backend-state backend-${backend.state}`}>
        {backend.state === 'starting' && `Starting ${BACKEND_LABEL[backend.backend]}…`}
        {backend.state === 'ready' && `${BACKEND_LABEL[backend.backend]} ready`}
        {backend.state === 'ready' && deviceLosses > 0 && ` (a new device, after ${deviceLosses === 1 ? 'a lost one' : `${deviceLosses} lost ones`})`}
        {backend.state === 'failed' &&
          // A missing adapter is already explained above; any other failure is news.
          !(backend.backend === 'webgpu' && !label) &&
          `${BACKEND_LABEL[backend.backend]} failed: ${backend.message}`}
        {backend.state === 'lost' && `GPU device lost: ${backend.message}. Reload to continue.`}
      </span>
      {label && webgpuBroken && fallbackButton}
    </div>
  );
}
