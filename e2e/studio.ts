/**
 * Shared e2e helpers: a `test` whose page fails the test on any uncaught page error, and
 * `openStudio`, which loads the app and waits for the worker's WebGPU adapter, failing at once with
 * the worker's own reason when there is none (never a silent skip, never a bare timeout).
 */
import { expect, test as base, type Page } from '@playwright/test';

export const test = base.extend<{ pageErrors: Error[] }>({
  pageErrors: async ({ page }, use) => {
    const errors: Error[] = [];
    page.on('pageerror', (error) => errors.push(error));
    await use(errors);
    expect(errors.map((e) => e.message), 'uncaught errors in the page').toEqual([]);
  },
});
export { expect };

/** Loads the studio and returns the adapter text the UI shows ("google swiftshader — ..."). */
export async function openStudio(page: Page): Promise<string> {
  await page.goto('/');
  return waitForWebGpu(page);
}

/** Waits for the worker's WebGPU backend on the loaded page; throws the worker's reason if none. */
export async function waitForWebGpu(page: Page): Promise<string> {
  const gpu = page.getByRole('status', { name: 'GPU' });
  const adapter = gpu.getByText(/^WebGPU: /);
  const missing = gpu.getByText('WebGPU is not available.');
  await expect(adapter.or(missing)).toBeVisible({ timeout: 60_000 });
  if (await missing.isVisible()) {
    throw new Error(
      `No WebGPU adapter in Chromium: ${await gpu.innerText()}\n` +
        'Check the launch flags in playwright.config.ts (--enable-unsafe-webgpu) and that Debian chromium is installed.',
    );
  }
  await expect(gpu.getByText(/WebGPU ready|WebGPU failed/)).toBeVisible({ timeout: 120_000 });
  const failed = gpu.getByText(/WebGPU failed/);
  if (await failed.isVisible()) throw new Error(`tfjs webgpu backend failed in the worker: ${await failed.innerText()}`);
  return (await adapter.innerText()).replace(/^WebGPU: /, '');
}

/** The settings training tests use: a tiny net at 32 px (SwiftShader is a CPU), batch 8. */
export async function configureTinyRun(page: Page, epochs: number): Promise<void> {
  await page.getByLabel('Architecture', { exact: true }).selectOption('resnet10-tiny');
  await page.getByLabel('Input size', { exact: true }).selectOption('32');
  await page.getByLabel('Batch size', { exact: true }).fill('8');
  await page.getByLabel('Epochs', { exact: true }).fill(String(epochs));
}

/** Loads the demo (300 images: 240 train, so 30 steps per epoch at batch 8) and waits for its report. */
export async function loadDemo(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Load demo dataset' }).click();
  await expect(page.getByRole('region', { name: 'Dataset report' })).toBeVisible({ timeout: 120_000 });
}

/** The training progressbar's aria-valuenow (0..100). */
export async function percentDone(page: Page): Promise<number> {
  return Number(await page.getByRole('region', { name: 'Training progress' }).getByRole('progressbar').getAttribute('aria-valuenow'));
}
