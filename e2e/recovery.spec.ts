/**
 * What a run survives in the browser: a lost GPU device mid-run (the studio replaces its worker and
 * resumes from the last checkpoint without a reload) and a NaN loss (the run stops with a message
 * naming the last good checkpoint, and the page stays usable). Both faults come from the test hooks
 * on `window.gazecam` (src/app/diagnostics.ts); everything after the fault is the studio's own path.
 * Also the per-epoch validation chart, whose point count follows the epochs, and a folder run
 * resumed after a reload on the images the browser kept, without the folder being picked again.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from '@playwright/test';
import { generateDemoDataset } from '../src/data/demo.ts';
import { configureTinyRun, expect, loadDemo, openStudio, percentDone, test, waitForWebGpu } from './studio.ts';

test.setTimeout(300_000);

/** 30 steps per epoch with a checkpoint every 8: at step 10 (33%) the checkpoint of step 8 is stored. */
const PAST_FIRST_CHECKPOINT_PERCENT = 33;
const STEPS_PER_EPOCH = 30;

const trainingStatus = (page: Page) => page.getByRole('status', { name: 'Training status' });
const validationChart = (page: Page) => page.getByRole('img', { name: 'Validation metrics by epoch' });

/** The keys of the studio's IndexedDB store of interrupted runs (src/worker/run_store.ts). */
const storedRunKeys = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('gazecam-studio');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const keys = open.result.transaction('runs').objectStore('runs').getAllKeys();
          keys.onsuccess = () => resolve(keys.result.map(String).sort());
          keys.onerror = () => reject(keys.error);
        };
      }),
  );

test('a lost GPU device mid-run recovers in place and resumes from the last checkpoint', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await configureTinyRun(page, 1);
  await loadDemo(page);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect.poll(() => percentDone(page), { timeout: 240_000 }).toBeGreaterThanOrEqual(PAST_FIRST_CHECKPOINT_PERCENT);
  // No epoch has finished yet: the validation chart is there, empty.
  await expect(validationChart(page)).toHaveAttribute('data-points', '0');

  // A marker that a reload would wipe: recovery must happen in this very page.
  await page.evaluate(() => {
    (window as unknown as { recoveryMarker: string }).recoveryMarker = 'same page';
    window.gazecam!.loseDevice();
  });

  await expect(page.getByRole('alert').filter({ hasText: 'The GPU device was lost' })).toContainText('Resume training');
  await expect(trainingStatus(page)).toHaveText(/Interrupted: the GPU device was lost/);
  const gpu = page.getByRole('status', { name: 'GPU' });
  await expect(gpu).toContainText('WebGPU ready (a new device, after a lost one)', { timeout: 120_000 });

  const banner = page.getByRole('region', { name: 'Unfinished run' });
  await expect(banner).toBeVisible({ timeout: 120_000 });
  const savedAfter = Number((await banner.innerText()).match(/after (\d+) steps/)![1]);
  expect(savedAfter, 'the checkpoint the run had reached before the loss').toBeGreaterThanOrEqual(8);
  const resume = banner.getByRole('button', { name: 'Resume training' });
  await expect(resume).toBeEnabled({ timeout: 120_000 });
  await resume.click();

  // The first progress of the resumed run already counts the checkpoint's steps: not step 0.
  await expect.poll(() => percentDone(page), { timeout: 240_000 }).toBeGreaterThan(0);
  expect(await percentDone(page)).toBeGreaterThanOrEqual(Math.floor((100 * savedAfter) / STEPS_PER_EPOCH));
  await expect(trainingStatus(page)).toHaveText(/finished/i, { timeout: 240_000 });
  await expect(page.getByRole('region', { name: 'Training progress' }).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await expect(page.getByRole('region', { name: 'Unfinished run' })).toHaveCount(0);

  // One epoch: one point on the chart, one row in its table fallback.
  await expect(validationChart(page)).toHaveAttribute('data-points', '1');
  await expect(page.getByRole('table', { name: 'Validation metrics per epoch' }).getByRole('row', { name: /^1 / })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { recoveryMarker?: string }).recoveryMarker)).toBe('same page');
});

test('a NaN loss stops the run, names the last good checkpoint, and leaves the studio usable', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await configureTinyRun(page, 1);
  await loadDemo(page);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect.poll(() => percentDone(page), { timeout: 240_000 }).toBeGreaterThanOrEqual(PAST_FIRST_CHECKPOINT_PERCENT);

  await page.evaluate(() => window.gazecam!.corruptWeights());
  // Seen by the loss check, or by the next checkpoint if one comes first (both name the kept one).
  await expect(trainingStatus(page)).toHaveText(/Loss became NaN|became NaN or Inf/, { timeout: 120_000 });
  const status = await trainingStatus(page).innerText();
  const kept = status.match(/the last good checkpoint \(epoch (\d+), step (\d+)\) is kept/);
  expect(kept, `the message names the checkpoint: "${status}"`).not.toBeNull();
  expect(status).toMatch(/lower learning rate/);
  await expect(page.getByRole('alert').filter({ hasText: /^Training failed: .*NaN/ })).toBeVisible();

  // The kept checkpoint is the one the banner offers, at the step the message names.
  const banner = page.getByRole('region', { name: 'Unfinished run' });
  await expect(banner).toBeVisible({ timeout: 60_000 });
  expect(Number(kept![1]) * STEPS_PER_EPOCH + Number(kept![2])).toBe(Number((await banner.innerText()).match(/after (\d+) steps/)![1]));

  // Still usable: the worker answers, and a new run can start.
  expect((await page.evaluate(() => window.gazecam!.diagnostics())).backend).toBe('webgpu');
  await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled();
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect.poll(() => percentDone(page), { timeout: 240_000 }).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(trainingStatus(page)).toHaveText(/stopped/i, { timeout: 120_000 });
});

test('a folder run resumes after a reload on the images kept in the browser, without picking the folder again', async ({ page, pageErrors: _ }) => {
  const root = mkdtempSync(join(tmpdir(), 'gazecam-e2e-resume-'));
  const folder = join(root, 'ward-7-cxr');
  try {
    for (const file of generateDemoDataset({ count: 120, size: 64, seed: 11 })) {
      mkdirSync(dirname(join(folder, file.path)), { recursive: true });
      writeFileSync(join(folder, file.path), file.bytes);
    }
    await openStudio(page);
    await configureTinyRun(page, 1);
    await page.getByLabel('Dataset folder', { exact: true }).setInputFiles(folder);
    const report = page.getByRole('region', { name: 'Dataset report' });
    await expect(report.getByRole('heading')).toContainText('ward-7-cxr', { timeout: 120_000 });
    const trainImages = Number((await report.getByText(/train \d+ · val/).innerText()).match(/train (\d+)/)![1]);
    const stepsPerEpoch = Math.floor(trainImages / 8);
    const checkpointEvery = Math.ceil(stepsPerEpoch / 4);
    await page.getByRole('button', { name: 'Start training' }).click();
    // Progress arrives every 2 steps; past the first checkpoint's step plus one, it is stored.
    await expect.poll(() => percentDone(page), { timeout: 240_000 }).toBeGreaterThanOrEqual(
      Math.floor((100 * (checkpointEvery + 1)) / stepsPerEpoch),
    );

    expect(await storedRunKeys(page), 'the checkpoint and the preprocessed images').toEqual(['interrupted', 'interrupted-data']);
    await page.reload();
    await waitForWebGpu(page);
    // The browser forgot the picked files; nothing is loaded, and nothing needs to be.
    await expect(page.getByRole('region', { name: 'Dataset report' })).toHaveCount(0);
    const banner = page.getByRole('region', { name: 'Unfinished run' });
    await expect(banner).toContainText('the folder "ward-7-cxr" (its images are kept in this browser)', { timeout: 120_000 });
    const savedAfter = Number((await banner.innerText()).match(/after (\d+) steps/)![1]);
    expect(savedAfter).toBeGreaterThanOrEqual(checkpointEvery);
    await banner.getByRole('button', { name: 'Resume training' }).click();

    await expect.poll(() => percentDone(page), { timeout: 240_000 }).toBeGreaterThan(0);
    expect(await percentDone(page)).toBeGreaterThanOrEqual(Math.floor((100 * savedAfter) / stepsPerEpoch));
    await expect(trainingStatus(page)).toHaveText(/finished/i, { timeout: 240_000 });
    await expect(validationChart(page)).toHaveAttribute('data-points', '1');
    // Finished: the checkpoint and the kept images are gone from the browser's storage.
    expect(await storedRunKeys(page)).toEqual([]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
