/**
 * Seeded fuzz corpus through the scan and decode paths the CLI and the studio use: thousands of
 * damaged images (PNG 8/16-bit, JPEG, DICOM in every supported transfer syntax) in one dataset
 * folder read by the CLI's file system adapter, and hundreds of small datasets with one damaged
 * table each (split, labels, fixations, EGD-CXR, REFLACX, MicEye) read through the studio's Blob
 * adapter. Every file must end up decoded or reported with a reason; nothing may throw past the
 * scan; a read that never finishes is cut off by the per-file time limit; memory stays bounded.
 * The counts are printed (docs/testing.md quotes them).
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, entriesFromBlobs, IMAGE_LIMITS, preprocessDataset, scanDataset, type DatasetEntry, type Problem } from '../../src/data/index.ts';
import { entriesFromDirectory } from '../../src/node/fs-dataset.ts';
import { mulberry32 } from '../../src/util/rng.ts';
import { deflatedDicomBomb, imageSeeds, MUTATIONS, mutate, pngBomb, TABLE_KINDS, tableDataset, tableSeeds, TEXT_MUTATIONS, type Mutation } from '../helpers/fuzz_corpus.ts';
import { makeDicom, png8, testPattern } from '../../scripts/make-data-fixtures.ts';
import { TRANSFER_SYNTAX } from '../../src/data/decode/dicom.ts';

const SEED = 0x5eed;
const PER_FILE_MS = 3000;

/** Reason buckets for the printed counts; anything unmatched is printed in full so it gets a bucket or a fix. */
const BUCKETS: [string, RegExp][] = [
  ['internal error (a bug)', /internal error/],
  ['over the per-file time limit', /per-file limit/],
  ['zero-byte file', /zero-byte/],
  ['not an image (unrecognised content)', /unrecognised content|not an image/],
  ['absurd dimensions, refused before decoding', /absurd dimensions/],
  ['invalid dimensions in the header', /invalid dimensions/],
  ['truncated', /truncated|ends early|ends before|cut short|runs past|shorter than|smaller than/],
  ['unsupported encoding', /not supported/],
  ['no pixel data', /no Pixel Data/],
  ['header and data disagree', /but the header says|does not match|inconsistent/],
  ['corrupt data', /corrupt|unreadable|not defined by the PNG spec|marker expected/],
  ['file system (pipe, link, permissions)', /named pipe|symbolic link|not readable|disappeared/],
  ['table row problems', /^line \d+:|header must name|expected columns|needs columns|not a MicEye log|not valid JSON|image height/],
  ['gaze problems', /gaze|heatmap|fixation/],
  ['too large', /too large/],
  ['summary of a long list (one line per file)', /more problems in this file/],
  ['name or layout', /not part of the dataset layout|without label|duplicate|not UTF-8/],
];

function bucketOf(error: string): string {
  for (const [name, re] of BUCKETS) if (re.test(error)) return name;
  return `other: ${error}`;
}

function tally(problems: Problem[], into = new Map<string, number>()): Map<string, number> {
  for (const p of problems) into.set(bucketOf(p.error), (into.get(bucketOf(p.error)) ?? 0) + 1);
  return into;
}

function table(title: string, counts: Map<string, number>): string {
  const rows = [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${String(v).padStart(6)}  ${k}`);
  return `${title}\n${rows.join('\n')}`;
}

/** An entry whose reads never finish: a stalled network share. */
function stalledEntry(path: string): DatasetEntry {
  const never = new Promise<Uint8Array>(() => {});
  return { path, size: 4096, read: () => never, slice: () => never };
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
const savedLimit = IMAGE_LIMITS.perFileMs;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gazecam-fuzz-'));
  // The codecs load (and compile their WebAssembly) on first use: done here, under the normal
  // limit, so that a loaded machine cannot push a first decode over the test's short one.
  for (const seed of await imageSeeds()) await decodeImage(seed.bytes, `warm.${seed.ext}`);
  IMAGE_LIMITS.perFileMs = PER_FILE_MS;
});
afterAll(async () => {
  clearInterval(sampler);
  IMAGE_LIMITS.perFileMs = savedLimit;
  await rm(root, { recursive: true, force: true });
});

describe('ingestion fuzz corpus', () => {
  it('every damaged image is decoded or reported with a reason, through the CLI adapter', async () => {
    const rand = mulberry32(SEED);
    const seeds = await imageSeeds();
    const dir = join(root, 'images-dataset');
    const written: { path: string; seed: string; mutation: Mutation }[] = [];
    const copies = (m: Mutation) => (m === 'intact' ? 2 : m === 'empty' || m === 'huge-tail' ? 1 : 9);
    let n = 0;
    for (const seed of seeds) {
      for (const mutation of MUTATIONS) {
        for (let k = 0; k < copies(mutation); k++) {
          const label = n % 2 ? 'effusion' : 'clear';
          const path = `images/${label}/${seed.name}-${mutation}-${k}.${seed.ext}`;
          const abs = join(dir, path);
          await mkdir(dirname(abs), { recursive: true });
          await writeFile(abs, mutate(seed, mutation, rand));
          written.push({ path, seed: seed.name, mutation });
          // Every fourth image gets gaze: a damaged fixation CSV or heatmap PNG beside it.
          if (n % 4 === 0) {
            const gazeBase = join(dir, 'gaze', label, `${seed.name}-${mutation}-${k}`);
            await mkdir(dirname(gazeBase), { recursive: true });
            if (n % 8 === 0) await writeFile(`${gazeBase}.csv`, mutate({ name: 'fix', kind: 'png', ext: 'csv', bytes: new TextEncoder().encode('x,y,duration\n3,4,0.2\n10,12,0.4\n') }, rand() < 0.3 ? 'intact' : 'flipped', rand));
            else await writeFile(`${gazeBase}.png`, mutate({ name: 'heat', kind: 'png', ext: 'png', bytes: png8(24, 20), dims: { width: 16, height: 20, size: 4, littleEndian: false } }, rand() < 0.3 ? 'intact' : 'flipped', rand));
          }
          n++;
        }
      }
    }
    // What only a file system has: a named pipe (reading it would block), a dangling link, an unreadable file.
    execFileSync('mkfifo', [join(dir, 'images/clear/pipe.png')]);
    await symlink(join(dir, 'nowhere.png'), join(dir, 'images/clear/dangling.png'));
    await writeFile(join(dir, 'images/clear/locked.png'), png8(8, 8));
    await chmod(join(dir, 'images/clear/locked.png'), 0);
    // Zip bombs: image data that inflates to hundreds of MB more than the header implies.
    await writeFile(join(dir, 'images/clear/bomb.png'), pngBomb());
    await writeFile(join(dir, 'images/effusion/bomb.dcm'), await deflatedDicomBomb());

    const entries = [...(await entriesFromDirectory(dir)), stalledEntry('images/clear/stalled-1.png'), stalledEntry('images/effusion/stalled-2.dcm')];
    const ds = await scanDataset(entries, { seed: 1 });
    // The decode pass `gazecam inspect --decode` and training run (full decode of every image and gaze map).
    const cache = await preprocessDataset(ds, new Map(entries.map((e) => [e.path, e])), 8);

    const decoded = new Set(cache.samples.map((s) => s.imagePath));
    const problems = [...ds.problems, ...cache.problems];
    const reported = new Set(problems.map((p) => p.file));
    const unaccounted = written.filter((w) => !decoded.has(w.path) && !reported.has(w.path));
    expect(unaccounted, 'files neither decoded nor reported').toEqual([]);
    for (const special of ['images/clear/pipe.png', 'images/clear/dangling.png', 'images/clear/stalled-1.png', 'images/effusion/stalled-2.dcm']) {
      expect(reported.has(special), `${special} reported`).toBe(true);
    }
    expect(problems.find((p) => p.file === 'images/clear/pipe.png')?.error).toMatch(/named pipe/);
    expect(problems.find((p) => p.file === 'images/clear/dangling.png')?.error).toMatch(/symbolic link to a missing target/);
    expect(problems.find((p) => p.file === 'images/clear/stalled-1.png')?.error).toMatch(/per-file limit/);
    // Inflating stops where the header says the image ends, so both decode and the surplus never
    // reaches memory (the peak below stays far under the 200 + 300 MB they claim).
    for (const bomb of ['images/clear/bomb.png', 'images/effusion/bomb.dcm']) {
      expect(decoded.has(bomb), problems.find((p) => p.file === bomb)?.error).toBe(true);
    }
    // As root the unreadable file is readable after all; either way it is decoded or reported.
    expect(decoded.has('images/clear/locked.png') || reported.has('images/clear/locked.png')).toBe(true);

    const internal = problems.filter((p) => /internal error/.test(p.error));
    expect(internal, 'errors that are bugs in a reader, not verdicts on a file').toEqual([]);
    for (const p of problems) expect(p.error.length, `${p.file} has a reason`).toBeGreaterThan(10);
    // Intact seeds of every format and transfer syntax decode (the accounting above is not vacuous),
    // also beside a damaged gaze file: that file is reported and the image is used without gaze.
    const intactFailed = written.filter((w) => w.mutation === 'intact' && !decoded.has(w.path));
    const why = (path: string) => problems.filter((p) => p.file === path).map((p) => p.error).join(' | ');
    expect(intactFailed.map((w) => `${w.path}: ${why(w.path)}`)).toEqual([]);
    expect(problems.some((p) => p.file.startsWith('gaze/') && /used without gaze/.test(p.error))).toBe(true);

    const byMutation = new Map<string, { decoded: number; reported: number }>();
    for (const w of written) {
      const row = byMutation.get(w.mutation) ?? { decoded: 0, reported: 0 };
      if (decoded.has(w.path)) row.decoded++;
      else row.reported++;
      byMutation.set(w.mutation, row);
    }
    const imageProblems = problems.filter((p) => p.file.startsWith('images/') && !decoded.has(p.file));
    console.log(
      [
        `fuzz corpus (seed ${SEED}): ${written.length} images from ${seeds.length} seeds (${new Set(seeds.map((s) => s.transferSyntax).filter(Boolean)).size} DICOM transfer syntaxes), ${entries.length} entries scanned`,
        `  decoded ${decoded.size}, reported ${written.length - [...decoded].filter((p) => written.some((w) => w.path === p)).length}`,
        ...[...byMutation].map(([m, r]) => `  ${m.padEnd(18)} decoded ${String(r.decoded).padStart(4)}  reported ${String(r.reported).padStart(4)}`),
        table('images reported, by reason:', tally(imageProblems)),
        table('all problems (images, gaze files, special files), by reason:', tally(problems)),
      ].join('\n'),
    );
  });

  it('every damaged table is read or reported, through the studio adapter', async () => {
    const rand = mulberry32(SEED + 1);
    const png = png8(24, 16);
    const dicom = await makeDicom({ transferSyntax: TRANSFER_SYNTAX.explicitLittle, width: 24, height: 16, bitsAllocated: 16, bitsStored: 12, pixels: testPattern(24, 16, 4095) });
    const seeds = tableSeeds({ png, dicom });
    const counts = new Map<string, number>();
    let datasets = 0;
    let files = 0;
    let usedImages = 0;
    const perKind = new Map<string, { clean: number; reported: number }>();
    for (const kind of TABLE_KINDS) {
      for (const mutation of TEXT_MUTATIONS) {
        for (let k = 0; k < (mutation === 'intact' ? 1 : 4); k++) {
          const { target, files: content } = tableDataset(seeds, kind, mutation, rand);
          const blobs = Object.entries(content).map(([path, bytes]) => ({ path: `dropped/${path}`, blob: new Blob([bytes as Uint8Array<ArrayBuffer>]) }));
          let entries = entriesFromBlobs(blobs);
          // A table whose read never finishes: cut off by the time limit, the rest still scanned.
          const stalled = k === 0 && mutation === 'many-rows' && kind === 'egd-master';
          if (stalled) entries = entries.map((e) => (e.path === `dropped/${target}` ? stalledEntry(e.path) : e));
          const ds = await scanDataset(entries, { seed: 1 });
          const cache = await preprocessDataset(ds, new Map(entries.map((e) => [e.path, e])), 8);
          const problems = [...ds.problems, ...cache.problems];
          expect(problems.filter((p) => /internal error/.test(p.error)), `${kind}/${mutation}`).toEqual([]);
          for (const p of problems) expect(p.error.length).toBeGreaterThan(10);
          if (mutation === 'intact') expect(problems, `intact ${kind}`).toEqual([]);
          if (stalled) expect(problems.find((p) => p.file === `dropped/${target}`)?.error).toMatch(/per-file limit/);
          // Bounded report: a damaged table of 60,000 rows is summed up, not listed row by row.
          expect(problems.filter((p) => p.file === `dropped/${target}`).length).toBeLessThanOrEqual(51);
          const row = perKind.get(kind) ?? { clean: 0, reported: 0 };
          if (problems.some((p) => p.file === `dropped/${target}`)) row.reported++;
          else row.clean++;
          perKind.set(kind, row);
          tally(problems, counts);
          datasets++;
          files += entries.length;
          usedImages += cache.samples.length;
        }
      }
    }
    console.log(
      [
        `table fuzz (seed ${SEED + 1}): ${datasets} datasets, ${files} files, ${usedImages} images used in total`,
        ...[...perKind].map(([kind, r]) => `  ${kind.padEnd(18)} damaged table read cleanly ${String(r.clean).padStart(3)}, reported ${String(r.reported).padStart(3)}`),
        table('problems by reason:', counts),
      ].join('\n'),
    );
  });

  it('memory stays bounded across the corpus', () => {
    console.log(`peak resident memory during the fuzz corpus: ${(peakRss / 1048576).toFixed(0)} MiB`);
    // Refusing absurd dimensions before allocating is what keeps this low: one 65535 x 65535 float
    // buffer alone would be 16 GiB.
    expect(peakRss).toBeLessThan(2 * 1024 ** 3);
  });
});
