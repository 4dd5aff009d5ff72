/**
 * The interrupted run, kept in IndexedDB (in this browser profile, on this machine): the latest
 * checkpoint of the run in progress and what it was trained on, so a reload, a crash or a lost GPU
 * device loses at most the steps since that checkpoint. A finished or discarded run removes it.
 *
 * A folder run also keeps its preprocessed arrays (TrainData: 16-bit gray and 8-bit gaze at the
 * training size, 3 bytes a pixel), so a reload resumes on exactly the images it trained on without
 * the folder being dropped again, and nothing is re-read from a folder that may have changed since.
 * The browser forgets dropped files on reload; keeping the bytes is the only way that is both
 * exact and works with a picked folder as well as a dropped one. The demo is regenerated instead
 * (it is deterministic). If the arrays do not fit in the browser's quota, the folder must be
 * dropped again, as before.
 */
import type { DatasetReport } from '../data/types.ts';
import type { TrainData } from '../engine/train/data.ts';
import type { DatasetSource } from './protocol.ts';

const DB_NAME = 'gazecam-studio';
const DB_VERSION = 1;
const STORE = 'runs';
const KEY = 'interrupted';
const DATA_KEY = 'interrupted-data';

export interface SavedRun {
  savedAt: string;
  /** pairs the checkpoint with its StoredRunData; absent in records from before it existed */
  runId?: string;
  datasetSource: DatasetSource;
  datasetName: string;
  datasetImages: number;
  /** true when the run's preprocessed arrays were stored under the same runId */
  dataStored?: boolean;
  /** datasetFingerprint() of what the run was trained on: a folder dropped again must match it */
  datasetFingerprint?: string;
  /** a GazeCAM checkpoint (safetensors with the config, classes, history and position inside) */
  checkpoint: Uint8Array;
}

/** A folder run's training arrays, as the run preprocessed them (see the header). */
export interface StoredRunData {
  runId: string;
  datasetName: string;
  datasetFingerprint: string;
  report: DatasetReport;
  data: TrainData;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB open failed'));
  });
}

async function transact<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = run(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted (storage full?)'));
    });
  } finally {
    db.close();
  }
}

export const runStore = {
  save: (run: SavedRun) => transact('readwrite', (s) => s.put(run, KEY)).then(() => undefined),
  load: () => transact<SavedRun | undefined>('readonly', (s) => s.get(KEY) as IDBRequest<SavedRun | undefined>),
  saveData: (stored: StoredRunData) => transact('readwrite', (s) => s.put(stored, DATA_KEY)).then(() => undefined),
  loadData: () => transact<StoredRunData | undefined>('readonly', (s) => s.get(DATA_KEY) as IDBRequest<StoredRunData | undefined>),
  clearData: () => transact('readwrite', (s) => s.delete(DATA_KEY)).then(() => undefined),
  clear: async () => {
    await transact('readwrite', (s) => s.delete(KEY));
    await transact('readwrite', (s) => s.delete(DATA_KEY));
  },
};
