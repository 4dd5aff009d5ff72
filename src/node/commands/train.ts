/**
 * `gazecam train <dataset> --out <run> [...]` (DESIGN.md section 3): scans the dataset, sets the run
 * up with the engine's prepareRun (preprocessing once, model, --init weights), trains on WebGPU
 * through Dawn (or tfjs cpu), writes a checkpoint after every epoch (atomically; `--resume`
 * continues from it), then the run's artefacts: the same files as the studio's export zip.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetReport, scanDataset } from '../../data/index.ts';
import { readWeightsFile, WeightsFileError } from '../../engine/io/index.ts';
import { RESNET_ARCHS } from '../../engine/model/index.ts';
import { prepareRun, runManifestFor, RunSetupError, type PreparedRun } from '../../engine/run/index.ts';
import {
  AUGMENT_PRESETS,
  GAZE_LOSSES,
  METHODS,
  OPTIMIZERS,
  readCheckpointMeta,
  resolveConfig,
  runTraining,
  SCHEDULES,
  type TrainConfig,
  type TrainEvent,
} from '../../engine/train/index.ts';
import { CliError, parseArgs, UsageError } from '../args.ts';
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from '../backend.ts';
import { checkDatasetFolder, entriesFromDirectory } from '../fs-dataset.ts';
import { bar, formatDuration, ProgressLine } from '../progress.ts';
import { CHECKPOINT_FILE, writeAtomic, writeRunArtifacts } from '../run_files.ts';
import { scaleOutCommands } from '../../engine/run/scale_out.ts';
import { assertNoGPUErrors } from '../webgpu.ts';

export const usage = `usage: gazecam train <dataset> --out <run> [options]

  --arch A          ${RESNET_ARCHS.join('|')} (default resnet18)
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
  --init FILE       start from weights: a torchvision .pth state_dict or a .safetensors (torchvision, timm,
                    GazeCAM export); an fc for another class count is re-initialised
  --resume          continue from <run>/${CHECKPOINT_FILE}
  --checkpoint-every N  also checkpoint every N steps (default: each epoch)
  --backend B       ${BACKEND_CHOICES.join('|')} (default webgpu, through Dawn)
  --json            print the final metrics as one JSON object on stdout
  --print-torchrun  print the gazecam prepare and torchrun commands that train these options with
                    PyTorch (gazecam_torch, docs/scaling-out.md) and exit; trains nothing`;

const FLAG_TO_FIELD: Record<string, keyof TrainConfig> = {
  arch: 'arch', size: 'size', batch: 'batch', epochs: 'epochs', lr: 'lr', lambda: 'lambda', method: 'method',
  loss: 'loss', 'cam-stride': 'camStride', 'cam-classes': 'camClasses', optimizer: 'optimizer', momentum: 'momentum',
  'weight-decay': 'weightDecay', schedule: 'schedule', seed: 'seed', sigma: 'gazeSigmaPx', 'log-every': 'logEvery',
  'checkpoint-every': 'checkpointEvery', 'multitask-loss': 'multitaskLoss', augment: 'augment',
  'aug-scale-min': 'augScaleMin', 'aug-scale-max': 'augScaleMax', 'aug-translate': 'augTranslate', 'aug-rotate': 'augRotateDeg',
  'aug-flip': 'augFlip', 'aug-brightness': 'augBrightness', 'aug-contrast': 'augContrast', 'aug-gamma': 'augGamma', 'aug-noise': 'augNoise',
};

export async function run(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    out: { type: 'string' }, arch: { type: RESNET_ARCHS }, size: { type: 'int' }, batch: { type: 'int' },
    epochs: { type: 'int' }, lr: { type: 'number' }, lambda: { type: 'number' }, method: { type: METHODS },
    loss: { type: GAZE_LOSSES }, 'cam-stride': { type: ['32', '16', '8'] }, 'cam-classes': { type: ['true', 'all'] },
    optimizer: { type: OPTIMIZERS }, momentum: { type: 'number' }, 'weight-decay': { type: 'number' },
    schedule: { type: SCHEDULES }, seed: { type: 'int' }, sigma: { type: 'number' }, 'log-every': { type: 'int' },
    'checkpoint-every': { type: 'int' }, 'multitask-loss': { type: ['mse', 'kl'] }, init: { type: 'string' },
    resume: { type: 'boolean' }, backend: { type: BACKEND_CHOICES }, json: { type: 'boolean' }, 'print-torchrun': { type: 'boolean' },
    augment: { type: AUGMENT_PRESETS }, 'aug-scale-min': { type: 'number' }, 'aug-scale-max': { type: 'number' },
    'aug-translate': { type: 'number' }, 'aug-rotate': { type: 'number' }, 'aug-flip': { type: 'boolean' },
    'aug-brightness': { type: 'number' }, 'aug-contrast': { type: 'number' }, 'aug-gamma': { type: 'number' }, 'aug-noise': { type: 'number' },
  });
  if (positional.length !== 1) throw new UsageError('expected exactly one dataset folder');
  await checkDatasetFolder(positional[0]); // before anything slow, and before --out is asked for
  if (!flags.out) throw new UsageError('--out <run folder> is required');
  const out = flags.out as string;
  const partial: Partial<TrainConfig> = {};
  for (const [flag, field] of Object.entries(FLAG_TO_FIELD)) {
    if (flags[flag] !== undefined) (partial as Record<string, unknown>)[field] = field === 'camStride' ? Number(flags[flag]) : flags[flag];
  }
  if (flags['print-torchrun']) return printTorchrun(positional[0], out, partial);
  const checkpointPath = join(out, CHECKPOINT_FILE);
  const resume = flags.resume ? new Uint8Array(await readFile(checkpointPath).catch(() => {
    throw new UsageError(`--resume: no checkpoint at ${checkpointPath}; start without --resume`);
  })) : undefined;
  if (!flags.resume && existsSync(checkpointPath)) {
    throw new UsageError(`${out} already holds a run (${CHECKPOINT_FILE}); pass --resume to continue it or choose another --out`);
  }
  // A resumed run keeps its own config (its seed decides the split); a new one is checked here, before any work.
  let config: TrainConfig;
  try {
    config = resume ? readCheckpointMeta(resume).config : resolveConfig(partial);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const init = flags.init && !resume ? await readInitFile(flags.init as string).catch(initError) : undefined;

  const progress = new ProgressLine();
  const adapter = await selectBackend((flags.backend as BackendChoice | undefined) ?? 'webgpu');
  progress.log(`backend ${flags.backend ?? 'webgpu'}: ${adapter.description}`);

  const entries = await entriesFromDirectory(positional[0]);
  const dataset = await scanDataset(entries, { seed: config.seed, gazeSigmaPx: config.gazeSigmaPx || undefined });
  const report = datasetReport(dataset);
  progress.log(`dataset ${report.format}: ${report.images} images, ${report.withGaze} with gaze, ` +
    `train/val/test ${report.splits.train}/${report.splits.val}/${report.splits.test}, ${report.problems.length} problems`);
  for (const p of report.problems.slice(0, 10)) progress.log(`  problem: ${p.file}: ${p.error}`);

  const prepared: PreparedRun = await prepareRun({
    config: partial,
    source: { kind: 'dataset', dataset, entries: new Map(entries.map((e) => [e.path, e])) },
    resume,
    init,
    onPreprocess: (done, total) => progress.update(`preprocessing ${bar(done / total)} ${done}/${total}`),
  }).catch((err: unknown) => {
    if (err instanceof RunSetupError) throw new CliError(err.message);
    return initError(err);
  });
  const { data, model } = prepared;
  progress.log(`preprocessed ${data.train.count + data.val.count + data.test.count} images to ${config.size} px` +
    (data.problems.length ? `; ${data.problems.length} could not be loaded (first: ${data.problems[0]!.file}: ${data.problems[0]!.error})` : ''));
  if (prepared.init) {
    const i = prepared.init;
    const fc = i.freshClassifier
      ? `; fc re-initialised for ${prepared.classNames.length} classes${i.droppedClasses ? ` (the file's is for ${i.droppedClasses})` : ''}`
      : '';
    progress.log(`initialised from ${init!.fileName} (${init!.description}): ${i.loaded.length} tensors loaded${fc}`);
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
  const result = await runTraining({ config: prepared.config, data, model, resume, onEvent, control: { shouldStop: () => stopRequested } });
  process.off('SIGINT', onSignal);
  if (flags.backend !== 'cpu') assertNoGPUErrors('gazecam train');
  if (result.stopped) {
    progress.log(`stopped; resume with: gazecam train ${positional[0]} --out ${out} --resume`);
    model.dispose();
    return 130;
  }
  const manifest = runManifestFor({ config: prepared.config, classNames: prepared.classNames, history: result.history, test: result.test, dataset: prepared.dataset });
  const written = await writeRunArtifacts(out, model, manifest);
  model.dispose();
  const t = result.test!;
  progress.log(`test: acc ${t.accuracy.toFixed(3)} AUC ${t.macroAuc.toFixed(3)} CAM-gaze r ${t.camGazeR.toFixed(3)}` +
    (t.conflictCount ? ` conflict acc ${t.conflictAccuracy.toFixed(3)}` : ''));
  progress.log(`wrote ${written.join(', ')}`);
  if (flags.json) process.stdout.write(JSON.stringify({ test: t, history: result.history }) + '\n');
  return 0;
}

/** A weights file the CLI cannot start from: one line naming the option and the file, exit code 1. */
function initError(err: unknown): never {
  if (err instanceof WeightsFileError) throw new CliError(`--init ${err.message}`);
  throw err;
}

/** The --init file read before any slow work (format from its bytes); a bad file is one line naming it. */
async function readInitFile(fileName: string) {
  const bytes = await readFile(fileName).catch((err: Error) => {
    throw new WeightsFileError(fileName, `cannot be read (${err.message})`);
  });
  const weights = readWeightsFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), fileName);
  const description = [weights.format === 'torch-zip' ? 'torch.save archive' : 'safetensors', ...weights.notes].join('; ');
  return { tensors: weights.tensors, fileName, description };
}

/** --print-torchrun: the same options as a PyTorch run at scale (prepare once, then torchrun). */
function printTorchrun(dataset: string, out: string | undefined, partial: Partial<TrainConfig>): number {
  let config: TrainConfig;
  try {
    config = resolveConfig(partial);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  process.stdout.write(scaleOutCommands({ dataset, out: out ?? 'runs/torch', config }).text + '\n');
  return 0;
}
