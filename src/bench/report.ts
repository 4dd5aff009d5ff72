/**
 * The benchmark report (DESIGN.md section 6: `{adapter, kernels, training}`) and its one-line text
 * form, shared by `gazecam bench`, the browser bench page and scripts/bench-browser.ts so the three
 * print the same lines. DOM-free.
 */
import type { AbResult } from './ab.ts';
import type { KernelResult } from './kernels.ts';
import type { TrainingResult } from './training.ts';

/** A WebGPU adapter; for webgl the WEBGL_debug_renderer_info strings; for cpu, tfjs's JS kernels. */
export interface DeviceInfo {
  vendor: string;
  architecture: string;
  description: string;
}

/** Results of the browser suite carry the backend and the device they ran on. */
export type BrowserKernelResult = KernelResult & { backend: string; device: string };
export type BrowserTrainingResult = TrainingResult & { device: string };

export interface BrowserBenchReport {
  /** the WebGPU adapter when webgpu was run, else the first backend's device (section 6's field) */
  adapter: DeviceInfo;
  kernels: BrowserKernelResult[];
  training: BrowserTrainingResult[];
  /** paired A/Bs of training steps (query ab=...) */
  ab: AbResult[];
  /** every backend that ran, with its device */
  backends: Record<string, DeviceInfo>;
  /** tf.memory().numTensors in each backend's worker before and after its whole suite */
  tensors: Record<string, { before: number; after: number }>;
  runtime: { userAgent: string; hardwareConcurrency: number; thread: 'worker' };
  timing: { kernels: { warmup: number; runs: number }; training: { warmup: number; runs: number } };
  startedAt: string;
}

export function formatKernel(k: KernelResult & { backend?: string }): string {
  return (
    `${k.name} [${k.shape}]${k.backend ? ` on ${k.backend}` : ''}: fused ${k.fusedMs.toFixed(1)} ms, composed ${k.composedMs.toFixed(1)} ms ` +
    `(reference ${k.composedReferenceMs.toFixed(1)}, naive resizeBilinear ${k.composedNaiveMs.toFixed(1)}) ` +
    `-> ${k.speedup.toFixed(2)}x; fused first call ${k.fusedFirstMs.toFixed(0)} ms`
  );
}

export function formatTraining(t: TrainingResult): string {
  const filter = t.backend === 'webgpu' ? `, ${t.kernelPath ?? 'tiled'} kernel path, ${t.convFilterKernel} conv filter grad, ${t.batchNormKernel} batch norm` : '';
  return (
    `train ${t.arch} ${t.size}px batch ${t.batch} (CAM stride ${t.camStride}) on ${t.backend}${filter}: ` +
    `${t.imagesPerSec.toFixed(2)} img/s (${t.stepMs.toFixed(0)} ms/step), ${t.gflopPerImage.toFixed(3)} GFLOP/img, ` +
    `${t.achievedGflops.toFixed(2)} GFLOP/s; first step ${t.firstStepMs.toFixed(0)} ms; tensor leak ${t.tensorLeak}`
  );
}

export function formatDevice(backend: string, d: DeviceInfo): string {
  return `${backend}: ${d.description} (${d.vendor}, ${d.architecture})`;
}

/**
 * Images/s of each backend relative to webgpu, per training case (same arch, size, batch and conv
 * filter kernel): the issue's WebGPU-vs-WebGL target is read from these.
 */
export function webgpuSpeedups(training: TrainingResult[]): string[] {
  const lines: string[] = [];
  for (const gpu of training.filter((t) => t.backend === 'webgpu' && t.convFilterKernel === 'gazecam' && t.batchNormKernel === 'gazecam')) {
    for (const other of training.filter((t) => t.backend !== 'webgpu' && t.arch === gpu.arch && t.size === gpu.size && t.batch === gpu.batch)) {
      lines.push(
        `${gpu.arch} ${gpu.size}px batch ${gpu.batch}: webgpu ${(gpu.imagesPerSec / other.imagesPerSec).toFixed(2)}x ${other.backend} ` +
          `(${gpu.imagesPerSec.toFixed(2)} vs ${other.imagesPerSec.toFixed(2)} img/s)`,
      );
    }
  }
  return lines;
}

/** One training case's profile as text lines: the timer, the totals, then the top kernels. */
export function formatProfile(t: TrainingResult, top = 12): string[] {
  const p = t.profile;
  if (!p) return [];
  const lines = [
    `profile ${t.arch} ${t.size}px batch ${t.batch} on ${t.backend} (${p.timer}): ${p.kernelMs.toFixed(0)} ms in ${p.kernelCalls} kernel calls` +
      `${p.untimedCalls ? ` (${p.untimedCalls} untimed)` : ''}; profiled step ${p.profiledStepMs.toFixed(0)} ms wall, unprofiled ${t.stepMs.toFixed(0)} ms`,
  ];
  for (const k of p.kernels.slice(0, top)) {
    const share = p.kernelMs > 0 ? (100 * k.ms) / p.kernelMs : 0;
    lines.push(`  ${k.name.padEnd(28)} ${k.ms.toFixed(1).padStart(9)} ms ${share.toFixed(1).padStart(5)}%  ${k.calls} calls`);
  }
  return lines;
}

/**
 * The profiles of one case side by side, one row per kernel name (by the largest time on any
 * backend): what the page and scripts/bench-browser.ts print to compare backends kernel by kernel.
 */
export function profileComparison(training: TrainingResult[]): { caseName: string; backends: string[]; timers: string[]; rows: { name: string; ms: (number | undefined)[]; calls: (number | undefined)[] }[]; totals: number[]; stepMs: number[] }[] {
  const profiled = training.filter((t) => t.profile !== undefined && (t.backend !== 'webgpu' || t.convFilterKernel === 'gazecam'));
  const cases = [...new Set(profiled.map((t) => `${t.arch} ${t.size}px batch ${t.batch}`))];
  return cases.map((caseName) => {
    const runs = profiled.filter((t) => `${t.arch} ${t.size}px batch ${t.batch}` === caseName);
    const names = new Map<string, number>();
    for (const t of runs) for (const k of t.profile!.kernels) names.set(k.name, Math.max(names.get(k.name) ?? 0, k.ms));
    const rows = [...names].sort((a, b) => b[1] - a[1]).map(([name]) => {
      const found = runs.map((t) => t.profile!.kernels.find((k) => k.name === name));
      return { name, ms: found.map((k) => k?.ms), calls: found.map((k) => k?.calls) };
    });
    return {
      caseName,
      backends: runs.map((t) => t.backend),
      timers: runs.map((t) => t.profile!.timer),
      rows,
      totals: runs.map((t) => t.profile!.kernelMs),
      stepMs: runs.map((t) => t.stepMs),
    };
  });
}
