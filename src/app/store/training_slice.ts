import type {
  CamFrameItem,
  EpochRecord,
  SavedRunSummary,
  SplitMetrics,
  TrainConfig,
  TrainingOutcome,
  TrainingProgress,
} from '../../worker/protocol.ts';
import { closePicture } from './pictures.ts';
import type { SliceCreator } from './types.ts';

/** 'pausing': asked, the step in flight is finishing; 'paused': the worker confirmed it holds. */
export type TrainingStatus = 'idle' | 'preparing' | 'running' | 'pausing' | 'paused' | 'stopping';

export interface CamFrame {
  /** global step the CAMs were computed after; 0 before training, -1 after the last step */
  step: number;
  classNames: string[];
  items: CamFrameItem[];
}

/** A finished run, kept for the side-by-side comparison (same dataset, same split). */
export interface CompletedRun {
  id: number;
  datasetName: string;
  config: TrainConfig;
  test: SplitMetrics;
}

/** Runs kept for comparison; older ones drop off. */
export const COMPARED_RUNS = 4;
let nextRunId = 1;

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
  /** class order of the current run (the model's outputs) */
  runClassNames: string[];
  /** latest batched progress from the worker; null before the first step */
  progress: TrainingProgress | null;
  /** one point per progress message: the loss charts' data */
  lossHistory: LossPoint[];
  /** one record per finished epoch: validation metrics */
  epochHistory: EpochRecord[];
  camFrame: CamFrame | null;
  lastOutcome: { outcome: TrainingOutcome; message: string; test: SplitMetrics | null } | null;
  /** an interrupted run kept in this browser, resumable from its last checkpoint */
  savedRun: SavedRunSummary | null;
  /** finished runs of this session, oldest first */
  completedRuns: CompletedRun[];
  startTraining(): void;
  resumeSavedRun(): void;
  discardSavedRun(): void;
  savedRunReceived(run: SavedRunSummary | null): void;
  pauseTraining(): void;
  resumeTraining(): void;
  stopTraining(): void;
  preparingReceived(done: number, total: number): void;
  trainingStarted(config: TrainConfig, classNames: string[], history: EpochRecord[]): void;
  progressReceived(progress: TrainingProgress): void;
  epochReceived(record: EpochRecord): void;
  camFrameReceived(frame: CamFrame): void;
  trainingPaused(): void;
  trainingFinished(outcome: TrainingOutcome, message: string, test: SplitMetrics | null): void;
  /** the run died with its worker (lost GPU device); its checkpoint is announced by the next worker */
  trainingInterrupted(message: string): void;
}

const FRESH_RUN = {
  trainingStatus: 'preparing',
  preparing: null,
  progress: null,
  lossHistory: [],
  epochHistory: [],
  camFrame: null,
  lastOutcome: null,
} satisfies Partial<TrainingSlice>;

/**
 * The frame that replaces `previous` on screen. Within a run the overlay images are fixed, so the
 * X-ray and gaze pictures of the previous frame are kept (their canvases need no redraw) and the
 * worker's new copies are closed; every picture no longer shown is closed.
 */
export function nextCamFrame(previous: CamFrame | null, frame: CamFrame | null): CamFrame | null {
  const kept = new Set<ImageBitmap>();
  const items = frame?.items.map((item) => {
    const before = previous?.items.find((p) => p.valIndex === item.valIndex && p.id === item.id && p.size === item.size);
    if (!before) return item;
    closePicture(item.image);
    closePicture(item.gaze);
    kept.add(before.image);
    if (before.gaze) kept.add(before.gaze);
    return { ...item, image: before.image, gaze: before.gaze };
  });
  for (const item of previous?.items ?? []) {
    for (const picture of [item.image, item.gaze, ...item.cams]) if (picture && !kept.has(picture)) closePicture(picture);
  }
  return frame && items ? { ...frame, items } : null;
}

export const createTrainingSlice: SliceCreator<TrainingSlice> = (port) => (set, get) => ({
  trainingStatus: 'idle',
  preparing: null,
  runConfig: null,
  runClassNames: [],
  progress: null,
  lossHistory: [],
  epochHistory: [],
  camFrame: null,
  lastOutcome: null,
  savedRun: null,
  completedRuns: [],
  startTraining: () => {
    set({ ...FRESH_RUN, camFrame: nextCamFrame(get().camFrame, null) });
    port.post({ type: 'startTraining', settings: get().settings });
  },
  resumeSavedRun: () => {
    set({ ...FRESH_RUN, camFrame: nextCamFrame(get().camFrame, null), savedRun: null });
    port.post({ type: 'resumeSavedRun' });
  },
  discardSavedRun: () => {
    set({ savedRun: null });
    port.post({ type: 'discardSavedRun' });
  },
  savedRunReceived: (savedRun) => set({ savedRun }),
  pauseTraining: () => {
    set({ trainingStatus: 'pausing' });
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
  trainingStarted: (runConfig, runClassNames, epochHistory) =>
    set((s) => ({
      runConfig,
      runClassNames,
      // a resumed run brings the epochs before its checkpoint: the charts and the table stay whole
      epochHistory,
      trainingStatus: s.trainingStatus === 'preparing' ? 'running' : s.trainingStatus,
    })),
  progressReceived: (progress) =>
    set((s) => ({ progress, lossHistory: [...s.lossHistory, { step: progress.step, ...progress.loss }] })),
  epochReceived: (record) => set((s) => ({ epochHistory: [...s.epochHistory, record] })),
  camFrameReceived: (camFrame) => set((s) => ({ camFrame: nextCamFrame(s.camFrame, camFrame) })),
  trainingPaused: () => set((s) => (s.trainingStatus === 'pausing' ? { trainingStatus: 'paused' } : {})),
  trainingFinished: (outcome, message, test) =>
    set((s) => {
      const finished =
        outcome === 'done' && test && s.runConfig && s.dataset.status === 'ready'
          ? [...s.completedRuns, { id: nextRunId++, datasetName: s.dataset.name, config: s.runConfig, test }].slice(-COMPARED_RUNS)
          : s.completedRuns;
      return { trainingStatus: 'idle', lastOutcome: { outcome, message, test }, completedRuns: finished };
    }),
  trainingInterrupted: (message) =>
    set((s) => ({
      trainingStatus: 'idle',
      lastOutcome: s.trainingStatus === 'idle' ? s.lastOutcome : { outcome: 'failed', message, test: null },
      // The next worker reads the checkpoint back and announces it; until then nothing is known.
      savedRun: null,
    })),
});

/** Percent done for the progressbar, 0 before the first step. */
export function progressPercent(progress: TrainingProgress | null): number {
  if (!progress || progress.totalSteps <= 0) return 0;
  return Math.min(100, Math.round((100 * progress.step) / progress.totalSteps));
}
