/**
 * One run's setup, shared by `gazecam train` and the studio's worker: the validated config (or the
 * checkpoint's, on resume), the preprocessed data, the model, and its initial weights. What each
 * adapter adds is only how it reads files and shows progress.
 */
import { datasetReport, type Dataset, type EntryLookup } from '../../data/index.ts';
import type { StateDict } from '../io/torchvision.ts';
import { loadPretrained, type PretrainedReport } from '../io/weights_file.ts';
import type { ResNet } from '../model/index.ts';
import { readCheckpointMeta } from '../train/checkpoint.ts';
import { resolveConfig, type TrainConfig } from '../train/config.ts';
import { prepareTrainData, type TrainData } from '../train/data.ts';
import { createModelFor, type EpochRecord } from '../train/loop.ts';
import type { RunManifest } from '../io/run_manifest.ts';

/** A setup problem the user can fix (wrong dataset for a resume, too few classes): one clear line. */
export class RunSetupError extends Error {
  override name = 'RunSetupError';
}

/** What a run trains on: a scanned dataset (preprocessed here), or arrays preprocessed earlier. */
export type RunSource =
  | { kind: 'dataset'; dataset: Dataset; entries: EntryLookup }
  | { kind: 'preprocessed'; data: TrainData; dataset: RunManifest['dataset'] };

export interface PrepareRunInput {
  /** settings over the defaults; ignored on resume, where the checkpoint's config holds */
  config: Partial<TrainConfig>;
  source: RunSource;
  /** checkpoint bytes to continue from */
  resume?: Uint8Array;
  /** a weights file to start from, as readWeightsFile read it (torchvision .pth, .safetensors, a GazeCAM export); ignored on resume */
  init?: { tensors: StateDict; fileName: string };
  /** checkpoints per epoch on top of the config (the studio keeps four, so a reload loses little) */
  checkpointsPerEpoch?: number;
  onPreprocess?: (done: number, total: number) => void;
}

export interface PreparedRun {
  config: TrainConfig;
  data: TrainData;
  model: ResNet;
  classNames: string[];
  /** the epochs already trained (a resumed run's history) */
  history: EpochRecord[];
  resume?: Uint8Array;
  /** what the initial weights file gave, when one was loaded */
  init: PretrainedReport | null;
  /** the dataset summary run.json records */
  dataset: RunManifest['dataset'];
}

function classNamesOf(source: RunSource): string[] {
  return source.kind === 'dataset' ? source.dataset.classNames : source.data.classNames;
}

/** Validates, preprocesses, builds and initialises; throws RunSetupError or ConfigError naming the problem. */
export async function prepareRun(input: PrepareRunInput): Promise<PreparedRun> {
  const { source } = input;
  const classNames = classNamesOf(source);
  const resumed = input.resume ? readCheckpointMeta(input.resume) : null;
  if (resumed && resumed.classNames.join('\n') !== classNames.join('\n')) {
    throw new RunSetupError(
      `The checkpoint was trained on classes [${resumed.classNames.join(', ')}]; this dataset has [${classNames.join(', ')}]. ` +
        'Use the same dataset to resume, or start a new run.',
    );
  }
  if (classNames.length < 2) {
    throw new RunSetupError(`The dataset has ${classNames.length} class(es); training needs at least 2 (images/<label>/... or a labels.csv).`);
  }
  let config = resumed ? resumed.config : resolveConfig(input.config);

  // The model and its initial weights first: a weights file that does not fit fails before any preprocessing.
  const model = createModelFor(config, classNames.length);
  let init: PretrainedReport | null = null;
  let data: TrainData;
  let dataset: RunManifest['dataset'];
  try {
    if (input.init && !resumed) init = loadPretrained(model, input.init.tensors, input.init.fileName);
    if (source.kind === 'preprocessed') {
      data = source.data;
      dataset = source.dataset;
      if (data.size !== config.size) {
        throw new RunSetupError(`The kept images are ${data.size} px but the run trains at ${config.size} px: start a new run from the folder.`);
      }
    } else {
      data = await prepareTrainData(source.dataset, source.entries, config.size, { gazeSigmaPx: config.gazeSigmaPx, onProgress: input.onPreprocess });
      const report = datasetReport(source.dataset);
      dataset = { format: report.format, images: report.images, splits: report.splits, problems: report.problems.length + data.problems.length };
    }
    if (data.train.count === 0) {
      throw new RunSetupError('The train split is empty: nothing to train on. Check the dataset report for problems.');
    }
    if (!resumed && input.checkpointsPerEpoch) {
      const stepsPerEpoch = Math.floor(data.train.count / Math.min(config.batch, data.train.count));
      config = resolveConfig({ ...config, checkpointEvery: Math.max(1, Math.ceil(stepsPerEpoch / input.checkpointsPerEpoch)) });
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { config, data, model, classNames, history: resumed?.history ?? [], resume: input.resume, init, dataset };
}
