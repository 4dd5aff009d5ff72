/**
 * The bench page's worker: starts one tfjs backend exactly as the studio's training worker does
 * (src/worker/backend.ts), then runs the DOM-free suite of src/bench on it and posts each result as
 * it lands. One worker per backend, so a backend's textures, buffers and kernel registrations never
 * leak into the next one's timings.
 *
 * In a worker rather than on the page because that is where the studio trains; tfjs-backend-webgl
 * renders into an OffscreenCanvas there (Chromium has WebGL2 in workers).
 */
import * as tf from '@tensorflow/tfjs';
import { errorText, startBackend } from '../../worker/backend.ts';
import { detectCapabilities } from '../../worker/capabilities.ts';
import { abTrainingStep, parseAbSpec } from '../ab.ts';
import { benchCamKernels } from '../kernels.ts';
import type { BenchBackend } from '../plan.ts';
import type { DeviceInfo } from '../report.ts';
import { benchTrainingStep } from '../training.ts';
import type { FromBenchWorker, RunBench } from './protocol.ts';

interface WorkerScope {
  postMessage(message: FromBenchWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<RunBench>) => void): void;
}
const scope = self as unknown as WorkerScope;
const post = (message: FromBenchWorker) => scope.postMessage(message);

/** Device errors do not throw: a dispatch that failed validation silently does nothing, and a
 *  benchmark would time no work. Collected here, checked after every measurement. */
const deviceErrors: string[] = [];

function assertNoDeviceErrors(what: string): void {
  if (deviceErrors.length > 0) {
    throw new Error(`${what}: the WebGPU device reported ${deviceErrors.length} error(s), so the timings are void; first: ${deviceErrors[0]}`);
  }
}

async function start(backend: BenchBackend): Promise<DeviceInfo> {
  if (backend === 'webgpu') {
    const { webgpu } = await detectCapabilities();
    if (!webgpu.available) {
      throw new Error(`no WebGPU in this worker: ${webgpu.reason} Drop webgpu from backends= to bench the others.`);
    }
    await startBackend('webgpu', {
      onDeviceLost: (message) => deviceErrors.push(`device lost: ${message}`),
      onUncapturedError: (message) => deviceErrors.push(message),
    });
    const { vendor, architecture, description } = webgpu.adapter;
    // Stock Chrome leaves the description empty unless --enable-webgpu-developer-features is set.
    return { vendor, architecture, description: description || `${vendor} ${architecture}`.trim() || 'WebGPU adapter (unnamed)' };
  }
  await startBackend(backend, { onDeviceLost: () => {}, onUncapturedError: () => {} });
  if (backend === 'webgl') return webglDevice();
  return { vendor: 'cpu', architecture: 'tfjs-cpu', description: 'tfjs cpu backend (JavaScript kernels, one thread)' };
}

/** The renderer tfjs's own GL context runs on: ANGLE/SwiftShader here, the GPU's name elsewhere. */
function webglDevice(): DeviceInfo {
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  if (!gl) throw new Error('tfjs webgl backend started without a GL context; cannot name the renderer.');
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  return {
    vendor: String(gl.getParameter(debug ? debug.UNMASKED_VENDOR_WEBGL : gl.VENDOR)),
    architecture: `${gl.getParameter(gl.VERSION)}; tfjs WEBGL_VERSION ${tf.env().get('WEBGL_VERSION')}`,
    description: String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)),
  };
}

async function run({ backend, plan }: RunBench): Promise<void> {
  const device = await start(backend);
  post({ type: 'device', backend, device });
  const tensorsBefore = tf.memory().numTensors;
  if (plan.suite !== 'training') {
    if (backend === 'webgpu') {
      const result = await benchCamKernels(plan.kernelShape, plan.kernelTiming);
      assertNoDeviceErrors('kernel suite');
      post({ type: 'kernel', result: { ...result, backend, device: device.description } });
    } else {
      // Off webgpu camMaps/refineCams are the composed reference: both sides would time the same ops.
      post({ type: 'log', line: `kernels on ${backend}: not run (the fused kernels exist on webgpu only)` });
    }
  }
  if (plan.suite !== 'kernels' && plan.ab !== undefined) {
    const spec = parseAbSpec(plan.ab);
    for (const tc of spec.backends.includes(backend) ? plan.trainingCases : []) {
      const result = await abTrainingStep(tc, spec, plan.trainingTiming);
      assertNoDeviceErrors(`A/B ${spec.what} ${tc.arch} ${tc.size}px`);
      post({ type: 'ab', result: { ...result, device: device.description } });
    }
    if (!spec.backends.includes(backend)) post({ type: 'log', line: `A/B ${spec.what} on ${backend}: not run (means something on ${spec.backends.join(', ')} only)` });
  } else if (plan.suite !== 'kernels') {
    for (const tc of plan.trainingCases) {
      const filters = backend === 'webgpu' && plan.abConvFilter ? (['gazecam', 'tfjs'] as const) : (['gazecam'] as const);
      for (const filter of filters) {
        const result = await benchTrainingStep(tc, plan.trainingTiming, {}, filter, 'gazecam', plan.profile);
        assertNoDeviceErrors(`training ${tc.arch} ${tc.size}px`);
        post({ type: 'training', result: { ...result, device: device.description } });
      }
    }
  }
  post({ type: 'done', backend, tensorsBefore, tensorsAfter: tf.memory().numTensors });
}

scope.addEventListener('message', (event) => {
  run(event.data).catch((err: unknown) => post({ type: 'error', backend: event.data.backend, message: errorText(err) }));
});
