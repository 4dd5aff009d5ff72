/**
 * The training loop end to end on a tiny demo dataset, on every backend: it trains, reports,
 * checkpoints, resumes to the same result as an uninterrupted run, and keeps the tensor count flat.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { forEachBackend } from '../../../test/helpers/backends.ts';
import { demoDataset } from '../../../test/helpers/memory_dataset.ts';
import { resolveConfig, type TrainConfig } from './config.ts';
import { prepareTrainData, makeBatch, disposeBatch, type TrainData } from './data.ts';
import { createModelFor, runTraining, TrainingDivergedError, type TrainEvent } from './loop.ts';
import { Optimizer } from './optimizer.ts';
import { trainStep } from './step.ts';

let data: TrainData;
beforeAll(async () => {
  const { dataset, entries } = await demoDataset({ count: 36, size: 32 });
  data = await prepareTrainData(dataset, entries, 32);
});

const tiny = (over: Partial<TrainConfig> = {}) =>
  resolveConfig({ arch: 'resnet10-tiny', size: 32, batch: 4, epochs: 2, lr: 3e-3, camStride: 8, logEvery: 2, ...over });

async function run(config: TrainConfig, resume?: Uint8Array, stopAfterSteps?: number) {
  const model = createModelFor(config, data.classNames.length);
  const events: TrainEvent[] = [];
  let steps = 0;
  const result = await runTraining({
    config, data, model, resume,
    onEvent: (e) => { events.push(e); },
    control: { shouldStop: () => stopAfterSteps !== undefined && steps++ >= stopAfterSteps },
  });
  const weights = Array.from(await model.fcWeight().data());
  model.dispose();
  return { result, events, weights };
}

forEachBackend('training loop', () => {
  it('prepares every demo sample with gaze, in three splits', () => {
    expect(data.train.count + data.val.count + data.test.count).toBe(36);
    expect(data.train.hasGaze.every((g) => g === 1)).toBe(true);
  });

  for (const method of ['cam', 'multitask', 'both', 'none'] as const) {
    it(`runs --method ${method} to completion with finite losses and validation metrics`, { timeout: 300_000 }, async () => {
      const { result, events } = await run(tiny({ method, loss: method === 'both' ? 'mse' : 'kl', epochs: 1 }));
      expect(result.stopped).toBe(false);
      expect(result.history).toHaveLength(1);
      const step = events.find((e) => e.type === 'step');
      expect(step && step.type === 'step' && Number.isFinite(step.loss.total)).toBe(true);
      if (step?.type === 'step') {
        if (method === 'none') expect(step.loss.cam + step.loss.head).toBe(0);
        if (method === 'cam') expect(step.loss.cam).toBeGreaterThan(0);
        if (method === 'multitask') expect(step.loss.head).toBeGreaterThan(0);
      }
      const val = result.history[0].val;
      expect(val.count).toBe(data.val.count);
      expect(val.accuracy).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(val.camGazeR)).toBe(true);
      expect(result.test?.count).toBe(data.test.count);
    });
  }

  // Three short runs; the tfjs cpu backend alone takes minutes here on a loaded 2-core machine.
  for (const augment of ['none', 'standard'] as const) it(`resumes from a mid-run checkpoint to exactly the uninterrupted result (augment ${augment})`, { timeout: 600_000 }, async () => {
    const config = tiny({ method: 'cam', loss: 'mse', optimizer: 'adam', augment, augFlip: augment !== 'none' });
    const full = await run(config);
    const stopped = await run(config, undefined, 10); // stops mid-epoch 2 (7 steps per epoch)
    expect(stopped.result.stopped).toBe(true);
    const last = stopped.events.filter((e) => e.type === 'checkpoint').at(-1);
    expect(last?.type).toBe('checkpoint');
    if (last?.type !== 'checkpoint') return;
    expect(last.meta.stepInEpoch).toBeGreaterThan(0);
    const resumed = await run(config, last.bytes);
    expect(resumed.weights).toEqual(full.weights);
    expect(resumed.result.history.map((h) => h.val.loss)).toEqual(full.result.history.map((h) => h.val.loss));
  });

  it('stops on a NaN/Inf loss with a clear message and writes no checkpoint after it', { timeout: 300_000 }, async () => {
    const first = await run(tiny({ epochs: 1, schedule: 'constant' }));
    const good = first.events.filter((e) => e.type === 'checkpoint').at(-1);
    if (good?.type !== 'checkpoint') throw new Error('no checkpoint after a good epoch');
    // Same run, continued with an absurd learning rate: the weights blow up within a few steps.
    const config = tiny({ epochs: 2, schedule: 'constant', lr: 1e30, logEvery: 1 });
    const model = createModelFor(config, data.classNames.length);
    const events: TrainEvent[] = [];
    const attempt = runTraining({ config, data, model, resume: good.bytes, onEvent: (e) => { events.push(e); } });
    await expect(attempt).rejects.toBeInstanceOf(TrainingDivergedError);
    await expect(attempt).rejects.toThrow(/last good checkpoint \(epoch 1, step 0\).*lower learning rate/);
    expect(events.filter((e) => e.type === 'checkpoint')).toHaveLength(0);
    model.dispose();
  });

  it('never writes a checkpoint of NaN weights, even between two loss checks', { timeout: 300_000 }, async () => {
    // Checkpoint after every step, losses checked every second step: NaN weights before the first
    // step reach the first checkpoint before any loss check could see them.
    const config = tiny({ epochs: 1, logEvery: 2, checkpointEvery: 1 });
    const model = createModelFor(config, data.classNames.length);
    const events: TrainEvent[] = [];
    let corrupted = false;
    const attempt = runTraining({
      config, data, model, onEvent: (e) => { events.push(e); },
      control: {
        waitWhilePaused: async () => {
          if (corrupted) return;
          corrupted = true;
          const fc = model.fcWeight();
          tf.tidy(() => fc.assign(tf.fill(fc.shape, Number.NaN)));
        },
      },
    });
    await expect(attempt).rejects.toBeInstanceOf(TrainingDivergedError);
    await expect(attempt).rejects.toThrow(/The weight \S+ became NaN or Inf by epoch 1, step 1: .*no checkpoint had been written yet/);
    expect(events.filter((e) => e.type === 'checkpoint')).toHaveLength(0);
    model.dispose();
  });

  it('keeps the tensor count flat across training steps', async () => {
    const config = tiny({ method: 'both', loss: 'kl' });
    const model = createModelFor(config, data.classNames.length);
    const optimizer = new Optimizer('adam', 0.9, 1e-4);
    const step = async () => {
      const b = makeBatch(data.train, [0, 1, 2, 3], data.classNames.length);
      const losses = trainStep(model, optimizer, b, config, 1e-3);
      disposeBatch(b);
      await losses.total.data();
      tf.dispose(Object.values(losses));
    };
    await step(); // creates the optimizer's slots
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await step();
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    model.dispose();
  });
});
