/**
 * The worker's dataset adapter: the user's dropped or picked files (or the generated demo) become
 * src/data `DatasetEntry`s, are scanned once, and stay here, beside the engine that will train on
 * them. The UI only receives the report. Files are read lazily and in ranges (`File.slice`):
 * scanning touches headers, not whole X-rays; nothing the user dropped is ever written.
 */
import { datasetReport, scanDataset, type Dataset, type DatasetEntry, type DatasetReport } from '../data/index.ts';
import { demoEntries, generateDemoDataset } from '../data/demo.ts';
import type { DatasetFile, DatasetSource } from './protocol.ts';

export interface LoadedDataset {
  source: DatasetSource;
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
 * The name to show for a picked or dropped folder: the top folder every path shares ("my-dataset"
 * from "my-dataset/images/..."). Paths stay as they came: src/data finds the dataset root itself.
 */
export function folderName(paths: string[]): string {
  const first = paths[0]?.split('/')[0];
  const shared = first !== undefined && paths.every((p) => p.startsWith(`${first}/`));
  return shared && !['images', 'gaze', 'main_data'].includes(first) ? first : 'dataset';
}

async function scan(source: DatasetSource, name: string, entries: DatasetEntry[]): Promise<LoadedDataset> {
  const dataset = await scanDataset(entries);
  return { source, name, dataset, entries: new Map(entries.map((e) => [e.path, e])), report: datasetReport(dataset) };
}

export async function loadFolder(files: DatasetFile[]): Promise<LoadedDataset> {
  if (files.length === 0) throw new Error('The folder is empty: pick the dataset folder itself (it holds images/ and gaze/).');
  const entries = files.map((f) => fileEntry(f.path.replace(/\\/g, '/').replace(/^\.?\//, ''), f.file));
  return scan('folder', folderName(entries.map((e) => e.path)), entries);
}

/**
 * What a run was trained on, to recognise the same folder when it is dropped again: SHA-256 of every
 * path and size. A file added, removed, renamed or resized changes it; an edit that keeps the size
 * does not (reading every byte again to hash it would cost as much as the scan it verifies).
 */
export async function datasetFingerprint(loaded: LoadedDataset): Promise<string> {
  const listing = [...loaded.entries.values()].map((e) => `${e.path}\t${e.size}`).sort().join('\n');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(listing));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The built-in demo (src/data/demo.ts), generated in memory and scanned like a dropped folder. */
export async function loadDemo(): Promise<LoadedDataset> {
  return scan('demo', 'demo', demoEntries(generateDemoDataset()));
}
