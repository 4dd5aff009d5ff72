/**
 * `gazecam prepare <dataset> --out <dir> --size N` (DESIGN.md section 3): the engine's ingestion and
 * preprocessing once (every format, DICOM, fixations to heatmaps, splits, the problems report),
 * written as .npy shards plus manifest.json (layout: src/data/prepared.ts) for the PyTorch trainer.
 *
 * Streams: one shard's samples are decoded, written and dropped before the next, so memory is
 * bounded by a shard, not the dataset. Written into a temporary sibling folder and renamed into
 * place, so --out is either the previous complete result or the new one. Re-running on an unchanged
 * dataset (same files, sizes, mtimes and options) does nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { datasetReport, preprocessDataset, scanDataset, type Problem } from '../../data/index.ts';
import {
  encodeShard,
  fingerprintText,
  MANIFEST_FILE,
  npyByteLength,
  PREPARED_FORMAT,
  PREPARED_SPLITS,
  PREPARED_VERSION,
  planShards,
  samplesPerShard,
  SHARD_ARRAYS,
  SHARD_DESCR,
  shardArrays,
  shardDir,
  shardEntry,
  DEFAULT_SHARD_MB,
  type PreparedManifest,
  type PreparedSplitEntry,
  type PrepareOptions,
  type SourceFile,
} from '../../data/prepared.ts';
import { parseArgs, UsageError } from '../args.ts';
import { entriesFromDirectory } from '../fs-dataset.ts';
import { bar, formatDuration, ProgressLine } from '../progress.ts';

export const usage = `usage: gazecam prepare <dataset> --out <dir> --size N [options]

  --out DIR         the prepared folder (manifest.json + shards-<id>/*.npy); replaced atomically
  --size N          input size in px (as gazecam train --size)
  --seed N          split seed when the dataset has no split.csv (as gazecam train --seed; default 0)
  --sigma PX        fixation Gaussian sigma in original pixels (default: the format's recipe)
  --shard-mb N      target shard size in MB: what is held in memory at once (default ${DEFAULT_SHARD_MB})
  --json            print the manifest's summary as one JSON object on stdout

Train on it with PyTorch: python -m gazecam_torch.train <dir> --out <run> (see docs/scaling-out.md).`;

const DECODE_RECIPE =
  "one channel in [0,1]: 8-bit /255, 16-bit /65535, DICOM rescale slope/intercept then the file's window, " +
  'MONOCHROME1 inverted; bilinear resize to size x size';

async function readManifest(dir: string): Promise<PreparedManifest | null> {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as PreparedManifest;
  } catch {
    return null;
  }
}

/** True when every shard file the manifest lists is there with the size its shape needs. */
async function shardsComplete(dir: string, m: PreparedManifest): Promise<boolean> {
  for (const split of PREPARED_SPLITS) {
    for (const shard of m.splits[split].shards) {
      for (const a of SHARD_ARRAYS) {
        const shape = a === 'images' || a === 'gaze' ? [shard.count, m.preprocess.size, m.preprocess.size] : [shard.count];
        const info = await stat(join(dir, shard.files[a])).catch(() => null);
        if (!info || info.size !== npyByteLength(SHARD_DESCR[a], shape)) return false;
      }
    }
  }
  return true;
}

const isInside = (child: string, parent: string) => child === parent || child.startsWith(parent + sep);

export async function run(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    out: { type: 'string' }, size: { type: 'int' }, seed: { type: 'int' }, sigma: { type: 'number' },
    'shard-mb': { type: 'number' }, json: { type: 'boolean' },
  });
  if (positional.length !== 1) throw new UsageError('expected exactly one dataset folder');
  if (!flags.out) throw new UsageError('--out <dir> is required');
  if (flags.size === undefined) throw new UsageError('--size N is required (the input size you will train at)');
  const size = flags.size as number;
  if (!(size >= 32 && size <= 1024)) throw new UsageError(`--size must be in [32, 1024], got ${size}`);
  const shardMb = (flags['shard-mb'] as number | undefined) ?? DEFAULT_SHARD_MB;
  if (!(shardMb > 0)) throw new UsageError(`--shard-mb must be > 0, got ${shardMb}`);
  const options: PrepareOptions = { size, seed: (flags.seed as number | undefined) ?? 0, gazeSigmaPx: (flags.sigma as number | undefined) ?? 0 };
  if (options.gazeSigmaPx < 0) throw new UsageError(`--sigma must be >= 0, got ${options.gazeSigmaPx}`);

  const root = await realpath(positional[0]).catch(() => {
    throw new UsageError(`${positional[0]}: no such folder; pass the dataset folder`);
  });
  const out = resolve(flags.out as string);
  const outReal = await realpath(out).catch(() => out);
  if (isInside(outReal, root)) throw new UsageError(`--out ${out} is inside the dataset ${root}; nothing is written there: choose a folder outside it`);
  const previous = existsSync(out) ? await readManifest(out) : null;
  if (existsSync(out) && !previous && (await readdir(out).catch(() => [])).length > 0) {
    throw new UsageError(`--out ${out} exists and is not a prepared dataset (no ${MANIFEST_FILE}); choose a new or empty folder`);
  }

  const progress = new ProgressLine();
  const entries = await entriesFromDirectory(root);
  const files: SourceFile[] = [];
  for (const e of entries) files.push({ path: e.path, size: e.size, mtimeMs: (await stat(join(root, e.path))).mtimeMs });
  const datasetId = createHash('sha256').update(fingerprintText(files, options)).digest('hex').slice(0, 16);
  if (previous?.datasetId === datasetId && (await shardsComplete(out, previous))) {
    progress.log(`${out} is up to date: the ${files.length} source files and the options are unchanged since ${previous.created}; nothing to do`);
    if (flags.json) process.stdout.write(JSON.stringify(summary(previous, out, true)) + '\n');
    return 0;
  }

  const dataset = await scanDataset(entries, { seed: options.seed, gazeSigmaPx: options.gazeSigmaPx || undefined });
  const report = datasetReport(dataset);
  progress.log(`dataset ${report.format}: ${report.images} images, ${report.withGaze} with gaze, ` +
    `train/val/test ${report.splits.train}/${report.splits.val}/${report.splits.test}, ${report.problems.length} problems`);
  for (const p of report.problems.slice(0, 10)) progress.log(`  problem: ${p.file}: ${p.error}`);
  if (dataset.samples.length === 0) throw new UsageError(`${root}: no usable images (${report.problems.length} problems); see gazecam inspect ${positional[0]}`);

  const tmp = join(dirname(out), `.${relative(dirname(out), out)}.tmp-${process.pid}`);
  const cleanup = () => rm(tmp, { recursive: true, force: true });
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    await mkdir(join(tmp, shardDir(datasetId)), { recursive: true });
    const perShard = samplesPerShard(size, shardMb);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const splits = Object.fromEntries(PREPARED_SPLITS.map((s) => [s, { count: 0, ids: [], imagePaths: [], shards: [] }])) as unknown as Record<
      (typeof PREPARED_SPLITS)[number],
      PreparedSplitEntry
    >;
    const problems: Problem[] = [...report.problems];
    const total = dataset.samples.length;
    const started = performance.now();
    let done = 0;
    for (const shard of planShards(dataset.samples, perShard)) {
      const cache = await preprocessDataset({ ...dataset, samples: shard.samples }, byPath, size, {
        imageBits: 16,
        ...(options.gazeSigmaPx > 0 ? { gazeSigmaPx: options.gazeSigmaPx } : {}),
        onProgress: (d) => {
          const rate = (done + d) / ((performance.now() - started) / 1000);
          progress.update(`preparing ${bar((done + d) / total)} ${done + d}/${total} ${rate.toFixed(0)} img/s ETA ${formatDuration((total - done - d) / rate)}`);
        },
      });
      done += shard.samples.length;
      problems.push(...cache.problems);
      const arrays = shardArrays(cache);
      const entry = shardEntry(datasetId, shard.split, shard.index, arrays.samples.length);
      const bytes = encodeShard(arrays, size);
      for (const a of SHARD_ARRAYS) {
        const file = await open(join(tmp, entry.files[a]), 'w');
        try {
          await file.writev(bytes[a]);
        } finally {
          await file.close();
        }
      }
      const split = splits[shard.split];
      split.shards.push(entry);
      split.count += entry.count;
      for (const s of arrays.samples) {
        split.ids.push(s.id);
        split.imagePaths.push(s.imagePath);
      }
    }
    const { problems: _, ...reportCounts } = report;
    const manifest: PreparedManifest = {
      format: PREPARED_FORMAT,
      version: PREPARED_VERSION,
      created: new Date().toISOString(),
      datasetId,
      source: { root, files: files.length, bytes: files.reduce((a, f) => a + f.size, 0) },
      classNames: dataset.classNames,
      preprocess: {
        size, seed: options.seed, gazeSigmaPx: options.gazeSigmaPx,
        images: 'uint16 gray, x / 65535 in [0, 1], before mean/std',
        gaze: 'uint8, x / 255 in [0, 1], min-max normalised; zeros without gaze',
        decode: DECODE_RECIPE,
      },
      report: reportCounts,
      problems,
      splits,
    };
    await writeFile(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
    // The swap: the old folder moves aside only once the new one is complete.
    if (existsSync(out)) {
      const old = `${tmp}.old`;
      await rename(out, old);
      await rename(tmp, out);
      await rm(old, { recursive: true, force: true });
    } else {
      await mkdir(dirname(out), { recursive: true });
      await rename(tmp, out);
    }
    const seconds = (performance.now() - started) / 1000;
    const prepared = PREPARED_SPLITS.reduce((a, s) => a + splits[s].count, 0);
    progress.log(`prepared ${prepared} images at ${size} px in ${seconds.toFixed(1)} s (${(prepared / seconds).toFixed(1)} img/s) into ${out}` +
      (problems.length > report.problems.length ? `; ${problems.length - report.problems.length} could not be decoded (first: ${problems[report.problems.length].file}: ${problems[report.problems.length].error})` : ''));
    if (flags.json) process.stdout.write(JSON.stringify(summary(manifest, out, false)) + '\n');
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    await cleanup();
  }
}

function summary(m: PreparedManifest, out: string, upToDate: boolean) {
  return {
    out, upToDate, datasetId: m.datasetId, classNames: m.classNames, size: m.preprocess.size,
    splits: Object.fromEntries(PREPARED_SPLITS.map((s) => [s, m.splits[s].count])), problems: m.problems.length,
    shards: PREPARED_SPLITS.reduce((a, s) => a + m.splits[s].shards.length, 0),
  };
}
