/**
 * The training recipe in the studio: the augmentation preview (one training image drawn several
 * times, gaze moving with it) and "Compare methods" (methods x seeds trained one after another in
 * the worker, then the summary table and chart), driven as a user.
 */
import type { Locator } from '@playwright/test';
import { configureTinyRun, expect, loadDemo, openStudio, test } from './studio.ts';

test.setTimeout(600_000);

const pixels = (canvas: Locator) =>
  canvas.evaluate((c) => {
    const el = c as HTMLCanvasElement;
    return Array.from(el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data);
  });

test('previews the augmentation: draws that differ, each with its gaze', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await configureTinyRun(page, 1);
  await loadDemo(page);
  await page.getByLabel('Augmentation', { exact: true }).selectOption('standard');
  await page.getByRole('button', { name: 'Preview augmentation' }).click();
  const preview = page.getByRole('region', { name: 'Augmentation preview' });
  const draws = preview.getByRole('img', { name: /^Augmented draw \d+ with gaze$/ });
  await expect(draws).toHaveCount(6, { timeout: 60_000 });
  await expect(preview).toContainText('"standard" augmentation');
  const [first, second] = [await pixels(draws.nth(0)), await pixels(draws.nth(1))];
  expect(new Set(first.filter((_, i) => i % 4 === 0)).size, 'a non-blank draw').toBeGreaterThan(10);
  expect(second, 'two draws of the same image differ').not.toEqual(first);

  // With augmentation off, every draw is the original image.
  await page.getByLabel('Augmentation', { exact: true }).selectOption('none');
  await page.getByRole('button', { name: 'Preview augmentation' }).click();
  await expect(preview).toContainText('"none" augmentation', { timeout: 60_000 });
  expect(await pixels(draws.nth(1))).toEqual(await pixels(draws.nth(0)));
});

test('compares methods over seeds in the worker and shows the table and the chart', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await configureTinyRun(page, 1);
  await loadDemo(page);
  const panel = page.getByRole('region', { name: 'Compare methods' });
  await panel.getByRole('checkbox', { name: /^cam:mse/ }).uncheck();
  await panel.getByLabel('Seeds per method').fill('1');
  await expect(panel.getByRole('status', { name: 'Comparison status' })).toHaveText('2 runs.');
  await panel.getByRole('button', { name: 'Compare methods' }).click();
  const status = panel.getByRole('status', { name: 'Comparison status' });
  await expect(status).toHaveText(/^Run 1 of 2: none, seed 0/, { timeout: 300_000 });
  await expect(status).toHaveText('Compared 2 method(s) over 1 seed(s): 2 runs.', { timeout: 500_000 });
  const table = panel.getByRole('table', { name: /mean ± sd over 1 seed/ });
  await expect(table.getByRole('rowheader')).toHaveText(['none', 'cam:kl']);
  await expect(panel.getByRole('table', { name: 'Difference to none, paired by seed' }).getByRole('rowheader')).toHaveText(['cam:kl']);
  const chart = panel.getByRole('img', { name: 'Comparison chart' });
  await expect(chart).toBeVisible();
  expect(new Set((await pixels(chart)).filter((_, i) => i % 4 === 0)).size, 'a drawn chart').toBeGreaterThan(2);
  // The studio is free again: a normal run can start.
  await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled();
});
