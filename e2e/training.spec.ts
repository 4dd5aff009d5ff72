/**
 * Training in the browser, driven as a user: demo dataset, a tiny model at 32 px (SwiftShader is a
 * CPU), progress, CAM overlays that change between refreshes, pause/resume and stop.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, openStudio, test } from './studio.ts';

test.setTimeout(600_000);

async function configureTinyRun(page: Page, epochs: number): Promise<void> {
  await page.getByLabel('Architecture', { exact: true }).selectOption('resnet10-tiny');
  await page.getByLabel('Input size', { exact: true }).selectOption('32');
  await page.getByLabel('Batch size', { exact: true }).fill('8');
  await page.getByLabel('Epochs', { exact: true }).fill(String(epochs));
}

const canvasPixels = (canvas: Locator) =>
  canvas.evaluate((c) => {
    const el = c as HTMLCanvasElement;
    return Array.from(el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data);
  });

async function percentDone(page: Page): Promise<number> {
  return Number(await page.getByRole('region', { name: 'Training progress' }).getByRole('progressbar').getAttribute('aria-valuenow'));
}

test('trains the demo with live progress, changing CAM overlays, pause/resume and stop', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await configureTinyRun(page, 2);
  await page.getByRole('button', { name: 'Load demo dataset' }).click();
  await expect(page.getByRole('region', { name: 'Dataset report' })).toBeVisible({ timeout: 120_000 });

  const start = page.getByRole('button', { name: 'Start training' });
  await expect(start).toBeEnabled();
  const startedAt = Date.now();
  await start.click();

  const progress = page.getByRole('region', { name: 'Training progress' }).getByRole('progressbar');
  await expect.poll(() => percentDone(page), { timeout: 300_000 }).toBeGreaterThan(0);
  console.log(`first progress after ${Date.now() - startedAt} ms`);

  // CAM overlays: a CAM canvas that is not blank, and that changes at the next refresh.
  const cams = page.getByRole('region', { name: 'CAM overlays' });
  const firstCam = cams.getByRole('img', { name: /: CAM for / }).first();
  await expect(firstCam).toBeVisible({ timeout: 120_000 });
  const refresh = cams.getByRole('status', { name: 'CAM refresh' });
  const before = await refresh.innerText();
  const pixelsBefore = await canvasPixels(firstCam);
  await expect(refresh).not.toHaveText(before, { timeout: 300_000 });
  const pixelsAfter = await canvasPixels(firstCam);
  expect(new Set(pixelsAfter.filter((_, i) => i % 4 === 0)).size, 'a non-blank CAM overlay').toBeGreaterThan(10);
  expect(pixelsAfter, 'the CAM overlay changed between refreshes').not.toEqual(pixelsBefore);

  // Pause holds the step count; pressing Pause again resumes.
  const pause = page.getByRole('button', { name: 'Pause' });
  await pause.click();
  await expect(pause).toHaveAttribute('aria-pressed', 'true');
  await page.waitForTimeout(4_000); // let the step in flight finish
  const pausedAt = await progress.getAttribute('aria-valuenow');
  await page.waitForTimeout(4_000);
  await expect(progress).toHaveAttribute('aria-valuenow', pausedAt!);
  await pause.click();
  await expect(pause).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(() => percentDone(page), { timeout: 120_000 }).toBeGreaterThan(Number(pausedAt));

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('status', { name: 'Training status' })).toHaveText(/stopped/i, { timeout: 120_000 });
  await expect(start).toBeEnabled();
  console.log(`trained to ${await progress.getAttribute('aria-valuenow')}% in ${Date.now() - startedAt} ms`);
});
