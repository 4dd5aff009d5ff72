/**
 * A picked folder holding a file whose name is not UTF-8 (a Latin-1 "é" byte, as archives from
 * older Windows machines carry). Chromium leaves such a file out of the folder's FileList
 * altogether (webkitRelativePath never shows it; checked in Debian's Chromium), so the studio
 * cannot see it: the rest must load, and a table row naming it must be reported with its line.
 * The CLI reads the bytes and ingests the file (test/data/names.test.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateDemoDataset } from '../src/data/demo.ts';
import { expect, openStudio, test } from './studio.ts';

test('a folder with a non-UTF-8 file name loads; a split.csv row naming that file is reported with its line', async ({ page, pageErrors: _ }) => {
  const root = mkdtempSync(join(tmpdir(), 'gazecam-e2e-names-'));
  const dataset = join(root, 'latin1-cxr');
  try {
    const files = generateDemoDataset({ count: 6, size: 32, seed: 3 });
    for (const file of files) {
      mkdirSync(dirname(join(dataset, file.path)), { recursive: true });
      writeFileSync(join(dataset, file.path), file.bytes);
    }
    const latin1 = Buffer.from([0x6e, 0x30, 0x30, 0x37, 0x5f, 0xe9, 0x74, 0xe9, 0x2e, 0x70, 0x6e, 0x67]); // n007_été.png
    writeFileSync(Buffer.concat([Buffer.from(join(dataset, 'images/normal/')), latin1]), files.find((f) => f.path.endsWith('.png'))!.bytes);
    // The split file written on the same machine names it in the same Latin-1 bytes, on line 8.
    const split = readFileSync(join(dataset, 'split.csv'));
    expect(split.toString('utf8').trimEnd().split('\n')).toHaveLength(7);
    writeFileSync(join(dataset, 'split.csv'), Buffer.concat([split, Buffer.from('images/normal/'), latin1, Buffer.from(',test,,\n')]));

    await openStudio(page);
    await page.getByLabel('Dataset folder', { exact: true }).setInputFiles(dataset);
    const report = page.getByRole('region', { name: 'Dataset report' });
    await expect(report).toBeVisible({ timeout: 120_000 });
    await expect(report.getByRole('heading')).toContainText('latin1-cxr');
    await expect(report.getByRole('definition').first()).toHaveText('6');
    await report.getByText(/skipped/).click();
    const skipped = report.getByRole('list', { name: 'Skipped files' });
    await expect(skipped).toContainText('split.csv');
    await expect(skipped).toContainText(/line 8: images\/normal\/n007_\uFFFDt\uFFFD\.png is not in the dataset/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
