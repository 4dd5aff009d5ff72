/**
 * Interop with PyTorch through the real CLI, both ways (the oracle: test/python/oracle.py on gazecam_torch):
 * train a few steps on WebGPU, export, load model.safetensors into torchvision with strict=True and
 * compare torchvision's logits and the seed's refine_cams output with `gazecam predict --npy`;
 * then weights made in PyTorch, imported by gazecam, must predict the same.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gazecamOk } from './helpers/cli.ts';
import { runOracle } from './model/torch_oracle.ts';

const TOLERANCE = 1e-3;
let dir: string;

interface Check {
  logitsRelError: number;
  camsRelError: number;
  argmaxAgreement: number;
  images: number;
}

describe('PyTorch interop (gazecam CLI on WebGPU <-> torchvision)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gazecam-interop-'));
    gazecamOk(['demo', join(dir, 'demo'), '--count', '24', '--size', '32']);
  });

  it('trains ResNet-18 and writes model.safetensors, tfjs/model.json and run.json', () => {
    gazecamOk(['train', join(dir, 'demo'), '--out', join(dir, 'run'), '--arch', 'resnet18', '--size', '32',
      '--batch', '4', '--epochs', '1', '--cam-stride', '8', '--loss', 'mse']);
    for (const f of ['model.safetensors', 'tfjs/model.json', 'tfjs/weights.bin', 'run.json', 'checkpoint.safetensors']) {
      expect(existsSync(join(dir, 'run', f)), f).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'run', 'run.json'), 'utf8'));
    expect(manifest.model).toMatchObject({ arch: 'resnet18', numClasses: 3, camStride: 8, stageStrides: [1, 2, 1, 1] });
    expect(manifest.metrics.history).toHaveLength(1);
  });

  it('our export loads into torchvision.models.resnet18 (strict=True) and predicts the same logits and CAMs', () => {
    gazecamOk(['predict', join(dir, 'run'), join(dir, 'demo'), '--out', join(dir, 'pred'), '--npy', '--no-overlays']);
    const r = runOracle(['interop-check', join(dir, 'run'), join(dir, 'pred')]) as Check;
    expect(r.images).toBe(24);
    expect(r.logitsRelError).toBeLessThan(TOLERANCE);
    expect(r.camsRelError).toBeLessThan(TOLERANCE);
    expect(r.argmaxAgreement).toBe(1);
  });

  it('weights made in PyTorch import into gazecam and predict identically', () => {
    runOracle(['interop-make', join(dir, 'run'), join(dir, 'run_torch'), '5']);
    gazecamOk(['predict', join(dir, 'run_torch'), join(dir, 'demo'), '--out', join(dir, 'pred_torch'), '--npy', '--no-overlays']);
    const r = runOracle(['interop-check', join(dir, 'run_torch'), join(dir, 'pred_torch')]) as Check;
    expect(r.logitsRelError).toBeLessThan(TOLERANCE);
    expect(r.camsRelError).toBeLessThan(TOLERANCE);
    expect(r.argmaxAgreement).toBe(1);
  });
});
