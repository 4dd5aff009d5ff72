/**
 * Training data held compactly at training size: each image is decoded and resized once (by the
 * data layer's preprocessDataset), stored as 16-bit gray (2 bytes/pixel; 10,000 images at 224 px =
 * 1 GB) and its gaze map as 8-bit; full resolution is never kept. Batches are assembled on the CPU as one-channel [B,S,S,1] arrays and
 * expanded to 3 normalised channels on the GPU.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentToTensors } from '../kernels/augment/ops.ts';
import { AUGMENT_PARAMS, Param, type AugmentDraw } from '../kernels/augment/reference.ts';
import { preprocessDataset, type Dataset, type EntryLookup, type Problem, type Sample, type Split } from '../../data/index.ts';

export interface SplitData {
  split: Split;
  count: number;
  size: number;
  ids: string[];
  imagePaths: string[];
  /** count * size * size, gray in [0, 65535] */
  images: Uint16Array;
  /** count * size * size, gaze in [0, 255]; zeros where hasGaze is 0 */
  gaze: Uint8Array;
  hasGaze: Uint8Array;
  /** class index, -1 when unknown to the model (prediction on another dataset) */
  labels: Int32Array;
  /** 1 where the sample's metadata marks a shortcut that contradicts the label (demo hard mode) */
  conflict: Uint8Array;
}

export interface TrainData {
  classNames: string[];
  size: number;
  train: SplitData;
  val: SplitData;
  test: SplitData;
  /** samples that could not be loaded, with reasons; they are left out, the rest is used */
  problems: Problem[];
}

const LOAD_CONCURRENCY = 4;

/**
 * Loads `samples` at `size`. Labels come from `labelIndex` (the dataset's class order) unless
 * `classNames` is given (a trained run's), then by name, -1 where the run does not know the label.
 */
export async function loadSamples(
  ds: Dataset,
  samples: Sample[],
  split: Split,
  entries: EntryLookup,
  size: number,
  gazeSigmaPx: number,
  problems: Problem[],
  onProgress?: (done: number) => void,
  classNames?: string[],
): Promise<SplitData> {
  const pixels = size * size;
  // The data layer's cache does the decoding (one full-resolution image per load in flight); this
  // only lays its arrays out per sample, with the labels and metadata training needs.
  const cache = await preprocessDataset({ ...ds, samples }, entries, size, {
    imageBits: 16,
    concurrency: LOAD_CONCURRENCY,
    ...(gazeSigmaPx > 0 ? { gazeSigmaPx } : {}),
    onProgress: (done) => onProgress?.(done),
  });
  problems.push(...cache.problems);
  const count = cache.samples.length;
  const data: SplitData = {
    split,
    count,
    size,
    ids: cache.samples.map((s) => s.id),
    imagePaths: cache.samples.map((s) => s.imagePath),
    images: cache.images as Uint16Array,
    gaze: new Uint8Array(count * pixels),
    hasGaze: new Uint8Array(count),
    labels: new Int32Array(count),
    conflict: new Uint8Array(count),
  };
  cache.samples.forEach((sample, i) => {
    const slot = cache.gazeSlot[i]!;
    if (slot >= 0) {
      data.hasGaze[i] = 1;
      data.gaze.set(cache.gaze.subarray(slot * pixels, (slot + 1) * pixels), i * pixels);
    }
    data.labels[i] = classNames ? classNames.indexOf(sample.label) : sample.labelIndex;
    data.conflict[i] = shortcutConflicts(sample) ? 1 : 0;
  });
  return data;
}

/**
 * Whether the sample's shortcut contradicts its label: a `conflict` column of 1 (the demo's hard
 * mode writes one), or a `shortcut` column naming another class than the label (for native
 * datasets: which class a marker, a device or a hospital points to).
 */
function shortcutConflicts(sample: Sample): boolean {
  const meta = sample.meta;
  if (!meta) return false;
  if (meta.conflict !== undefined && meta.conflict !== '') return meta.conflict === '1';
  return meta.shortcut !== undefined && meta.shortcut !== '' && meta.shortcut !== sample.label;
}

/** Decodes and preprocesses every sample of the dataset to `size` once. */
export async function prepareTrainData(
  ds: Dataset,
  entries: EntryLookup,
  size: number,
  options: { gazeSigmaPx?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<TrainData> {
  const problems: Problem[] = [];
  const total = ds.samples.length;
  let base = 0;
  const bySplit = (split: Split) => ds.samples.filter((s) => s.split === split);
  const out: Partial<Record<Split, SplitData>> = {};
  for (const split of ['train', 'val', 'test'] as const) {
    const samples = bySplit(split);
    const offset = base;
    out[split] = await loadSamples(ds, samples, split, entries, size, options.gazeSigmaPx ?? 0, problems, (d) =>
      options.onProgress?.(offset + d, total),
    );
    base += samples.length;
  }
  return { classNames: ds.classNames, size, train: out.train!, val: out.val!, test: out.test!, problems };
}

export interface Batch {
  /** [B,S,S,1] gray in [0,1] (normalised to 3 channels by `normaliseImages`) */
  images: tf.Tensor4D;
  /** [B,S,S,1] in [0,1] */
  gaze: tf.Tensor4D;
  /** [B] 1 where the image has gaze */
  gazeMask: tf.Tensor1D;
  /** [B,K] */
  oneHot: tf.Tensor2D;
}

/**
 * The batch of the samples at `indices` (indices may repeat: eval pads its last batch so every
 * batch has the same shape, which keeps the WebGPU buffer pool from growing). With `augmentation`
 * the images and gaze maps go through the augmentation pass (training only).
 */
export function makeBatch(data: SplitData, indices: number[], numClasses: number, augmentation: AugmentDraw | null = null): Batch {
  const pixels = data.size * data.size;
  const images = new Float32Array(indices.length * pixels);
  const gaze = new Float32Array(indices.length * pixels);
  const mask = new Float32Array(indices.length);
  const labels = new Int32Array(indices.length);
  indices.forEach((src, i) => {
    let sum = 0;
    for (let p = 0; p < pixels; p++) {
      const v = data.images[src * pixels + p]! / 65535;
      images[i * pixels + p] = v;
      sum += v;
      gaze[i * pixels + p] = data.gaze[src * pixels + p]! / 255;
    }
    // Contrast changes pivot on the image's own mean, known here for free.
    if (augmentation) augmentation.params[i * AUGMENT_PARAMS + Param.Pivot] = sum / pixels;
    mask[i] = data.hasGaze[src]!;
    labels[i] = data.labels[src]!;
  });
  const shape: [number, number, number, number] = [indices.length, data.size, data.size, 1];
  const inputs = augmentation
    ? augmentToTensors(images, gaze, data.size, augmentation)
    : { images: tf.tensor4d(images, shape), gaze: tf.tensor4d(gaze, shape) };
  return {
    ...inputs,
    gazeMask: tf.tensor1d(mask),
    oneHot: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D),
  };
}

export function disposeBatch(b: Batch): void {
  tf.dispose([b.images, b.gaze, b.gazeMask, b.oneHot]);
}

/**
 * gray [B,S,S,1] in [0,1] -> [B,S,S,3] normalised with the config's mean/std (DESIGN.md section 2):
 * (gray - mean[c]) / std[c], the gray channel broadcast to the three. The constants are [1,1,1,3],
 * not [3]: tfjs-webgpu runs a rank-1 operand under 128 elements through a workgroup-memory program
 * with barriers, which made these two ops (with a Tile before them) 15% of a 128 px training step
 * in Chromium's SwiftShader.
 */
export function normaliseImages(gray: tf.Tensor4D, mean: readonly number[], std: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const channels = (values: readonly number[]) => tf.tensor4d([...values], [1, 1, 1, values.length]);
    return tf.div(tf.sub(gray, channels(mean)), channels(std)) as tf.Tensor4D;
  });
}
