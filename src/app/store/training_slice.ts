import type { TrainingProgress } from '../../worker/protocol.ts';
import type { SliceCreator } from './types.ts';

export type TrainingStatus = 'idle' | 'running' | 'paused';

export interface TrainingSlice {
  trainingStatus: TrainingStatus;
  /** latest batched progress from the worker; null before the first step */
  progress: TrainingProgress | null;
  startTraining(): void;
  pauseTraining(): void;
  resumeTraining(): void;
  stopTraining(): void;
  progressReceived(progress: TrainingProgress): void;
  /** the worker refused or could not run a training request */
  trainingHalted(): void;
}

export const createTrainingSlice: SliceCreator<TrainingSlice> = (port) => (set, get) => ({
  trainingStatus: 'idle',
  progress: null,
  startTraining: () => {
    set({ trainingStatus: 'running', progress: null });
    port.post({ type: 'startTraining', settings: get().settings });
  },
  pauseTraining: () => {
    set({ trainingStatus: 'paused' });
    port.post({ type: 'pauseTraining' });
  },
  resumeTraining: () => {
    set({ trainingStatus: 'running' });
    port.post({ type: 'resumeTraining' });
  },
  stopTraining: () => {
    set({ trainingStatus: 'idle' });
    port.post({ type: 'stopTraining' });
  },
  progressReceived: (progress) => set({ progress }),
  trainingHalted: () => set({ trainingStatus: 'idle' }),
});

/** Percent done for the progressbar, 0 before the first step. */
export function progressPercent(progress: TrainingProgress | null): number {
  if (!progress || progress.totalSteps <= 0) return 0;
  return Math.min(100, Math.round((100 * progress.step) / progress.totalSteps));
}
