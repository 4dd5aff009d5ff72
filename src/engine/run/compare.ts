/**
 * "Does gaze help on my data?": methods x seeds as ordinary runs, then a summary with mean ± sd
 * per metric and each method's difference to the first one, paired by seed (the same seed gives
 * the same split, initial weights and data order, so the pair differs only in the method). Shared
 * by `gazecam compare` and the studio's "Compare methods".
 */
import { AUGMENT_PRESETS, GAZE_LOSSES, METHODS, MULTITASK_LOSSES, type AugmentPreset, type TrainConfig } from '../train/config.ts';
import type { SplitMetrics } from '../train/metrics.ts';

export class CompareSpecError extends Error {
  override name = 'CompareSpecError';
}

/** One method of a comparison: `method[:loss][+augment]`, e.g. `none`, `cam:kl`, `cam:mse+standard`, `multitask`. */
export interface MethodSpec {
  label: string;
  config: Partial<TrainConfig>;
}

export const RUN_SPEC_HELP = 'method[:loss][+augment] with method none|cam|both|multitask, loss kl|mse|bce|l1 (multitask: kl|mse), augment none|light|standard';

export function parseMethodSpecs(text: string): MethodSpec[] {
  const labels = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (labels.length === 0) throw new CompareSpecError(`--runs is empty; give one or more of ${RUN_SPEC_HELP}`);
  const seen = new Set<string>();
  return labels.map((label) => {
    if (seen.has(label)) throw new CompareSpecError(`--runs names "${label}" twice`);
    seen.add(label);
    const [head, augment, ...extra] = label.split('+');
    const [method, loss, ...rest] = head!.split(':');
    const bad = (why: string) => new CompareSpecError(`--runs "${label}": ${why}; each run is ${RUN_SPEC_HELP}`);
    if (extra.length || rest.length) throw bad('too many parts');
    if (!(METHODS as readonly string[]).includes(method!)) throw bad(`unknown method "${method}"`);
    const config: Partial<TrainConfig> = { method: method as TrainConfig['method'] };
    if (loss !== undefined) {
      if (method === 'none') throw bad('the baseline takes no loss');
      const losses: readonly string[] = method === 'multitask' ? MULTITASK_LOSSES : GAZE_LOSSES;
      if (!losses.includes(loss)) throw bad(`unknown loss "${loss}" for ${method} (${losses.join('|')})`);
      if (method === 'multitask') config.multitaskLoss = loss as TrainConfig['multitaskLoss'];
      else config.loss = loss as TrainConfig['loss'];
    }
    if (augment !== undefined) {
      if (!(AUGMENT_PRESETS as readonly string[]).includes(augment)) throw bad(`unknown augment preset "${augment}"`);
      config.augment = augment as AugmentPreset;
    }
    return { label, config };
  });
}

/** A label safe as a folder name: `cam:kl+standard` -> `cam-kl+standard`. */
export function methodFolder(label: string): string {
  return label.replace(/[^A-Za-z0-9+_.-]+/g, '-');
}

export const COMPARE_METRICS = [
  { key: 'accuracy', label: 'accuracy' },
  { key: 'macroAuc', label: 'macro AUC' },
  { key: 'camGazeR', label: 'CAM-gaze r' },
  { key: 'camMassInGaze', label: 'CAM mass in top-20% gaze' },
  { key: 'conflictAccuracy', label: 'accuracy on shortcut conflicts' },
] as const;
export type CompareMetric = (typeof COMPARE_METRICS)[number]['key'];

export interface CompareRun {
  method: string;
  seed: number;
  /** test-split metrics */
  test: SplitMetrics;
}

export interface Stat {
  mean: number;
  /** sample standard deviation (n - 1); NaN for a single value */
  sd: number;
  n: number;
}

export interface CompareSummary {
  methods: string[];
  seeds: number[];
  /** the metrics that have values (conflict accuracy only where the data marks a shortcut) */
  metrics: CompareMetric[];
  /** per method, per metric, over seeds */
  stats: Record<string, Partial<Record<CompareMetric, Stat>>>;
  /** per method after the first, per metric: method - first method, paired by seed */
  differences: Record<string, Partial<Record<CompareMetric, Stat>>>;
  runs: Array<{ method: string; seed: number } & Partial<Record<CompareMetric, number>>>;
}

export function stat(values: number[]): Stat {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return { mean: NaN, sd: NaN, n };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, sd, n };
}

export function summariseCompare(methods: string[], runs: CompareRun[]): CompareSummary {
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  const value = (r: CompareRun, m: CompareMetric) => (m === 'conflictAccuracy' && r.test.conflictCount === 0 ? NaN : r.test[m]);
  const metrics = COMPARE_METRICS.map((m) => m.key).filter((m) => runs.some((r) => Number.isFinite(value(r, m))));
  const byMethod = (method: string) => runs.filter((r) => r.method === method);
  const stats: CompareSummary['stats'] = {};
  const differences: CompareSummary['differences'] = {};
  for (const method of methods) {
    stats[method] = Object.fromEntries(metrics.map((m) => [m, stat(byMethod(method).map((r) => value(r, m)))]));
  }
  const [first, ...others] = methods;
  for (const method of others) {
    differences[method] = Object.fromEntries(metrics.map((m) => {
      const paired = byMethod(method).flatMap((r) => {
        const base = byMethod(first!).find((b) => b.seed === r.seed);
        return base ? [value(r, m) - value(base, m)] : [];
      });
      return [m, stat(paired)];
    }));
  }
  return {
    methods,
    seeds,
    metrics,
    stats,
    differences,
    runs: runs.map((r) => ({ method: r.method, seed: r.seed, ...Object.fromEntries(metrics.map((m) => [m, value(r, m)])) })),
  };
}

const fmt = (s: Stat | undefined, signed = false) => {
  if (!s || !Number.isFinite(s.mean)) return '—';
  const mean = `${signed && s.mean >= 0 ? '+' : ''}${s.mean.toFixed(3)}`;
  return Number.isFinite(s.sd) ? `${mean} ± ${s.sd.toFixed(3)}` : mean;
};

const metricLabel = (m: CompareMetric) => COMPARE_METRICS.find((x) => x.key === m)!.label;

/** compare.md: mean ± sd per metric, then the paired differences to the first method. */
export function compareMarkdown(summary: CompareSummary, heading: string): string {
  const { metrics, methods } = summary;
  const header = `| method | ${metrics.map(metricLabel).join(' | ')} |\n|---|${metrics.map(() => '---').join('|')}|`;
  const rows = methods.map((m) => `| \`${m}\` | ${metrics.map((k) => fmt(summary.stats[m]![k])).join(' | ')} |`);
  const lines = [
    `# ${heading}`,
    '',
    `Test split, mean ± sd over ${summary.seeds.length} seed(s) (${summary.seeds.join(', ')}).`,
    '',
    header,
    ...rows,
  ];
  if (methods.length > 1) {
    lines.push(
      '',
      `Difference to \`${methods[0]}\`, paired by seed (mean ± sd of the per-seed differences):`,
      '',
      header,
      ...methods.slice(1).map((m) => `| \`${m}\` | ${metrics.map((k) => fmt(summary.differences[m]![k], true)).join(' | ')} |`),
    );
  }
  lines.push('', 'Per run:', '', `| method | seed | ${metrics.map(metricLabel).join(' | ')} |`, `|---|---|${metrics.map(() => '---').join('|')}|`);
  for (const r of summary.runs) {
    lines.push(`| \`${r.method}\` | ${r.seed} | ${metrics.map((k) => (Number.isFinite(r[k]) ? r[k]!.toFixed(3) : '—')).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}
