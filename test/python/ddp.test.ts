/**
 * gazecam_torch.train under torchrun (DistributedDataParallel, gloo on CPU) on a prepared tiny
 * dataset: two processes give one process's weights for the same global batch, its run loads in
 * `gazecam predict`, a worker killed mid-run is restarted by torchrun --max-restarts and resumes
 * from the last checkpoint to the same weights, and bad input gets one line and no --out.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedManifest } from '../../src/data/prepared.ts';
import { exportSafetensors } from '../../src/engine/io/torchvision.ts';
import { parseSafetensors, toFloat32, toIntegers } from '../../src/engine/io/safetensors.ts';
import { createModelFor, DEFAULT_CONFIG, resolveConfig } from '../../src/engine/train/index.ts';
import { checkImportedWeights } from '../../src/worker/import_weights.ts';
import { gazecamOk } from '../helpers/cli.ts';
import { makeTempDir, normRelError, PYTHON, pythonEnv, ROOT, runOracle } from '../model/torch_oracle.ts';

// Debian's torchrun 1.13 on Python 3.11 cannot parse its own default for --redirects/--tee (an
// IntFlag change in 3.11 turns "0" into None); "1" (stdout) parses, and --tee keeps it on the console.
const TORCHRUN = ['-m', 'torch.distributed.run', '--redirects', '1', '--tee', '1', '--standalone'];
const TRAIN = ['--arch', 'resnet10-tiny', '--batch', '5', '--epochs', '2', '--log-every', '1', '--method', 'both', '--seed', '1', '--device', 'cpu'];

let tmp: ReturnType<typeof makeTempDir>;
let prepared: string;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function train(args: string[], processes = 1): Ran {
  const launcher = processes === 1 ? ['-m', 'gazecam_torch.train'] : [...TORCHRUN, '--nproc_per_node', String(processes), '-m', 'gazecam_torch.train'];
  const r = spawnSync(PYTHON, [...launcher, ...args], { cwd: ROOT, env: pythonEnv(), encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function trainOk(args: string[], processes = 1): Ran {
  const r = train(args, processes);
  if (r.status !== 0) throw new Error(`gazecam_torch.train (${processes} processes) exited ${r.status}:\n${r.stderr.slice(-3000)}`);
  return r;
}

function weightsOf(run: string): Map<string, ReturnType<typeof parseSafetensors>['tensors'] extends Map<string, infer T> ? T : never> {
  const all = new Map(parseSafetensors(new Uint8Array(readFileSync(join(run, 'model.safetensors')))).tensors);
  if (existsSync(join(run, 'gaze_head.safetensors'))) {
    for (const [k, v] of parseSafetensors(new Uint8Array(readFileSync(join(run, 'gaze_head.safetensors')))).tensors) all.set(k, v);
  }
  return all;
}

/** The worst norm-relative difference over every float tensor; integer tensors must be equal. */
function worstDifference(a: string, b: string): { name: string; error: number } {
  const wa = weightsOf(a);
  const wb = weightsOf(b);
  expect([...wa.keys()].sort()).toEqual([...wb.keys()].sort());
  let worst = { name: '', error: 0 };
  for (const [name, t] of wa) {
    if (t.dtype === 'I64') {
      expect(toIntegers(t), name).toEqual(toIntegers(wb.get(name)!));
      continue;
    }
    const error = normRelError(toFloat32(t), toFloat32(wb.get(name)!));
    if (!(error <= worst.error)) worst = { name, error };
  }
  return worst;
}

const stepLosses = (run: string) =>
  readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { loss: { total: number } }).loss.total);

/** Lines our trainer printed as errors (torchrun adds its own report around them). */
const ourErrors = (stderr: string) => stderr.split('\n').filter((l) => l.includes('gazecam_torch.train:'));

beforeAll(() => {
  tmp = makeTempDir('ddp');
  gazecamOk(['demo', join(tmp.dir, 'demo'), '--count', '27', '--size', '48', '--seed', '5']);
  prepared = join(tmp.dir, 'prepared');
  gazecamOk(['prepare', join(tmp.dir, 'demo'), '--out', prepared, '--size', '32', '--seed', '1', '--shard-mb', '0.02']);
}, 300_000);
afterAll(() => tmp?.cleanup());

describe('gazecam_torch.train under torchrun (gloo, CPU)', () => {
  it('two processes give one process\'s weights for the same global batch (split 3 + 2)', () => {
    const one = join(tmp.dir, 'one');
    const two = join(tmp.dir, 'two');
    trainOk([prepared, '--out', one, ...TRAIN]);
    const r = trainOk([prepared, '--out', two, ...TRAIN], 2);
    expect(r.stderr).toMatch(/x 2 \(gloo\).*global batch 5 \(2-3 per process\)/);
    const lossesOne = stepLosses(one);
    const lossesTwo = stepLosses(two);
    expect(lossesTwo).toHaveLength(lossesOne.length);
    lossesOne.forEach((l, i) => expect(Math.abs(lossesTwo[i] - l) / l, `step ${i + 1}`).toBeLessThanOrEqual(1e-5));
    const worst = worstDifference(two, one);
    console.log(`2 processes vs 1 after ${lossesOne.length} steps: worst ${worst.name} ${worst.error.toExponential(2)}`);
    expect(worst.error, worst.name).toBeLessThanOrEqual(1e-4);
    const manifest = JSON.parse(readFileSync(join(two, 'run.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'gazecam-run', trainer: { name: 'gazecam_torch', processes: 2 }, files: { weights: 'model.safetensors', gazeHead: 'gaze_head.safetensors' } });
    expect(manifest.metrics.history).toHaveLength(2);
  }, 300_000);

  it("its weights pass the studio's Import weights check for the settings it was trained with", async () => {
    const bytes = readFileSync(join(tmp.dir, 'two', 'model.safetensors'));
    const settings = { ...DEFAULT_CONFIG, arch: 'resnet10-tiny' as const, method: 'both' as const };
    const { report, weights } = await checkImportedWeights(new File([new Uint8Array(bytes)], 'model.safetensors'), settings, 3);
    expect(report).toMatchObject({ ok: true, freshClassifier: false, checkedAgainst: 'resnet10-tiny with 3 classes' });
    expect(weights?.bytes.length).toBeGreaterThan(0);
  });

  it('its run loads in gazecam predict, which predicts what PyTorch does', () => {
    const pred = join(tmp.dir, 'pred');
    gazecamOk(['predict', join(tmp.dir, 'two'), join(tmp.dir, 'demo'), '--out', pred, '--npy', '--no-overlays', '--backend', 'cpu']);
    expect(readFileSync(join(pred, 'predictions.csv'), 'utf8').trim().split('\n')).toHaveLength(28);
    const check = runOracle(['interop-check', join(tmp.dir, 'two'), pred]) as { logitsRelError: number; camsRelError: number; images: number };
    expect(check.images).toBe(27);
    expect(check.logitsRelError).toBeLessThan(1e-4);
    expect(check.camsRelError).toBeLessThan(1e-3);
  });

  it('a worker killed mid-run: torchrun --max_restarts restarts both, they resume from the last checkpoint to the same weights', async () => {
    // The reference is the uninterrupted two-process run above: checkpoints do not change the maths.
    const run = join(tmp.dir, 'restarted');
    const args = [prepared, '--out', run, ...TRAIN, '--checkpoint-every', '2'];
    const child = spawn(PYTHON, [...TORCHRUN, '--max_restarts', '1', '--nproc_per_node', '2', '-m', 'gazecam_torch.train', ...args],
      { cwd: ROOT, env: pythonEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Kill rank 1 once the first checkpoint is on disk (SIGKILL: no chance to clean up, as a lost node).
    const killed = await new Promise<boolean>((resolve) => {
      const timer = setInterval(() => {
        if (!existsSync(join(run, 'checkpoint.pt'))) return;
        clearInterval(timer);
        const ps = spawnSync('pgrep', ['-f', '-P', String(child.pid), 'gazecam_torch.train'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
        const workers = ps.map(Number).sort((a, b) => a - b);
        if (workers.length < 2) return resolve(false);
        process.kill(workers[1], 'SIGKILL');
        resolve(true);
      }, 50);
    });
    expect(killed, 'two workers were running when the checkpoint appeared').toBe(true);
    expect(await done, stderr.slice(-3000)).toBe(0);
    expect(stderr).toMatch(/resuming at epoch \d+, step \d+/);
    const worst = worstDifference(run, join(tmp.dir, 'two'));
    expect(worst.error, worst.name).toBeLessThanOrEqual(1e-6);
  }, 300_000);
});

describe('bad input: one line naming the file or option, nothing in --out', () => {
  const expectRefused = (r: Ran, out: string, pattern: RegExp) => {
    expect(r.status).not.toBe(0);
    const lines = ourErrors(r.stderr);
    expect(lines, r.stderr.slice(-2000)).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(existsSync(out), `${out} must not be created`).toBe(false);
  };
  const copyOfPrepared = (name: string) => {
    const dir = join(tmp.dir, name);
    cpSync(prepared, dir, { recursive: true });
    return { dir, manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as PreparedManifest };
  };

  it('a missing shard', () => {
    const { dir, manifest } = copyOfPrepared('missing');
    const file = manifest.splits.train.shards[1].files.images;
    rmSync(join(dir, file));
    const out = join(tmp.dir, 'out-missing');
    expectRefused(train([dir, '--out', out, ...TRAIN]), out, new RegExp(`${file.replace('.', '\\.')}: missing`));
  });

  it('a truncated shard', () => {
    const { dir, manifest } = copyOfPrepared('truncated');
    const file = manifest.splits.val.shards[0].files.gaze;
    truncateSync(join(dir, file), 300);
    const out = join(tmp.dir, 'out-truncated');
    expectRefused(train([dir, '--out', out, ...TRAIN]), out, new RegExp(`${file.replace('.', '\\.')}: 300 bytes, expected \\d+ .*truncated`));
  });

  it('a manifest from another dataset', () => {
    const { dir } = copyOfPrepared('mixed');
    // The same images prepared with another split seed: another dataset id, shards of the same sizes.
    const other = join(tmp.dir, 'other-prepared');
    gazecamOk(['prepare', join(tmp.dir, 'demo'), '--out', other, '--size', '32', '--seed', '2', '--shard-mb', '0.02']);
    copyFileSync(join(other, 'manifest.json'), join(dir, 'manifest.json'));
    const out = join(tmp.dir, 'out-mixed');
    expectRefused(train([dir, '--out', out, ...TRAIN]), out, /manifest\.json: describes dataset \w+ but this folder holds the shards of \w+: the manifest comes from another dataset/);
  });

  it('--init with other classes', async () => {
    await tf.setBackend('cpu');
    const model = createModelFor(resolveConfig({ arch: 'resnet10-tiny', method: 'cam' }), 2);
    const file = join(tmp.dir, 'two-classes.safetensors');
    writeFileSync(file, (await exportSafetensors(model, { 'gazecam.run': JSON.stringify({ classNames: ['effusion', 'normal'] }) })).model);
    model.dispose();
    const out = join(tmp.dir, 'out-init');
    expectRefused(train([prepared, '--out', out, ...TRAIN, '--init', file]), out,
      /--init .*two-classes\.safetensors: trained on classes \["effusion", "normal"\], the prepared dataset has \["nodule", "normal", "opacity"\]; pass --fresh-fc/);
  });

  it('a diverging run stops with one line (exit 1) and is not written as finished', () => {
    const out = join(tmp.dir, 'out-nan');
    const r = train([prepared, '--out', out, ...TRAIN, '--optimizer', 'sgd', '--lr', '1e30']);
    expect(r.status).toBe(1);
    expect(ourErrors(r.stderr)).toEqual([expect.stringMatching(/Loss became nan at epoch 1, step \d+: the run was stopped.*lower learning rate \(now 1e\+30\)/)]);
    expect(existsSync(join(out, 'run.json')), 'a diverged run is not written as finished').toBe(false);
  });

  it('more processes than a global batch has samples', () => {
    const out = join(tmp.dir, 'out-procs');
    expectRefused(train([prepared, '--out', out, ...TRAIN, '--batch', '1'], 2), out,
      /--nproc_per_node: 2 processes but a global batch holds 1 images \(--batch 1/);
    expect(readdirSync(tmp.dir)).not.toContain('out-procs');
  }, 300_000);
});
