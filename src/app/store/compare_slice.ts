import type { CompareProgress, CompareSummary, TrainingOutcome } from '../../worker/protocol.ts';
import { closePicture } from './pictures.ts';
import type { SliceCreator } from './types.ts';

/** The methods the studio offers to compare, in `gazecam compare`'s spec (method[:loss][+augment]). */
export const COMPARE_METHOD_OPTIONS: { value: string; label: string }[] = [
  { value: 'none', label: 'none (classification only)' },
  { value: 'cam:kl', label: 'cam:kl (CAM to gaze, KL)' },
  { value: 'cam:mse', label: "cam:mse (the seed's loss)" },
  { value: 'multitask', label: 'multitask (gaze decoder)' },
  { value: 'cam:kl+standard', label: 'cam:kl+standard (with augmentation)' },
];

export type CompareStatus =
  | { state: 'idle' }
  | { state: 'running'; progress: CompareProgress | null }
  | { state: 'finished'; outcome: TrainingOutcome; message: string; summary: CompareSummary | null; markdown: string | null; chart: ImageBitmap | null };

export interface CompareSlice {
  compareMethods: string[];
  compareSeeds: number;
  compare: CompareStatus;
  setCompareMethods(methods: string[]): void;
  setCompareSeeds(seeds: number): void;
  startCompare(): void;
  stopCompare(): void;
  compareProgressReceived(progress: CompareProgress): void;
  compareFinished(outcome: TrainingOutcome, message: string, summary: CompareSummary | null, markdown: string | null, chart: ImageBitmap | null): void;
}

export const createCompareSlice: SliceCreator<CompareSlice> = (port) => (set, get) => ({
  compareMethods: ['none', 'cam:kl', 'cam:mse'],
  compareSeeds: 2,
  compare: { state: 'idle' },
  setCompareMethods: (compareMethods) => set({ compareMethods }),
  setCompareSeeds: (compareSeeds) => set({ compareSeeds }),
  startCompare: () => {
    const previous = get().compare;
    if (previous.state === 'finished') closePicture(previous.chart);
    set({ compare: { state: 'running', progress: null } });
    port.post({ type: 'startCompare', request: { settings: get().settings, methods: get().compareMethods, seeds: get().compareSeeds } });
  },
  stopCompare: () => port.post({ type: 'stopCompare' }),
  compareProgressReceived: (progress) => set({ compare: { state: 'running', progress } }),
  compareFinished: (outcome, message, summary, markdown, chart) => set({ compare: { state: 'finished', outcome, message, summary, markdown, chart } }),
});
