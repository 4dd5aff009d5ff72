/** A dataset held in memory (no file system): the demo generator's files as DatasetEntries. */
import { generateDemoDataset } from '../../src/data/demo.ts';
import { scanDataset, type Dataset, type DatasetEntry } from '../../src/data/index.ts';

export function entriesFromFiles(files: Array<{ path: string; bytes: Uint8Array }>): Map<string, DatasetEntry> {
  return new Map(
    files.map((f) => [f.path, { path: f.path, size: f.bytes.byteLength, read: async () => f.bytes }] as const),
  );
}

export async function demoDataset(options: { count?: number; size?: number; seed?: number; shortcut?: boolean } = {}): Promise<{
  dataset: Dataset;
  entries: Map<string, DatasetEntry>;
}> {
  const entries = entriesFromFiles(generateDemoDataset({ count: 36, size: 32, seed: 1, ...options }));
  return { dataset: await scanDataset([...entries.values()]), entries };
}
