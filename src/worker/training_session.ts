/**
 * One training run in the worker: settings -> validated TrainConfig -> preprocessed data -> the
 * engine's runTraining loop, with its events turned into protocol messages. Pause and stop are
 * honoured between steps (the loop checks them); stop writes a checkpoint first. The model and the
 * last checkpoint stay here after the run for export.
 */
import * as tf from '@tensorflow/tfjs';
import { importSafetensors } from '../engine/io/torchvision.ts';
import type { ResNet } from '../engine/model/index.ts';
import {
  createModelFor,
  prepareTrainData,
  resolveConfig,
  runTraining,
  type TrainConfig,
  type TrainData,
  type EpochRecord,
  type SplitMetrics,
  type TrainEvent,
} from '../engine/train/index.ts';
import { readCheckpointMeta } from '../engine/train/checkpoint.ts';
import { buildExportBundle } from './export_bundle.ts';
import { runStore, type SavedRun, type StoredRunData } from './run_store.ts';
import type { DatasetReport } from '../data/types.ts';
import type { ImportedWeights } from './import_weights.ts';
import { pickOverlaySamples, renderCamFrame } from './cam_frames.ts';
import { datasetFingerprint, type LoadedDataset } from './dataset.ts';
import type { FromWorker, SavedRunSummary, TrainSettings } from './protocol.ts';

/** Validation images in the CAM overlay panel. */
const OVERLAY_IMAGES = 6;
/**
 * Steps between progress messages, which are the loop's GPU->CPU sync points. Small, because the
 * studio's point is watching the run; on a fast GPU this costs a little throughput.
 */
const STUDIO_LOG_EVERY = 2;
/**
 * Posting cadence, by time as well as by steps: on a fast GPU a step takes milliseconds, and the
 * UI needs neither hundreds of progress messages per second nor a CAM refresh per step (each
 * refresh is one extra inference batch and one readback).
 */
const PROGRESS_MIN_INTERVAL_MS = 250;
const FRAME_MIN_INTERVAL_MS = 3000;
/** ...but on a slow adapter, where a step takes seconds, refresh CAMs every few progress messages. */
const FRAMES_EVERY_PROGRESS = 2;
/** Checkpoints per epoch kept in IndexedDB: a reload loses at most a quarter epoch. */
const CHECKPOINTS_PER_EPOCH = 4;

/**
 * What a run trains on: a scanned dataset, preprocessed when the run starts, or the arrays an
 * interrupted folder run kept in this browser (run_store.ts), used as they are.
 */
export type RunInput = { kind: 'scanned'; loaded: LoadedDataset } | { kind: 'stored'; stored: StoredRunData };

export function summariseSavedRun(run: SavedRun): SavedRunSummary {
  const meta = readCheckpointMeta(run.checkpoint);
  return {
    savedAt: run.savedAt,
    datasetSource: run.datasetSource,
    datasetName: run.datasetName,
    datasetImages: run.datasetImages,
    datasetStored: run.datasetSource === 'folder' && run.dataStored === true,
    arch: meta.config.arch,
    size: meta.config.size,
    epoch: meta.epoch,
    epochs: meta.config.epochs,
    globalStep: meta.globalStep,
  };
}

export class TrainingSession {
  private stopRequested = false;
  private paused = false;
  private resumeWaiters: Array<() => void> = [];
  private running = false;
  /** set by the debugCorruptWeights test hook; applied between two steps */
  private corruptRequested = false;
  /** The trained (or partly trained) model of the last run, kept for export. */
  model: ResNet | null = null;
  lastCheckpoint: Uint8Array | null = null;
  config: TrainConfig | null = null;
  classNames: string[] = [];
  private history: EpochRecord[] = [];
  private test: SplitMetrics | null = null;
  private dataset: { name: string; report: DatasetReport } | null = null;
  /** Weights the next run starts from (checked when imported, loaded when the run starts). */
  initWeights: ImportedWeights | null = null;

  constructor(private readonly post: (message: FromWorker) => void) {}

  get isRunning(): boolean {
    return this.running;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const wake of this.resumeWaiters.splice(0)) wake();
  }

  stop(): void {
    this.stopRequested = true;
    this.resume();
  }

  /** The debugCorruptWeights test hook (see protocol.ts). */
  corruptWeightsBeforeNextStep(): void {
    if (!this.running) throw new Error('No training run in progress to corrupt: start one first.');
    this.corruptRequested = true;
  }

  /** The last good checkpoint stays resumable after a stop or a failure (NaN loss, lost device). */
  private async announceSavedRun(): Promise<void> {
    const saved = await runStore.load().catch(() => undefined);
    this.post({ type: 'savedRun', run: saved ? summariseSavedRun(saved) : null });
  }

  /** The export bundle of the current model (trained, or stopped part-way). */
  async exportBundle(): Promise<{ fileName: string; bytes: Uint8Array; files: string[] }> {
    if (!this.model || !this.config || !this.dataset) throw new Error('No model to export yet: train one first.');
    if (this.running && !this.paused) throw new Error('Pause or stop training before exporting, so the weights hold still.');
    return buildExportBundle({
      model: this.model,
      config: this.config,
      classNames: this.classNames,
      history: this.history,
      test: this.test,
      report: this.dataset.report,
      datasetName: this.dataset.name,
    });
  }

  /**
   * Keeps a folder run's arrays for a resume after a reload (see run_store.ts); a demo run needs
   * none, and an older run's arrays would only take space. Returns whether they were kept.
   */
  private async keepRunData(runId: string, fingerprint: string, loaded: LoadedDataset, data: TrainData): Promise<boolean> {
    try {
      if (loaded.source !== 'folder') {
        await runStore.clearData();
        return false;
      }
      await runStore.saveData({ runId, datasetName: loaded.name, datasetFingerprint: fingerprint, report: loaded.report, data });
      return true;
    } catch (err) {
      this.post({
        type: 'error',
        message:
          `Could not keep the preprocessed images of "${loaded.name}" in this browser (${String(err)}). Training goes on; ` +
          'to resume after a reload, drop the folder again.',
      });
      return false;
    }
  }

  /**
   * A fresh run from `settings`, or with `resume` (checkpoint bytes) the interrupted run continued:
   * its own config, same data order, from the saved step.
   */
  async run(start: { settings: TrainSettings } | { resume: Uint8Array; runId?: string }, input: RunInput): Promise<void> {
    const resume = 'resume' in start ? start.resume : undefined;
    const settings = 'settings' in start ? start.settings : undefined;
    if (this.running) throw new Error('A training run is already in progress: stop it first.');
    this.running = true;
    this.stopRequested = false;
    this.paused = false;
    try {
      const resumed = resume ? readCheckpointMeta(resume) : null;
      const source = input.kind === 'scanned' ? input.loaded.source : 'folder';
      const { name, report } = input.kind === 'scanned' ? input.loaded : { name: input.stored.datasetName, report: input.stored.report };
      const classNames = input.kind === 'scanned' ? input.loaded.dataset.classNames : input.stored.data.classNames;
      if (resumed && resumed.classNames.join('\n') !== classNames.join('\n')) {
        throw new Error(
          `The saved run was trained on classes [${resumed.classNames.join(', ')}]; this dataset has [${classNames.join(', ')}]. ` +
            'Load the same dataset to resume, or discard the saved run.',
        );
      }
      let config = resumed ? resumed.config : resolveConfig({ ...settings, logEvery: STUDIO_LOG_EVERY });
      if (classNames.length < 2) {
        throw new Error(`The dataset has ${classNames.length} class(es); training needs at least 2 (images/<label>/...).`);
      }
      const runId = ('runId' in start ? start.runId : undefined) ?? crypto.randomUUID();
      let data: TrainData;
      let dataStored: boolean;
      const fingerprint = input.kind === 'stored' ? input.stored.datasetFingerprint : await datasetFingerprint(input.loaded);
      if (input.kind === 'stored') {
        data = input.stored.data;
        dataStored = true;
        if (data.size !== config.size) {
          throw new Error(`The kept images are ${data.size} px but the run trains at ${config.size} px: discard the saved run.`);
        }
      } else {
        data = await prepareTrainData(input.loaded.dataset, input.loaded.entries, config.size, {
          gazeSigmaPx: config.gazeSigmaPx,
          onProgress: (done, total) => {
            if (done === total || done % 16 === 0) this.post({ type: 'trainingPreparing', done, total });
          },
        });
        dataStored = await this.keepRunData(runId, fingerprint, input.loaded, data);
      }
      if (!resumed) {
        const stepsPerEpoch = Math.floor(data.train.count / Math.max(1, Math.min(config.batch, data.train.count)));
        config = resolveConfig({ ...config, checkpointEvery: Math.max(1, Math.ceil(stepsPerEpoch / CHECKPOINTS_PER_EPOCH)) });
      }
      const runConfig = config;
      this.model?.dispose();
      const model = createModelFor(config, classNames.length);
      const history = resumed ? resumed.history : [];
      Object.assign(this, { model, config, classNames, lastCheckpoint: null, history, test: null, dataset: { name, report } });
      if (this.initWeights && !resumed) {
        // Throws StateDictMismatchError naming every mismatch if the settings changed since the import.
        importSafetensors(model, this.initWeights.bytes, null, { skipFc: this.initWeights.report.freshClassifier, castFloats: true });
      }
      const overlay = pickOverlaySamples(data.val, classNames.length, OVERLAY_IMAGES);
      const batch = Math.min(config.batch, data.train.count);
      let progressCount = 0;
      let lastProgressAt = 0;
      let lastFrameAt = performance.now();

      const sendFrame = async (step: number) => {
        if (overlay.length === 0) return;
        const items = await renderCamFrame(model, data.val, overlay, runConfig, classNames, batch);
        this.post({ type: 'camFrame', step, classNames, items });
      };

      const onEvent = async (e: TrainEvent) => {
        switch (e.type) {
          case 'start':
            this.post({
              type: 'trainingStarted',
              config: runConfig,
              classNames,
              stepsPerEpoch: e.stepsPerEpoch,
              totalSteps: e.totalSteps,
              history,
            });
            return sendFrame(0);
          case 'step': {
            const now = performance.now();
            const lastOfEpoch = e.stepInEpoch === Math.floor(e.totalSteps / runConfig.epochs);
            if (now - lastProgressAt < PROGRESS_MIN_INTERVAL_MS && !lastOfEpoch) return;
            lastProgressAt = now;
            this.post({
              type: 'trainingProgress',
              progress: {
                epoch: e.epoch + 1,
                epochs: runConfig.epochs,
                step: e.globalStep,
                totalSteps: e.totalSteps,
                lr: e.lr,
                loss: e.loss,
                imagesPerSec: e.imagesPerSec,
                etaSec: Number.isFinite(e.etaSec) ? e.etaSec : null,
              },
            });
            if (++progressCount % FRAMES_EVERY_PROGRESS === 0 && now - lastFrameAt >= FRAME_MIN_INTERVAL_MS) {
              await sendFrame(e.globalStep);
              lastFrameAt = performance.now();
            }
            return;
          }
          case 'epoch':
            this.history = [...this.history, e.record];
            this.post({ type: 'trainingEpoch', record: e.record });
            return;
          case 'checkpoint': {
            this.lastCheckpoint = e.bytes;
            const saved: SavedRun = {
              savedAt: new Date().toISOString(),
              runId,
              datasetSource: source,
              datasetName: name,
              datasetImages: report.images,
              dataStored,
              datasetFingerprint: fingerprint,
              checkpoint: e.bytes,
            };
            try {
              await runStore.save(saved);
            } catch (err) {
              this.post({ type: 'error', message: `Could not keep the checkpoint in this browser: ${String(err)}. Training continues.` });
            }
            return;
          }
          case 'done':
            this.test = e.test;
            return;
        }
      };

      const result = await runTraining({
        config,
        data,
        model,
        resume,
        onEvent,
        control: {
          shouldStop: () => this.stopRequested,
          waitWhilePaused: () => {
            // Between steps is the one place no step holds the weights: the test hook acts here.
            if (this.corruptRequested) {
              this.corruptRequested = false;
              const fc = model.fcWeight();
              tf.tidy(() => fc.assign(tf.fill(fc.shape, Number.NaN)));
            }
            if (!this.paused) return Promise.resolve();
            this.post({ type: 'trainingPaused' });
            return new Promise<void>((wake) => this.resumeWaiters.push(wake));
          },
        },
      });
      if (!result.stopped) {
        await sendFrame(-1);
        await runStore.clear().catch(() => undefined);
        this.post({ type: 'savedRun', run: null });
      }
      if (result.stopped) await this.announceSavedRun();
      this.post({
        type: 'trainingFinished',
        outcome: result.stopped ? 'stopped' : 'done',
        message: result.stopped
          ? 'Training stopped; a checkpoint of the last step was kept.'
          : `Training finished: ${runConfig.epochs} epoch(s).`,
        test: result.test,
      });
    } catch (err) {
      await this.announceSavedRun();
      this.post({ type: 'trainingFinished', outcome: 'failed', message: err instanceof Error ? err.message : String(err), test: null });
    } finally {
      this.running = false;
      this.paused = false;
    }
  }
}
