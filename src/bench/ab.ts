/**
 * Paired A/B of full training steps in one process (one bench worker): steps alternate A, B, A, B
 * on the same model and batch, and the median of the per-pair ratios B/A is reported. On a shared,
 * noisy machine that holds up far better than two benchmark runs one after the other, since both
 * sides of a pair see the same load. `gazecam bench --ab SPEC` runs it in Node.
 *
 * What can be switched (the `ab` query parameter of the bench page):
 * - `convFilter`: our WGSL Conv2DBackpropFilter (A) vs tfjs's own (B); webgpu only
 * - `kernelPath:A:B`: the programs for CPU adapters (direct: barrier-free conv and batch norm) vs the tiled ones; webgpu only
 * - `batchNorm:A:B`: training-mode batch norm, fused (WGSL kernels) or reference (plain tfjs); webgpu only
 * - `augment:A:B`: training-time augmentation presets (none, light, standard), batches built per step as the loop builds them
 * - `optimizer:A:B`: the optimizer update, fused (WGSL kernels) or composed (tfjs ops); webgpu only
 * - `flag:NAME:A:B`: a tfjs environment flag, values true, false or a number
 * DOM-free.
 */
import * as tf from '@tensorflow/tfjs';
import { AUGMENT_PRESETS, resolveConfig, type AugmentPreset } from '../engine/train/config.ts';
import { drawAugmentation } from '../engine/train/augment.ts';
import { disposeBatch, makeBatch } from '../engine/train/data.ts';
import { createModelFor } from '../engine/train/loop.ts';
import { Optimizer } from '../engine/train/optimizer.ts';
import { trainStep } from '../engine/train/step.ts';
import { configureKernels, kernelOptions, prepareKernels, type KernelOptions } from '../engine/kernels/index.ts';
import type { TimingOptions } from './timing.ts';
import { median } from './timing.ts';
import { syntheticBatch, syntheticSplit, type TrainingCase } from './training.ts';

export interface AbSide {
  label: string;
  apply(): void;
  /** a training-time augmentation preset this side runs with (then each step builds its batch from CPU arrays, as the loop does) */
  augment?: AugmentPreset;
}

export interface AbSpec {
  /** what is switched, e.g. "convFilter" or "flag WEBGPU_USE_NAIVE_CONV2D_DEBUG" */
  what: string;
  a: AbSide;
  b: AbSide;
  /** puts the default back after the A/B */
  restore(): void;
  /** the backends it means something on */
  backends: readonly string[];
}

export interface AbResult extends TrainingCase {
  backend: string;
  device?: string;
  what: string;
  aLabel: string;
  bLabel: string;
  aMs: number;
  bMs: number;
  /** median over pairs of B's step time / A's: > 1 means A is faster */
  pairedRatio: number;
  ratios: number[];
}

export class AbSpecError extends Error {}

function flagValue(raw: string): boolean | number {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new AbSpecError(`ab flag value must be true, false or a number, got "${raw}"`);
  return n;
}

/** Two sides that each configure the kernels, and a restore that puts back what was there before. */
function kernelSides(a: Partial<KernelOptions>, aLabel: string, b: Partial<KernelOptions>, bLabel: string): Pick<AbSpec, 'a' | 'b' | 'restore'> {
  let saved: KernelOptions | undefined;
  const apply = (changes: Partial<KernelOptions>) => () => {
    saved ??= { ...kernelOptions() };
    configureKernels(changes);
  };
  return {
    a: { label: aLabel, apply: apply(a) },
    b: { label: bLabel, apply: apply(b) },
    restore: () => { if (saved) configureKernels(saved); },
  };
}

/** Parses the `ab` query value; throws AbSpecError saying what it takes. Flags are checked by tfjs when set. */
export function parseAbSpec(spec: string): AbSpec {
  if (spec === 'convFilter') {
    return {
      what: 'Conv2DBackpropFilter',
      ...kernelSides({ convBackpropFilter: 'gazecam' }, 'gazecam WGSL', { convBackpropFilter: 'tfjs' }, 'tfjs'),
      backends: ['webgpu'],
    };
  }
  const [kind, name, aRaw, bRaw, ...rest] = spec.split(':');
  /** The two values of `kind:A:B`, each one of `values`. */
  const twoOf = <T extends string>(values: readonly T[], example: string): [T, T] => {
    const [a, b] = [name, aRaw] as T[];
    if (!a || !b || !values.includes(a) || !values.includes(b) || bRaw !== undefined) {
      throw new AbSpecError(`ab ${kind} takes two of ${values.join(', ')}, e.g. ${kind}:${example}, got "${spec}"`);
    }
    return [a, b];
  };
  /** An A/B of one kernel option, on webgpu, where the kernels run. */
  const kernelOption = <K extends keyof KernelOptions>(option: K, values: ReadonlyArray<KernelOptions[K]>, example: string, what: string): AbSpec => {
    const [a, b] = twoOf(values as readonly string[], example);
    return { what, ...kernelSides({ [option]: a }, a, { [option]: b }, b), backends: ['webgpu'] };
  };
  if (kind === 'kernelPath') return kernelOption('path', ['direct', 'tiled'], 'direct:tiled', 'kernel path');
  if (kind === 'batchNorm') return kernelOption('batchNorm', ['fused', 'reference'], 'fused:reference', 'training-mode batch norm');
  if (kind === 'optimizer') return kernelOption('optimizer', ['fused', 'composed'], 'fused:composed', 'optimizer update');
  if (kind === 'augment') {
    const [a, b] = twoOf<AugmentPreset>(AUGMENT_PRESETS, 'standard:none');
    return {
      what: 'training-time augmentation',
      a: { label: a, apply: () => {}, augment: a },
      b: { label: b, apply: () => {}, augment: b },
      restore: () => {},
      backends: ['webgpu', 'webgl', 'cpu'],
    };
  }
  if (kind === 'flag' && name && aRaw !== undefined && bRaw !== undefined && rest.length === 0) {
    const a = flagValue(aRaw);
    const b = flagValue(bRaw);
    let saved: ReturnType<ReturnType<typeof tf.env>['get']> | undefined;
    return {
      what: `flag ${name}`,
      a: { label: `${name}=${aRaw}`, apply: () => { saved ??= tf.env().get(name); tf.env().set(name, a); } },
      b: { label: `${name}=${bRaw}`, apply: () => { saved ??= tf.env().get(name); tf.env().set(name, b); } },
      restore: () => { if (saved !== undefined) tf.env().set(name, saved); },
      backends: name.startsWith('WEBGPU_') ? ['webgpu'] : name.startsWith('WEBGL_') ? ['webgl'] : ['webgpu', 'webgl', 'cpu'],
    };
  }
  throw new AbSpecError(`ab must be convFilter, kernelPath:A:B, batchNorm:A:B, augment:A:B, optimizer:A:B or flag:NAME:A:B (e.g. flag:WEBGPU_USE_NAIVE_CONV2D_DEBUG:false:true), got "${spec}"`);
}

/** timing.warmup pairs, then timing.runs timed pairs, alternating A then B. */
export async function abTrainingStep(tc: TrainingCase, spec: AbSpec, timing: TimingOptions): Promise<AbResult> {
  const numClasses = 3;
  prepareKernels();
  const c = resolveConfig({ arch: tc.arch, size: tc.size, batch: tc.batch, method: 'cam', loss: 'kl' });
  const model = createModelFor(c, numClasses);
  const optimizer = new Optimizer(c.optimizer, c.momentum, c.weightDecay);
  const batch = syntheticBatch(c, numClasses);
  const split = syntheticSplit(c, numClasses);
  const indices = Array.from({ length: c.batch }, (_, i) => i);
  let stepCount = 0;
  const step = async (side: AbSide) => {
    side.apply();
    const t0 = performance.now();
    // With an augmentation side, both sides build the batch from CPU arrays each step, as the loop does.
    const withAugment = spec.a.augment !== undefined;
    const draw = side.augment ? drawAugmentation(resolveConfig({ ...c, augment: side.augment }), 0, stepCount++, c.batch) : null;
    const stepBatch = withAugment ? makeBatch(split, indices, numClasses, draw) : batch;
    const losses = trainStep(model, optimizer, stepBatch, c, c.lr);
    await losses.total.data(); // the only sync: waits for the whole step
    tf.dispose(Object.values(losses));
    if (withAugment) disposeBatch(stepBatch);
    return performance.now() - t0;
  };
  try {
    for (let i = 0; i < timing.warmup; i++) {
      await step(spec.a);
      await step(spec.b);
    }
    const aMs: number[] = [];
    const bMs: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < timing.runs; i++) {
      aMs.push(await step(spec.a));
      bMs.push(await step(spec.b));
      ratios.push(bMs[i]! / aMs[i]!);
    }
    return {
      ...tc,
      backend: tf.getBackend(),
      what: spec.what,
      aLabel: spec.a.label,
      bLabel: spec.b.label,
      aMs: median(aMs),
      bMs: median(bMs),
      pairedRatio: median(ratios),
      ratios,
    };
  } finally {
    spec.restore();
    tf.dispose(Object.values(batch));
    optimizer.dispose();
    model.dispose();
  }
}

export function formatAb(r: AbResult): string {
  return (
    `A/B ${r.what}, ${r.arch} ${r.size}px batch ${r.batch} on ${r.backend}: A ${r.aLabel} ${r.aMs.toFixed(0)} ms/step, ` +
    `B ${r.bLabel} ${r.bMs.toFixed(0)} ms/step; paired median B/A ${r.pairedRatio.toFixed(2)} over ${r.ratios.length} pairs ` +
    `(${r.ratios.map((x) => x.toFixed(2)).join(' ')})`
  );
}
