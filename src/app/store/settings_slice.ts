import { ARCHITECTURES, RESNET_ARCHS } from '../../engine/model/arch.ts';
import type { OptimizerName } from '../../engine/train/config.ts';
import type { Architecture, Capabilities, GazeLoss, GazeMethod, TrainSettings } from '../../worker/protocol.ts';
import type { SliceCreator } from './types.ts';

export const ARCH_OPTIONS: { value: Architecture; label: string; description: string }[] = RESNET_ARCHS.map((arch) => ({
  value: arch,
  label: arch,
  description: ARCHITECTURES[arch].summary,
}));
export const INPUT_SIZES = [32, 64, 128, 224] as const;
export const GAZE_LOSS_OPTIONS: { value: GazeLoss; label: string; description: string }[] = [
  { value: 'kl', label: 'KL divergence', description: 'Compares CAM and gaze as distributions; recommended (beats shortcuts).' },
  { value: 'mse', label: 'MSE (seed)', description: "The paper's loss on sigmoid CAMs; ignores CAM mass below 40% of the peak." },
  { value: 'bce', label: 'Binary cross-entropy', description: 'On sigmoid CAMs, like MSE.' },
  { value: 'l1', label: 'L1', description: 'On sigmoid CAMs, like MSE.' },
];

export const OPTIMIZER_OPTIONS: { value: OptimizerName; label: string }[] = [
  { value: 'adam', label: 'Adam' },
  { value: 'sgd', label: 'SGD with momentum' },
];

export const METHODS: { value: GazeMethod; label: string }[] = [
  { value: 'cam', label: 'CAM to gaze (guided attention)' },
  { value: 'multitask', label: 'Gaze decoder (multi-task)' },
  { value: 'both', label: 'Both' },
  { value: 'none', label: 'None (classification only)' },
];

/** Defaults a laptop GPU finishes in minutes; the seed trains at 224 px, which needs a real GPU. */
export const DEFAULT_SETTINGS: TrainSettings = {
  arch: 'resnet18',
  size: 128,
  batch: 16,
  epochs: 10,
  lr: 1e-3,
  lambda: 1,
  method: 'cam',
  loss: 'kl',
  optimizer: 'adam',
  seed: 0,
};

/**
 * Defaults scaled to the device: a software adapter (SwiftShader, or no WebGPU at all) runs a full
 * ResNet-18 step at 224 px in minutes (DESIGN.md section 5), so it starts from a narrow net at 64 px.
 */
export function defaultSettingsFor(capabilities: Capabilities): TrainSettings {
  const gpu = capabilities.webgpu;
  const software =
    !gpu.available || gpu.adapter.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe/i.test(gpu.adapter.architecture + gpu.adapter.description);
  return software ? { ...DEFAULT_SETTINGS, arch: 'resnet10-small', size: 64, batch: 8 } : DEFAULT_SETTINGS;
}

type NumericField = 'size' | 'batch' | 'epochs' | 'lr' | 'lambda' | 'seed';

/** Per numeric field: inclusive range and whether it must be an integer. */
export const NUMERIC_LIMITS: Record<NumericField, { min: number; max: number; integer: boolean }> = {
  size: { min: 32, max: 512, integer: true },
  batch: { min: 1, max: 256, integer: true },
  epochs: { min: 1, max: 1000, integer: true },
  lr: { min: 1e-7, max: 1, integer: false },
  lambda: { min: 0, max: 100, integer: false },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
};

export type SettingsErrors = Partial<Record<keyof TrainSettings, string>>;

export interface SettingsSlice {
  settings: TrainSettings;
  /** one message per invalid field; training cannot start while any is present */
  settingsErrors: SettingsErrors;
  /** true once the user changed a field: device defaults no longer overwrite their choices */
  settingsTouched: boolean;
  applyDeviceDefaults(capabilities: Capabilities): void;
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
  settingsTouched: false,
  applyDeviceDefaults: (capabilities) =>
    set((s) => (s.settingsTouched ? {} : { settings: defaultSettingsFor(capabilities), settingsErrors: {} })),
  setSetting: (key, value) =>
    set((s) => {
      const { [key]: _previous, ...otherErrors } = s.settingsErrors;
      const error = validateSetting(key, value);
      return {
        settings: { ...s.settings, [key]: value },
        settingsTouched: true,
        settingsErrors: error ? { ...otherErrors, [key]: error } : otherErrors,
      };
    }),
});
