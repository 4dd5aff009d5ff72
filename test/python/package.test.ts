/**
 * The package as users get it: `pip install ./python` installs gazecam_torch (built offline with
 * Debian's setuptools; copied first so the build leaves nothing in the repository), and the one
 * file a studio export ships, torch_gazecam_models.py, loads the engine's weights with nothing but
 * torch, torchvision and numpy and predicts what the engine predicts.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeNpyFloat32 } from '../../src/engine/io/npy.ts';
import { exportSafetensors, nchwToNhwc } from '../../src/engine/io/index.ts';
import { createResNet } from '../../src/engine/model/index.ts';
import { torchModelsSource, TORCH_MODELS_FILE } from '../../src/engine/run/artifacts.ts';
import { makeTempDir, normRelError, PYTHON, ROOT } from '../model/torch_oracle.ts';

let tmp: ReturnType<typeof makeTempDir>;
const run = (args: string[], cwd: string, env: NodeJS.ProcessEnv) => spawnSync(PYTHON, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
const bare = { ...process.env, PYTHONPATH: '', PYTHONNOUSERSITE: '1' };

beforeAll(() => {
  tmp = makeTempDir('package');
});
afterAll(() => tmp?.cleanup());

it('pip install ./python installs gazecam_torch, whose trainer runs from there', () => {
  const source = join(tmp.dir, 'src');
  cpSync(join(ROOT, 'python'), source, { recursive: true, filter: (p) => !p.includes('__pycache__') });
  const target = join(tmp.dir, 'site');
  // Offline: the build uses the setuptools already installed (no isolated build environment to fetch).
  const install = run(['-m', 'pip', 'install', '--no-build-isolation', '--no-deps', '--no-index', '--target', target, source], tmp.dir, bare);
  expect(install.status, install.stderr + install.stdout).toBe(0);
  for (const module of ['models', 'cams', 'losses', 'metrics', 'run_format', 'safetensors', 'data', 'augment', 'distributed', 'train', 'bench']) {
    expect(existsSync(join(target, 'gazecam_torch', `${module}.py`)), module).toBe(true);
  }
  const help = run(['-m', 'gazecam_torch.train', '--help'], tmp.dir, { ...bare, PYTHONPATH: target });
  expect(help.status, help.stderr).toBe(0);
  expect(help.stdout).toMatch(/--resume[\s\S]*--max-steps/);
});

it(`an export's ${TORCH_MODELS_FILE} needs only torch, torchvision and numpy, and predicts what the engine does`, async () => {
  const dir = join(tmp.dir, 'export');
  mkdirSync(dir);
  const python = {
    models: readFileSync(join(ROOT, 'python/gazecam_torch/models.py'), 'utf8'),
    safetensors: readFileSync(join(ROOT, 'python/gazecam_torch/safetensors.py'), 'utf8'),
  };
  writeFileSync(join(dir, TORCH_MODELS_FILE), torchModelsSource(python));

  await tf.setBackend('cpu');
  const model = createResNet({ arch: 'resnet10-tiny', numClasses: 3, camStride: 8, seed: 11 });
  writeFileSync(join(dir, 'model.safetensors'), (await exportSafetensors(model)).model);
  const shape: [number, number, number, number] = [2, 3, 32, 32];
  const nchw = Float32Array.from({ length: 2 * 3 * 32 * 32 }, (_, i) => Math.sin(i * 0.37) * 1.5);
  writeFileSync(join(dir, 'x.npy'), encodeNpyFloat32(nchw, shape));
  const x = tf.tensor4d(nchwToNhwc(nchw, shape), [2, 32, 32, 3]);
  const { logits, fmap } = model.forward(x, { training: false });
  const ours = (await logits.data()) as Float32Array;
  tf.dispose([x, logits, fmap]);
  model.dispose();

  // The export README's import line; -E: no PYTHONPATH, so gazecam_torch itself is not importable.
  const script = `
import json, numpy as np, torch
from torch_gazecam_models import build_backbone, forward, read_state_dict
try:
    import gazecam_torch
    raise SystemExit("gazecam_torch should not be importable here")
except ImportError:
    pass
model = build_backbone("resnet10-tiny", num_classes=3, cam_stride=8)
model.load_state_dict(read_state_dict("model.safetensors"), strict=True)
model.eval()
with torch.no_grad():
    logits, fmap, _ = forward(model, torch.from_numpy(np.load("x.npy")))
print(json.dumps({"logits": logits.flatten().tolist(), "fmap": list(fmap.shape)}))`;
  const r = run(['-E', '-c', script], dir, bare);
  expect(r.status, r.stderr).toBe(0);
  const torch = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { logits: number[]; fmap: number[] };
  expect(torch.fmap).toEqual([2, 64, 4, 4]);
  expect(normRelError(ours, torch.logits)).toBeLessThan(1e-4);
});
