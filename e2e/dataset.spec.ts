/**
 * Data in: the demo dataset and a picked folder (native layout) reach the worker, are scanned by
 * src/data, and come back as a report; bad files are listed with reasons, never fatal.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateDemoDataset } from '../src/data/demo.ts';
import { expect, openStudio, test } from './studio.ts';

test('"Load demo dataset" generates, scans and reports the demo', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await page.getByRole('button', { name: 'Load demo dataset' }).click();
  const report = page.getByRole('region', { name: 'Dataset report' });
  await expect(report).toBeVisible({ timeout: 120_000 });
  await expect(report.getByRole('definition').first()).toHaveText('300');
  const classes = report.getByRole('table', { name: 'Images per class' });
  for (const label of ['normal', 'opacity', 'nodule']) {
    await expect(classes.getByRole('row', { name: label })).toContainText('100');
  }
  await expect(report.getByText(/train \d+ · val \d+ · test \d+/)).toBeVisible();
});

test('a picked folder is scanned; bad files are listed with reasons', async ({ page, pageErrors: _ }) => {
  const root = mkdtempSync(join(tmpdir(), 'gazecam-e2e-'));
  const dataset = join(root, 'tiny-cxr');
  try {
    for (const file of generateDemoDataset({ count: 6, size: 32, seed: 3 })) {
      const path = join(dataset, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.bytes);
    }
    writeFileSync(join(dataset, 'images/normal/not-an-xray.png'), 'this is not a PNG');

    await openStudio(page);
    await page.getByLabel('Dataset folder', { exact: true }).setInputFiles(dataset);
    const report = page.getByRole('region', { name: 'Dataset report' });
    await expect(report).toBeVisible({ timeout: 120_000 });
    await expect(report.getByRole('heading')).toContainText('tiny-cxr');
    await expect(report.getByRole('definition').first()).toHaveText('6');
    await report.getByText(/skipped/).click();
    await expect(report.getByRole('list', { name: 'Skipped files' })).toContainText('images/normal/not-an-xray.png');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
