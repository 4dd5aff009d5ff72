/**
 * What one run of the benchmark suite measures, and how it is read from the bench page's URL query.
 * DOM-free (URLSearchParams is a JavaScript global in browsers and Node alike), so the page, the
 * script that drives it and the unit tests agree on one parser.
 */
import { isResNetArch, RESNET_ARCHS } from '../engine/model/index.ts';
import { AbSpecError, parseAbSpec } from './ab.ts';
import { DEFAULT_KERNEL_SHAPE, type KernelShape } from './kernels.ts';
import type { TimingOptions } from './timing.ts';
import { DEFAULT_TRAINING_CASES, type TrainingCase } from './training.ts';

export const BENCH_BACKENDS = ['webgpu', 'webgl', 'cpu'] as const;
export type BenchBackend = (typeof BENCH_BACKENDS)[number];

export const BENCH_SUITES = ['kernels', 'training', 'all'] as const;
export type BenchSuite = (typeof BENCH_SUITES)[number];

export interface BenchPlan {
  suite: BenchSuite;
  /** run in this order, each in a fresh worker */
  backends: BenchBackend[];
  kernelShape: KernelShape;
  kernelTiming: TimingOptions;
  trainingCases: TrainingCase[];
  trainingTiming: TimingOptions;
  /** webgpu only: also time each case with tfjs's own Conv2DBackpropFilter (A/B) */
  abConvFilter: boolean;
  /** after each case's timed steps, tf.profile one more step and report per-kernel time totals */
  profile: boolean;
  /** paired A/B of training steps instead of the plain training timing (src/bench/ab.ts), e.g. convFilter */
  ab?: string;
}

/** The same defaults as `gazecam bench`: kernels 3+10, training steps 2+5, runs/warmup override both. */
export const KERNEL_TIMING: TimingOptions = { warmup: 3, runs: 10 };
export const TRAINING_TIMING: TimingOptions = { warmup: 2, runs: 5 };

/** Every query parameter the page understands, with what it takes (shown in errors). */
export const PLAN_PARAMS: Record<string, string> = {
  suite: BENCH_SUITES.join('|'),
  backends: `comma list of ${BENCH_BACKENDS.join(',')}`,
  cases: 'comma list of arch:size:batch, e.g. resnet10-small:64:16,resnet18:224:16',
  arch: `one training case: ${RESNET_ARCHS.join('|')} (with size, batch)`,
  size: 'input px of the one training case (default 64)',
  batch: 'batch of the one training case (default 16)',
  runs: 'timed runs after warm-up (kernels and training)',
  warmup: 'warm-up runs, the first reported apart (>= 1)',
  kernelBatch: `kernel suite batch (default ${DEFAULT_KERNEL_SHAPE.batch})`,
  kernelCam: `kernel suite CAM side (default ${DEFAULT_KERNEL_SHAPE.camH})`,
  kernelChannels: `kernel suite feature channels (default ${DEFAULT_KERNEL_SHAPE.channels})`,
  kernelOut: `kernel suite output side (default ${DEFAULT_KERNEL_SHAPE.outH})`,
  kernelClasses: `kernel suite classes (default ${DEFAULT_KERNEL_SHAPE.classes})`,
  abConvFilter: '1 to A/B our Conv2DBackpropFilter against tfjs\'s on webgpu',
  ab: 'paired A/B of training steps instead of plain timing: convFilter | kernelPath:A:B (direct, tiled) | batchNorm:A:B (fused, reference) | augment:A:B (none, light, standard) | optimizer:A:B (fused, composed) | flag:NAME:A:B',
  profile: '1 to tf.profile one training step after the timed ones and report per-kernel time totals',
};

export class PlanError extends Error {}

function positiveInt(params: URLSearchParams, name: string, fallback: number, min = 1): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min) {
    throw new PlanError(`query parameter ${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

function trainingCase(spec: string): TrainingCase {
  const [arch, size, batch, ...rest] = spec.split(':');
  const sizeN = Number(size);
  const batchN = Number(batch);
  if (rest.length || !isResNetArch(arch ?? '') || !Number.isInteger(sizeN) || sizeN < 1 || !Number.isInteger(batchN) || batchN < 1) {
    throw new PlanError(`training case "${spec}" must be arch:size:batch with arch one of ${RESNET_ARCHS.join('|')}, e.g. resnet10-small:64:16`);
  }
  return { arch: arch as TrainingCase['arch'], size: sizeN, batch: batchN };
}

/** Reads a plan from the page's query; throws PlanError naming the parameter and what it takes. */
export function parsePlan(params: URLSearchParams): BenchPlan {
  for (const name of params.keys()) {
    if (!(name in PLAN_PARAMS)) {
      throw new PlanError(`unknown query parameter "${name}"; known: ${Object.keys(PLAN_PARAMS).join(', ')}`);
    }
  }
  const suite = params.get('suite') ?? 'all';
  if (!(BENCH_SUITES as readonly string[]).includes(suite)) {
    throw new PlanError(`query parameter suite must be one of ${BENCH_SUITES.join('|')}, got "${suite}"`);
  }
  const backends = (params.get('backends') ?? BENCH_BACKENDS.join(',')).split(',').filter((b) => b !== '');
  for (const b of backends) {
    if (!(BENCH_BACKENDS as readonly string[]).includes(b)) {
      throw new PlanError(`query parameter backends: unknown backend "${b}"; choose from ${BENCH_BACKENDS.join(',')}`);
    }
  }
  if (backends.length === 0 || new Set(backends).size !== backends.length) {
    throw new PlanError(`query parameter backends must name each backend at most once and at least one, got "${params.get('backends')}"`);
  }
  if (params.has('cases') && (params.has('arch') || params.has('size') || params.has('batch'))) {
    throw new PlanError('give either cases=arch:size:batch,... or arch/size/batch, not both');
  }
  let trainingCases = DEFAULT_TRAINING_CASES;
  if (params.has('cases')) {
    trainingCases = (params.get('cases') ?? '').split(',').filter((s) => s !== '').map(trainingCase);
    if (trainingCases.length === 0) throw new PlanError('query parameter cases is empty; e.g. cases=resnet10-small:64:16');
  } else if (params.has('arch') || params.has('size') || params.has('batch')) {
    const arch = params.get('arch') ?? 'resnet10-small';
    trainingCases = [trainingCase(`${arch}:${positiveInt(params, 'size', 64)}:${positiveInt(params, 'batch', 16)}`)];
  }
  const runs = params.has('runs') ? positiveInt(params, 'runs', 1) : undefined;
  // The first warm-up run is the one reported as the first step (pipeline compilation): at least one.
  const warmup = params.has('warmup') ? positiveInt(params, 'warmup', 1) : undefined;
  const abConvFilter = params.get('abConvFilter');
  if (abConvFilter !== null && abConvFilter !== '0' && abConvFilter !== '1') {
    throw new PlanError(`query parameter abConvFilter must be 0 or 1, got "${abConvFilter}"`);
  }
  const profile = params.get('profile');
  if (profile !== null && profile !== '0' && profile !== '1') {
    throw new PlanError(`query parameter profile must be 0 or 1, got "${profile}"`);
  }
  const ab = params.get('ab') ?? undefined;
  if (ab !== undefined) {
    try {
      parseAbSpec(ab);
    } catch (err) {
      if (err instanceof AbSpecError) throw new PlanError(`query parameter ${err.message}`);
      throw err;
    }
  }
  const cam = positiveInt(params, 'kernelCam', DEFAULT_KERNEL_SHAPE.camH);
  const out = positiveInt(params, 'kernelOut', DEFAULT_KERNEL_SHAPE.outH);
  return {
    suite: suite as BenchSuite,
    backends: backends as BenchBackend[],
    kernelShape: {
      batch: positiveInt(params, 'kernelBatch', DEFAULT_KERNEL_SHAPE.batch),
      camH: cam,
      camW: cam,
      channels: positiveInt(params, 'kernelChannels', DEFAULT_KERNEL_SHAPE.channels),
      classes: positiveInt(params, 'kernelClasses', DEFAULT_KERNEL_SHAPE.classes),
      outH: out,
      outW: out,
    },
    kernelTiming: { warmup: warmup ?? KERNEL_TIMING.warmup, runs: runs ?? KERNEL_TIMING.runs },
    trainingCases,
    trainingTiming: { warmup: warmup ?? TRAINING_TIMING.warmup, runs: runs ?? TRAINING_TIMING.runs },
    abConvFilter: abConvFilter === '1',
    profile: profile === '1',
    ...(ab !== undefined ? { ab } : {}),
  };
}

/** The query for a plan-like set of options: what scripts/bench-browser.ts puts in the URL. */
export function planQuery(options: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || value === false) continue;
    params.set(name, value === true ? '1' : String(value));
  }
  return params.toString();
}
