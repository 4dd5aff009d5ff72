import { expect, openStudio, test } from './studio.ts';

test('opens the studio and shows the WebGPU adapter the worker got', async ({ page, pageErrors: _ }) => {
  const adapter = await openStudio(page);
  // SwiftShader here; a real GPU's vendor and architecture elsewhere. Never empty.
  expect(adapter.trim()).not.toBe('');
  console.log(`adapter: ${adapter}`);

  const report = await page.evaluate(() => window.gazecam!.selfTest([]));
  expect(report.backend).toBe('webgpu');
});

test('lays out every control by its accessible name; a disabled control says why', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await expect(page.getByLabel('Dataset folder', { exact: true })).toBeAttached();
  await expect(page.getByRole('region', { name: 'Drop dataset folder here' })).toBeVisible();
  for (const name of ['Load demo dataset', 'Start training', 'Pause', 'Stop', 'Export weights', 'Import weights']) {
    await expect(page.getByRole('button', { name, exact: true })).toBeVisible();
  }
  for (const label of ['Architecture', 'Input size', 'Batch size', 'Epochs', 'Learning rate', 'Gaze loss weight', 'Method']) {
    await expect(page.getByLabel(label, { exact: true })).toBeVisible();
  }
  const progress = page.getByRole('region', { name: 'Training progress' }).getByRole('progressbar');
  await expect(progress).toHaveAttribute('aria-valuenow', '0');
  await expect(page.getByRole('region', { name: 'CAM overlays' })).toBeVisible();

  // A disabled control says why, through its accessible description.
  const start = page.getByRole('button', { name: 'Start training' });
  if (await start.isDisabled()) {
    await expect(start).toHaveAccessibleDescription(/.+/);
  }

  // Defaults follow the detected device: a software adapter starts from a narrow net at 64 px.
  await expect(page.getByLabel('Architecture', { exact: true })).toHaveValue('resnet10-small');
  await expect(page.getByLabel('Input size', { exact: true })).toHaveValue('64');

  // Settings validate where the user types.
  const batch = page.getByLabel('Batch size', { exact: true });
  await batch.fill('0');
  await expect(batch).toHaveAttribute('aria-invalid', 'true');
  await expect(batch).toHaveAccessibleDescription(/between 1 and/);
  await batch.fill('4');
  await expect(batch).not.toHaveAttribute('aria-invalid', 'true');
});

test('is usable from the keyboard: skip link, focusable controls, visible focus', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to training' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();

  // From the top, Tab reaches the demo button, and Enter activates it.
  await skip.focus();
  const demo = page.getByRole('button', { name: 'Load demo dataset' });
  let presses = 0;
  while (!(await demo.evaluate((el) => el === document.activeElement)) && presses < 30) {
    await page.keyboard.press('Tab');
    presses++;
  }
  await expect(demo).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Dataset report' })).toBeVisible({ timeout: 120_000 });

  const architecture = page.getByLabel('Architecture', { exact: true });
  await architecture.focus();
  await expect(architecture).toBeFocused();
  const outline = await architecture.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline, 'focused controls show an outline').not.toBe('none');
});
