/**
 * `gazecam prepare`: the engine's ingestion and preprocessing written as .npy shards + manifest.json.
 * The shards hold exactly what the engine trains on (prepareTrainData on the same folder), numpy
 * and a plain torch DataLoader read them without our code, an unchanged dataset is not prepared
 * twice, a changed one is replaced whole, and bad input gets one line and leaves nothing behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetReport, scanDataset } from '../../src/data/index.ts';
import { readPreparedSplit, type PreparedManifest } from '../../src/data/prepared.ts';
import { prepareTrainData } from '../../src/engine/train/index.ts';
import { entriesFromDirectory } from '../../src/node/fs-dataset.ts';
import { gazecam, gazecamOk } from '../helpers/cli.ts';
import { makeTempDir, PYTHON, ROOT } from '../model/torch_oracle.ts';
import { run as prepareCommand } from '../../src/node/commands/prepare.ts';
import { writeAllFixtures } from '../../scripts/make-data-fixtures.ts';

let tmp: ReturnType<typeof makeTempDir>;
let demo: string;
let out: string;
let manifest: PreparedManifest;
const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as PreparedManifest;

beforeAll(() => {
  tmp = makeTempDir('prepare');
  demo = join(tmp.dir, 'demo');
  gazecamOk(['demo', demo, '--count', '45', '--size', '48', '--shortcut', '--seed', '4']);
  out = join(tmp.dir, 'prepared');
  const r = gazecamOk(['prepare', demo, '--out', out, '--size', '32', '--seed', '1', '--shard-mb', '0.03', '--json']);
  manifest = readManifest(out);
  expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ upToDate: false, datasetId: manifest.datasetId, size: 32 });
  expect(r.stderr).toMatch(/prepared 45 images at 32 px/);
}, 300_000);
afterAll(() => tmp?.cleanup());

describe('gazecam prepare', () => {
  it('writes the engine\'s own preprocessed arrays, per split, across several shards', async () => {
    const entries = await entriesFromDirectory(demo);
    const dataset = await scanDataset(entries, { seed: 1 });
    const engine = await prepareTrainData(dataset, new Map(entries.map((e) => [e.path, e])), 32);
    const report = datasetReport(dataset);
    expect(manifest).toMatchObject({ format: 'gazecam-prepared', version: 1, classNames: dataset.classNames, preprocess: { size: 32, seed: 1 } });
    expect(manifest.report).toMatchObject({ images: 45, splits: report.splits, withGaze: report.withGaze });
    expect(manifest.splits.train.shards.length).toBeGreaterThan(1);
    const read = async (path: string) => new Uint8Array(readFileSync(join(out, path)));
    for (const split of ['train', 'val', 'test'] as const) {
      const ours = await readPreparedSplit(manifest, split, read);
      const theirs = engine[split];
      expect(ours.count).toBe(theirs.count);
      expect(ours.ids).toEqual(theirs.ids);
      expect(ours.imagePaths).toEqual(theirs.imagePaths);
      for (const key of ['images', 'gaze', 'labels', 'hasGaze', 'conflict'] as const) {
        expect(Buffer.from(ours[key].buffer).equals(Buffer.from(theirs[key].buffer)), `${split} ${key}`).toBe(true);
      }
    }
    // The shortcut demo marks conflicts outside train: they travel with the samples.
    expect((await readPreparedSplit(manifest, 'test', read)).conflict.some((c) => c === 1)).toBe(true);
  });

  it('is read by numpy and a plain torch DataLoader, without gazecam code', () => {
    const script = `
import json, os, sys
import numpy as np, torch
root = sys.argv[1]
m = json.load(open(os.path.join(root, "manifest.json")))
class Split(torch.utils.data.Dataset):
    def __init__(self, split):
        self.shards = m["splits"][split]["shards"]
        self.maps = [np.load(os.path.join(root, s["files"]["images"]), mmap_mode="r") for s in self.shards]
        self.labels = np.concatenate([np.load(os.path.join(root, s["files"]["labels"])) for s in self.shards])
        self.index = [(i, j) for i, s in enumerate(self.shards) for j in range(s["count"])]
    def __len__(self):
        return len(self.index)
    def __getitem__(self, k):
        i, j = self.index[k]
        return torch.from_numpy(self.maps[i][j].astype(np.float32) / 65535), int(self.labels[k])
seen, total = 0, 0.0
for x, y in torch.utils.data.DataLoader(Split("train"), batch_size=8, shuffle=True):
    seen += len(y)
    total += float(x.sum())
dtypes = {k: str(np.load(os.path.join(root, v), mmap_mode="r").dtype) for k, v in m["splits"]["train"]["shards"][0]["files"].items()}
print(json.dumps({"seen": seen, "mean": total / seen / 32 / 32, "dtypes": dtypes}))
`;
    const r = spawnSync(PYTHON, ['-c', script, out], { cwd: ROOT, env: { ...process.env, PYTHONPATH: '' }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(got.seen).toBe(manifest.splits.train.count);
    expect(got.mean).toBeGreaterThan(0.05);
    expect(got.dtypes).toEqual({ images: 'uint16', gaze: 'uint8', labels: 'int32', has_gaze: 'uint8', conflict: 'uint8' });
  });

  it('does nothing on an unchanged dataset, and replaces the whole folder when a file changed', () => {
    const shardDir = join(out, `shards-${manifest.datasetId}`);
    const before = statSync(join(out, 'manifest.json')).mtimeMs;
    const again = gazecamOk(['prepare', demo, '--out', out, '--size', '32', '--seed', '1', '--shard-mb', '0.03']);
    expect(again.stderr).toMatch(/up to date.*nothing to do/);
    expect(statSync(join(out, 'manifest.json')).mtimeMs).toBe(before);
    expect(existsSync(shardDir)).toBe(true);

    const image = join(demo, manifest.splits.train.imagePaths[0]);
    const later = new Date(Date.now() + 5_000);
    utimesSync(image, later, later);
    gazecamOk(['prepare', demo, '--out', out, '--size', '32', '--seed', '1', '--shard-mb', '0.03']);
    const next = readManifest(out);
    expect(next.datasetId).not.toBe(manifest.datasetId);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', `shards-${next.datasetId}`]);
    // Nothing left over beside it either (the temporary folder and the old one are gone).
    expect(readdirSync(tmp.dir).filter((f) => f.includes('prepared'))).toEqual(['prepared']);
    manifest = next;
  });

  it('lists an image that cannot be decoded as a problem and prepares the rest', () => {
    const broken = join(tmp.dir, 'broken');
    gazecamOk(['demo', broken, '--count', '12', '--size', '48', '--heatmaps']);
    const victim = readdirSync(join(broken, 'images', 'normal'))[0];
    truncateSync(join(broken, 'images', 'normal', victim), 200);
    const dir = join(tmp.dir, 'broken-prepared');
    const r = gazecamOk(['prepare', broken, '--out', dir, '--size', '32']);
    const m = readManifest(dir);
    expect(m.problems.map((p) => p.file)).toContain(`images/normal/${victim}`);
    expect(m.splits.train.count + m.splits.val.count + m.splits.test.count).toBe(11);
    expect(r.stderr).toMatch(/problem/);
  });

  it('prepares every format the engine reads (EGD-CXR with DICOM, REFLACX, MicEye) as the engine preprocesses it', async () => {
    const fixtures = join(tmp.dir, 'fixtures');
    await writeAllFixtures(fixtures);
    for (const format of ['egd-cxr', 'reflacx', 'miceye'] as const) {
      const dir = join(tmp.dir, `${format}-prepared`);
      expect(await prepareCommand([join(fixtures, format), '--out', dir, '--size', '32', '--seed', '1']), format).toBe(0);
      const m = readManifest(dir);
      expect(m.report.format).toBe(format);
      const entries = await entriesFromDirectory(join(fixtures, format));
      const dataset = await scanDataset(entries, { seed: 1 });
      const engine = await prepareTrainData(dataset, new Map(entries.map((e) => [e.path, e])), 32);
      const read = async (path: string) => new Uint8Array(readFileSync(join(dir, path)));
      for (const split of ['train', 'val', 'test'] as const) {
        const ours = await readPreparedSplit(m, split, read);
        expect(ours.ids, `${format} ${split}`).toEqual(engine[split].ids);
        expect(Buffer.from(ours.images.buffer).equals(Buffer.from(engine[split].images.buffer)), `${format} ${split} images`).toBe(true);
        expect(Buffer.from(ours.gaze.buffer).equals(Buffer.from(engine[split].gaze.buffer)), `${format} ${split} gaze`).toBe(true);
      }
      expect(m.splits.train.count + m.splits.val.count + m.splits.test.count).toBeGreaterThan(0);
      expect(m.problems.length, `${format}: the scan's problems travel in the manifest`).toBe(dataset.problems.length + engine.problems.length);
    }
  });

  it('bad --out: one line naming the option, nothing written', () => {
    const inside = gazecam(['prepare', demo, '--out', join(demo, 'prepared'), '--size', '32']);
    expect(inside.status).toBe(2);
    expect(inside.stderr.trim().split('\n')[0]).toMatch(/--out .* is inside the dataset/);
    expect(existsSync(join(demo, 'prepared'))).toBe(false);

    const mine = join(tmp.dir, 'my-notes');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    const notPrepared = gazecam(['prepare', demo, '--out', mine, '--size', '32']);
    expect(notPrepared.status).toBe(2);
    expect(notPrepared.stderr).toMatch(/--out .*my-notes exists and is not a prepared dataset/);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
  });
});
