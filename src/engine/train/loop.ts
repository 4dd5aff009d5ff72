/**
 * The training loop, top to bottom: data order, schedule, step, log, evaluate, checkpoint.
 * GPU->CPU sync points: every `logEvery` steps (losses, NaN check) and at epoch end (evaluation).
 * Events go to `onEvent`; the worker and the CLI render them. No callback framework.
 */
import * as tf from '@tensorflow/tfjs';
import { hashString, mulberry32, shuffleInPlace } from '../../util/rng.ts';
import { createResNet, DEFAULT_GAZE_HEAD, type ResNet } from '../model/index.ts';
import { effectiveCamStride, usesGazeHead, type TrainConfig } from './config.ts';
import { NonFiniteStateError, restoreCheckpoint, saveCheckpoint, type CheckpointMeta } from './checkpoint.ts';
import { drawAugmentation } from './augment.ts';
import { disposeBatch, makeBatch, type TrainData } from './data.ts';
import { evaluateSplit } from './evaluate.ts';
import type { SplitMetrics } from './metrics.ts';
import { learningRateAt, Optimizer } from './optimizer.ts';
import { trainStep } from './step.ts';

export interface LossValues {
  total: number;
  ce: number;
  cam: number;
  head: number;
}

export interface EpochRecord {
  epoch: number;
  train: LossValues;
  val: SplitMetrics;
  seconds: number;
}

export type TrainEvent =
  | { type: 'start'; stepsPerEpoch: number; totalSteps: number; batch: number; resumedFrom: number }
  | {
      type: 'step';
      epoch: number;
      stepInEpoch: number;
      globalStep: number;
      totalSteps: number;
      lr: number;
      loss: LossValues;
      imagesPerSec: number;
      etaSec: number;
    }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'checkpoint'; bytes: Uint8Array; meta: Omit<CheckpointMeta, 'format' | 'version' | 'optimizerStep'> }
  | { type: 'done'; test: SplitMetrics; history: EpochRecord[] };

export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

export interface RunControl {
  /** checked between steps; true ends the run after a checkpoint */
  shouldStop?(): boolean;
  /** awaited between steps (pause) */
  waitWhilePaused?(): Promise<void>;
}

/** The model a config describes: the torchvision backbone, the gaze head for multi-task. */
export function createModelFor(c: TrainConfig, numClasses: number): ResNet {
  return createResNet({
    arch: c.arch,
    numClasses,
    camStride: effectiveCamStride(c),
    gazeHead: usesGazeHead(c) ? DEFAULT_GAZE_HEAD : null,
    seed: c.seed,
  });
}

/** Sample order of one epoch: a pure function of (seed, epoch), so a resumed run replays it. */
export function epochOrder(seed: number, epoch: number, count: number): number[] {
  return shuffleInPlace(Array.from({ length: count }, (_, i) => i), mulberry32(hashString(`order:${seed}:${epoch}`)));
}

export interface RunResult {
  history: EpochRecord[];
  test: SplitMetrics | null;
  stopped: boolean;
}

export async function runTraining(args: {
  config: TrainConfig;
  data: TrainData;
  model: ResNet;
  /** bytes of a checkpoint to resume from */
  resume?: Uint8Array;
  onEvent: (e: TrainEvent) => void | Promise<void>;
  control?: RunControl;
}): Promise<RunResult> {
  const { config: c, data, model, onEvent, control } = args;
  const numClasses = data.classNames.length;
  if (data.train.count === 0) throw new Error('The train split is empty: nothing to train on. Check the dataset report for problems.');
  // Constant batch shape (the WebGPU buffer pool never shrinks): drop the last partial batch.
  const batch = Math.min(c.batch, data.train.count);
  const stepsPerEpoch = Math.floor(data.train.count / batch);
  const totalSteps = stepsPerEpoch * c.epochs;
  const optimizer = new Optimizer(c.optimizer, c.momentum, c.weightDecay);
  let history: EpochRecord[] = [];
  let startEpoch = 0;
  let startStep = 0;
  if (args.resume) {
    const meta = restoreCheckpoint(args.resume, model, optimizer);
    ({ history } = meta);
    startEpoch = meta.epoch;
    startStep = meta.stepInEpoch;
  }
  await onEvent({ type: 'start', stepsPerEpoch, totalSteps, batch, resumedFrom: startEpoch * stepsPerEpoch + startStep });

  // Where the last checkpoint stands (the resumed one counts): what a diverged run falls back to.
  let lastCheckpoint: { epoch: number; step: number } | null = args.resume ? { epoch: startEpoch, step: startStep } : null;
  const diverged = (what: string) => {
    const kept = lastCheckpoint
      ? `the last good checkpoint (epoch ${lastCheckpoint.epoch}, step ${lastCheckpoint.step}) is kept`
      : 'no checkpoint had been written yet';
    return new TrainingDivergedError(
      `${what}: the run was stopped and ${kept}. ` +
        `Try a lower learning rate (now ${c.lr}) or a smaller gaze loss weight (now ${c.lambda}).`,
    );
  };
  const checkpoint = async (epoch: number, stepInEpoch: number) => {
    const meta = { config: c, classNames: data.classNames, epoch, stepInEpoch, globalStep: epoch * stepsPerEpoch + stepInEpoch, history };
    let bytes: Uint8Array;
    try {
      bytes = await saveCheckpoint(model, optimizer, meta);
    } catch (err) {
      if (err instanceof NonFiniteStateError) throw diverged(`The weight ${err.entryName} became NaN or Inf by epoch ${epoch + 1}, step ${stepInEpoch}`);
      throw err;
    }
    lastCheckpoint = { epoch, step: stepInEpoch };
    await onEvent({ type: 'checkpoint', bytes, meta });
  };

  try {
    for (let epoch = startEpoch; epoch < c.epochs; epoch++) {
      const order = epochOrder(c.seed, epoch, data.train.count);
      const epochStart = performance.now();
      let epochSums = tf.zeros([4]);
      let logSums = tf.zeros([4]);
      let logSteps = 0;
      let logStart = performance.now();
      const firstStep = epoch === startEpoch ? startStep : 0;
      for (let step = firstStep; step < stepsPerEpoch; step++) {
        await control?.waitWhilePaused?.();
        if (control?.shouldStop?.()) {
          tf.dispose([epochSums, logSums]);
          await checkpoint(epoch, step);
          return { history, test: null, stopped: true };
        }
        const globalStep = epoch * stepsPerEpoch + step;
        const lr = learningRateAt(c, globalStep, stepsPerEpoch);
        const b = makeBatch(data.train, order.slice(step * batch, (step + 1) * batch), numClasses, drawAugmentation(c, epoch, step, batch));
        const losses = trainStep(model, optimizer, b, c, lr);
        disposeBatch(b);
        const stacked = tf.stack([losses.total, losses.ce, losses.cam, losses.head]);
        tf.dispose(Object.values(losses));
        const [nextEpoch, nextLog] = [tf.add(epochSums, stacked), tf.add(logSums, stacked)];
        tf.dispose([epochSums, logSums, stacked]);
        [epochSums, logSums] = [nextEpoch, nextLog];
        logSteps++;

        const lastOfEpoch = step === stepsPerEpoch - 1;
        if (logSteps === c.logEvery || lastOfEpoch) {
          // Sync point: losses back to the CPU (and a NaN/Inf check before anything is saved).
          const mean = await readMean(logSums, logSteps);
          if (!Object.values(mean).every(Number.isFinite)) {
            throw diverged(`Loss became ${mean.total} at epoch ${epoch + 1}, step ${step + 1}`);
          }
          const seconds = (performance.now() - logStart) / 1000;
          const imagesPerSec = (logSteps * batch) / seconds;
          await onEvent({
            type: 'step', epoch, stepInEpoch: step + 1, globalStep: globalStep + 1, totalSteps, lr, loss: mean,
            imagesPerSec, etaSec: ((totalSteps - globalStep - 1) * batch) / imagesPerSec,
          });
          logSums.dispose();
          logSums = tf.zeros([4]);
          logSteps = 0;
          logStart = performance.now();
        }
        if (c.checkpointEvery > 0 && (globalStep + 1) % c.checkpointEvery === 0 && !lastOfEpoch) {
          await checkpoint(epoch, step + 1);
        }
      }
      const train = await readMean(epochSums, stepsPerEpoch - firstStep);
      tf.dispose([epochSums, logSums]);
      const { metrics: val } = await evaluateSplit(model, data.val, c, numClasses);
      const record: EpochRecord = { epoch: epoch + 1, train, val, seconds: (performance.now() - epochStart) / 1000 };
      history = [...history, record];
      await onEvent({ type: 'epoch', record });
      await checkpoint(epoch + 1, 0);
    }
    const { metrics: test } = await evaluateSplit(model, data.test, c, numClasses);
    await onEvent({ type: 'done', test, history });
    return { history, test, stopped: false };
  } finally {
    optimizer.dispose();
  }
}

async function readMean(sums: tf.Tensor, steps: number): Promise<LossValues> {
  const [total, ce, cam, head] = Array.from(await sums.data(), (v) => v / Math.max(steps, 1));
  return { total, ce, cam, head };
}
