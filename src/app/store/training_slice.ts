import type {
  CamFrameItem,
  EpochRecord,
  SplitMetrics,
  TrainConfig,
  TrainingOutcome,
  TrainingProgress,
} from '../../worker/protocol.ts';
import type { SliceCreator } from './types.ts';

export type TrainingStatus = 'idle' | 'preparing' | 'running' | 'paused' | 'stopping';

export interface CamFrame {
  /** global step the CAMs were computed after; 0 before training, -1 after the last step */
  step: number;
  classNames: string[];
  items: CamFrameItem[];
}

export interface LossPoint {
  step: number;
  total: number;
  ce: number;
  cam: number;
  head: number;
}

export interface TrainingSlice {
  trainingStatus: TrainingStatus;
  /** preprocessing progress before the first step */
  preparing: { done: number; total: number } | null;
  /** the validated config of the current (or last) run, as the worker resolved it */
  runConfig: TrainConfig | null;
  /** latest batched progress from the worker; null before the first step */
  progress: TrainingProgress | null;
  /** one point per progress message: the loss charts' data */
  lossHistory: LossPoint[];
  /** one record per finished epoch: validation metrics */
  epochHistory: EpochRecord[];
  camFrame: CamFrame | null;
  lastOutcome: { outcome: TrainingOutcome; message: string; test: SplitMetrics | null } | null;
  startTraining(): void;
  pauseTraining(): void;
  resumeTraining(): void;
  stopTraining(): void;
  preparingReceived(done: number, total: number): void;
  trainingStarted(config: TrainConfig): void;
  progressReceived(progress: TrainingProgress): void;
  epochReceived(record: EpochRecord): void;
  camFrameReceived(frame: CamFrame): void;
  trainingFinished(outcome: TrainingOutcome, message: string, test: SplitMetrics | null): void;
  /** the worker refused a training request */
  trainingHalted(): void;
}

export const createTrainingSlice: SliceCreator<TrainingSlice> = (port) => (set, get) => ({
  trainingStatus: 'idle',
  preparing: null,
  runConfig: null,
  progress: null,
  lossHistory: [],
  epochHistory: [],
  camFrame: null,
  lastOutcome: null,
  startTraining: () => {
    set({
      trainingStatus: 'preparing',
      preparing: null,
      progress: null,
      lossHistory: [],
      epochHistory: [],
      camFrame: null,
      lastOutcome: null,
    });
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
    set({ trainingStatus: 'stopping' });
    port.post({ type: 'stopTraining' });
  },
  preparingReceived: (done, total) => set({ preparing: { done, total } }),
  trainingStarted: (runConfig) =>
    set((s) => ({ runConfig, trainingStatus: s.trainingStatus === 'preparing' ? 'running' : s.trainingStatus })),
  progressReceived: (progress) =>
    set((s) => ({ progress, lossHistory: [...s.lossHistory, { step: progress.step, ...progress.loss }] })),
  epochReceived: (record) => set((s) => ({ epochHistory: [...s.epochHistory, record] })),
  camFrameReceived: (camFrame) => set({ camFrame }),
  trainingFinished: (outcome, message, test) => set({ trainingStatus: 'idle', lastOutcome: { outcome, message, test } }),
  trainingHalted: () => set({ trainingStatus: 'idle' }),
});

/** Percent done for the progressbar, 0 before the first step. */
export function progressPercent(progress: TrainingProgress | null): number {
  if (!progress || progress.totalSteps <= 0) return 0;
  return Math.min(100, Math.round((100 * progress.step) / progress.totalSteps));
}
