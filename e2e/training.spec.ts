/**
 * Training in the browser, driven as a user: demo dataset, a tiny model at 32 px (SwiftShader is a
 * CPU), progress, CAM overlays that change between refreshes, pause/resume and stop.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { encodeNpyFloat32 } from '../src/engine/io/npy.ts';
import { nchwToNhwc } from '../src/engine/io/layout.ts';
import { loadTfjsExport } from '../src/engine/io/tfjs_export.ts';
import { configureTinyRun, expect, openStudio, percentDone, test, waitForWebGpu } from './studio.ts';

test.setTimeout(600_000);

/**
 * The CAM panel's refresh caption and the first CAM canvas's pixels, read in one task of the page
 * so both describe the same frame (a refresh can land between two separate reads).
 */
const camSnapshot = (cams: Locator) =>
  cams.evaluate((region) => {
    const canvas = region.querySelector<HTMLCanvasElement>('canvas[aria-label*=": CAM for "]')!;
    const caption = region.querySelector('[role="status"][aria-label="CAM refresh"]')!.textContent;
    return { caption, pixels: Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data) };
  });

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
  const before = await camSnapshot(cams);
  await expect(refresh).not.toHaveText(before.caption!, { timeout: 300_000 });
  const after = await camSnapshot(cams);
  expect(new Set(after.pixels.filter((_, i) => i % 4 === 0)).size, 'a non-blank CAM overlay').toBeGreaterThan(10);
  expect(after.pixels, `the CAM overlay changed between "${before.caption}" and "${after.caption}"`).not.toEqual(before.pixels);

  // Pause holds the step count; pressing Pause again resumes.
  const pause = page.getByRole('button', { name: 'Pause' });
  await pause.click();
  await expect(pause).toHaveAttribute('aria-pressed', 'true');
  // The worker confirms once the step in flight is done; from then on nothing moves.
  await expect(page.getByRole('status', { name: 'Training status' })).toHaveText(/^Paused/, { timeout: 120_000 });
  const pausedAt = await progress.getAttribute('aria-valuenow');
  const tensorsAtFirstPause = (await page.evaluate(() => window.gazecam!.diagnostics())).numTensors;
  await page.waitForTimeout(5_000);
  await expect(progress).toHaveAttribute('aria-valuenow', pausedAt!);
  await pause.click();
  await expect(pause).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(() => percentDone(page), { timeout: 120_000 }).toBeGreaterThan(Number(pausedAt));

  // Between steps the live tensors are the model's and the optimizer's only: the same count at
  // every pause, however many steps and CAM refreshes ran in between.
  await pause.click();
  await expect(page.getByRole('status', { name: 'Training status' })).toHaveText(/^Paused/, { timeout: 120_000 });
  expect((await page.evaluate(() => window.gazecam!.diagnostics())).numTensors, 'tensors leaked by training steps').toBe(tensorsAtFirstPause);
  await pause.click();

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('status', { name: 'Training status' })).toHaveText(/stopped/i, { timeout: 120_000 });
  await expect(start).toBeEnabled();
  console.log(`trained to ${await progress.getAttribute('aria-valuenow')}% in ${Date.now() - startedAt} ms`);

  await exportAndImportBack(page);
});

/** safetensors header: 8-byte little-endian length, then JSON {name: {dtype, shape, data_offsets}}. */
function safetensorsHeader(bytes: Buffer): Record<string, { dtype: string; shape: number[] }> {
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>;
  delete header.__metadata__;
  return header;
}

/**
 * What a user does with the bundle: run the README's Python block (Debian's python3-torch; no pip),
 * then check the loaded model against the bundle's tfjs export on the same input. Two independent
 * loaders of the same browser-trained weights: torchvision names/OIHW vs tfjs layers/HWIO.
 */
async function expectLoadsInPyTorchAsItsReadmeSays(dir: string): Promise<void> {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  const snippet = /```python\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(snippet, 'the README shows how to load the weights in PyTorch').toContain('strict=True');
  const shape: [number, number, number, number] = [2, 3, 32, 32];
  const nchw = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => Math.sin(i * 0.37) * 1.5);
  writeFileSync(join(dir, 'x.npy'), encodeNpyFloat32(nchw, shape));
  const check = `${snippet}
import json, numpy as np
with torch.no_grad():
    logits, fmap, _ = forward(model, torch.from_numpy(np.load("x.npy")))
print(json.dumps({"logits": logits.flatten().tolist(), "shape": list(logits.shape)}))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', check], { cwd: dir, encoding: 'utf8' });
  const torchResult = JSON.parse(out.trim().split('\n').at(-1)!) as { logits: number[]; shape: number[] };
  expect(torchResult.shape).toEqual([2, 3]);

  await tf.setBackend('cpu');
  const layers = await loadTfjsExport(readFileSync(join(dir, 'tfjs/model.json'), 'utf8'), readFileSync(join(dir, 'tfjs/weights.bin')));
  const x = tf.tensor4d(nchwToNhwc(nchw, shape), [2, 32, 32, 3]);
  const outputs = layers.predict(x) as tf.Tensor[];
  const tfjsLogits = Array.from(await outputs[0]!.data());
  tf.dispose([x, ...outputs]);
  layers.dispose();
  const scale = Math.max(...torchResult.logits.map(Math.abs), 1e-6);
  const worst = Math.max(...tfjsLogits.map((v, i) => Math.abs(v - torchResult.logits[i]!)));
  expect(worst / scale, `PyTorch ${JSON.stringify(torchResult.logits)} vs tfjs ${JSON.stringify(tfjsLogits)}`).toBeLessThan(1e-4);
}

async function exportAndImportBack(page: Page): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gazecam-export-'));
  try {
    const downloading = page.waitForEvent('download', { timeout: 120_000 });
    await page.getByRole('button', { name: 'Export weights' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^gazecam-demo-resnet10-tiny-32px\.zip$/);
    const zipPath = join(dir, 'bundle.zip');
    await download.saveAs(zipPath);
    // An independent reader: Python's zipfile.
    execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', zipPath, dir]);

    const header = safetensorsHeader(readFileSync(join(dir, 'model.safetensors')));
    // resnet10-tiny: stem of 8 channels, widths 8/16/32/64, 3 demo classes; torchvision names and OIHW.
    expect(header['conv1.weight']).toEqual({ dtype: 'F32', shape: [8, 3, 7, 7], data_offsets: expect.any(Array) });
    expect(header['layer4.0.conv1.weight']?.shape).toEqual([64, 32, 3, 3]);
    expect(header['fc.weight']?.shape).toEqual([3, 64]);
    expect(header['fc.bias']?.shape).toEqual([3]);
    expect(header['bn1.num_batches_tracked']?.dtype).toBe('I64');
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { classNames: string[]; config: { arch: string; size: number } };
    expect(run.classNames).toEqual(['nodule', 'normal', 'opacity'].sort());
    expect(run.config).toMatchObject({ arch: 'resnet10-tiny', size: 32 });
    expect(JSON.parse(readFileSync(join(dir, 'tfjs/model.json'), 'utf8'))).toHaveProperty('weightsManifest');
    await expectLoadsInPyTorchAsItsReadmeSays(dir);

    // Import it back: it fits the same settings...
    const importStatus = page.getByRole('status', { name: 'Import status' });
    let chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Import weights' }).click();
    await (await chooser).setFiles(join(dir, 'model.safetensors'));
    await expect(importStatus).toContainText('fit resnet10-tiny with 3 classes', { timeout: 120_000 });

    // ...and against another architecture every mismatch is named.
    await page.getByLabel('Architecture', { exact: true }).selectOption('resnet18-small');
    chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Import weights' }).click();
    await (await chooser).setFiles(join(dir, 'model.safetensors'));
    const mismatches = importStatus.getByRole('list', { name: 'Weight mismatches' });
    await expect(mismatches).toContainText('conv1.weight: shape differs', { timeout: 120_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a reload mid-run offers to resume from the last checkpoint, and resuming continues from it', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await configureTinyRun(page, 2);
  await page.getByRole('button', { name: 'Load demo dataset' }).click();
  await expect(page.getByRole('region', { name: 'Dataset report' })).toBeVisible({ timeout: 120_000 });
  await page.getByRole('button', { name: 'Start training' }).click();
  // 30 steps per epoch, a checkpoint every 8: past step 10 (17%) one is in IndexedDB.
  await expect.poll(() => percentDone(page), { timeout: 300_000 }).toBeGreaterThanOrEqual(17);

  await page.reload();
  await waitForWebGpu(page);
  const banner = page.getByRole('region', { name: 'Unfinished run' });
  await expect(banner).toBeVisible({ timeout: 120_000 });
  const savedAfter = Number((await banner.innerText()).match(/after (\d+) steps/)![1]);
  expect(savedAfter).toBeGreaterThanOrEqual(8);

  await banner.getByRole('button', { name: 'Resume training' }).click();
  await expect(page.getByRole('region', { name: 'Dataset report' })).toBeVisible({ timeout: 120_000 });
  // The first progress after resuming already counts the saved steps.
  await expect.poll(() => percentDone(page), { timeout: 300_000 }).toBeGreaterThan(0);
  const firstPercent = await percentDone(page);
  expect(firstPercent).toBeGreaterThanOrEqual(Math.floor((100 * savedAfter) / 60));
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('status', { name: 'Training status' })).toHaveText(/stopped/i, { timeout: 120_000 });
  // A stopped run stays resumable.
  await expect(page.getByRole('region', { name: 'Unfinished run' })).toBeVisible();
});

test('a finished run reports test results: confusion matrix, per-class AUC, CAM-gaze agreement', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await configureTinyRun(page, 1);
  await page.getByRole('button', { name: 'Load demo dataset' }).click();
  await expect(page.getByRole('region', { name: 'Dataset report' })).toBeVisible({ timeout: 120_000 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('status', { name: 'Training status' })).toHaveText(/finished/i, { timeout: 400_000 });
  await expect(page.getByRole('region', { name: 'Training progress' }).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');

  const results = page.getByRole('region', { name: 'Results (test split)' });
  const confusion = results.getByRole('table', { name: /Confusion matrix/ });
  await expect(confusion.getByRole('row')).toHaveCount(4); // header + 3 classes
  // Every test image is counted once in the matrix.
  const cells = await confusion.getByRole('cell').allInnerTexts();
  expect(cells.map(Number).filter(Number.isFinite).reduce((a, b) => a + b, 0)).toBe(30);
  await expect(results.getByRole('table', { name: /ROC AUC per class/ }).getByRole('row')).toHaveCount(3);
  await expect(results.getByText('CAM-gaze r')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Validation metrics per epoch' }).getByRole('row', { name: /^1 / })).toBeVisible();
  // A finished run leaves nothing to resume.
  await expect(page.getByRole('region', { name: 'Unfinished run' })).toHaveCount(0);

  // A second run without gaze supervision, compared side by side on the same test split.
  await page.getByLabel('Method', { exact: true }).selectOption('none');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('status', { name: 'Training status' })).toHaveText(/finished/i, { timeout: 400_000 });
  const comparison = results.getByRole('table', { name: 'Runs compared on the same test split' });
  await expect(comparison.getByRole('columnheader')).toHaveText(['Run 1', 'Run 2']);
  await expect(comparison.getByRole('row', { name: /^Setup/ })).toContainText('no gaze');
});
