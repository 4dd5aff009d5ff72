/**
 * The way from a run's settings to PyTorch at scale: the exact `gazecam prepare` and `torchrun ...
 * -m gazecam_torch.train` commands for a config (docs/scaling-out.md). Pure: `gazecam train
 * --print-torchrun` prints them and the studio's "Run at scale" panel shows them.
 *
 * Flags are torchrun's underscore spellings (--nproc_per_node, --max_restarts, --rdzv_endpoint),
 * which torchrun accepts from PyTorch 1.13 (Debian) to 2.x. Train options equal to the defaults are
 * left out: gazecam_torch.train has the engine's defaults (a test holds the two tables equal).
 */
import { AUGMENT_PRESET_KNOBS, DEFAULT_CONFIG, type AugmentKnobs, type TrainConfig } from '../train/config.ts';

export interface ScaleOutOptions {
  /** the dataset folder, as the user would type it */
  dataset: string;
  /** the run folder (gazecam_torch.train --out) */
  out: string;
  /** the prepared folder; default: beside the dataset, named by size */
  prepared?: string;
  config: Partial<TrainConfig>;
  /** machines; more than one needs a rendezvous endpoint every node reaches */
  nodes?: number;
  /** processes per machine; 'gpu' lets torchrun count the GPUs */
  processesPerNode?: number | 'gpu';
  /** host:port of the rendezvous (nodes > 1) */
  rendezvous?: string;
  /** restarts torchrun allows after a worker or node fails; each resumes from the last checkpoint */
  maxRestarts?: number;
}

export interface ScaleOutCommands {
  prepare: string[];
  torchrun: string[];
  /** both, one per line, shell-quoted */
  text: string;
}

export const RENDEZVOUS_PLACEHOLDER = 'HOST:29500';

/** Single-quotes what a POSIX shell would split or expand. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The default prepared folder: beside the dataset, so nothing is written inside it. */
export function defaultPreparedFolder(dataset: string, size: number): string {
  const base = dataset.replace(/[\\/]+$/, '') || '.';
  return `${base}-prepared-${size}`;
}

/** gazecam train's option name -> TrainConfig field, for the options gazecam_torch.train shares. */
const TRAIN_FLAGS: Array<[string, keyof TrainConfig]> = [
  ['arch', 'arch'], ['batch', 'batch'], ['epochs', 'epochs'], ['lr', 'lr'], ['lambda', 'lambda'],
  ['method', 'method'], ['loss', 'loss'], ['multitask-loss', 'multitaskLoss'], ['cam-stride', 'camStride'],
  ['cam-classes', 'camClasses'], ['optimizer', 'optimizer'], ['momentum', 'momentum'], ['weight-decay', 'weightDecay'],
  ['schedule', 'schedule'], ['seed', 'seed'], ['log-every', 'logEvery'], ['checkpoint-every', 'checkpointEvery'],
];
/** Augmentation knobs: printed where they differ from the preset's (--augment sets them all first). */
const AUGMENT_FLAGS: Array<[string, keyof AugmentKnobs]> = [
  ['aug-scale-min', 'augScaleMin'], ['aug-scale-max', 'augScaleMax'], ['aug-translate', 'augTranslate'],
  ['aug-rotate', 'augRotateDeg'], ['aug-brightness', 'augBrightness'], ['aug-contrast', 'augContrast'],
  ['aug-gamma', 'augGamma'], ['aug-noise', 'augNoise'],
];

export function scaleOutCommands(o: ScaleOutOptions): ScaleOutCommands {
  // As resolveConfig merges: the defaults, the augmentation preset's knobs, then what was set.
  const c: TrainConfig = { ...DEFAULT_CONFIG, ...AUGMENT_PRESET_KNOBS[o.config.augment ?? DEFAULT_CONFIG.augment], ...o.config };
  const nodes = o.nodes ?? 1;
  if (!(Number.isInteger(nodes) && nodes >= 1)) throw new Error(`nodes must be a positive integer, got ${nodes}`);
  const prepared = o.prepared ?? defaultPreparedFolder(o.dataset, c.size);
  // The split seed and the fixation sigma are fixed when the dataset is prepared.
  const prepare = ['gazecam', 'prepare', o.dataset, '--out', prepared, '--size', String(c.size)];
  if (c.seed !== DEFAULT_CONFIG.seed) prepare.push('--seed', String(c.seed));
  if (c.gazeSigmaPx > 0) prepare.push('--sigma', String(c.gazeSigmaPx));

  const torchrun = ['torchrun'];
  if (nodes === 1) torchrun.push('--standalone');
  else torchrun.push('--nnodes', String(nodes), '--rdzv_backend', 'c10d', '--rdzv_endpoint', o.rendezvous ?? RENDEZVOUS_PLACEHOLDER, '--rdzv_id', 'gazecam');
  torchrun.push('--nproc_per_node', String(o.processesPerNode ?? 'gpu'));
  if (o.maxRestarts !== undefined && o.maxRestarts > 0) torchrun.push('--max_restarts', String(o.maxRestarts));
  torchrun.push('-m', 'gazecam_torch.train', prepared, '--out', o.out);
  for (const [flag, field] of TRAIN_FLAGS) {
    const value = c[field];
    if (value !== DEFAULT_CONFIG[field]) torchrun.push(`--${flag}`, String(value));
  }
  const preset = AUGMENT_PRESET_KNOBS[c.augment];
  if (c.augment !== DEFAULT_CONFIG.augment) torchrun.push('--augment', c.augment);
  for (const [flag, field] of AUGMENT_FLAGS) if (c[field] !== preset[field]) torchrun.push(`--${flag}`, String(c[field]));
  // A flag that turns flips on; no preset turns them on, so there is nothing to turn off.
  if (c.augFlip && !preset.augFlip) torchrun.push('--aug-flip');
  const line = (args: string[]) => args.map(shellQuote).join(' ');
  return { prepare, torchrun, text: `${line(prepare)}\n${line(torchrun)}` };
}
