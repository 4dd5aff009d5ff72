import type { WeightsImportReport } from '../../worker/protocol.ts';
import type { SliceCreator } from './types.ts';

export type ExportStatus =
  | { state: 'idle' }
  | { state: 'working' }
  | { state: 'done'; fileName: string; files: string[]; sizeBytes: number }
  | { state: 'failed'; message: string };

export interface WeightsSlice {
  exportStatus: ExportStatus;
  /** the last imported file's check; null when none (or cleared) */
  importReport: WeightsImportReport | null;
  importChecking: boolean;
  exportWeights(): void;
  importWeights(file: File): void;
  clearImportedWeights(): void;
  /** Hands the imported weights to a freshly started worker (after a lost GPU device), checked again. */
  reloadImportedWeights(): void;
  exportReady(fileName: string, files: string[], sizeBytes: number): void;
  exportFailed(message: string): void;
  weightsImported(report: WeightsImportReport): void;
}

export const createWeightsSlice: SliceCreator<WeightsSlice> = (port) => (set, get) => {
  // The worker holds the checked weights; a replaced worker needs the file again, or the next run
  // would silently start from random weights while the panel still says "imported".
  let importedFile: File | null = null;
  return {
    exportStatus: { state: 'idle' },
    importReport: null,
    importChecking: false,
    exportWeights: () => {
      set({ exportStatus: { state: 'working' } });
      port.post({ type: 'exportWeights' });
    },
    importWeights: (file) => {
      importedFile = file;
      set({ importChecking: true, importReport: null });
      port.post({ type: 'importWeights', file, settings: get().settings });
    },
    clearImportedWeights: () => {
      importedFile = null;
      set({ importReport: null });
      port.post({ type: 'clearImportedWeights' });
    },
    reloadImportedWeights: () => {
      if (importedFile && get().importReport?.ok) get().importWeights(importedFile);
    },
    exportReady: (fileName, files, sizeBytes) => set({ exportStatus: { state: 'done', fileName, files, sizeBytes } }),
    exportFailed: (message) => set({ exportStatus: { state: 'failed', message } }),
    weightsImported: (importReport) => set({ importReport, importChecking: false }),
  };
};
