/**
 * Whatever a folder holds, the scan goes on: file names that are not UTF-8 (a Latin-1 "é" byte from
 * an older Windows archive), unreadable files and folders, dangling links, named pipes, folders and
 * files that vanish while the folder is being read. Each is used or reported with a reason, through
 * the real `gazecam inspect` where the file system is involved, and the rest of the dataset is used.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateDemoDataset } from '../../src/data/demo.ts';
import { datasetReport, entriesFromBlobs, scanDataset, type DatasetReport } from '../../src/data/index.ts';
import { displayName, entriesFromDirectory } from '../../src/node/fs-dataset.ts';
import { ROOT } from '../helpers/cli.ts';

// A hook into directory listings, to make things vanish between a listing and the reads after it.
const afterReaddir = vi.hoisted(() => ({ hook: undefined as undefined | ((dir: string) => void) }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    readdir: (async (...args: Parameters<typeof actual.readdir>) => {
      const listing = await actual.readdir(...args);
      afterReaddir.hook?.(Buffer.isBuffer(args[0]) ? args[0].toString('latin1') : String(args[0]));
      return listing;
    }) as typeof actual.readdir,
  };
});

const LATIN1_NAME = Buffer.from([0x6e, 0x30, 0x30, 0x37, 0x5f, 0xe9, 0x74, 0xe9, 0x2e, 0x70, 0x6e, 0x67]); // "n007_été.png" in Latin-1

let root: string;

async function writeDemo(dir: string, count = 12): Promise<void> {
  for (const f of generateDemoDataset({ count, size: 32, seed: 3 })) {
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFile(join(dir, f.path), f.bytes);
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gazecam-names-'));
});
afterAll(async () => {
  execFileSync('chmod', ['-R', 'u+rwX', root]);
  await rm(root, { recursive: true, force: true });
});

describe('display names', () => {
  it('shows UTF-8 names as they are and escapes everything else as \\xHH', () => {
    expect(displayName(Buffer.from('café-😀.png'))).toEqual({ name: 'café-😀.png', escaped: false });
    expect(displayName(LATIN1_NAME)).toEqual({ name: 'n007_\\xE9t\\xE9.png', escaped: true });
    // Overlong encoding, a lone surrogate, a truncated sequence, a control character.
    expect(displayName(Buffer.from([0x61, 0xc0, 0xaf, 0x62])).name).toBe('a\\xC0\\xAFb');
    expect(displayName(Buffer.from([0x61, 0xed, 0xa0, 0x80])).name).toBe('a\\xED\\xA0\\x80');
    expect(displayName(Buffer.from([0x61, 0xe2, 0x82])).name).toBe('a\\xE2\\x82');
    expect(displayName(Buffer.from('a\nb.png'))).toEqual({ name: 'a\\x0Ab.png', escaped: true });
    // In an escaped name a literal backslash is escaped too, so the text maps back to one byte string.
    expect(displayName(Buffer.from([0x5c, 0x78, 0xe9])).name).toBe('\\x5Cx\\xE9');
    expect(displayName(Buffer.from('a\\b.png'))).toEqual({ name: 'a\\b.png', escaped: false });
  });
});

describe('gazecam inspect on a folder with odd entries', () => {
  it('ingests a file whose name is not UTF-8 and reports unreadable, dangling and special entries', async () => {
    const dir = join(root, 'odd');
    await writeDemo(dir);
    const image = generateDemoDataset({ count: 3, size: 32, seed: 9 }).find((f) => f.path.endsWith('.png'))!.bytes;
    await writeFile(Buffer.concat([Buffer.from(join(dir, 'images/normal/')), LATIN1_NAME]), image);
    await symlink(join(dir, 'nowhere.png'), join(dir, 'images/normal/dangling.png'));
    execFileSync('mkfifo', [join(dir, 'images/normal/pipe.png')]);
    await writeFile(join(dir, 'images/normal/locked.png'), image);
    await mkdir(join(dir, 'images/closed'));
    await writeFile(join(dir, 'images/closed/c1.png'), image);
    await chmod(join(dir, 'images/normal/locked.png'), 0);
    await chmod(join(dir, 'images/closed'), 0);

    // Permission bits do not stop root, through its capabilities to override them: when the tests
    // run as root, the CLI runs without those two (still root, so the repository stays readable).
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search'] : [];
    const command = [...asUser, process.execPath, join(ROOT, 'bin/gazecam.mjs'), 'inspect', dir, '--json'];
    const run = spawnSync(command[0], command.slice(1), { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as DatasetReport;
    const problem = (file: string) => report.problems.find((p) => p.file === file)?.error;

    // The 12 demo images plus the Latin-1 one, under its escaped name.
    expect(report.images).toBe(13);
    expect(report.classes.normal).toBe(5);
    expect(problem('images/normal/n007_\\xE9t\\xE9.png')).toMatch(/not valid UTF-8.*used under the name shown/);
    expect(problem('images/normal/dangling.png')).toMatch(/symbolic link to a missing target/);
    expect(problem('images/normal/pipe.png')).toMatch(/named pipe/);
    expect(problem('images/normal/locked.png')).toMatch(/not readable \(permission denied\)/);
    expect(problem('images/closed/')).toMatch(/folder not readable \(permission denied\).*files inside it are not used/);
    expect(report.problems).toHaveLength(5);
  });

  it('a name clash after escaping is reported, not a silent overwrite', async () => {
    const dir = join(root, 'clash');
    await writeDemo(dir, 6);
    const image = generateDemoDataset({ count: 3, size: 32, seed: 9 }).find((f) => f.path.endsWith('.png'))!.bytes;
    await writeFile(join(dir, 'images/normal/n\\xE9.png'), image); // a literal backslash, x, E, 9
    await writeFile(Buffer.concat([Buffer.from(join(dir, 'images/normal/n')), Buffer.from([0xe9]), Buffer.from('.png')]), image);
    const report = datasetReport(await scanDataset(await entriesFromDirectory(dir)));
    expect(report.images).toBe(7);
    expect(report.problems.map((p) => p.error)).toEqual([expect.stringMatching(/another file here is shown under the same name/)]);
  });
});

describe('entries that vanish while the folder is read', () => {
  it('a folder and a file removed between the listing and their reads are reported; the rest is used', async () => {
    const dir = join(root, 'vanishing');
    await writeDemo(dir);
    const png = generateDemoDataset({ count: 3, size: 32 })[0].bytes;
    await mkdir(join(dir, 'images/normal/extra'));
    await writeFile(join(dir, 'images/normal/extra/e1.png'), png);
    await writeFile(join(dir, 'images/normal/spare.png'), png);
    afterReaddir.hook = (listed) => {
      if (listed.endsWith('/images/normal')) {
        rmSync(join(dir, 'images/normal/extra'), { recursive: true });
        rmSync(join(dir, 'images/normal/spare.png'));
      }
    };
    try {
      const report = datasetReport(await scanDataset(await entriesFromDirectory(dir)));
      expect(report.problems).toEqual([
        { file: 'images/normal/extra', error: expect.stringMatching(/folder disappeared while the dataset was being read/) },
        { file: 'images/normal/spare.png', error: expect.stringMatching(/file disappeared while the dataset was being read/) },
      ]);
      expect(report.images).toBe(12);
    } finally {
      afterReaddir.hook = undefined;
    }
  });

  it('the dataset folder itself missing or a file is one clear error', async () => {
    await expect(entriesFromDirectory(join(root, 'does-not-exist'))).rejects.toThrow(/dataset folder .* does not exist; check the path/);
    await writeFile(join(root, 'plain.txt'), 'x');
    await expect(entriesFromDirectory(join(root, 'plain.txt'))).rejects.toThrow(/is a file, not a folder/);
  });
});

describe('names as the browser gives them', () => {
  it("a File the browser can no longer read (moved after picking) is reported as such, image or table", async () => {
    const png = generateDemoDataset({ count: 3, size: 32, seed: 9 }).find((f) => f.path.endsWith('.png'))!.bytes;
    const gone = (path: string) => ({ path, size: 100, read: () => Promise.reject(new DOMException('The requested file could not be read', 'NotReadableError')) });
    const entries = [
      ...entriesFromBlobs([{ path: 'ds/images/normal/a.png', blob: new Blob([png as Uint8Array<ArrayBuffer>]) }, { path: 'ds/images/opacity/b.png', blob: new Blob([png as Uint8Array<ArrayBuffer>]) }]),
      gone('ds/images/normal/moved.png'),
      gone('ds/split.csv'),
    ];
    const ds = await scanDataset(entries);
    expect(ds.samples).toHaveLength(2);
    expect(ds.problems).toEqual([
      { file: 'ds/split.csv', error: expect.stringMatching(/^the file could not be read \(NotReadableError: /) },
      { file: 'ds/images/normal/moved.png', error: expect.stringMatching(/^the file could not be read \(NotReadableError: .*Pick the folder again$/) },
    ]);
  });

  // Chromium leaves a file whose name is not UTF-8 out of a picked folder altogether (checked with
  // Playwright in Debian's Chromium; see docs/testing.md). Other browsers and unpackers hand over
  // U+FFFD instead, so two different names can arrive as one path.
  it('a U+FFFD name is used with a notice; a second file under the same path is reported, not swapped in', async () => {
    const png = generateDemoDataset({ count: 3, size: 32, seed: 9 }).find((f) => f.path.endsWith('.png'))!.bytes;
    const blob = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]);
    const files = [
      { path: 'ds/images/normal/a.png', blob: blob(png) },
      { path: 'ds/images/opacity/b.png', blob: blob(png) },
      { path: 'ds/images/normal/n007_\uFFFDt\uFFFD.png', blob: blob(png) },
      { path: 'ds/images/normal/n007_\uFFFDt\uFFFD.png', blob: blob(png.subarray(0, 10)) },
    ];
    const ds = await scanDataset(entriesFromBlobs(files));
    expect(ds.samples.map((s) => s.imagePath).sort()).toEqual(['ds/images/normal/a.png', 'ds/images/normal/n007_\uFFFDt\uFFFD.png', 'ds/images/opacity/b.png']);
    expect(ds.problems.map((p) => p.error)).toEqual([
      expect.stringMatching(/not UTF-8, shown as \uFFFD by the browser; used under that name/),
      expect.stringMatching(/another file has the same path/),
    ]);
  });
});
