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
import { prepareRun, RunSetupError, type PreparedRun } from '../../engine/run/index.ts';
import { readCheckpointMeta, resolveConfig, type TrainConfig } from '../../engine/train/index.ts';
import { CliError, parseArgs, UsageError } from '../args.ts';
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from '../backend.ts';
import { checkDatasetFolder, entriesFromDirectory } from '../fs-dataset.ts';
import { bar, ProgressLine } from '../progress.ts';
import { CHECKPOINT_FILE } from '../run_files.ts';
import { configFromFlags, trainIntoFolder, TRAINING_FLAGS, TRAINING_OPTIONS_USAGE } from '../train_run.ts';
import { scaleOutCommands } from '../../engine/run/scale_out.ts';
import { assertNoGPUErrors } from '../webgpu.ts';

export const usage = `usage: gazecam train <dataset> --out <run> [options]

${TRAINING_OPTIONS_USAGE}
  --init FILE       start from weights: a torchvision .pth state_dict or a .safetensors (torchvision, timm,
                    GazeCAM export); an fc for another class count is re-initialised
  --resume          continue from <run>/${CHECKPOINT_FILE}
  --backend B       ${BACKEND_CHOICES.join('|')} (default webgpu, through Dawn)
  --json            print the final metrics as one JSON object on stdout
  --print-torchrun  print the gazecam prepare and torchrun commands that train these options with
                    PyTorch (gazecam_torch, docs/scaling-out.md) and exit; trains nothing`;

export async function run(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    ...TRAINING_FLAGS, out: { type: 'string' }, init: { type: 'string' }, resume: { type: 'boolean' },
    backend: { type: BACKEND_CHOICES }, json: { type: 'boolean' }, 'print-torchrun': { type: 'boolean' },
  });
  if (positional.length !== 1) throw new UsageError('expected exactly one dataset folder');
  if (flags['print-torchrun']) return printTorchrun(positional[0], flags.out as string | undefined, configFromFlags(flags));
  await checkDatasetFolder(positional[0]); // before anything slow, and before --out is asked for
  if (!flags.out) throw new UsageError('--out <run folder> is required');
  const out = flags.out as string;
  const partial = configFromFlags(flags);
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
  const { data } = prepared;
  progress.log(`preprocessed ${data.train.count + data.val.count + data.test.count} images to ${config.size} px` +
    (data.problems.length ? `; ${data.problems.length} could not be loaded (first: ${data.problems[0]!.file}: ${data.problems[0]!.error})` : ''));
  if (prepared.init) {
    const i = prepared.init;
    const fc = i.freshClassifier
      ? `; fc re-initialised for ${prepared.classNames.length} classes${i.droppedClasses ? ` (the file's is for ${i.droppedClasses})` : ''}`
      : '';
    progress.log(`initialised from ${init!.fileName} (${init!.description}): ${i.loaded.length} tensors loaded${fc}`);
  }

  const result = await trainIntoFolder(prepared, out, progress);
  if (flags.backend !== 'cpu') assertNoGPUErrors('gazecam train');
  if (result.stopped) {
    progress.log(`stopped; resume with: gazecam train ${positional[0]} --out ${out} --resume`);
    return 130;
  }
  progress.log(`wrote ${result.written.join(', ')}`);
  if (flags.json) process.stdout.write(JSON.stringify({ test: result.test, history: result.history }) + '\n');
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
