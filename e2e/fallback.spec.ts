/**
 * Without WebGPU (Chromium launched without --enable-unsafe-webgpu has no adapter here), the studio
 * says so and offers the slower fallback; on it, the same kernels give the same numbers.
 */
import { BASE_ARGS, CHROMIUM_EXECUTABLE } from './chromium.ts';
import { camReference, maxRelativeError } from './cam_reference_math.ts';
import { KERNEL_CASES } from './kernel_cases.ts';
import { expect, test } from './studio.ts';

test.use({ launchOptions: { executablePath: CHROMIUM_EXECUTABLE, args: BASE_ARGS } });

test('without WebGPU the studio says so and runs the engine on the slower fallback', async ({ page, pageErrors: _ }) => {
  await page.goto('/');
  const gpu = page.getByRole('status', { name: 'GPU' });
  await expect(gpu.getByText('WebGPU is not available.')).toBeVisible();
  await expect(gpu.getByText(/no adapter was found/)).toBeVisible();

  await gpu.getByRole('button', { name: /Use slower fallback/ }).click();
  await expect(gpu.getByText(/\(fallback\) ready/)).toBeVisible();
  await expect(gpu.getByRole('button', { name: /Use slower fallback/ })).toHaveCount(0);

  const report = await page.evaluate((cases) => window.gazecam!.selfTest(cases), KERNEL_CASES);
  expect(['webgl', 'cpu']).toContain(report.backend);
  expect(report.numTensorsAfter).toBe(report.numTensorsBefore);
  for (const [i, input] of KERNEL_CASES.entries()) {
    const expected = camReference(input);
    const actual = report.cases[i]!;
    expect(maxRelativeError(actual.cams, expected.cams), `${input.name}: cams`).toBeLessThanOrEqual(1e-4);
    expect(maxRelativeError(actual.sigmoidCams, expected.sigmoidCams), `${input.name}: sigmoidCams`).toBeLessThanOrEqual(1e-4);
    if (input.gradient) {
      expect(maxRelativeError(actual.dFmap ?? [], expected.dFmap!), `${input.name}: dFmap`).toBeLessThanOrEqual(1e-4);
    }
  }
});
