/**
 * Training parity: the engine (tfjs cpu and WebGPU) and gazecam_torch's trainer, started from the same
 * weights (the engine's initialisation, exported), on the same prepared dataset (both read its
 * shards) in the same batch order (epochOrder, reproduced in Python), agree on the loss of each of
 * the first 5 steps and on every weight and batch-norm statistic after them; without augmentation
 * and with every augmentation knob on (the same seeded draws on both sides).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPreparedSplit, type PreparedManifest } from '../../src/data/prepared.ts';
import { exportSafetensors } from '../../src/engine/io/torchvision.ts';
import { parseSafetensors, toFloat32, toIntegers } from '../../src/engine/io/safetensors.ts';
import { createModelFor, disposeBatch, drawAugmentation, epochOrder, makeBatch, resolveConfig, runTraining, type TrainConfig, type TrainData } from '../../src/engine/train/index.ts';
import { gazecamOk } from '../helpers/cli.ts';
import { forEachBackend } from '../helpers/backends.ts';
import { makeTempDir, normRelError, PYTHON, pythonEnv, ROOT } from '../model/torch_oracle.ts';

const STEPS = 5;
const TOL = 1e-3;
const CONFIG: Partial<TrainConfig> = { arch: 'resnet10-tiny', size: 32, batch: 4, epochs: 2, logEvery: 1, seed: 3, lambda: 1 };
const VARIANTS = {
  plain: { config: CONFIG, args: [] as string[] },
  augmented: { config: { ...CONFIG, augment: 'standard', augFlip: true } as Partial<TrainConfig>, args: ['--augment', 'standard', '--aug-flip'] },
};
type Variant = keyof typeof VARIANTS;

let tmp: ReturnType<typeof makeTempDir>;
let prepared: string;
let manifest: PreparedManifest;
let data: TrainData;
const torch = {} as Record<Variant, { losses: number[]; weights: ReturnType<typeof parseSafetensors> }>;

/** The engine's first STEPS steps: losses as logged (logEvery 1), then the weights in torch layout. */
async function engineSteps(config: TrainConfig) {
  const model = createModelFor(config, data.classNames.length);
  const losses: number[] = [];
  const result = await runTraining({
    config, data, model,
    onEvent: (e) => {
      if (e.type === 'step') losses.push(e.loss.total);
    },
    control: { shouldStop: () => losses.length >= STEPS },
  });
  expect(result.stopped).toBe(true);
  const { model: bytes } = await exportSafetensors(model);
  model.dispose();
  return { losses, weights: parseSafetensors(bytes) };
}

beforeAll(async () => {
  tmp = makeTempDir('parity');
  gazecamOk(['demo', join(tmp.dir, 'demo'), '--count', '36', '--size', '48', '--seed', '2']);
  prepared = join(tmp.dir, 'prepared');
  gazecamOk(['prepare', join(tmp.dir, 'demo'), '--out', prepared, '--size', '32', '--seed', String(CONFIG.seed), '--shard-mb', '0.02']);
  manifest = JSON.parse(readFileSync(join(prepared, 'manifest.json'), 'utf8')) as PreparedManifest;
  const read = async (path: string) => new Uint8Array(readFileSync(join(prepared, path)));
  data = {
    classNames: manifest.classNames,
    size: manifest.preprocess.size,
    train: await readPreparedSplit(manifest, 'train', read),
    val: await readPreparedSplit(manifest, 'val', read),
    test: await readPreparedSplit(manifest, 'test', read),
    problems: [],
  };
  expect(manifest.splits.train.shards.length, 'several shards').toBeGreaterThan(1);

  // The engine's initial weights (JS-seeded, the same bits on every backend), as a studio export.
  await tf.setBackend('cpu');
  const config = resolveConfig(CONFIG);
  const model = createModelFor(config, data.classNames.length);
  const meta = { 'gazecam.run': JSON.stringify({ classNames: data.classNames }) };
  writeFileSync(join(tmp.dir, 'init.safetensors'), (await exportSafetensors(model, meta)).model);
  model.dispose();

  for (const [variant, { args }] of Object.entries(VARIANTS) as Array<[Variant, (typeof VARIANTS)[Variant]]>) {
    const run = join(tmp.dir, `torch-${variant}`);
    const r = spawnSync(PYTHON, ['-m', 'gazecam_torch.train', prepared, '--out', run, '--arch', 'resnet10-tiny', '--batch', '4',
      '--epochs', '2', '--log-every', '1', '--seed', String(CONFIG.seed), '--init', join(tmp.dir, 'init.safetensors'),
      '--max-steps', String(STEPS), '--device', 'cpu', ...args], { cwd: ROOT, env: pythonEnv(), encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss: { total: number } });
    torch[variant] = { losses: log.map((l) => l.loss.total), weights: parseSafetensors(new Uint8Array(readFileSync(join(run, 'model.safetensors')))) };
  }
}, 600_000);
afterAll(() => tmp?.cleanup());

describe('the batch order', () => {
  it('gazecam_torch.data.epoch_order is the engine epochOrder', () => {
    const cases = [[0, 0, 10], [3, 1, 24], [7, 12, 1000], [-5, 2, 33]] as const;
    const script = `import json, sys\nfrom gazecam_torch.data import epoch_order\nprint(json.dumps([epoch_order(s, e, n) for s, e, n in ${JSON.stringify(cases)}]))`;
    const r = spawnSync(PYTHON, ['-c', script], { cwd: ROOT, env: pythonEnv(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(cases.map(([s, e, n]) => epochOrder(s, e, n)));
  });
});

describe('augmentation', () => {
  it('gazecam_torch augments a batch as the engine does (draw, pivot, resampling, noise)', async () => {
    await tf.setBackend('cpu');
    const config = resolveConfig(VARIANTS.augmented.config);
    const [epoch, step] = [1, 2];
    const indices = epochOrder(config.seed, epoch, data.train.count).slice(step * config.batch, (step + 1) * config.batch);
    const batch = makeBatch(data.train, indices, data.classNames.length, drawAugmentation(config, epoch, step, config.batch));
    const ours = { images: (await batch.images.data()) as Float32Array, gaze: (await batch.gaze.data()) as Float32Array };
    disposeBatch(batch);
    const script = `import json, sys
from gazecam_torch.data import PreparedDataset
from gazecam_torch.train import EpochSteps, rank_bounds, resolve_config
c = resolve_config(json.loads(sys.argv[2]))
split = PreparedDataset(sys.argv[1]).splits["train"]
item = EpochSteps(split, c, ${epoch}, c["batch"], rank_bounds(c["batch"], 1), 0, 0)[${step}]
print(json.dumps({"images": item["image"].flatten().tolist(), "gaze": item["gaze"].flatten().tolist()}))`;
    const r = spawnSync(PYTHON, ['-c', script, prepared, JSON.stringify(VARIANTS.augmented.config)], { cwd: ROOT, env: pythonEnv(), encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(r.status, r.stderr).toBe(0);
    const theirs = JSON.parse(r.stdout) as { images: number[]; gaze: number[] };
    const worst = (a: Float32Array, b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    expect(theirs.images).toHaveLength(ours.images.length);
    expect(worst(ours.images, theirs.images), 'images').toBeLessThan(1e-6);
    expect(worst(ours.gaze, theirs.gaze), 'gaze').toBeLessThan(1e-6);
    // The draw changed the images (flip, zoom, noise): not a comparison of identities.
    const plain = makeBatch(data.train, indices, data.classNames.length);
    const unaugmented = (await plain.images.data()) as Float32Array;
    disposeBatch(plain);
    expect(worst(unaugmented, theirs.images)).toBeGreaterThan(0.05);
  });
});

forEachBackend('training parity with gazecam_torch', () => {
  for (const variant of Object.keys(VARIANTS) as Variant[]) {
    it(`the first ${STEPS} steps, ${variant}: the same losses and weights (<= ${TOL} relative)`, async () => {
      await expectParity(variant);
    });
  }
});

async function expectParity(variant: Variant): Promise<void> {
  const torchRun = torch[variant];
  const ours = await engineSteps(resolveConfig(VARIANTS[variant].config));
  expect(ours.losses).toHaveLength(STEPS);
  expect(torchRun.losses).toHaveLength(STEPS);
  ours.losses.forEach((loss, i) => {
    const rel = Math.abs(loss - torchRun.losses[i]) / Math.abs(torchRun.losses[i]);
    console.log(`${variant} step ${i + 1}: engine ${loss.toFixed(6)} torch ${torchRun.losses[i].toFixed(6)} (rel ${rel.toExponential(1)})`);
    expect(rel, `step ${i + 1} loss`).toBeLessThanOrEqual(TOL);
  });
  expect([...ours.weights.tensors.keys()].sort()).toEqual([...torchRun.weights.tensors.keys()].sort());
  let worst = { name: '', error: 0 };
  for (const [name, t] of ours.weights.tensors) {
    const theirs = torchRun.weights.tensors.get(name)!;
    if (t.dtype === 'I64') {
      expect(toIntegers(t), name).toEqual(toIntegers(theirs));
      expect(toIntegers(t)[0], `${name} counts the steps`).toBe(STEPS);
      continue;
    }
    const error = normRelError(toFloat32(t), toFloat32(theirs));
    if (!(error <= worst.error)) worst = { name, error };
  }
  console.log(`${variant}: weights after ${STEPS} steps: worst ${worst.name} ${worst.error.toExponential(2)}`);
  expect(worst.error, worst.name).toBeLessThanOrEqual(TOL);
}
