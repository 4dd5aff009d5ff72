/**
 * The GPU run's results: one JSON document (what each run measured, or why it has no figure) and
 * the markdown table made from it. Pure functions, so the vitest suite checks them on a committed
 * --quick run while the real run (scripts/device-run.sh, through tools.ts) uses the same code.
 *
 * Derived figures (GFLOP/s, fraction of the GPU's fp32 peak, ratio to PyTorch fp32) are computed
 * here from the measured ones only, so summarise() can be re-run on a results file.
 */
import { forwardFlopsPerImage, resnetTopology, isResNetArch } from '../../src/engine/model/index.ts';
import { effectiveCamStride, resolveConfig } from '../../src/engine/train/config.ts';

export const RESULTS_SCHEMA = 'gazecam-device-results/1';

export interface BenchCase {
  arch: string;
  size: number;
  batch: number;
}

/** webgpu: gazecam bench through Dawn; torch-*: gazecam_torch.bench; torchrun: gazecam_torch.train
 *  throughput; prepare: the dataset the trainer reads; profile: one profiled WebGPU step */
export const RUN_KINDS = ['webgpu', 'torch-fp32', 'torch-tf32', 'prepare', 'torchrun', 'profile'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
/** timeout: stopped at its time budget (figures of the steps done, if any, marked partial) */
export const RUN_STATUSES = ['ok', 'timeout', 'failed', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface Measured {
  imagesPerSec: number;
  stepMs?: number;
  firstStepMs?: number;
  /** as the engine's own bench computed it (webgpu): must equal the case's gflopPerImage */
  benchGflopPerImage?: number;
  /** webgpu: the conv and batch-norm programs that ran (tiled on GPUs, direct on CPU adapters) */
  kernelPath?: string;
  tensorLeak?: number;
  /** torch: what torch says it ran on, its version, threads, TF32 */
  device?: string;
  torch?: string;
  tf32?: boolean;
  /** steps the figure is the median (bench) or the mean (torchrun log intervals) of */
  steps?: number;
  /** true when the run hit its budget and the figure comes from the steps done before */
  partial?: boolean;
}

export interface RunRecord {
  id: string;
  kind: RunKind;
  case: BenchCase | null;
  status: RunStatus;
  /** why a run has no figure (skipped, failed, timeout), in one line */
  reason?: string;
  budgetS: number;
  wallS: number;
  command: string[];
  /** the run's stdout and stderr, relative to the results folder */
  log?: string;
  measured?: Measured;
  // Derived by summarise():
  gflopPerImage?: number;
  achievedGflops?: number;
  /** achieved / the GPU's datasheet fp32 peak; null when the GPU is not in the table */
  peakFraction?: number | null;
  /** images/s over PyTorch fp32's on the same case; null when that run has no figure */
  ratioToTorchFp32?: number | null;
}

export interface AdapterRecord {
  vendor: string;
  architecture: string;
  description: string;
  device: string;
  features: string[];
  /** the shared objects the probe process had loaded: which Vulkan loader and driver it got */
  libraries: string[];
}

export interface KernelShare {
  name: string;
  ms: number;
  calls: number;
  /** of the profiled step's summed kernel time */
  share: number;
}

export interface ProfileSummary {
  case: BenchCase;
  timer: string;
  profiledStepMs: number;
  kernelMs: number;
  top: KernelShare[];
}

export interface Goal {
  goal: number;
  /** the best case's figure; null when nothing was measured */
  best: number | null;
  met: boolean | null;
}

export interface DeviceResults {
  schema: typeof RESULTS_SCHEMA;
  mode: 'full' | 'quick';
  startedAt: string;
  finishedAt: string;
  wallS: number;
  /** the whole run's time limit (seconds from the script's start) */
  limitS: number;
  machine: {
    gpuName: string | null;
    /** where gpuName came from: nvidia-smi, torch or the WebGPU adapter */
    gpuNameSource: string | null;
    driver: string | null;
    peakFp32Tflops: number | null;
    /** 'datasheet: <entry>' or 'unknown' */
    peakSource: string;
    cpuCores: number;
    node: string;
    python: string | null;
    torch: string | null;
  };
  vulkan: {
    icd: string | null;
    /** nvidia (found in the loader's directories), nvidia-fallback (VK_DRIVER_FILES set to the
     *  container path), lavapipe (--quick), env (set by the caller), none */
    icdSource: string;
    /** the loader the probe had loaded */
    loader: string | null;
  };
  adapter: AdapterRecord | null;
  adapterError?: string;
  cases: (BenchCase & { gflopPerImage: number })[];
  runs: RunRecord[];
  /** gazecam bench's fused CAM kernel figures (from the first WebGPU run) */
  kernels: unknown[];
  profile: ProfileSummary | null;
  goals: { ratioToTorchFp32: Goal; peakFraction: Goal } | null;
}

/**
 * Datasheet fp32 (non-tensor-core) peaks in TFLOPS at boost clock: WebGPU has no tensor cores, so
 * this is the ceiling our kernels can reach. Specific names first (H200 NVL before H200).
 */
export const FP32_PEAK_TFLOPS: readonly { pattern: RegExp; label: string; tflops: number }[] = [
  { pattern: /\bH200\b.*\bNVL\b/i, label: 'NVIDIA H200 NVL', tflops: 60 },
  { pattern: /\bGH200\b/i, label: 'NVIDIA GH200', tflops: 67 },
  { pattern: /\bH200\b/i, label: 'NVIDIA H200 SXM', tflops: 67 },
  { pattern: /\bH100\b.*\bPCIe\b/i, label: 'NVIDIA H100 PCIe', tflops: 51 },
  { pattern: /\bH100\b.*\bNVL\b/i, label: 'NVIDIA H100 NVL', tflops: 60 },
  { pattern: /\bH100\b/i, label: 'NVIDIA H100 SXM', tflops: 67 },
  { pattern: /\bA100\b/i, label: 'NVIDIA A100', tflops: 19.5 },
  { pattern: /\bL40S\b/i, label: 'NVIDIA L40S', tflops: 91.6 },
  { pattern: /\bL40\b/i, label: 'NVIDIA L40', tflops: 90.5 },
  { pattern: /\bL4\b/i, label: 'NVIDIA L4', tflops: 30.3 },
  { pattern: /\bA10G?\b/i, label: 'NVIDIA A10/A10G', tflops: 31.2 },
  { pattern: /\bT4\b/i, label: 'NVIDIA T4', tflops: 8.1 },
  { pattern: /\bV100S\b/i, label: 'NVIDIA V100S', tflops: 16.4 },
  { pattern: /\bV100\b.*\bSXM/i, label: 'NVIDIA V100 SXM2', tflops: 15.7 },
  { pattern: /\bV100\b/i, label: 'NVIDIA V100 PCIe', tflops: 14 },
  { pattern: /\bRTX 4090\b/i, label: 'GeForce RTX 4090', tflops: 82.6 },
  { pattern: /\bRTX 3090\b/i, label: 'GeForce RTX 3090', tflops: 35.6 },
  { pattern: /\bRTX A6000\b/i, label: 'NVIDIA RTX A6000', tflops: 38.7 },
];

export function fp32Peak(gpuName: string | null | undefined): { tflops: number; label: string } | null {
  if (!gpuName) return null;
  const hit = FP32_PEAK_TFLOPS.find((p) => p.pattern.test(gpuName));
  return hit ? { tflops: hit.tflops, label: hit.label } : null;
}

/**
 * Forward + backward GFLOP per image of the bench's model (3x forward, as src/bench/training.ts):
 * method cam (no gaze head), the engine's CAM stride rule, 3 classes. The test checks it against
 * the figure the bench itself reported.
 */
export function gflopPerImageFor(c: BenchCase): number {
  if (!isResNetArch(c.arch)) throw new Error(`unknown architecture "${c.arch}"`);
  const config = resolveConfig({ arch: c.arch, size: c.size, batch: c.batch, method: 'cam', loss: 'kl' });
  return (3 * forwardFlopsPerImage(resnetTopology(c.arch, 3, effectiveCamStride(config)), c.size, null)) / 1e9;
}

export const caseLabel = (c: BenchCase) => `${c.arch}@${c.size} b${c.batch}`;
const sameCase = (a: BenchCase | null, b: BenchCase | null) =>
  !!a && !!b && a.arch === b.arch && a.size === b.size && a.batch === b.batch;

/** Fills the derived figures of every run, the machine's peak and the goals. Idempotent. */
export function summarise(results: DeviceResults): DeviceResults {
  const peak = fp32Peak(results.machine.gpuName);
  const machine = {
    ...results.machine,
    peakFp32Tflops: peak?.tflops ?? null,
    peakSource: peak ? `datasheet: ${peak.label}` : 'unknown',
  };
  const flopsOf = (c: BenchCase) => results.cases.find((k) => sameCase(k, c))?.gflopPerImage ?? gflopPerImageFor(c);
  const torchFp32 = (c: BenchCase | null) =>
    results.runs.find((r) => r.kind === 'torch-fp32' && sameCase(r.case, c) && r.measured)?.measured?.imagesPerSec ?? null;
  const runs = results.runs.map((r): RunRecord => {
    const { gflopPerImage: _g, achievedGflops: _a, peakFraction: _p, ratioToTorchFp32: _r, ...base } = r;
    if (!r.measured || !r.case || r.kind === 'prepare' || r.kind === 'profile') return base;
    const gflopPerImage = flopsOf(r.case);
    const achievedGflops = gflopPerImage * r.measured.imagesPerSec;
    const reference = torchFp32(r.case);
    return {
      ...base,
      gflopPerImage,
      achievedGflops,
      peakFraction: peak ? achievedGflops / (peak.tflops * 1000) : null,
      ratioToTorchFp32: reference ? r.measured.imagesPerSec / reference : null,
    };
  });
  const webgpu = runs.filter((r) => r.kind === 'webgpu' && r.measured);
  const best = (values: (number | null | undefined)[]) => {
    const known = values.filter((v): v is number => typeof v === 'number');
    return known.length ? Math.max(...known) : null;
  };
  const goal = (target: number, value: number | null): Goal => ({ goal: target, best: value, met: value === null ? null : value >= target });
  return {
    ...results,
    machine,
    runs,
    goals: {
      ratioToTorchFp32: goal(0.5, best(webgpu.map((r) => r.ratioToTorchFp32))),
      peakFraction: goal(0.3, best(webgpu.map((r) => r.peakFraction))),
    },
  };
}

/** The most expensive kernels of a profiled step, with their share of the summed kernel time. */
export function profileSummary(
  c: BenchCase,
  profile: { timer: string; profiledStepMs: number; kernelMs: number; kernels: { name: string; ms: number; calls: number }[] },
  top = 10,
): ProfileSummary {
  return {
    case: c,
    timer: profile.timer,
    profiledStepMs: profile.profiledStepMs,
    kernelMs: profile.kernelMs,
    top: profile.kernels.slice(0, top).map((k) => ({ ...k, share: profile.kernelMs > 0 ? k.ms / profile.kernelMs : 0 })),
  };
}

/** The last stdout line that parses as a JSON object (the bench tools print theirs last). */
export function lastJsonLine(stdout: string): Record<string, unknown> | null {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(lines[i]);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // a progress line that happens to start with '{': keep looking
    }
  }
  return null;
}

/**
 * Training throughput from gazecam_torch.train's log.jsonl: images over seconds of every logged
 * interval but the first, which holds cuDNN's autotuning and the first batches' loading.
 */
export function trainLogThroughput(logText: string, batch: number): { imagesPerSec: number; steps: number } | null {
  const intervals: { steps: number; seconds: number }[] = [];
  for (const line of logText.split('\n')) {
    if (!line.trim()) continue;
    let entry: { steps?: unknown; imagesPerSec?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // a line cut short by a stopped run
    }
    if (typeof entry.steps === 'number' && typeof entry.imagesPerSec === 'number' && entry.imagesPerSec > 0) {
      intervals.push({ steps: entry.steps, seconds: (entry.steps * batch) / entry.imagesPerSec });
    }
  }
  const timed = intervals.slice(1);
  if (timed.length === 0) return null;
  const steps = timed.reduce((s, i) => s + i.steps, 0);
  const seconds = timed.reduce((s, i) => s + i.seconds, 0);
  return { imagesPerSec: (steps * batch) / seconds, steps };
}

/** What is wrong with a results document, one line each; empty when its shape is right. */
export function checkShape(value: unknown): string[] {
  const problems: string[] = [];
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const need = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  if (!isObj(value)) return ['not a JSON object'];
  need(value.schema === RESULTS_SCHEMA, `schema must be "${RESULTS_SCHEMA}"`);
  need(value.mode === 'full' || value.mode === 'quick', 'mode must be full or quick');
  for (const k of ['startedAt', 'finishedAt']) need(typeof value[k] === 'string' && !Number.isNaN(Date.parse(value[k] as string)), `${k} must be an ISO date`);
  for (const k of ['wallS', 'limitS']) need(num(value[k]), `${k} must be a number`);
  const m = value.machine;
  need(isObj(m) && num(m.cpuCores) && typeof m.node === 'string' && typeof m.peakSource === 'string', 'machine needs cpuCores, node, peakSource');
  need(isObj(m) && (m.peakFp32Tflops === null || num(m.peakFp32Tflops)), 'machine.peakFp32Tflops must be a number or null');
  need(isObj(value.vulkan) && typeof value.vulkan.icdSource === 'string', 'vulkan.icdSource must be a string');
  const a = value.adapter;
  need(a === null || (isObj(a) && ['vendor', 'architecture', 'description'].every((k) => typeof a[k] === 'string')), 'adapter must be null or {vendor, architecture, description}');
  need(a !== null || typeof value.adapterError === 'string', 'a null adapter needs adapterError');
  need(Array.isArray(value.cases) && value.cases.length > 0, 'cases must be a non-empty array');
  for (const c of Array.isArray(value.cases) ? value.cases : []) {
    need(isObj(c) && typeof c.arch === 'string' && num(c.size) && num(c.batch) && num(c.gflopPerImage), `case ${JSON.stringify(c)} needs arch, size, batch, gflopPerImage`);
  }
  // Empty only in the copy written before the first run ends.
  need(Array.isArray(value.runs), 'runs must be an array');
  for (const r of Array.isArray(value.runs) ? value.runs : []) {
    const id = isObj(r) ? String(r.id) : JSON.stringify(r);
    if (!isObj(r)) {
      problems.push(`run ${id} is not an object`);
      continue;
    }
    need(typeof r.id === 'string', `run ${id}: id must be a string`);
    need((RUN_KINDS as readonly unknown[]).includes(r.kind), `run ${id}: kind must be one of ${RUN_KINDS.join(', ')}`);
    need((RUN_STATUSES as readonly unknown[]).includes(r.status), `run ${id}: status must be one of ${RUN_STATUSES.join(', ')}`);
    need(num(r.budgetS) && num(r.wallS), `run ${id}: budgetS and wallS must be numbers`);
    need(Array.isArray(r.command) && r.command.every((x) => typeof x === 'string'), `run ${id}: command must be an array of strings`);
    need(r.status === 'ok' || typeof r.reason === 'string', `run ${id}: a ${String(r.status)} run needs a reason`);
    const measuredKind = r.kind !== 'prepare' && r.kind !== 'profile';
    if (r.status === 'ok' && measuredKind) need(isObj(r.measured) && num(r.measured.imagesPerSec), `run ${id}: an ok run needs measured.imagesPerSec`);
    if (isObj(r.measured) && measuredKind) {
      need(num(r.gflopPerImage) && num(r.achievedGflops), `run ${id}: a measured run needs gflopPerImage and achievedGflops`);
      need(r.peakFraction === null || num(r.peakFraction), `run ${id}: peakFraction must be a number or null`);
      need(r.ratioToTorchFp32 === null || num(r.ratioToTorchFp32), `run ${id}: ratioToTorchFp32 must be a number or null`);
    }
    if (r.kind === 'webgpu' && r.status === 'ok') need(isObj(r.measured) && typeof r.measured.kernelPath === 'string', `run ${id}: a WebGPU run records its kernelPath`);
  }
  const p = value.profile;
  need(p === null || (isObj(p) && typeof p.timer === 'string' && Array.isArray(p.top)), 'profile must be null or {timer, top}');
  need(Array.isArray(value.kernels), 'kernels must be an array');
  return problems;
}

const fmt = (v: number | null | undefined, digits = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '');
/** Three significant digits at least: small cases on CPU adapters reach well under 1 GFLOP/s. */
const fmtSig = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : '');
const pct = (v: number | null | undefined) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : '');

const ENGINE: Record<RunKind, string> = {
  webgpu: 'GazeCAM WebGPU (Dawn)',
  'torch-fp32': 'PyTorch fp32',
  'torch-tf32': 'PyTorch TF32',
  torchrun: 'PyTorch train (torchrun, 1 process)',
  prepare: 'prepare dataset',
  profile: 'profiled WebGPU step',
};

/** The markdown report: header lines, one table row per measuring run, the profile, the rest. */
export function toMarkdown(r: DeviceResults): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`# GazeCAM on ${m.gpuName ?? 'no known GPU'} (${r.mode} run)`, '');
  out.push(`- date: ${r.startedAt} (${fmt(r.wallS, 0)} s of ${r.limitS} s)`);
  out.push(`- GPU: ${m.gpuName ?? 'unknown'}${m.gpuNameSource ? ` (from ${m.gpuNameSource})` : ''}; driver ${m.driver ?? 'unknown'}; fp32 peak ${m.peakFp32Tflops === null ? 'unknown' : `${m.peakFp32Tflops} TFLOPS (${m.peakSource})`}`);
  out.push(
    r.adapter
      ? `- WebGPU adapter: ${r.adapter.description} (${r.adapter.vendor}, ${r.adapter.architecture}); Vulkan ICD ${r.vulkan.icd ?? 'loader default'} (${r.vulkan.icdSource}); loader ${r.vulkan.loader ?? 'unknown'}`
      : `- WebGPU adapter: none (${r.adapterError ?? 'unknown reason'})`,
  );
  out.push(`- Node ${m.node}; Python ${m.python ?? 'none'}; torch ${m.torch ?? 'none'}; ${m.cpuCores} CPU cores`, '');
  out.push('| case | engine | status | images/s | ms/step | vs PyTorch fp32 | GFLOP/image | GFLOP/s | of fp32 peak | notes |');
  out.push('|---|---|---|---:|---:|---:|---:|---:|---:|---|');
  for (const run of r.runs) {
    if (run.kind === 'prepare' || run.kind === 'profile') continue;
    const me = run.measured;
    const notes = [
      me?.kernelPath ? `${me.kernelPath} kernel path` : '',
      me?.firstStepMs !== undefined ? `first step ${fmt(me.firstStepMs, 0)} ms` : '',
      me?.device && run.kind !== 'webgpu' ? me.device : '',
      me?.partial ? 'partial: budget reached' : '',
      run.status === 'skipped' ? (run.reason ?? '') : run.status !== 'ok' ? `${run.reason ?? ''} (budget ${run.budgetS} s)` : '',
    ].filter(Boolean);
    out.push(
      `| ${run.case ? caseLabel(run.case) : ''} | ${ENGINE[run.kind]} | ${run.status} | ${fmt(me?.imagesPerSec)} | ${fmt(me?.stepMs)} | ${fmt(run.ratioToTorchFp32, 2)}${run.ratioToTorchFp32 != null ? 'x' : ''} | ${fmtSig(run.gflopPerImage)} | ${fmtSig(run.achievedGflops)} | ${m.peakFp32Tflops === null && me ? 'unknown' : pct(run.peakFraction)} | ${notes.join('; ')} |`,
    );
  }
  if (r.goals) {
    const g = r.goals;
    const said = (x: Goal, show: (v: number) => string) => (x.best === null ? 'not measured' : `${show(x.best)} (${x.met ? 'met' : 'not met'})`);
    out.push('', `Goals (best WebGPU case): images/s >= ${g.ratioToTorchFp32.goal}x PyTorch fp32: ${said(g.ratioToTorchFp32, (v) => `${v.toFixed(2)}x`)}; ` +
      `>= ${pct(g.peakFraction.goal)} of fp32 peak: ${g.peakFraction.best === null && m.peakFp32Tflops === null ? 'unknown peak' : said(g.peakFraction, pct)}.`);
  }
  if (r.profile) {
    const p = r.profile;
    out.push('', `Profiled step, ${caseLabel(p.case)} (${p.timer}; ${fmt(p.kernelMs)} ms of kernels in a ${fmt(p.profiledStepMs)} ms profiled step):`, '');
    out.push('| kernel | ms | calls | share |', '|---|---:|---:|---:|');
    for (const k of p.top) out.push(`| ${k.name} | ${fmt(k.ms, 2)} | ${k.calls} | ${pct(k.share)} |`);
  }
  const other = r.runs.filter((x) => x.kind === 'prepare' || x.kind === 'profile');
  if (other.length) {
    out.push('', 'Other steps:');
    for (const x of other) out.push(`- ${x.id} (${ENGINE[x.kind]}${x.case ? `, ${caseLabel(x.case)}` : ''}): ${x.status}${x.reason ? ` (${x.reason})` : ''}, ${fmt(x.wallS)} s`);
  }
  return out.join('\n') + '\n';
}
