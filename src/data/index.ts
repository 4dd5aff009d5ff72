/**
 * Dataset ingestion: any dropped folder -> one `Dataset` the engine, the CLI and the
 * studio share. DOM-free and free of Node built-ins; adapters supply `DatasetEntry`s (see
 * src/node/fs-dataset.ts). Bad input never stops a scan: every unusable file becomes a `Problem`
 * with its reason, and nothing the user dropped is written.
 */
import { DatasetView, Problems, screenEntries } from './formats/common.ts';
import { scanNative } from './formats/native.ts';
import { detectFormat, scanEgdCxr, scanMicEye, scanReflacx } from './formats/detect.ts';
import type { Dataset, DatasetEntry, DatasetReport, ScanOptions } from './types.ts';

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

export { loadSample, type EntryLookup, type LoadOptions } from './load.ts';
export { preprocessDataset, PreprocessedCache, type PreprocessOptions } from './cache.ts';
export { generateDemoDataset, demoEntries, DEMO_CLASSES, type DemoOptions, type DemoFile } from './demo.ts';
export { entriesFromBlobs } from './blob-entries.ts';
