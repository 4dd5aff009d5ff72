/**
 * One training run in the worker, in named steps: prepare (the engine's prepareRun: config, data,
 * model, initial weights; a folder run's arrays kept for a resume), train (the engine's loop, its
 * events turned into protocol messages), finish. Pause and stop are honoured between steps; stop
 * writes a checkpoint first. The model and the last checkpoint stay here after the run for export.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResNet } from '../engine/model/index.ts';
import { readWeightsFile } from '../engine/io/weights_file.ts';
import { prepareRun, type PreparedRun } from '../engine/run/index.ts';
import {
  runTraining,
  type TrainConfig,
  type TrainData,
  type EpochRecord,
  type RunResult,
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

/** Where the run's data came from and how it is kept, for the checkpoints saved to IndexedDB. */
interface RunOrigin {
  runId: string;
  source: 'demo' | 'folder';
  name: string;
  report: DatasetReport;
  fingerprint: string;
  dataStored: boolean;
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
   * A fresh run from `settings`, or with `resume` (checkpoint bytes) the interrupted run continued:
   * its own config, same data order, from the saved step.
   */
  async run(start: { settings: TrainSettings } | { resume: Uint8Array; runId?: string }, input: RunInput): Promise<void> {
    if (this.running) throw new Error('A training run is already in progress: stop it first.');
    this.running = true;
    this.stopRequested = false;
    this.paused = false;
    try {
      const { prepared, origin } = await this.prepare(start, input);
      const result = await this.train(prepared, origin);
      await this.finish(result, prepared.config);
    } catch (err) {
      await this.announceSavedRun();
      this.post({ type: 'trainingFinished', outcome: 'failed', message: err instanceof Error ? err.message : String(err), test: null });
    } finally {
      this.running = false;
      this.paused = false;
    }
  }

  /** Step 1: the engine's prepareRun, then the model and run state held here for export. */
  private async prepare(start: { settings: TrainSettings } | { resume: Uint8Array; runId?: string }, input: RunInput) {
    const resume = 'resume' in start ? start.resume : undefined;
    const runId = ('runId' in start ? start.runId : undefined) ?? crypto.randomUUID();
    const { name, report } = input.kind === 'scanned' ? input.loaded : { name: input.stored.datasetName, report: input.stored.report };
    const source = input.kind === 'scanned'
      ? { kind: 'dataset' as const, dataset: input.loaded.dataset, entries: input.loaded.entries }
      : { kind: 'preprocessed' as const, data: input.stored.data, dataset: { format: report.format, images: report.images, splits: report.splits, problems: report.problems.length } };
    const init = this.initWeights ? { tensors: readWeightsFile(this.initWeights.bytes, this.initWeights.report.fileName).tensors, fileName: this.initWeights.report.fileName } : undefined;
    this.model?.dispose();
    this.model = null;
    const prepared = await prepareRun({
      config: { ...('settings' in start ? start.settings : {}), logEvery: STUDIO_LOG_EVERY },
      source,
      resume,
      init,
      checkpointsPerEpoch: CHECKPOINTS_PER_EPOCH,
      onPreprocess: (done, total) => {
        if (done === total || done % 16 === 0) this.post({ type: 'trainingPreparing', done, total });
      },
    });
    const origin: RunOrigin = {
      runId,
      source: input.kind === 'scanned' ? input.loaded.source : 'folder',
      name,
      report,
      fingerprint: input.kind === 'stored' ? input.stored.datasetFingerprint : await datasetFingerprint(input.loaded),
      dataStored: input.kind === 'stored',
    };
    if (input.kind === 'scanned') origin.dataStored = await this.keepRunData(origin, input.loaded, prepared.data);
    Object.assign(this, {
      model: prepared.model, config: prepared.config, classNames: prepared.classNames,
      lastCheckpoint: null, history: prepared.history, test: null, dataset: { name, report },
    });
    return { prepared, origin };
  }

  /**
   * Keeps a folder run's arrays for a resume after a reload (see run_store.ts); a demo run needs
   * none, and an older run's arrays would only take space. Returns whether they were kept.
   */
  private async keepRunData(origin: RunOrigin, loaded: LoadedDataset, data: TrainData): Promise<boolean> {
    try {
      if (loaded.source !== 'folder') {
        await runStore.clearData();
        return false;
      }
      await runStore.saveData({ runId: origin.runId, datasetName: loaded.name, datasetFingerprint: origin.fingerprint, report: loaded.report, data });
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

  /** Step 2: the engine's loop, with pause, stop and the corrupt-weights test hook between steps. */
  private async train(prepared: PreparedRun, origin: RunOrigin): Promise<RunResult> {
    const { model } = prepared;
    return runTraining({
      config: prepared.config,
      data: prepared.data,
      model,
      resume: prepared.resume,
      onEvent: this.eventsFor(prepared, origin),
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
  }

  /**
   * The loop's events as protocol messages: progress throttled by time, CAM frames every few
   * progress messages, each checkpoint kept in IndexedDB for a resume after a reload.
   */
  private eventsFor(prepared: PreparedRun, origin: RunOrigin): (e: TrainEvent) => Promise<void> {
    const { config, data, model, classNames } = prepared;
    const overlay = pickOverlaySamples(data.val, classNames.length, OVERLAY_IMAGES);
    const batch = Math.min(config.batch, data.train.count);
    let progressCount = 0;
    let lastProgressAt = 0;
    let lastFrameAt = performance.now();
    this.sendFrame = async (step: number) => {
      if (overlay.length === 0) return;
      const items = await renderCamFrame(model, data.val, overlay, config, classNames, batch);
      this.post({ type: 'camFrame', step, classNames, items });
    };
    return async (e: TrainEvent) => {
      switch (e.type) {
        case 'start':
          this.post({
            type: 'trainingStarted',
            config,
            classNames,
            stepsPerEpoch: e.stepsPerEpoch,
            totalSteps: e.totalSteps,
            history: prepared.history,
          });
          return this.sendFrame(0);
        case 'step': {
          const now = performance.now();
          const lastOfEpoch = e.stepInEpoch === Math.floor(e.totalSteps / config.epochs);
          if (now - lastProgressAt < PROGRESS_MIN_INTERVAL_MS && !lastOfEpoch) return;
          lastProgressAt = now;
          this.post({
            type: 'trainingProgress',
            progress: {
              epoch: e.epoch + 1,
              epochs: config.epochs,
              step: e.globalStep,
              totalSteps: e.totalSteps,
              lr: e.lr,
              loss: e.loss,
              imagesPerSec: e.imagesPerSec,
              etaSec: Number.isFinite(e.etaSec) ? e.etaSec : null,
            },
          });
          if (++progressCount % FRAMES_EVERY_PROGRESS === 0 && now - lastFrameAt >= FRAME_MIN_INTERVAL_MS) {
            await this.sendFrame(e.globalStep);
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
            runId: origin.runId,
            datasetSource: origin.source,
            datasetName: origin.name,
            datasetImages: origin.report.images,
            dataStored: origin.dataStored,
            datasetFingerprint: origin.fingerprint,
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
  }

  /** The CAM overlay refresh of the current run (set up with its events). */
  private sendFrame: (step: number) => Promise<void> = async () => {};

  /** Step 3: the last CAM frame, the saved run cleared or announced, and the outcome. */
  private async finish(result: RunResult, config: TrainConfig): Promise<void> {
    if (result.stopped) {
      await this.announceSavedRun();
    } else {
      await this.sendFrame(-1);
      await runStore.clear().catch(() => undefined);
      this.post({ type: 'savedRun', run: null });
    }
    this.post({
      type: 'trainingFinished',
      outcome: result.stopped ? 'stopped' : 'done',
      message: result.stopped ? 'Training stopped; a checkpoint of the last step was kept.' : `Training finished: ${config.epochs} epoch(s).`,
      test: result.test,
    });
  }
}
