/**
 * Decode + preprocess throughput and peak memory for large X-rays (issue 4, "memory that scales").
 *
 *   npx tsx scripts/bench-ingest.ts [--count 10000] [--distinct 16] [--size 2048] [--train-size 224] [--dir DIR]
 *
 * Writes the large-X-ray set of bench-ingest-data.ts (`--distinct` different 16-bit PNGs
 * hard-linked up to `--count` files), then runs the real pipeline in Node: walk the folder,
 * scan (header/trailer probes only), decode + resize every image into the compact cache, and
 * stream one epoch of batches. Prints one JSON line with the figures; peak RSS is the kernel's
 * VmHWM for this process.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, preprocessDataset, resizeGray, scanDataset } from '../src/data/index.ts';
import { entriesFromDirectory } from '../src/node/fs-dataset.ts';
import { writeLargeDataset } from './bench-ingest-data.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const count = flag('count', 10_000);
const distinct = Math.min(flag('distinct', 16), count);
const size = flag('size', 2048);
const trainSize = flag('train-size', 224);
const dirArg = process.argv.indexOf('--dir');

async function peakRssMb(): Promise<number> {
  try {
    const status = await readFile('/proc/self/status', 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    if (kb) return kb / 1024;
  } catch {
    /* not Linux */
  }
  return process.memoryUsage().rss / 2 ** 20;
}

const root = dirArg > 0 ? process.argv[dirArg + 1] : await mkdtemp(join(tmpdir(), 'gazecam-bench-'));
const t0 = performance.now();
await writeLargeDataset(root, count, distinct, size);
const generateS = (performance.now() - t0) / 1000;

const t1 = performance.now();
const entries = await entriesFromDirectory(root);
const ds = await scanDataset(entries);
const scanS = (performance.now() - t1) / 1000;

const byPath = new Map(entries.map((e) => [e.path, e]));
const t2 = performance.now();
let lastLog = t2;
const cache = await preprocessDataset(ds, byPath, trainSize, {
  concurrency: 2,
  onProgress(done, total) {
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      console.error(`  ${done}/${total} (${(done / ((lastLog - t2) / 1000)).toFixed(1)} images/s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB)`);
    }
  },
});
const preprocessS = (performance.now() - t2) / 1000;

// Where one image's time goes (mean over the first 10): read, decode, resize.
const perImageMs = { readMs: 0, decodeMs: 0, resizeMs: 0 };
for (const e of entries.slice(0, 10)) {
  let t = performance.now();
  const bytes = await e.read();
  perImageMs.readMs += performance.now() - t;
  t = performance.now();
  const img = await decodeImage(bytes, e.path);
  perImageMs.decodeMs += performance.now() - t;
  t = performance.now();
  resizeGray(img.data, img.width, img.height, trainSize, trainSize);
  perImageMs.resizeMs += performance.now() - t;
}
for (const k of Object.keys(perImageMs) as (keyof typeof perImageMs)[]) perImageMs[k] = Math.round(perImageMs[k] / Math.min(10, entries.length));

const t3 = performance.now();
let batches = 0;
for (const batch of cache.batches('train', 32, { shuffle: true, seed: 1 })) batches += batch.labels.length > 0 ? 1 : 0;
const epochS = (performance.now() - t3) / 1000;

const result = {
  images: ds.samples.length,
  imageSize: size,
  bitDepth: 16,
  pngMB: Number(((entries.find((e) => e.path.endsWith('.png'))?.size ?? 0) / 2 ** 20).toFixed(2)),
  trainSize,
  problems: ds.problems.length + cache.problems.length,
  generateS: Number(generateS.toFixed(1)),
  scanS: Number(scanS.toFixed(2)),
  scanImagesPerSec: Number((ds.samples.length / scanS).toFixed(0)),
  preprocessS: Number(preprocessS.toFixed(1)),
  decodePreprocessImagesPerSec: Number((cache.samples.length / preprocessS).toFixed(2)),
  cacheMB: Number((cache.byteLength / 2 ** 20).toFixed(1)),
  epochBatchStreamS: Number(epochS.toFixed(2)),
  perImageMs,
  peakRssMB: Number((await peakRssMb()).toFixed(0)),
  node: process.version,
};
console.log(JSON.stringify(result));
if (dirArg < 0) await rm(root, { recursive: true, force: true });
