/**
 * What `gazecam train` and `gazecam compare` share: the training options (flags -> TrainConfig
 * fields) and one run trained into a folder: progress on stderr, atomic checkpoints, Ctrl-C stops
 * after a checkpoint, and the run's artefacts at the end (run.json last, so a folder with run.json
 * holds a finished run).
 */
import { RESNET_ARCHS } from '../engine/model/index.ts';
import { runManifestFor, type PreparedRun } from '../engine/run/index.ts';
import {
  AUGMENT_PRESETS,
  GAZE_LOSSES,
  METHODS,
  OPTIMIZERS,
  runTraining,
  SCHEDULES,
  type RunResult,
  type TrainConfig,
  type TrainEvent,
} from '../engine/train/index.ts';
import type { FlagSpec, ParsedArgs } from './args.ts';
import { bar, formatDuration, type ProgressLine } from './progress.ts';
import { CHECKPOINT_FILE, writeAtomic, writeRunArtifacts } from './run_files.ts';
import { join } from 'node:path';

/** The options of a training run, as `gazecam train` and `gazecam compare` take them. */
export const TRAINING_OPTIONS_USAGE = `  --arch A          ${RESNET_ARCHS.join('|')} (default resnet18)
  --size N          input size in px (default 224)
  --batch N         images per step (default 16)
  --epochs N        (default 10)
  --lr X            peak learning rate (default 1e-3)
  --lambda X        gaze loss weight (default 1)
  --method M        ${METHODS.join('|')} (default cam)
  --loss L          CAM loss: ${GAZE_LOSSES.join('|')} (default kl; mse is the seed's "Follow My Eye" loss)
  --cam-stride S    32|16|8 output stride of the CAM (default: largest giving >= 8x8)
  --cam-classes C   true|all: supervise the true-class CAM (default) or every class
  --optimizer O     ${OPTIMIZERS.join('|')} (default adam); --momentum X, --weight-decay X
  --schedule S      ${SCHEDULES.join('|')} (default cosine)
  --seed N          weights, data order and split (default 0)
  --sigma PX        fixation Gaussian sigma in original pixels (default: the format's recipe)
  --augment P       ${AUGMENT_PRESETS.join('|')} training-time augmentation (default none); geometric
                    changes move the gaze map with the image. Knobs (override the preset):
                    --aug-scale-min X --aug-scale-max X (zoom), --aug-translate X (fraction),
                    --aug-rotate DEG, --aug-flip (horizontal, off by default), --aug-brightness X,
                    --aug-contrast X, --aug-gamma X (|log gamma|), --aug-noise X (std)
  --checkpoint-every N  also checkpoint every N steps (default: each epoch)`;

const FLAG_TO_FIELD: Record<string, keyof TrainConfig> = {
  arch: 'arch', size: 'size', batch: 'batch', epochs: 'epochs', lr: 'lr', lambda: 'lambda', method: 'method',
  loss: 'loss', 'cam-stride': 'camStride', 'cam-classes': 'camClasses', optimizer: 'optimizer', momentum: 'momentum',
  'weight-decay': 'weightDecay', schedule: 'schedule', seed: 'seed', sigma: 'gazeSigmaPx', 'log-every': 'logEvery',
  'checkpoint-every': 'checkpointEvery', 'multitask-loss': 'multitaskLoss', augment: 'augment',
  'aug-scale-min': 'augScaleMin', 'aug-scale-max': 'augScaleMax', 'aug-translate': 'augTranslate', 'aug-rotate': 'augRotateDeg',
  'aug-flip': 'augFlip', 'aug-brightness': 'augBrightness', 'aug-contrast': 'augContrast', 'aug-gamma': 'augGamma', 'aug-noise': 'augNoise',
};

export const TRAINING_FLAGS: Record<string, FlagSpec> = {
  arch: { type: RESNET_ARCHS }, size: { type: 'int' }, batch: { type: 'int' }, epochs: { type: 'int' }, lr: { type: 'number' },
  lambda: { type: 'number' }, method: { type: METHODS }, loss: { type: GAZE_LOSSES }, 'cam-stride': { type: ['32', '16', '8'] },
  'cam-classes': { type: ['true', 'all'] }, optimizer: { type: OPTIMIZERS }, momentum: { type: 'number' },
  'weight-decay': { type: 'number' }, schedule: { type: SCHEDULES }, seed: { type: 'int' }, sigma: { type: 'number' },
  'log-every': { type: 'int' }, 'checkpoint-every': { type: 'int' }, 'multitask-loss': { type: ['mse', 'kl'] },
  augment: { type: AUGMENT_PRESETS }, 'aug-scale-min': { type: 'number' }, 'aug-scale-max': { type: 'number' },
  'aug-translate': { type: 'number' }, 'aug-rotate': { type: 'number' }, 'aug-flip': { type: 'boolean' },
  'aug-brightness': { type: 'number' }, 'aug-contrast': { type: 'number' }, 'aug-gamma': { type: 'number' }, 'aug-noise': { type: 'number' },
};

/** The TrainConfig fields the command line set. */
export function configFromFlags(flags: ParsedArgs['flags']): Partial<TrainConfig> {
  const partial: Partial<TrainConfig> = {};
  for (const [flag, field] of Object.entries(FLAG_TO_FIELD)) {
    if (flags[flag] !== undefined) (partial as Record<string, unknown>)[field] = field === 'camStride' ? Number(flags[flag]) : flags[flag];
  }
  return partial;
}

export interface FolderRun extends RunResult {
  written: string[];
}

/**
 * Trains `prepared` with its checkpoints in `out`, then writes the run's artefacts there.
 * `prefix` starts every progress line (compare names the method and seed). Disposes the model.
 */
export async function trainIntoFolder(prepared: PreparedRun, out: string, progress: ProgressLine, prefix = ''): Promise<FolderRun> {
  const { config, data, model } = prepared;
  const checkpointPath = join(out, CHECKPOINT_FILE);
  const onEvent = async (e: TrainEvent) => {
    if (e.type === 'start' && e.resumedFrom > 0) progress.log(`${prefix}resuming at step ${e.resumedFrom} of ${e.totalSteps}`);
    if (e.type === 'step') {
      const l = e.loss;
      progress.update(
        `${prefix}epoch ${e.epoch + 1}/${config.epochs} ${bar(e.globalStep / e.totalSteps)} step ${e.globalStep}/${e.totalSteps} ` +
          `loss ${l.total.toFixed(4)} (ce ${l.ce.toFixed(4)} cam ${l.cam.toFixed(4)} head ${l.head.toFixed(4)}) ` +
          `${e.imagesPerSec.toFixed(1)} img/s ETA ${formatDuration(e.etaSec)}`,
      );
    }
    if (e.type === 'epoch') {
      const v = e.record.val;
      progress.log(
        `${prefix}epoch ${e.record.epoch}: train loss ${e.record.train.total.toFixed(4)}; val acc ${v.accuracy.toFixed(3)} ` +
          `AUC ${v.macroAuc.toFixed(3)} CAM-gaze r ${v.camGazeR.toFixed(3)}` +
          (v.conflictCount ? ` conflict acc ${v.conflictAccuracy.toFixed(3)}` : '') + ` (${e.record.seconds.toFixed(1)} s)`,
      );
    }
    if (e.type === 'checkpoint') await writeAtomic(checkpointPath, e.bytes);
  };

  let stopRequested = false;
  const onSignal = () => {
    stopRequested = true;
    progress.log('stopping after this step; a checkpoint will be written (Ctrl-C again to abort)');
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    const result = await runTraining({ config, data, model, resume: prepared.resume, onEvent, control: { shouldStop: () => stopRequested } });
    if (result.stopped) return { ...result, written: [] };
    const manifest = runManifestFor({ config, classNames: prepared.classNames, history: result.history, test: result.test, dataset: prepared.dataset });
    const written = await writeRunArtifacts(out, model, manifest);
    const t = result.test!;
    progress.log(`${prefix}test: acc ${t.accuracy.toFixed(3)} AUC ${t.macroAuc.toFixed(3)} CAM-gaze r ${t.camGazeR.toFixed(3)}` +
      (t.conflictCount ? ` conflict acc ${t.conflictAccuracy.toFixed(3)}` : ''));
    return { ...result, written };
  } finally {
    process.off('SIGINT', onSignal);
    model.dispose();
  }
}
