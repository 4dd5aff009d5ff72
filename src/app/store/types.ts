/**
 * The studio store's shape: one bound store made of slices, one slice per concern, each with its
 * actions beside its state. Slices reach the worker only through `WorkerPort`, so the store can be
 * created (and tested) without a real worker.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { ToWorker } from '../../worker/protocol.ts';
import type { GpuSlice } from './gpu_slice.ts';
import type { DatasetSlice } from './dataset_slice.ts';
import type { GallerySlice } from './gallery_slice.ts';
import type { SettingsSlice } from './settings_slice.ts';
import type { TrainingSlice } from './training_slice.ts';
import type { WeightsSlice } from './weights_slice.ts';
import type { NoticesSlice } from './notices_slice.ts';
import type { CompareSlice } from './compare_slice.ts';

export interface WorkerPort {
  post(message: ToWorker): void;
  /**
   * Terminates the worker and starts a fresh one, which knows nothing yet (send `init` and the
   * dataset again). A lost GPUDevice cannot be revived, and tfjs keeps tensors of the dead device
   * in its engine: a new worker is the only clean slate.
   */
  replaceWorker(): void;
}

export type StudioState = GpuSlice & DatasetSlice & GallerySlice & SettingsSlice & TrainingSlice & WeightsSlice & NoticesSlice & CompareSlice;

export type SliceCreator<Slice> = (port: WorkerPort) => StateCreator<StudioState, [], [], Slice>;
