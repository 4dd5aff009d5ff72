import type { DatasetFile } from '../../worker/protocol.ts';
import type { SliceCreator } from './types.ts';

/**
 * The dataset as the studio knows it. Ingestion (src/data) reports back through the worker; until
 * it is wired, this slice only forwards the user's folder and remembers what was handed over.
 */
export interface DatasetSlice {
  /** files the user last dropped or picked, before the worker has read them */
  pendingFileCount: number;
  loadFolder(files: DatasetFile[]): void;
  loadDemo(): void;
}

export const createDatasetSlice: SliceCreator<DatasetSlice> = (port) => (set) => ({
  pendingFileCount: 0,
  loadFolder: (files) => {
    set({ pendingFileCount: files.length });
    port.post({ type: 'loadDataset', files });
  },
  loadDemo: () => port.post({ type: 'loadDemoDataset' }),
});
