/**
 * `gazecam compare <dataset> --out <dir> --runs none,cam:kl,... --seeds N [train options]`: each
 * method x seed is an ordinary run in <out>/<method>/seed-<n> (a finished one, with run.json, is
 * skipped on a re-run; an interrupted one resumes from its checkpoint), then compare.json,
 * compare.md and compare.png. A seed's split and preprocessing are shared by its methods, so the
 * runs of one seed differ only in the method.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { datasetReport, scanDataset, type Dataset, type DatasetEntry } from '../../data/index.ts';
import type { RunManifest } from '../../engine/io/run_manifest.ts';
import {
  compareMarkdown,
  CompareSpecError,
  methodFolder,
  parseMethodSpecs,
  prepareRun,
  RUN_SPEC_HELP,
  RunSetupError,
  summariseCompare,
  type CompareRun,
} from '../../engine/run/index.ts';
import { ConfigError, prepareTrainData, resolveConfig, type TrainData } from '../../engine/train/index.ts';
import { renderCompareChart } from '../../engine/viz/compare_chart.ts';
import { CliError, parseArgs, UsageError } from '../args.ts';
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from '../backend.ts';
import { checkDatasetFolder, entriesFromDirectory } from '../fs-dataset.ts';
import { bar, ProgressLine } from '../progress.ts';
import { CHECKPOINT_FILE, writeAtomic } from '../run_files.ts';
import { configFromFlags, trainIntoFolder, TRAINING_FLAGS, TRAINING_OPTIONS_USAGE } from '../train_run.ts';
import { assertNoGPUErrors } from '../webgpu.ts';

export const usage = `usage: gazecam compare <dataset> --out <dir> --runs SPEC[,SPEC...] [--seeds N] [train options]

  --runs R          the methods to compare, the first being the reference for the paired
                    differences; each is ${RUN_SPEC_HELP}
                    e.g. none,cam:kl,cam:mse,multitask
  --seeds N         seeds per method (default 3); each seed has its own split and initial weights
  --first-seed N    the first seed (default 0)
  --backend B       ${BACKEND_CHOICES.join('|')} (default webgpu, through Dawn)
${TRAINING_OPTIONS_USAGE}

Writes <out>/<method>/seed-<n>/ (an ordinary gazecam train run each; finished ones are skipped when
run again), then compare.json, compare.md (mean ± sd per metric on the test split, and each method
minus the first, paired by seed) and compare.png. Accuracy on shortcut conflicts is reported where
the dataset marks them (a \`conflict\` column of 1/0, or a \`shortcut\` column naming the class the
shortcut points to, in labels.csv or split.csv; the demo's --shortcut mode writes one).`;

export async function run(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    ...TRAINING_FLAGS, out: { type: 'string' }, runs: { type: 'string' }, seeds: { type: 'int' }, 'first-seed': { type: 'int' },
    backend: { type: BACKEND_CHOICES },
  });
  if (positional.length !== 1) throw new UsageError('expected exactly one dataset folder');
  if (!flags.out) throw new UsageError('--out <folder> is required');
  if (!flags.runs) throw new UsageError(`--runs is required: ${RUN_SPEC_HELP}, comma-separated`);
  const seeds = (flags.seeds as number | undefined) ?? 3;
  if (seeds < 1) throw new UsageError(`--seeds must be at least 1, got ${seeds}`);
  if (flags.seed !== undefined) throw new UsageError('--seed does not apply: use --seeds N and --first-seed N');
  if (flags.method !== undefined || flags.loss !== undefined) throw new UsageError('--method and --loss come from --runs (e.g. cam:kl)');
  let methods;
  try {
    methods = parseMethodSpecs(flags.runs as string);
  } catch (err) {
    if (err instanceof CompareSpecError) throw new UsageError(err.message);
    throw err;
  }
  const base = configFromFlags(flags);
  const firstSeed = (flags['first-seed'] as number | undefined) ?? 0;
  const seedList = Array.from({ length: seeds }, (_, i) => firstSeed + i);
  // Every run's config, checked before any work: a bad option fails here, not after hours.
  for (const m of methods) {
    try {
      resolveConfig({ ...base, ...m.config, seed: firstSeed });
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(`--runs ${m.label}: ${err.message}`);
      throw err;
    }
  }
  await checkDatasetFolder(positional[0]!);
  const out = flags.out as string;

  const progress = new ProgressLine();
  const adapter = await selectBackend((flags.backend as BackendChoice | undefined) ?? 'webgpu');
  progress.log(`backend ${flags.backend ?? 'webgpu'}: ${adapter.description}`);
  const entries = await entriesFromDirectory(positional[0]!);
  const byPath = new Map(entries.map((e) => [e.path, e]));

  const runs: CompareRun[] = [];
  let classNames: string[] | null = null;
  for (const seed of seedList) {
    let shared: { dataset: Dataset; data: TrainData } | null = null;
    for (const method of methods) {
      const dir = join(out, methodFolder(method.label), `seed-${seed}`);
      const prefix = `[${method.label} seed ${seed}] `;
      const finished = await readFinishedRun(dir);
      if (finished) {
        progress.log(`${prefix}finished earlier: ${join(dir, 'run.json')}`);
        runs.push({ method: method.label, seed, test: finished.metrics.test! });
        continue;
      }
      shared ??= await prepareSeed(entries, byPath, seed, { ...base, seed }, progress);
      classNames ??= shared.dataset.classNames;
      const checkpoint = join(dir, CHECKPOINT_FILE);
      const resume = existsSync(checkpoint) ? new Uint8Array(await readFile(checkpoint)) : undefined;
      const report = datasetReport(shared.dataset);
      const prepared = await prepareRun({
        config: { ...base, ...method.config, seed },
        source: {
          kind: 'preprocessed',
          data: shared.data,
          dataset: { format: report.format, images: report.images, splits: report.splits, problems: report.problems.length + shared.data.problems.length },
        },
        resume,
      }).catch((err: unknown) => {
        if (err instanceof RunSetupError) throw new CliError(err.message);
        throw err;
      });
      const result = await trainIntoFolder(prepared, dir, progress, prefix);
      if (result.stopped) {
        progress.log(`stopped; run the same command again to continue (finished runs are kept, ${dir} resumes from its checkpoint)`);
        return 130;
      }
      runs.push({ method: method.label, seed, test: result.test! });
    }
  }
  if (flags.backend !== 'cpu') assertNoGPUErrors('gazecam compare');

  const labels = methods.map((m) => m.label);
  const summary = summariseCompare(labels, runs);
  const title = `gazecam compare: ${labels.join(', ')} x ${seeds} seed(s)`;
  const chart = renderCompareChart(summary, title);
  await writeAtomic(join(out, 'compare.md'), compareMarkdown(summary, title));
  await writeAtomic(join(out, 'compare.png'), encodePng({ width: chart.width, height: chart.height, data: chart.rgba, channels: 4, depth: 8 }));
  const record = { format: 'gazecam-compare', version: 1, dataset: positional[0], classNames, config: base, methods: labels, seeds: seedList, summary };
  await writeAtomic(join(out, 'compare.json'), JSON.stringify(record, null, 2) + '\n');
  progress.log(`wrote ${join(out, 'compare.md')}, compare.png and compare.json`);
  process.stdout.write(compareMarkdown(summary, title));
  return 0;
}

/** The run.json of a finished run in `dir`, or null (no run, or one still in progress). */
async function readFinishedRun(dir: string): Promise<RunManifest | null> {
  const text = await readFile(join(dir, 'run.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  const manifest = JSON.parse(text) as RunManifest;
  if (!manifest.metrics?.test) throw new CliError(`${join(dir, 'run.json')} has no test metrics: remove that folder and run again`);
  return manifest;
}

/** One seed's split and preprocessed arrays, shared by every method of that seed. */
async function prepareSeed(
  entries: DatasetEntry[],
  byPath: Map<string, DatasetEntry>,
  seed: number,
  partial: Parameters<typeof resolveConfig>[0],
  progress: ProgressLine,
): Promise<{ dataset: Dataset; data: TrainData }> {
  const config = resolveConfig(partial);
  const dataset = await scanDataset(entries, { seed, gazeSigmaPx: config.gazeSigmaPx || undefined });
  const report = datasetReport(dataset);
  progress.log(`seed ${seed}: ${report.format}, ${report.images} images, train/val/test ${report.splits.train}/${report.splits.val}/${report.splits.test}, ${report.problems.length} problems`);
  const data = await prepareTrainData(dataset, byPath, config.size, {
    gazeSigmaPx: config.gazeSigmaPx,
    onProgress: (done, total) => progress.update(`seed ${seed}: preprocessing ${bar(done / total)} ${done}/${total}`),
  });
  return { dataset, data };
}
