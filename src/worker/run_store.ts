/**
 * The interrupted run, kept in IndexedDB (in this browser profile, on this machine): the latest
 * checkpoint of the run in progress and what it was trained on, so a reload, a crash or a lost GPU
 * device loses at most the steps since that checkpoint. One record; a finished or discarded run
 * removes it. The dataset itself is not stored: the demo is regenerated (deterministic), a folder
 * must be dropped again.
 */
import type { DatasetSource } from './protocol.ts';

const DB_NAME = 'gazecam-studio';
const DB_VERSION = 1;
const STORE = 'runs';
const KEY = 'interrupted';

export interface SavedRun {
  savedAt: string;
  datasetSource: DatasetSource;
  datasetName: string;
  datasetImages: number;
  /** a GazeCAM checkpoint (safetensors with the config, classes, history and position inside) */
  checkpoint: Uint8Array;
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
  clear: () => transact('readwrite', (s) => s.delete(KEY)).then(() => undefined),
};
