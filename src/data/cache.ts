/**
 * Preprocess once, train many epochs: 10,000 radiographs of 2048 x 2048 are 80 GB as float32, so
 * each sample is decoded once, reduced to training size, and kept compactly (image as 16-bit
 * fixed point, gaze as 8-bit), a few hundred kB at 224 px and 8 kB at 64 px. Only one
 * full-resolution decode per worker is alive at any time. Batches are materialised as float32 on
 * demand by the engine (src/engine/train/data.ts), so an epoch streams through memory of one batch.
 *
 * Images are kept at 8 bits by default, like the 8-bit PNG/JPEG exports most CXR datasets ship
 * (MIMIC-CXR-JPG, CheXpert): 10,000 images at 224 px are 0.5 GB, at 64 px 41 MB. `imageBits: 16`
 * keeps the 12-16-bit detector precision at twice the memory. Gaze maps (8-bit, smooth) take
 * memory only for samples that have gaze.
 */
import { loadSample, type EntryLookup, type LoadOptions } from './load.ts';
import type { Dataset, Problem } from './types.ts';

export interface PreprocessOptions extends LoadOptions {
  /** bits per cached image pixel (default 8) */
  imageBits?: 8 | 16;
  /** samples decoded at once (default 4); each holds one full-resolution image while in flight */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** stop early (the studio's Stop button) */
  signal?: AbortSignal;
}

export class PreprocessedCache {
  readonly images: Uint8Array | Uint16Array;
  /** gaze maps of the samples that have one, in `gazeSlot` order */
  readonly gaze: Uint8Array;
  /** per sample: index into `gaze` maps, or -1 */
  readonly gazeSlot: Int32Array;
  /** samples that decoded; their order is the cache's */
  readonly samples: Dataset['samples'];
  readonly problems: Problem[];
  readonly pixels: number;

  constructor(readonly size: number, samples: Dataset['samples'], images: Uint8Array | Uint16Array, gaze: Uint8Array, gazeSlot: Int32Array, problems: Problem[]) {
    this.pixels = size * size;
    this.samples = samples;
    this.images = images;
    this.gaze = gaze;
    this.gazeSlot = gazeSlot;
    this.problems = problems;
  }

  get byteLength(): number {
    return this.images.byteLength + this.gaze.byteLength + this.gazeSlot.byteLength;
  }
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Decodes and reduces every sample. Samples that fail are left out with a problem naming the file
 * (the scan's header checks catch most; this catches corrupt compressed data).
 */
export async function preprocessDataset(ds: Dataset, entries: EntryLookup, size: number, options: PreprocessOptions = {}): Promise<PreprocessedCache> {
  const total = ds.samples.length;
  const p = size * size;
  const bits = options.imageBits ?? 8;
  const imageMax = bits === 16 ? 65535 : 255;
  const images = bits === 16 ? new Uint16Array(total * p) : new Uint8Array(total * p);
  // Slots are reserved from the scan (gaze files are known); a sample whose gaze turns out flat leaves its slot zero.
  const gazeSlot = new Int32Array(total).fill(-1);
  let slots = 0;
  ds.samples.forEach((s, i) => {
    if (s.gaze) gazeSlot[i] = slots++;
  });
  const gaze = new Uint8Array(slots * p);
  const ok = new Uint8Array(total);
  const problems: Problem[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < total) {
      if (options.signal?.aborted) throw new Error('preprocessing stopped');
      const i = next++;
      const sample = ds.samples[i];
      try {
        const loaded = await loadSample(ds, sample, entries, size, options);
        if (loaded.gazeProblem) problems.push(loaded.gazeProblem);
        const img = images.subarray(i * p, (i + 1) * p);
        // Clamped: an integer array would wrap a value a hair outside [0, 1] to the other end.
        for (let k = 0; k < p; k++) img[k] = Math.round(clamp01(loaded.image[k]) * imageMax);
        if (loaded.gaze && gazeSlot[i] >= 0) {
          const g = gaze.subarray(gazeSlot[i] * p, (gazeSlot[i] + 1) * p);
          for (let k = 0; k < p; k++) g[k] = Math.round(clamp01(loaded.gaze[k]) * 255);
        } else {
          gazeSlot[i] = -1;
        }
        ok[i] = 1;
      } catch (err) {
        problems.push({ file: sample.imagePath, error: (err as Error).message });
      }
      options.onProgress?.(++done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, total)) }, worker));
  if (problems.length === 0) return new PreprocessedCache(size, ds.samples, images, gaze, gazeSlot, problems);
  // Compact away the failures so sample indices stay dense (gaze slots of failures stay unused).
  const keep = [...ok.keys()].filter((i) => ok[i]);
  const kept = bits === 16 ? new Uint16Array(keep.length * p) : new Uint8Array(keep.length * p);
  keep.forEach((from, to) => kept.set(images.subarray(from * p, (from + 1) * p), to * p));
  return new PreprocessedCache(size, keep.map((i) => ds.samples[i]), kept, gaze, Int32Array.from(keep, (i) => gazeSlot[i]), problems);
}
