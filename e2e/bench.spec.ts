/**
 * The bench page (bench.html) runs the benchmark suite of src/bench in Chromium's workers on each
 * backend. A tiny configuration per backend: the point is the report's structure and sanity (named
 * devices, positive finite figures, no tensor leak), never its speed; timings are not asserted.
 * WebGL must really be tfjs's webgl backend: if Chromium gives none, the page fails and so does this.
 */
import type { BenchPageState } from '../src/bench/browser/protocol.ts';
import type { BrowserBenchReport } from '../src/bench/report.ts';
import { expect, test } from './studio.ts';

const TINY = 'cases=resnet10-tiny:32:2&warmup=1&runs=1&kernelBatch=2&kernelCam=2&kernelChannels=16&kernelOut=16';

async function runBench(page: import('@playwright/test').Page, query: string): Promise<BrowserBenchReport> {
  await page.goto(`/bench.html?${query}`);
  const status = page.getByRole('status', { name: 'Benchmark status' });
  await expect(status).toHaveText(/^(Done\.|Failed: )/, { timeout: 150_000 });
  const state = await page.evaluate(() => window.__gazecamBench as BenchPageState);
  if (state.status !== 'done') throw new Error(`the bench page failed: ${state.error}\n${state.log.join('\n')}`);
  // The page's JSON view holds the same report the script prints.
  expect(JSON.parse((await page.getByTestId('bench-json').textContent()) ?? '')).toEqual(state.report);
  return state.report;
}

function expectPositiveFinite(values: Record<string, unknown>, keys: string[]): void {
  for (const key of keys) {
    const value = values[key];
    expect(typeof value === 'number' && Number.isFinite(value) && value > 0, `${key} = ${String(value)} must be a positive finite number`).toBe(true);
  }
}

function expectTrainingRow(report: BrowserBenchReport, backend: string): void {
  expect(report.training).toHaveLength(1);
  const row = report.training[0]!;
  expect(row).toMatchObject({ arch: 'resnet10-tiny', size: 32, batch: 2, backend, tensorLeak: 0, device: report.backends[backend]!.description });
  expectPositiveFinite(row as unknown as Record<string, unknown>, ['imagesPerSec', 'stepMs', 'gflopPerImage', 'achievedGflops', 'firstStepMs']);
  expect(row.imagesPerSec).toBeCloseTo((row.batch * 1000) / row.stepMs, 6);
  expect(row.achievedGflops).toBeCloseTo(row.gflopPerImage * row.imagesPerSec, 6);
  const tensors = report.tensors[backend]!;
  expect(tensors.after, 'tensors alive in the worker after the suite vs before').toBe(tensors.before);
}

test('webgpu: fused kernels vs composed ops and a training step, with the adapter named', async ({ page, pageErrors: _ }) => {
  const report = await runBench(page, `backends=webgpu&${TINY}`);
  expect(report.adapter.description, 'the WebGPU adapter must be named').not.toBe('');
  expect(report.adapter.vendor).not.toBe('');
  expect(report.backends).toEqual({ webgpu: report.adapter });
  expect(report.kernels).toHaveLength(1);
  const kernel = report.kernels[0]!;
  expect(kernel).toMatchObject({ name: 'cam+refine fwd+bwd', shape: 'B2 2x2x16 -> 16x16 K3', backend: 'webgpu' });
  expectPositiveFinite(kernel as unknown as Record<string, unknown>, ['fusedMs', 'composedMs', 'speedup', 'composedReferenceMs', 'composedNaiveMs', 'fusedFirstMs']);
  expect(kernel.composedMs).toBe(Math.min(kernel.composedReferenceMs, kernel.composedNaiveMs));
  expectTrainingRow(report, 'webgpu');
  expect(report.training[0]!.convFilterKernel).toBe('gazecam');
  expect(report.runtime.thread).toBe('worker');
});

test('webgl: a training step on tfjs webgl in a worker, with the WebGL renderer named', async ({ page, pageErrors: _ }) => {
  const report = await runBench(page, `suite=training&backends=webgl&${TINY}`);
  const webgl = report.backends.webgl;
  expect(webgl, 'the page must report the webgl backend it ran on').toBeDefined();
  expect(webgl!.description, 'the WEBGL renderer string').not.toBe('');
  expect(webgl!.architecture).toMatch(/^WebGL 2\.0/);
  expect(report.adapter).toEqual(webgl);
  expect(report.kernels).toEqual([]);
  expectTrainingRow(report, 'webgl');
});

test('cpu: a training step on tfjs cpu; the kernel suite says it runs on webgpu only', async ({ page, pageErrors: _ }) => {
  const report = await runBench(page, `backends=cpu&${TINY}`);
  expect(report.backends.cpu).toMatchObject({ vendor: 'cpu', architecture: 'tfjs-cpu' });
  expect(report.kernels).toEqual([]);
  expectTrainingRow(report, 'cpu');
  await expect(page.getByTestId('bench-log')).toContainText('kernels on cpu: not run (the fused kernels exist on webgpu only)');
});

test('profile=1 and ab=: per-kernel times on webgpu (timestamp queries) and a paired A/B', async ({ page, pageErrors: _ }) => {
  const report = await runBench(page, `suite=training&backends=webgpu&${TINY}&profile=1`);
  const profile = report.training[0]!.profile!;
  expect(profile, 'the training row carries its profile').toBeDefined();
  expect(profile.timer).toBe('webgpu-timestamp-query');
  expect(profile.kernels.map((k) => k.name)).toEqual(expect.arrayContaining(['Conv2D', 'Conv2DBackpropFilter']));
  expect(profile.kernelMs, 'timestamp queries must give non-zero kernel times').toBeGreaterThan(0);
  expect(profile.kernels.reduce((n, k) => n + k.calls, 0)).toBe(profile.kernelCalls);
  await expect(page.getByRole('table', { name: /Per-kernel time of one profiled step/ })).toBeVisible();

  const ab = await runBench(page, `suite=training&backends=webgpu&${TINY}&ab=optimizer:fused:composed`);
  expect(ab.training).toEqual([]);
  expect(ab.ab).toHaveLength(1);
  expect(ab.ab[0]).toMatchObject({ what: 'optimizer update', backend: 'webgpu', arch: 'resnet10-tiny' });
  expectPositiveFinite(ab.ab[0] as unknown as Record<string, unknown>, ['aMs', 'bMs', 'pairedRatio']);
  expect(ab.tensors.webgpu!.after).toBe(ab.tensors.webgpu!.before);
});

test('a bad query parameter fails the page with what it takes', async ({ page, pageErrors: _ }) => {
  await page.goto('/bench.html?backends=webgpu,wasm');
  await expect(page.getByRole('status', { name: 'Benchmark status' })).toHaveText(/Failed: query parameter backends: unknown backend "wasm"/);
});
