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

test('the dataset grid shows X-rays with gaze, filtered by class', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await page.getByRole('button', { name: 'Load demo dataset' }).click();
  const gallery = page.getByRole('region', { name: 'Dataset images' });
  const grid = gallery.getByRole('list', { name: 'Dataset images' });
  await expect(grid.getByRole('img')).toHaveCount(24, { timeout: 120_000 });

  await gallery.getByLabel('Class', { exact: true }).selectOption('nodule');
  await expect(grid.getByRole('img')).toHaveCount(24);
  for (const name of await grid.getByRole('img').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))) {
    expect(name).toMatch(/, nodule, /);
  }

  // The gaze overlay changes pixels; turning it off restores the plain X-ray.
  const first = grid.getByRole('img').first();
  const pixels = () => first.evaluate((c) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 96, 96).data));
  const withGaze = await pixels();
  await gallery.getByRole('checkbox', { name: 'Show gaze' }).uncheck();
  await expect.poll(pixels).not.toEqual(withGaze);
  const plain = await pixels();
  expect(new Set(plain.filter((_, i) => i % 4 === 0)).size, 'a non-blank X-ray').toBeGreaterThan(10);

  await gallery.getByRole('button', { name: /Show more/ }).click();
  await expect(grid.getByRole('img')).toHaveCount(48, { timeout: 120_000 });
});

test('files dropped anywhere on the page are read', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  // A script-built drop carries a flat file list (no folder entries): one stray file, no layout.
  await page.evaluate(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['not an image'], 'notes.txt', { type: 'text/plain' }));
    const target = document.querySelector('main') ?? document.body;
    for (const type of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    }
  });
  const outcome = page
    .getByRole('region', { name: 'Dataset report' })
    .or(page.getByRole('alert').filter({ hasText: 'Could not read the folder' }));
  await expect(outcome).toBeVisible();
  await expect(outcome).toContainText('No images found');
});

test('DICOMs of every transfer syntax decode in the browser, on the WebAssembly codecs', async ({ page, pageErrors: _ }) => {
  const { dicomSpecs, makeDicom } = await import('../scripts/make-data-fixtures.ts');
  const root = mkdtempSync(join(tmpdir(), 'gazecam-e2e-dicom-'));
  const dataset = join(root, 'dicom-set');
  try {
    const names = Object.keys(dicomSpecs());
    for (const [i, [name, spec]] of Object.entries(dicomSpecs()).entries()) {
      const path = join(dataset, 'images', i % 2 ? 'b' : 'a', `${name}.dcm`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, await makeDicom(spec));
    }
    await openStudio(page);
    await page.getByLabel('Dataset folder', { exact: true }).setInputFiles(dataset);
    const report = page.getByRole('region', { name: 'Dataset report' });
    await expect(report.getByRole('definition').first()).toHaveText(String(names.length), { timeout: 120_000 });
    const grid = page.getByRole('list', { name: 'Dataset images' });
    await expect(grid.getByRole('img')).toHaveCount(names.length, { timeout: 120_000 });
    await expect(grid.getByRole('img', { name: /could not be read/ })).toHaveCount(0);
    const { codecBuilds } = await page.evaluate(() => window.gazecam!.diagnostics());
    console.log(`codec builds in the worker: ${JSON.stringify(codecBuilds)}`);
    expect(Object.values(codecBuilds).length).toBeGreaterThan(0);
    for (const build of Object.values(codecBuilds)) expect(build).toBe('wasm');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
