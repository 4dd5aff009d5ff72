/**
 * `gazecam train --init FILE.pth` through the real CLI: a torch.save archive written here by Debian's
 * PyTorch (resnet10-tiny with an ImageNet-shaped 1000-class fc) starts a tiny run; bad files stop
 * it with exit code 1, one line on stderr, and no run folder claimed as finished.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors, toFloat32 } from '../../src/engine/io/index.ts';
import { DEBIAN_PYTHON, ROOT, gazecam, gazecamOk } from '../helpers/cli.ts';
import { normRelError } from '../model/torch_oracle.ts';

const FIXTURES_PY = String.raw`
import os, sys
import torch
sys.path.insert(0, os.path.join(sys.argv[1], "python"))
from gazecam_torch.models import build_backbone

out = sys.argv[2]
torch.manual_seed(4)
model = build_backbone("resnet10-tiny", 1000)
sd = model.state_dict()
torch.save(sd, os.path.join(out, "tiny-imagenet.pth"))
sd["conv1.weight"].numpy().tofile(os.path.join(out, "conv1.f32"))

class RunsSystem:
    def __reduce__(self): return (os.system, ("touch " + os.path.join(out, "marker"),))
torch.save({"conv1.weight": sd["conv1.weight"], "payload": RunsSystem()}, os.path.join(out, "evil.pth"))
`;

let dir: string;
const TRAIN = ['--arch', 'resnet10-tiny', '--size', '32', '--batch', '4', '--epochs', '1', '--backend', 'cpu'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gazecam-pth-cli-'));
  writeFileSync(join(dir, 'fixtures.py'), FIXTURES_PY);
  const r = spawnSync(DEBIAN_PYTHON, [join(dir, 'fixtures.py'), ROOT, dir], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${DEBIAN_PYTHON} fixtures.py failed (status ${r.status}): ${r.stderr}`);
  gazecamOk(['demo', join(dir, 'demo'), '--count', '24', '--size', '32']);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** stderr lines that say something (progress lines and the error). */
const lines = (stderr: string) => stderr.split('\n').map((l) => l.trim()).filter(Boolean);

describe('gazecam train --init with a .pth', () => {
  it('starts a tiny run from a torchvision-style .pth: ImageNet fc re-initialised, the rest loaded', () => {
    const pth = join(dir, 'tiny-imagenet.pth');
    // A vanishing learning rate keeps the loaded convs where the file put them.
    const r = gazecamOk(['train', join(dir, 'demo'), '--out', join(dir, 'run'), ...TRAIN, '--lr', '1e-12', '--weight-decay', '0', '--init', pth]);
    expect(r.stderr).toContain(`initialised from ${pth} (torch.save archive): 72 tensors loaded; fc re-initialised for 3 classes (the file's is for 1000)`);
    const exported = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'run', 'model.safetensors')))).tensors;
    const conv1 = new Float32Array(readFileSync(join(dir, 'conv1.f32')).buffer.slice(0));
    expect(normRelError(toFloat32(exported.get('conv1.weight')!), conv1)).toBeLessThan(1e-6);
    expect(exported.get('fc.weight')!.shape).toEqual([3, 64]);
    expect(existsSync(join(dir, 'run', 'run.json'))).toBe(true);
  });

  it('a pickle that would run code: exit 1, one line naming the file, never run, no run written', () => {
    const pth = join(dir, 'evil.pth');
    const out = join(dir, 'run-evil');
    const r = gazecam(['train', join(dir, 'demo'), '--out', out, ...TRAIN, '--init', pth]);
    expect(r.status).toBe(1);
    const errorLines = lines(r.stderr).filter((l) => l.includes(pth));
    expect(errorLines).toEqual([
      `gazecam train: --init ${pth}: refused: the pickle calls posix.system, which is not one of the tensor-rebuild functions ` +
        'a state_dict uses; a pickle can run code, so it was never executed. Save only the weights: torch.save(model.state_dict(), "weights.pth")',
    ]);
    expect(lines(r.stderr).at(-1)).toBe(errorLines[0]);
    expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(existsSync(join(dir, 'marker'))).toBe(false);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('a truncated .pth: exit 1 and one line', () => {
    const pth = join(dir, 'truncated.pth');
    const full = readFileSync(join(dir, 'tiny-imagenet.pth'));
    writeFileSync(pth, full.subarray(0, full.length - 100));
    const r = gazecam(['train', join(dir, 'demo'), '--out', join(dir, 'run-truncated'), ...TRAIN, '--init', pth]);
    expect(r.status).toBe(1);
    expect(lines(r.stderr).at(-1)).toMatch(new RegExp(`^gazecam train: --init ${pth.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is truncated`));
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
