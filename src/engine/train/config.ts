/**
 * One flat, typed training config: every field has a default and a comment, is validated at the edge
 * with errors naming the field, and is saved in every checkpoint and export (run.json).
 */
// arch.ts, not the model index: the studio's UI imports this config, and must not pull in tfjs.
import { CAM_STRIDES, isResNetArch, RESNET_ARCHS, type CamStride, type ResNetArch } from '../model/arch.ts';

export const METHODS = ['cam', 'multitask', 'both', 'none'] as const;
export type Method = (typeof METHODS)[number];
export const GAZE_LOSSES = ['mse', 'bce', 'l1', 'kl'] as const;
export type GazeLoss = (typeof GAZE_LOSSES)[number];
export const MULTITASK_LOSSES = ['mse', 'kl'] as const;
export type MultitaskLoss = (typeof MULTITASK_LOSSES)[number];
export const OPTIMIZERS = ['adam', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const SCHEDULES = ['cosine', 'step', 'constant'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];
export const AUGMENT_PRESETS = ['none', 'light', 'standard'] as const;
export type AugmentPreset = (typeof AUGMENT_PRESETS)[number];

/** The augmentation knobs; a preset sets them all, and any knob given alongside it wins. */
export interface AugmentKnobs {
  /** zoom range (1 = none; above 1 crops in, as a random resized crop), drawn log-uniformly */
  augScaleMin: number;
  augScaleMax: number;
  /** largest shift, as a fraction of the image side, in x and in y */
  augTranslate: number;
  /** largest rotation either way, degrees */
  augRotateDeg: number;
  /** horizontal flip with probability 1/2; off by default, laterality matters on a chest X-ray */
  augFlip: boolean;
  /** largest brightness shift (added, image in [0,1]) */
  augBrightness: number;
  /** largest relative contrast change, around the image's mean */
  augContrast: number;
  /** largest |log gamma| */
  augGamma: number;
  /** standard deviation of added Gaussian noise */
  augNoise: number;
}

export const AUGMENT_PRESET_KNOBS: Record<AugmentPreset, AugmentKnobs> = {
  none: { augScaleMin: 1, augScaleMax: 1, augTranslate: 0, augRotateDeg: 0, augFlip: false, augBrightness: 0, augContrast: 0, augGamma: 0, augNoise: 0 },
  light: { augScaleMin: 0.95, augScaleMax: 1.1, augTranslate: 0.04, augRotateDeg: 5, augFlip: false, augBrightness: 0.05, augContrast: 0.1, augGamma: 0.1, augNoise: 0.01 },
  standard: { augScaleMin: 0.9, augScaleMax: 1.25, augTranslate: 0.08, augRotateDeg: 10, augFlip: false, augBrightness: 0.1, augContrast: 0.2, augGamma: 0.2, augNoise: 0.02 },
};

export interface TrainConfig extends AugmentKnobs {
  /** Backbone; torchvision names for resnet18/34/50, narrow variants for weak GPUs and tests. */
  arch: ResNetArch;
  /** Square input size in pixels; images and gaze maps are resized to size x size. */
  size: number;
  /** Images per step. Keep it constant: the WebGPU buffer pool grows with every new shape. */
  batch: number;
  epochs: number;
  /** Peak learning rate (after warm-up, before the schedule decays it). */
  lr: number;
  optimizer: OptimizerName;
  /** SGD momentum (PyTorch semantics); unused by Adam. */
  momentum: number;
  /** L2 weight decay added to the gradient, as torch.optim's weight_decay. */
  weightDecay: number;
  schedule: ScheduleName;
  /** 'step' schedule: multiply lr by stepGamma every stepEvery epochs. */
  stepEvery: number;
  stepGamma: number;
  /** Gaze supervision: CAM loss (Follow My Eye), gaze head (Karargyris), both, or none (baseline). */
  method: Method;
  /** Weight of the gaze term(s): loss = CE + lambda * gaze loss. */
  lambda: number;
  /** CAM-to-gaze distance. kl (the default) compares CAM and gaze as distributions; mse is the
   *  seed's ("Follow My Eye", on sigmoid CAMs), which moves the CAM onto the gaze but leaves the
   *  decision on a shortcut (docs/experiments/shortcut.md). */
  loss: GazeLoss;
  /** Loss of the multi-task gaze head. */
  multitaskLoss: MultitaskLoss;
  /** Apply the CAM loss to the true class only (seed) or to every class. */
  camClasses: 'true' | 'all';
  /** Output stride of the last feature map; 0 picks the largest stride giving a CAM >= 8x8. */
  camStride: CamStride | 0;
  /** Seed for initial weights, data order and splits. */
  seed: number;
  /** Normalisation after repeating the gray image to 3 channels (ImageNet by default). */
  mean: [number, number, number];
  std: [number, number, number];
  /** Sigma override for fixation heatmaps, in original image pixels (0: the format's default). */
  gazeSigmaPx: number;
  /** Steps between progress events (the only GPU->CPU sync points in the loop). */
  logEvery: number;
  /** Write a resumable checkpoint every N steps (0: at the end of each epoch only). */
  checkpointEvery: number;
  /** Training-time augmentation preset the aug* knobs started from (they hold what runs). Every
   *  geometric change moves the gaze map with the image; photometric ones touch the image only. */
  augment: AugmentPreset;
}

export const DEFAULT_CONFIG: TrainConfig = {
  arch: 'resnet18',
  size: 224,
  batch: 16,
  epochs: 10,
  lr: 1e-3,
  optimizer: 'adam',
  momentum: 0.9,
  weightDecay: 1e-4,
  schedule: 'cosine',
  stepEvery: 10,
  stepGamma: 0.1,
  method: 'cam',
  lambda: 1,
  loss: 'kl',
  multitaskLoss: 'mse',
  camClasses: 'true',
  camStride: 0,
  seed: 0,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  gazeSigmaPx: 0,
  logEvery: 10,
  checkpointEvery: 0,
  augment: 'none',
  ...AUGMENT_PRESET_KNOBS.none,
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function check(ok: boolean, field: string, value: unknown, requirement: string): void {
  if (!ok) throw new ConfigError(`config.${field} = ${JSON.stringify(value)}: ${requirement}`);
}

/** Merges `partial` over the defaults and validates every field; throws ConfigError naming the field. */
export function resolveConfig(partial: Partial<TrainConfig> = {}): TrainConfig {
  for (const key of Object.keys(partial)) {
    check(key in DEFAULT_CONFIG, key, (partial as Record<string, unknown>)[key], `unknown field; known: ${Object.keys(DEFAULT_CONFIG).join(', ')}`);
  }
  const preset = partial.augment ?? DEFAULT_CONFIG.augment;
  check((AUGMENT_PRESETS as readonly string[]).includes(preset), 'augment', preset, AUGMENT_PRESETS.join('|'));
  const c: TrainConfig = { ...DEFAULT_CONFIG, ...AUGMENT_PRESET_KNOBS[preset], ...partial };
  check(isResNetArch(c.arch), 'arch', c.arch, `one of ${RESNET_ARCHS.join(', ')}`);
  check(Number.isInteger(c.size) && c.size >= 32 && c.size <= 1024, 'size', c.size, 'an integer in [32, 1024]');
  check(Number.isInteger(c.batch) && c.batch >= 1 && c.batch <= 512, 'batch', c.batch, 'an integer in [1, 512]');
  check(Number.isInteger(c.epochs) && c.epochs >= 1, 'epochs', c.epochs, 'a positive integer');
  check(Number.isFinite(c.lr) && c.lr > 0, 'lr', c.lr, 'a positive number');
  check((OPTIMIZERS as readonly string[]).includes(c.optimizer), 'optimizer', c.optimizer, OPTIMIZERS.join('|'));
  check(c.momentum >= 0 && c.momentum < 1, 'momentum', c.momentum, 'in [0, 1)');
  check(c.weightDecay >= 0, 'weightDecay', c.weightDecay, '>= 0');
  check((SCHEDULES as readonly string[]).includes(c.schedule), 'schedule', c.schedule, SCHEDULES.join('|'));
  check(Number.isInteger(c.stepEvery) && c.stepEvery >= 1, 'stepEvery', c.stepEvery, 'a positive integer');
  check(c.stepGamma > 0 && c.stepGamma <= 1, 'stepGamma', c.stepGamma, 'in (0, 1]');
  check((METHODS as readonly string[]).includes(c.method), 'method', c.method, METHODS.join('|'));
  check(Number.isFinite(c.lambda) && c.lambda >= 0, 'lambda', c.lambda, 'a number >= 0');
  check((GAZE_LOSSES as readonly string[]).includes(c.loss), 'loss', c.loss, GAZE_LOSSES.join('|'));
  check((MULTITASK_LOSSES as readonly string[]).includes(c.multitaskLoss), 'multitaskLoss', c.multitaskLoss, MULTITASK_LOSSES.join('|'));
  check(c.camClasses === 'true' || c.camClasses === 'all', 'camClasses', c.camClasses, "'true' or 'all'");
  check(c.camStride === 0 || CAM_STRIDES.includes(c.camStride), 'camStride', c.camStride, `0 (auto) or ${CAM_STRIDES.join('|')}`);
  check(Number.isInteger(c.seed), 'seed', c.seed, 'an integer');
  check(c.mean.length === 3 && c.std.length === 3 && c.std.every((s) => s > 0), 'std', c.std, 'three positive numbers');
  check(c.gazeSigmaPx >= 0, 'gazeSigmaPx', c.gazeSigmaPx, '>= 0');
  check(Number.isInteger(c.logEvery) && c.logEvery >= 1, 'logEvery', c.logEvery, 'a positive integer');
  check(Number.isInteger(c.checkpointEvery) && c.checkpointEvery >= 0, 'checkpointEvery', c.checkpointEvery, 'an integer >= 0');
  check(c.augScaleMin > 0 && c.augScaleMin <= c.augScaleMax && c.augScaleMax <= 4, 'augScaleMin', [c.augScaleMin, c.augScaleMax], '0 < augScaleMin <= augScaleMax <= 4');
  check(c.augTranslate >= 0 && c.augTranslate <= 0.5, 'augTranslate', c.augTranslate, 'in [0, 0.5]');
  check(c.augRotateDeg >= 0 && c.augRotateDeg <= 180, 'augRotateDeg', c.augRotateDeg, 'in [0, 180]');
  check(typeof c.augFlip === 'boolean', 'augFlip', c.augFlip, 'true or false');
  check(c.augBrightness >= 0 && c.augBrightness <= 1, 'augBrightness', c.augBrightness, 'in [0, 1]');
  check(c.augContrast >= 0 && c.augContrast < 1, 'augContrast', c.augContrast, 'in [0, 1)');
  check(c.augGamma >= 0 && c.augGamma <= 2, 'augGamma', c.augGamma, 'in [0, 2]');
  check(c.augNoise >= 0 && c.augNoise <= 1, 'augNoise', c.augNoise, 'in [0, 1]');
  return c;
}

/** The CAM stride actually used: the configured one, or the largest giving a CAM of at least 8x8. */
export function effectiveCamStride(c: Pick<TrainConfig, 'camStride' | 'size'>): CamStride {
  if (c.camStride !== 0) return c.camStride;
  for (const stride of [32, 16] as const) if (c.size / stride >= 8) return stride;
  return 8;
}

export const usesCamLoss = (c: TrainConfig) => (c.method === 'cam' || c.method === 'both') && c.lambda > 0;
export const usesGazeHead = (c: TrainConfig) => c.method === 'multitask' || c.method === 'both';
/** True when any augmentation knob changes the input (the 'none' knobs are the identity). */
export const usesAugmentation = (c: TrainConfig) =>
  (Object.keys(AUGMENT_PRESET_KNOBS.none) as Array<keyof AugmentKnobs>).some((k) => c[k] !== AUGMENT_PRESET_KNOBS.none[k]);
