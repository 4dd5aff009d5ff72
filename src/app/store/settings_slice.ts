import type { Architecture, GazeMethod, TrainSettings } from '../../worker/protocol.ts';
import type { SliceCreator } from './types.ts';

export const ARCHITECTURES: Architecture[] = ['resnet18', 'resnet34', 'resnet50'];
export const INPUT_SIZES = [32, 64, 128, 224] as const;
export const METHODS: { value: GazeMethod; label: string }[] = [
  { value: 'cam', label: 'CAM to gaze (guided attention)' },
  { value: 'multitask', label: 'Gaze decoder (multi-task)' },
  { value: 'both', label: 'Both' },
  { value: 'none', label: 'None (classification only)' },
];

/** Defaults a laptop GPU finishes in minutes; the seed trains at 224 px, which needs a real GPU. */
export const DEFAULT_SETTINGS: TrainSettings = {
  arch: 'resnet18',
  size: 64,
  batch: 8,
  epochs: 10,
  lr: 1e-3,
  lambda: 1,
  method: 'cam',
};

type NumericField = 'size' | 'batch' | 'epochs' | 'lr' | 'lambda';

/** Per numeric field: inclusive range and whether it must be an integer. */
export const NUMERIC_LIMITS: Record<NumericField, { min: number; max: number; integer: boolean }> = {
  size: { min: 32, max: 512, integer: true },
  batch: { min: 1, max: 256, integer: true },
  epochs: { min: 1, max: 1000, integer: true },
  lr: { min: 1e-7, max: 1, integer: false },
  lambda: { min: 0, max: 100, integer: false },
};

export type SettingsErrors = Partial<Record<keyof TrainSettings, string>>;

export interface SettingsSlice {
  settings: TrainSettings;
  /** one message per invalid field; training cannot start while any is present */
  settingsErrors: SettingsErrors;
  setSetting<K extends keyof TrainSettings>(key: K, value: TrainSettings[K]): void;
}

export function validateSetting(key: keyof TrainSettings, value: unknown): string | undefined {
  if (!(key in NUMERIC_LIMITS)) return undefined;
  const limits = NUMERIC_LIMITS[key as NumericField];
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'Enter a number.';
  if (limits.integer && !Number.isInteger(value)) return 'Enter a whole number.';
  if (value < limits.min || value > limits.max) return `Must be between ${limits.min} and ${limits.max}.`;
  return undefined;
}

export const createSettingsSlice: SliceCreator<SettingsSlice> = () => (set) => ({
  settings: DEFAULT_SETTINGS,
  settingsErrors: {},
  setSetting: (key, value) =>
    set((s) => {
      const { [key]: _previous, ...otherErrors } = s.settingsErrors;
      const error = validateSetting(key, value);
      return {
        settings: { ...s.settings, [key]: value },
        settingsErrors: error ? { ...otherErrors, [key]: error } : otherErrors,
      };
    }),
});
