import type { DatasetFile, DatasetReport, DatasetSource, SampleSummary } from '../../worker/protocol.ts';
import type { SliceCreator } from './types.ts';

/** The dataset as the studio knows it: the worker scans and keeps the files; the UI gets the report. */
export type DatasetState =
  | { status: 'empty' }
  | { status: 'loading'; source: DatasetSource; fileCount: number }
  | {
      status: 'ready';
      source: DatasetSource;
      datasetId: number;
      name: string;
      report: DatasetReport;
      samples: SampleSummary[];
      scanMs: number;
    }
  | { status: 'failed'; source: DatasetSource; message: string };

export interface DatasetSlice {
  dataset: DatasetState;
  loadFolder(files: DatasetFile[]): void;
  loadDemo(): void;
  datasetLoading(source: DatasetSource, fileCount: number): void;
  datasetLoaded(loaded: Omit<Extract<DatasetState, { status: 'ready' }>, 'status'>): void;
  datasetFailed(source: DatasetSource, message: string): void;
  /** Hands the current dataset to a freshly started worker (after a lost GPU device). */
  reloadDataset(): void;
}

export const createDatasetSlice: SliceCreator<DatasetSlice> = (port) => (set, get) => {
  // The worker keeps the files it scans; a replaced worker needs them again. File objects are
  // references to the user's disk, so keeping them costs nothing; they stay out of the state
  // because nothing renders them.
  let folderFiles: DatasetFile[] | null = null;
  return {
    dataset: { status: 'empty' },
    loadFolder: (files) => {
      folderFiles = files;
      set({ dataset: { status: 'loading', source: 'folder', fileCount: files.length } });
      port.post({ type: 'loadDataset', files });
    },
    loadDemo: () => {
      set({ dataset: { status: 'loading', source: 'demo', fileCount: 0 } });
      port.post({ type: 'loadDemoDataset' });
    },
    datasetLoading: (source, fileCount) => set({ dataset: { status: 'loading', source, fileCount } }),
    datasetLoaded: (loaded) => set({ dataset: { status: 'ready', ...loaded } }),
    datasetFailed: (source, message) => set({ dataset: { status: 'failed', source, message } }),
    reloadDataset: () => {
      const current = get().dataset;
      if (current.status !== 'ready' && current.status !== 'loading') return;
      if (current.source === 'demo') get().loadDemo();
      else if (folderFiles) get().loadFolder(folderFiles);
    },
  };
};
