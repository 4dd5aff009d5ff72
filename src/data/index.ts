/**
 * Dataset ingestion (issue 4): any dropped folder -> one `Dataset` the engine, the CLI and the
 * studio share. DOM-free and free of Node built-ins; adapters supply `DatasetEntry`s (see
 * src/node/fs-dataset.ts). Bad input never stops a scan: every unusable file becomes a `Problem`
 * with its reason, and nothing the user dropped is written.
 */
import { decodeImage, ImageDecodeError } from './decode/index.ts';
import { renderFixations } from './gaze.ts';
import { minMaxNormalise, resizeGray } from './resize.ts';
import { DatasetView, Problems, screenEntries } from './formats/common.ts';
import { scanNative } from './formats/native.ts';
import { detectFormat, scanEgdCxr, scanMicEye, scanReflacx } from './formats/detect.ts';
import type { Dataset, DatasetEntry, DatasetReport, Sample, ScanOptions } from './types.ts';

export * from './types.ts';
export { decodeImage, probeImage, configureCodecs, loadedCodecBuilds, ImageDecodeError, IMAGE_LIMITS } from './decode/index.ts';
export type { GrayImage, ImageHeader } from './decode/index.ts';
export { renderFixations } from './gaze.ts';
export { resizeGray, minMaxNormalise } from './resize.ts';
export { parseCsv } from './csv.ts';

export async function scanDataset(entries: DatasetEntry[], options: ScanOptions = {}): Promise<Dataset> {
  const problems = new Problems();
  const usable = screenEntries(entries, problems);
  const view = new DatasetView(usable);
  const format = await detectFormat(usable, view);
  if (format === 'egd-cxr') return scanEgdCxr(usable, view, problems, options);
  if (format === 'reflacx') return scanReflacx(usable, view, problems, options);
  if (format === 'miceye') return scanMicEye(usable, view, problems, options);
  return scanNative(usable, view, problems, options);
}

export function datasetReport(ds: Dataset): DatasetReport {
  const classes: Record<string, number> = {};
  for (const name of ds.classNames) classes[name] = 0;
  const splits = { train: 0, val: 0, test: 0 };
  let withGaze = 0;
  for (const s of ds.samples) {
    classes[s.label] = (classes[s.label] ?? 0) + 1;
    splits[s.split]++;
    if (s.gaze) withGaze++;
  }
  return { format: ds.format, images: ds.samples.length, classes, withGaze, splits, problems: ds.problems };
}

export type EntryLookup = Map<string, DatasetEntry> | ((path: string) => DatasetEntry | undefined);

function lookup(entries: EntryLookup, path: string): DatasetEntry {
  const entry = typeof entries === 'function' ? entries(path) : entries.get(path);
  if (!entry) throw new ImageDecodeError(`${path}: file not found among the dataset's entries; was the folder changed after scanning? Scan it again`);
  return entry;
}

export interface LoadOptions {
  /** override every fixation's Gaussian sigma, in original image pixels */
  gazeSigmaPx?: number;
}

/**
 * Decode + preprocess one sample to `size x size`: the image as one channel in [0, 1] (before
 * mean/std) and the gaze map under exactly the same geometry, min-max normalised to [0, 1], or
 * null when the sample has no gaze. Decoding problems throw errors naming the file and reason.
 * The full-resolution decode is dropped before returning: only training-size arrays survive.
 */
export async function loadSample(
  _ds: Dataset,
  sample: Sample,
  entries: EntryLookup,
  size: number,
  options: LoadOptions = {},
): Promise<{ image: Float32Array; gaze: Float32Array | null }> {
  const imageEntry = lookup(entries, sample.imagePath);
  let decoded;
  try {
    decoded = await decodeImage(await imageEntry.read(), sample.imagePath);
  } catch (err) {
    throw new ImageDecodeError(`${sample.imagePath}: ${(err as Error).message}`);
  }
  const image = resizeGray(decoded.data, decoded.width, decoded.height, size, size);
  // Resampling weights sum to 1 only up to float rounding; keep the promised [0, 1].
  for (let i = 0; i < image.length; i++) image[i] = image[i] < 0 ? 0 : image[i] > 1 ? 1 : image[i];
  let gaze: Float32Array | null = null;
  if (sample.gaze?.kind === 'heatmap') {
    const path = sample.gaze.path;
    let map;
    try {
      map = await decodeImage(await lookup(entries, path).read(), path);
    } catch (err) {
      throw new ImageDecodeError(`${path}: ${(err as Error).message}`);
    }
    gaze = resizeGray(map.data, map.width, map.height, size, size);
    if (!minMaxNormalise(gaze)) gaze = null; // a flat heatmap carries no location
  } else if (sample.gaze?.kind === 'fixations') {
    gaze = renderFixations(sample.gaze, decoded.width, decoded.height, size, size, { sigmaPx: options.gazeSigmaPx });
    if (gaze && !minMaxNormalise(gaze)) gaze = null;
  }
  return { image, gaze };
}

export { preprocessDataset, PreprocessedCache, type Batch, type PreprocessOptions } from './cache.ts';
export { generateDemoDataset, demoEntries, DEMO_CLASSES, type DemoOptions, type DemoFile } from './demo.ts';
export { entriesFromBlobs } from './blob-entries.ts';
