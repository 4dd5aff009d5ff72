/**
 * Refreshes the README's screenshots (docs/screenshots/*.png): the studio with the demo loaded,
 * training in progress, and a finished run's results. A documentation generator, not a check:
 * playwright.config.ts leaves it out of the suite unless GAZECAM_SCREENSHOTS is set. Run with
 *   GAZECAM_SCREENSHOTS=1 npx playwright test e2e/screenshots.spec.ts
 */
import { join } from 'node:path';
import { expect, openStudio, test } from './studio.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots');

test.setTimeout(600_000);
test.use({ viewport: { width: 1440, height: 900 } });

test('main screens', async ({ page }) => {
  await openStudio(page);
  await page.getByLabel('Architecture', { exact: true }).selectOption('resnet10-small');
  await page.getByLabel('Input size', { exact: true }).selectOption('64');
  await page.getByLabel('Epochs', { exact: true }).fill('1');
  await page.getByRole('button', { name: 'Load demo dataset' }).click();
  await expect(page.getByRole('list', { name: 'Dataset images' }).getByRole('img')).toHaveCount(24, { timeout: 120_000 });
  await page.screenshot({ path: join(OUT, 'dataset.png') });

  await page.getByRole('button', { name: 'Start training' }).click();
  const refresh = page.getByRole('status', { name: 'CAM refresh' });
  await expect(refresh).toHaveText(/after step/, { timeout: 300_000 });
  await page.getByRole('region', { name: 'Training progress' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'training.png') });

  await expect(page.getByRole('status', { name: 'Training status' })).toHaveText(/finished/i, { timeout: 600_000 });
  await page.getByRole('region', { name: 'CAM overlays' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'results.png'), fullPage: true });
});
