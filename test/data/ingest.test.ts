import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { datasetReport, loadSample, scanDataset, type Dataset, type DatasetEntry, type Problem } from '../../src/data/index.ts';
import { entriesFromDirectory } from '../../src/node/fs-dataset.ts';
import { main } from '../../src/node/cli.ts';
import { writeAllFixtures, type PlantedProblem } from '../../scripts/make-data-fixtures.ts';

let root: string;
let planted: Record<string, PlantedProblem[]>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gazecam-data-'));
  planted = await writeAllFixtures(root);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function scan(name: string): Promise<{ ds: Dataset; entries: DatasetEntry[] }> {
  const entries = await entriesFromDirectory(join(root, name));
  return { ds: await scanDataset(entries, { seed: 1 }), entries };
}

function expectPlanted(problems: Problem[], expected: PlantedProblem[]): void {
  for (const p of expected) {
    const hit = problems.find((q) => q.file.includes(p.file) && q.error.includes(p.reason));
    expect(hit, `planted problem ${p.file}: ${p.reason}\nreported:\n${problems.map((q) => `${q.file}: ${q.error}`).join('\n')}`).toBeDefined();
  }
}

async function loadAll(ds: Dataset, entries: DatasetEntry[], size: number) {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  return Promise.all(ds.samples.map(async (s) => ({ sample: s, ...(await loadSample(ds, s, byPath, size)) })));
}

describe('native layout', () => {
  it('reports counts and every planted problem, and uses the rest', async () => {
    const { ds, entries } = await scan('native');
    const report = datasetReport(ds);
    expect(report.format).toBe('native');
    expect(report.images).toBe(7);
    expect(report.classes).toEqual({ normal: 3, opacity: 4 });
    expect(report.withGaze).toBe(3);
    expect(report.splits.train + report.splits.val + report.splits.test).toBe(7);
    expectPlanted(report.problems, planted.native.filter((p) => p.reason !== 'duplicate id'));
    // Which of n1.png / n1.jpg is kept depends on listing order; one of them is reported.
    expect(report.problems.some((p) => p.file.startsWith('images/normal/n1.') && p.error.includes('duplicate id'))).toBe(true);
    expect(report.problems).toHaveLength(planted.native.length);
    const loaded = await loadAll(ds, entries, 16);
    for (const { image, gaze, sample } of loaded) {
      expect(image).toHaveLength(256);
      expect(Math.min(...image)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...image)).toBeLessThanOrEqual(1);
      expect(gaze === null).toBe(sample.gaze === undefined);
      if (gaze) expect(Math.max(...gaze)).toBeCloseTo(1, 5);
    }
  });

  it('reads labels.csv (with patients) and split.csv, with line numbers for bad rows', async () => {
    const { ds } = await scan('native-csv');
    const report = datasetReport(ds);
    expect(report.images).toBe(12);
    expect(report.classes).toEqual({ clear: 6, effusion: 6 });
    expectPlanted(report.problems, planted['native-csv']);
    expect(ds.samples.filter((s) => s.split === 'test').map((s) => s.id).sort()).toEqual(expect.arrayContaining(['img0', 'img1', 'img2']));
    // The malformed second row for img5 is reported; its first, valid row still labels it.
    expect(ds.samples.find((s) => s.id === 'img5')?.label).toBe('effusion');
    // Patient-level split: both images of one patient share a split.
    const byPatient = new Map<string, Set<string>>();
    for (const s of ds.samples) byPatient.set(s.patient!, (byPatient.get(s.patient!) ?? new Set()).add(s.split));
    for (const [patient, splits] of byPatient) {
      if (patient !== 'P0' && patient !== 'P1') expect(splits.size, patient).toBe(1);
    }
  });
});

describe('public eye-gaze datasets', () => {
  it('EGD-CXR: master_sheet + fixations in original DICOM pixels', async () => {
    const { ds, entries } = await scan('egd-cxr');
    const report = datasetReport(ds);
    expect(report.format).toBe('egd-cxr');
    expect(report.images).toBe(3);
    expect(report.classes).toEqual({ CHF: 1, Normal: 1, pneumonia: 1 });
    expect(report.withGaze).toBe(2);
    expectPlanted(report.problems, planted['egd-cxr']);
    expect(report.problems).toHaveLength(planted['egd-cxr'].length);
    const normal = ds.samples.find((s) => s.label === 'Normal')!;
    expect(normal.patient).toBe('10000001');
    expect(normal.gaze?.kind === 'fixations' && normal.gaze.fixations.map((f) => [f.x, f.y])).toEqual([
      [10, 12],
      [40, 30],
    ]);
    const loaded = await loadAll(ds, entries, 32);
    expect(loaded.filter((l) => l.gaze).length).toBe(2);
  });

  it('REFLACX: metadata phases, per-reading fixations, frame scaled to a downsized image', async () => {
    const { ds, entries } = await scan('reflacx');
    const report = datasetReport(ds);
    expect(report.format).toBe('reflacx');
    expect(report.images).toBe(3);
    expect(report.classes).toEqual({ Consolidation: 1, 'No finding': 1, 'Pulmonary edema': 1 });
    expect(report.splits).toEqual({ train: 1, val: 1, test: 1 });
    expect(report.withGaze).toBe(2);
    expectPlanted(report.problems, planted.reflacx);
    expect(report.problems).toHaveLength(planted.reflacx.length);
    const a = ds.samples.find((s) => s.id === 'dicomA')!;
    expect(a.width).toBe(100);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const { gaze } = await loadSample(ds, a, byPath, 100);
    // The long fixation at (100, 80) in the 200x160 REFLACX frame is the image's centre.
    const peak = gaze!.indexOf(1);
    expect(Math.abs((peak % 100) - 50)).toBeLessThanOrEqual(1);
    expect(Math.abs(Math.floor(peak / 100) - 50)).toBeLessThanOrEqual(1);
  });

  it('MicEye: semicolon logs in display pixels scaled by config.json image height', async () => {
    const { ds, entries } = await scan('miceye');
    const report = datasetReport(ds);
    expect(report.format).toBe('miceye');
    expect(report.images).toBe(2);
    expect(report.classes).toEqual({ '0': 1, '1': 1 });
    expectPlanted(report.problems, planted.miceye);
    expect(report.problems).toHaveLength(planted.miceye.length);
    const m2 = ds.samples.find((s) => s.id === 'm2')!;
    const { gaze } = await loadSample(ds, m2, new Map(entries.map((e) => [e.path, e])), 100);
    // (50, 60) on a 400 px display of a 100x200 image -> (25, 30) in the image -> (25, 15) at 100x100.
    const peak = gaze!.indexOf(1);
    expect(Math.abs((peak % 100) - 25)).toBeLessThanOrEqual(1);
    expect(Math.abs(Math.floor(peak / 100) - 15)).toBeLessThanOrEqual(1);
  });
});

describe('safety', () => {
  it('changes nothing in the dropped folder', async () => {
    const name = 'native';
    const entries = await entriesFromDirectory(join(root, name));
    const fingerprint = async () =>
      Promise.all(
        entries.map(async (e) => {
          const abs = join(root, name, e.path);
          const [bytes, info] = await Promise.all([readFile(abs), stat(abs)]);
          return `${e.path}:${createHash('sha256').update(bytes).digest('hex')}:${info.mtimeMs}`;
        }),
      );
    const before = await fingerprint();
    const ds = await scanDataset(entries);
    await loadAll(ds, entries, 8);
    expect(await fingerprint()).toEqual(before);
  });

  it('a sample that fails to decode throws an error naming the file', async () => {
    const { ds, entries } = await scan('native');
    const s = ds.samples[0];
    const broken: DatasetEntry = { path: s.imagePath, size: 10, read: async () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]) };
    const lookup = (p: string) => (p === s.imagePath ? broken : entries.find((e) => e.path === p));
    await expect(loadSample(ds, s, lookup, 8)).rejects.toThrow(s.imagePath);
  });
});

describe('gazecam demo', () => {
  it('writes a dataset that inspect reports cleanly, and refuses a non-empty folder', async () => {
    const out = join(root, 'demo-out');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['demo', out, '--count', '30', '--size', '48', '--shortcut'])).toBe(0);
      expect(await main(['demo', out])).toBe(1);
    } finally {
      errors.mockRestore();
    }
    const ds = await scanDataset(await entriesFromDirectory(out));
    expect(datasetReport(ds)).toMatchObject({ format: 'native', images: 30, withGaze: 30, classes: { normal: 10, opacity: 10, nodule: 10 }, problems: [] });
    expect(ds.samples.every((s) => s.meta?.conflict === '0' || s.meta?.conflict === '1')).toBe(true);
  });
});

describe('gazecam inspect --json', () => {
  it('prints exactly one JSON object with the report', async () => {
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await main(['inspect', join(root, 'egd-cxr'), '--json']);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(0);
    const out = chunks.join('');
    expect(out.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(out);
    expect(Object.keys(report)).toEqual(['format', 'images', 'classes', 'withGaze', 'splits', 'problems']);
    expect(report.format).toBe('egd-cxr');
    expect(report.problems.length).toBe(planted['egd-cxr'].length);
    expect(report.problems[0]).toEqual({ file: expect.any(String), error: expect.any(String) });
  });

  it('--decode also finds corrupt data inside a file whose header and ending look intact', async () => {
    const out = join(root, 'demo-corrupt');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    await main(['demo', out, '--count', '9', '--size', '32']);
    errors.mockRestore();
    const victim = join(out, 'images/normal/demo-0001.png');
    const bytes = await readFile(victim);
    for (let i = 60; i < bytes.length - 20; i++) bytes[i] ^= 0x5a;
    await writeFile(victim, bytes);
    const run = async (args: string[]) => {
      const chunks: string[] = [];
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        chunks.push(String(chunk));
        return true;
      });
      try {
        expect(await main(['inspect', out, '--json', ...args])).toBe(0);
      } finally {
        spy.mockRestore();
      }
      return JSON.parse(chunks.join(''));
    };
    expect((await run([])).images).toBe(9);
    const decoded = await run(['--decode']);
    expect(decoded.images).toBe(8);
    expect(decoded.problems).toEqual([{ file: 'images/normal/demo-0001.png', error: expect.stringMatching(/images\/normal\/demo-0001.png: PNG data unreadable/) }]);
  });
});
