/**
 * What the engine and gazecam_torch must agree on, table against table: the training config's
 * defaults, the options `gazecam train --print-torchrun` hands to gazecam_torch.train, the CAM
 * stride rule, and run.json's description of the model and its preprocessing.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildRunManifest } from '../../src/engine/io/run_manifest.ts';
import { RESNET_ARCHS } from '../../src/engine/model/index.ts';
import { scaleOutCommands } from '../../src/engine/run/scale_out.ts';
import { DEFAULT_CONFIG, effectiveCamStride, resolveConfig, usesGazeHead, type TrainConfig } from '../../src/engine/train/config.ts';
import { gazecamOk } from '../helpers/cli.ts';
import { PYTHON, pythonEnv, ROOT } from '../model/torch_oracle.ts';

function python(script: string, input: unknown): any {
  const r = spawnSync(PYTHON, ['-c', script], { cwd: ROOT, env: pythonEnv(), input: JSON.stringify(input), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

describe('engine <-> gazecam_torch contract', () => {
  it('the same training defaults and architectures', () => {
    const got = python(
      'import json\nfrom gazecam_torch.train import DEFAULT_CONFIG\nfrom gazecam_torch.models import ARCHITECTURES\n' +
        'print(json.dumps({"config": DEFAULT_CONFIG, "archs": list(ARCHITECTURES)}))',
      null,
    );
    expect(got.config).toEqual(DEFAULT_CONFIG);
    expect(got.archs.sort()).toEqual([...RESNET_ARCHS].sort());
  });

  it('the printed torchrun command sets exactly the config it was printed for', () => {
    const configs: Array<Partial<TrainConfig>> = [
      {},
      { arch: 'resnet10-small', size: 64, batch: 48, epochs: 3, lr: 3e-4, lambda: 0.5, method: 'both', loss: 'mse', multitaskLoss: 'kl',
        camStride: 8, camClasses: 'all', optimizer: 'sgd', momentum: 0.8, weightDecay: 0, schedule: 'step', seed: 7, logEvery: 5, checkpointEvery: 100 },
      { augment: 'light' },
      { augment: 'standard', augFlip: true, augRotateDeg: 3, augNoise: 0 },
      { augGamma: 0.3, augScaleMax: 1.5 },
    ];
    const resolved = configs.map((partial) => resolveConfig(partial));
    const argvs = resolved.map((config) => {
      const { torchrun } = scaleOutCommands({ dataset: 'd', out: 'r', config });
      return [...torchrun.slice(torchrun.indexOf('gazecam_torch.train') + 1), '--size', String(config.size)];
    });
    const got = python(
      'import json, sys\nfrom gazecam_torch.train import config_from_args, parse_args\n' +
        'print(json.dumps([config_from_args(parse_args(argv)) for argv in json.load(sys.stdin)]))',
      argvs,
    );
    expect(got).toEqual(resolved);
  });

  it('gazecam train --print-torchrun prints the commands for its options and trains nothing', () => {
    const args = ['--arch', 'resnet10-small', '--size', '64', '--batch', '32', '--loss', 'mse', '--seed', '3', '--augment', 'light', '--sigma', '20'];
    const r = gazecamOk(['train', 'test/fixtures', '--out', 'runs/big', ...args, '--print-torchrun']);
    const config = resolveConfig({ arch: 'resnet10-small', size: 64, batch: 32, loss: 'mse', seed: 3, augment: 'light', gazeSigmaPx: 20 });
    expect(r.stdout.trim()).toBe(scaleOutCommands({ dataset: 'test/fixtures', out: 'runs/big', config }).text);
    expect(r.stdout).toContain('gazecam prepare test/fixtures --out test/fixtures-prepared-64 --size 64 --seed 3 --sigma 20');
  });

  it('the same CAM stride rule and the same run.json model and preprocess blocks', () => {
    const cases = RESNET_ARCHS.flatMap((arch) => [32, 64, 224].map((size) => ({ arch, size, method: size === 64 ? 'both' : 'cam' } as Partial<TrainConfig>)));
    const ours = cases.map((partial) => {
      const config = resolveConfig(partial);
      const camStride = effectiveCamStride(config);
      const m = buildRunManifest({ config, classNames: ['a', 'b', 'c'], camStride, gazeHead: usesGazeHead(config), history: [], test: null,
        dataset: { format: 'native', images: 3, splits: { train: 1, val: 1, test: 1 }, problems: 0 } });
      return { config, camStride, model: m.model, preprocess: m.preprocess, weights: m.files.weights, gazeHead: m.files.gazeHead ?? null };
    });
    const theirs = python(
      'import json, sys\nfrom gazecam_torch.models import effective_cam_stride\nfrom gazecam_torch.run_format import build_run_manifest\n' +
        'out = []\nfor c in json.load(sys.stdin):\n' +
        '    s = effective_cam_stride(c["camStride"], c["size"])\n' +
        '    m = build_run_manifest(c, ["a", "b", "c"], s, c["method"] in ("multitask", "both"), [], None, {})\n' +
        '    out.append({"camStride": s, "model": m["model"], "preprocess": m["preprocess"], "weights": m["files"]["weights"], "gazeHead": m["files"].get("gazeHead")})\n' +
        'print(json.dumps(out))',
      ours.map((o) => o.config),
    );
    ours.forEach((o, i) => {
      const { config: _, ...expected } = o;
      expect(theirs[i], `${o.config.arch} at ${o.config.size} px`).toEqual(expected);
    });
  });
});
