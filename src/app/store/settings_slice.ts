import { ARCHITECTURES, RESNET_ARCHS } from '../../engine/model/arch.ts';
import type { AugmentPreset, OptimizerName } from '../../engine/train/config.ts';
import type { Architecture, AugmentPreviewItem, Capabilities, GazeLoss, GazeMethod, TrainSettings } from '../../worker/protocol.ts';
import { closePicture } from './pictures.ts';
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

export const AUGMENT_OPTIONS: { value: AugmentPreset; label: string; description: string }[] = [
  { value: 'none', label: 'None', description: 'Every epoch sees the same images.' },
  { value: 'light', label: 'Light', description: 'Small zoom, shift and rotation (gaze moves with the image), mild brightness, contrast and noise.' },
  { value: 'standard', label: 'Standard', description: 'Zoom 0.9-1.25, shift 8%, rotation 10°, stronger intensity changes. No flips: laterality matters.' },
];

/** Draws of one training image in the augmentation preview. */
export const AUGMENT_PREVIEW_COUNT = 6;

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
  augment: 'none',
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
  /** the augmentation preview: one training image drawn as training would draw it */
  augmentPreview:
    | { state: 'idle' }
    | { state: 'working' }
    | { state: 'ready'; sampleId: string; augment: AugmentPreset; items: AugmentPreviewItem[] }
    | { state: 'failed'; message: string };
  requestAugmentPreview(): void;
  augmentPreviewReceived(sampleId: string, items: AugmentPreviewItem[]): void;
  augmentPreviewFailed(message: string): void;
}

export function validateSetting(key: keyof TrainSettings, value: unknown): string | undefined {
  if (!(key in NUMERIC_LIMITS)) return undefined;
  const limits = NUMERIC_LIMITS[key as NumericField];
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'Enter a number.';
  if (limits.integer && !Number.isInteger(value)) return 'Enter a whole number.';
  if (value < limits.min || value > limits.max) return `Must be between ${limits.min} and ${limits.max}.`;
  return undefined;
}

export const createSettingsSlice: SliceCreator<SettingsSlice> = (port) => (set, get) => ({
  settings: DEFAULT_SETTINGS,
  augmentPreview: { state: 'idle' },
  requestAugmentPreview: () => {
    set({ augmentPreview: { state: 'working' } });
    port.post({ type: 'augmentPreview', settings: get().settings, count: AUGMENT_PREVIEW_COUNT });
  },
  augmentPreviewReceived: (sampleId, items) => {
    const previous = get().augmentPreview;
    if (previous.state === 'ready') for (const item of previous.items) [item.image, item.gaze].forEach(closePicture);
    set({ augmentPreview: { state: 'ready', sampleId, augment: get().settings.augment, items } });
  },
  augmentPreviewFailed: (message) => set({ augmentPreview: { state: 'failed', message } }),
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
