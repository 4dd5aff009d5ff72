/**
 * The worker's dataset adapter: the user's dropped or picked files (or the generated demo) become
 * src/data `DatasetEntry`s, are scanned once, and stay here, beside the engine that will train on
 * them. The UI only receives the report. Files are read lazily and in ranges (`File.slice`):
 * scanning touches headers, not whole X-rays; nothing the user dropped is ever written.
 */
import { datasetReport, scanDataset, type Dataset, type DatasetEntry, type DatasetReport } from '../data/index.ts';
import { demoEntries, generateDemoDataset } from '../data/demo.ts';
import type { DatasetFile } from './protocol.ts';

export interface LoadedDataset {
  /** folder name the user chose, or "demo" */
  name: string;
  dataset: Dataset;
  entries: Map<string, DatasetEntry>;
  report: DatasetReport;
}

function fileEntry(path: string, file: File): DatasetEntry {
  return {
    path,
    size: file.size,
    read: async () => new Uint8Array(await file.arrayBuffer()),
    slice: async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer()),
  };
}

/**
 * A picked folder arrives as "my-dataset/images/..."; the dataset root is "my-dataset", so one
 * leading folder shared by every path is dropped (and becomes the dataset's name).
 */
export function rootRelative(files: DatasetFile[]): { name: string; files: DatasetFile[] } {
  const normalised = files.map((f) => ({ ...f, path: f.path.replace(/\\/g, '/').replace(/^\.?\//, '') }));
  const first = normalised[0]?.path.split('/')[0];
  const shared = first !== undefined && normalised.every((f) => f.path.startsWith(`${first}/`));
  if (!shared) return { name: 'dataset', files: normalised };
  return { name: first, files: normalised.map((f) => ({ ...f, path: f.path.slice(first.length + 1) })) };
}

async function scan(name: string, entries: DatasetEntry[]): Promise<LoadedDataset> {
  const dataset = await scanDataset(entries);
  return { name, dataset, entries: new Map(entries.map((e) => [e.path, e])), report: datasetReport(dataset) };
}

export async function loadFolder(files: DatasetFile[]): Promise<LoadedDataset> {
  if (files.length === 0) throw new Error('The folder is empty: pick the dataset folder itself (it holds images/ and gaze/).');
  const rooted = rootRelative(files);
  return scan(rooted.name, rooted.files.map((f) => fileEntry(f.path, f.file)));
}

/** The built-in demo (src/data/demo.ts), generated in memory and scanned like a dropped folder. */
export async function loadDemo(): Promise<LoadedDataset> {
  return scan('demo', demoEntries(generateDemoDataset()));
}
