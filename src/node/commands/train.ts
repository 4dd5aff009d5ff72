/**
 * `gazecam train <dataset> --out <run> [...]` (DESIGN.md section 3): scans the dataset, preprocesses
 * it once, trains on WebGPU through Dawn (or tfjs cpu), writes a checkpoint after every epoch
 * (atomically; `--resume` continues from it), then model.safetensors, tfjs/model.json and run.json.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetReport, scanDataset } from '../../data/index.ts';
import { loadPretrained, readWeightsFile, WeightsFileError } from '../../engine/io/index.ts';
import { buildRunManifest } from '../../engine/io/run_manifest.ts';
import { RESNET_ARCHS } from '../../engine/model/index.ts';
import {
  createModelFor,
  effectiveCamStride,
  GAZE_LOSSES,
  METHODS,
  OPTIMIZERS,
  prepareTrainData,
  resolveConfig,
  runTraining,
  SCHEDULES,
  usesGazeHead,
  type TrainConfig,
  type TrainEvent,
} from '../../engine/train/index.ts';
import { parseArgs, UsageError } from '../args.ts';
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from '../backend.ts';
import { entriesFromDirectory } from '../fs-dataset.ts';
import { bar, formatDuration, ProgressLine } from '../progress.ts';
import { CHECKPOINT_FILE, writeAtomic, writeRunExports } from '../run_files.ts';
import { assertNoGPUErrors } from '../webgpu.ts';

export const usage = `usage: gazecam train <dataset> --out <run> [options]

  --arch A          ${RESNET_ARCHS.join('|')} (default resnet18)
  --size N          input size in px (default 224)
  --batch N         images per step (default 16)
  --epochs N        (default 10)
  --lr X            peak learning rate (default 1e-3)
  --lambda X        gaze loss weight (default 1)
  --method M        ${METHODS.join('|')} (default cam)
  --loss L          CAM loss: ${GAZE_LOSSES.join('|')} (default mse, the seed's; kl recommended)
  --cam-stride S    32|16|8 output stride of the CAM (default: largest giving >= 8x8)
  --cam-classes C   true|all: supervise the true-class CAM (default) or every class
  --optimizer O     ${OPTIMIZERS.join('|')} (default adam); --momentum X, --weight-decay X
  --schedule S      ${SCHEDULES.join('|')} (default cosine)
  --seed N          weights, data order and split (default 0)
  --sigma PX        fixation Gaussian sigma in original pixels (default: the format's recipe)
  --init FILE       start from weights: a torchvision .pth state_dict or a .safetensors (torchvision, timm,
                    GazeCAM export); an fc for another class count is re-initialised
  --resume          continue from <run>/${CHECKPOINT_FILE}
  --checkpoint-every N  also checkpoint every N steps (default: each epoch)
  --backend B       ${BACKEND_CHOICES.join('|')} (default webgpu, through Dawn)
  --json            print the final metrics as one JSON object on stdout`;

const FLAG_TO_FIELD: Record<string, keyof TrainConfig> = {
  arch: 'arch', size: 'size', batch: 'batch', epochs: 'epochs', lr: 'lr', lambda: 'lambda', method: 'method',
  loss: 'loss', 'cam-stride': 'camStride', 'cam-classes': 'camClasses', optimizer: 'optimizer', momentum: 'momentum',
  'weight-decay': 'weightDecay', schedule: 'schedule', seed: 'seed', sigma: 'gazeSigmaPx', 'log-every': 'logEvery',
  'checkpoint-every': 'checkpointEvery', 'multitask-loss': 'multitaskLoss',
};

export async function run(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    out: { type: 'string' }, arch: { type: RESNET_ARCHS }, size: { type: 'int' }, batch: { type: 'int' },
    epochs: { type: 'int' }, lr: { type: 'number' }, lambda: { type: 'number' }, method: { type: METHODS },
    loss: { type: GAZE_LOSSES }, 'cam-stride': { type: ['32', '16', '8'] }, 'cam-classes': { type: ['true', 'all'] },
    optimizer: { type: OPTIMIZERS }, momentum: { type: 'number' }, 'weight-decay': { type: 'number' },
    schedule: { type: SCHEDULES }, seed: { type: 'int' }, sigma: { type: 'number' }, 'log-every': { type: 'int' },
    'checkpoint-every': { type: 'int' }, 'multitask-loss': { type: ['mse', 'kl'] }, init: { type: 'string' },
    resume: { type: 'boolean' }, backend: { type: BACKEND_CHOICES }, json: { type: 'boolean' },
  });
  if (positional.length !== 1) throw new UsageError('expected exactly one dataset folder');
  if (!flags.out) throw new UsageError('--out <run folder> is required');
  const out = flags.out as string;
  const partial: Partial<TrainConfig> = {};
  for (const [flag, field] of Object.entries(FLAG_TO_FIELD)) {
    if (flags[flag] !== undefined) (partial as Record<string, unknown>)[field] = field === 'camStride' ? Number(flags[flag]) : flags[flag];
  }
  let config: TrainConfig;
  try {
    config = resolveConfig(partial);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const checkpointPath = join(out, CHECKPOINT_FILE);
  const resume = flags.resume ? await readFile(checkpointPath).catch(() => {
    throw new UsageError(`--resume: no checkpoint at ${checkpointPath}; start without --resume`);
  }) : undefined;
  if (!flags.resume && existsSync(checkpointPath)) {
    throw new UsageError(`${out} already holds a run (${CHECKPOINT_FILE}); pass --resume to continue it or choose another --out`);
  }

  const progress = new ProgressLine();
  const adapter = await selectBackend((flags.backend as BackendChoice | undefined) ?? 'webgpu');
  progress.log(`backend ${flags.backend ?? 'webgpu'}: ${adapter.description}`);

  const entries = await entriesFromDirectory(positional[0]);
  const dataset = await scanDataset(entries, { seed: config.seed, gazeSigmaPx: config.gazeSigmaPx || undefined });
  const report = datasetReport(dataset);
  progress.log(`dataset ${report.format}: ${report.images} images, ${report.withGaze} with gaze, ` +
    `train/val/test ${report.splits.train}/${report.splits.val}/${report.splits.test}, ${report.problems.length} problems`);
  for (const p of report.problems.slice(0, 10)) progress.log(`  problem: ${p.file}: ${p.error}`);
  if (dataset.classNames.length < 2) throw new UsageError(`the dataset has ${dataset.classNames.length} class(es); training needs at least 2`);

  const byPath = new Map(entries.map((e) => [e.path, e]));
  const data = await prepareTrainData(dataset, byPath, config.size, {
    gazeSigmaPx: config.gazeSigmaPx,
    onProgress: (done, total) => progress.update(`preprocessing ${bar(done / total)} ${done}/${total}`),
  });
  progress.log(`preprocessed ${data.train.count + data.val.count + data.test.count} images to ${config.size} px` +
    (data.problems.length ? `; ${data.problems.length} could not be loaded (first: ${data.problems[0].file}: ${data.problems[0].error})` : ''));

  const model = createModelFor(config, dataset.classNames.length);
  if (flags.init && !resume) {
    // Format from the bytes (torch.save archive or safetensors); a bad file is one line, exit 1.
    const initFile = flags.init as string;
    try {
      const bytes = await readFile(initFile).catch((err: Error) => {
        throw new WeightsFileError(initFile, `cannot be read (${err.message})`);
      });
      const weights = readWeightsFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), initFile);
      const imported = loadPretrained(model, weights.tensors, initFile);
      const fc = imported.freshClassifier
        ? `; fc re-initialised for ${dataset.classNames.length} classes${imported.droppedClasses ? ` (the file's is for ${imported.droppedClasses})` : ''}`
        : '';
      const what = [weights.format === 'torch-zip' ? 'torch.save archive' : 'safetensors', ...weights.notes].join('; ');
      progress.log(`initialised from ${initFile} (${what}): ${imported.loaded.length} tensors loaded${fc}`);
    } catch (err) {
      if (!(err instanceof WeightsFileError)) throw err;
      model.dispose();
      console.error(`gazecam train: --init ${err.message}`);
      return 1;
    }
  }

  const onEvent = async (e: TrainEvent) => {
    if (e.type === 'start' && e.resumedFrom > 0) progress.log(`resuming at step ${e.resumedFrom} of ${e.totalSteps}`);
    if (e.type === 'step') {
      const l = e.loss;
      progress.update(
        `epoch ${e.epoch + 1}/${config.epochs} ${bar(e.globalStep / e.totalSteps)} step ${e.globalStep}/${e.totalSteps} ` +
          `loss ${l.total.toFixed(4)} (ce ${l.ce.toFixed(4)} cam ${l.cam.toFixed(4)} head ${l.head.toFixed(4)}) ` +
          `${e.imagesPerSec.toFixed(1)} img/s ETA ${formatDuration(e.etaSec)}`,
      );
    }
    if (e.type === 'epoch') {
      const v = e.record.val;
      progress.log(
        `epoch ${e.record.epoch}: train loss ${e.record.train.total.toFixed(4)}; val acc ${v.accuracy.toFixed(3)} ` +
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
  const result = await runTraining({ config, data, model, resume, onEvent, control: { shouldStop: () => stopRequested } });
  process.off('SIGINT', onSignal);
  if (flags.backend !== 'cpu') assertNoGPUErrors('gazecam train');
  if (result.stopped) {
    progress.log(`stopped; resume with: gazecam train ${positional[0]} --out ${out} --resume`);
    model.dispose();
    return 130;
  }
  const manifest = buildRunManifest({
    config, classNames: dataset.classNames, camStride: effectiveCamStride(config), gazeHead: usesGazeHead(config),
    history: result.history, test: result.test,
    dataset: { format: report.format, images: report.images, splits: report.splits, problems: report.problems.length + data.problems.length },
  });
  const written = await writeRunExports(out, model, manifest);
  model.dispose();
  const t = result.test!;
  progress.log(`test: acc ${t.accuracy.toFixed(3)} AUC ${t.macroAuc.toFixed(3)} CAM-gaze r ${t.camGazeR.toFixed(3)}` +
    (t.conflictCount ? ` conflict acc ${t.conflictAccuracy.toFixed(3)}` : ''));
  progress.log(`wrote ${written.join(', ')}`);
  if (flags.json) process.stdout.write(JSON.stringify({ test: t, history: result.history }) + '\n');
  return 0;
}
