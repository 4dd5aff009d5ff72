/**
 * The UI thread only renders (DESIGN.md section 6: no main-thread task over 50 ms), checked while
 * the worker does heavy work: generating and scanning the demo dataset and decoding a page of
 * thumbnails; and training, while the page draws the progress, the live charts and the CAM
 * overlays the worker sends.
 *
 * Long Tasks API, not a timer heartbeat: on a shared 2-core machine a heartbeat also counts the
 * time the OS gives other processes (gaps of 90 ms with no task of ours running).
 * A deliberate 120 ms task calibrates the probe, so "no long task" cannot mean "probe broken".
 *
 * Task durations are wall-clock: on an oversubscribed machine (load average above 1.5 per core,
 * e.g. other test suites running beside this one) a 15 ms render can be stretched past 50 ms.
 * There the test says so in an annotation and fails only on a gross block (over 200 ms), which
 * contention cannot explain; on a quiet machine the 50 ms budget is enforced as is.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Page } from '@playwright/test';
import { configureTinyRun, expect, loadDemo, openStudio, percentDone, test } from './studio.ts';

const MAIN_THREAD_BUDGET_MS = 50;
const OVERLOADED_BUDGET_MS = 200;
const OVERLOADED_LOAD_PER_CORE = 1.5;

type Probe = { longTasksMs: number[] };
const probe = (page: Page) => page.evaluate(() => (window as unknown as { probe: Probe }).probe.longTasksMs);

/** Observes long tasks from now on, after checking on a deliberate 120 ms task that it sees them. */
async function installLongTaskProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const state: Probe = { longTasksMs: [] };
    (window as unknown as { probe: Probe }).probe = state;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) state.longTasksMs.push(entry.duration);
    }).observe({ type: 'longtask' });
    setTimeout(() => {
      const until = performance.now() + 120;
      while (performance.now() < until);
    }, 10);
  });
  await expect.poll(() => probe(page)).toEqual([expect.any(Number)]);
  await page.evaluate(() => ((window as unknown as { probe: Probe }).probe.longTasksMs = []));
}

async function expectNoLongTask(page: Page, during: string): Promise<void> {
  const longTasks = await probe(page);
  const loadPerCore = loadavg()[0]! / availableParallelism();
  const overloaded = loadPerCore > OVERLOADED_LOAD_PER_CORE;
  const budget = overloaded ? OVERLOADED_BUDGET_MS : MAIN_THREAD_BUDGET_MS;
  const summary =
    `main-thread tasks over 50 ms while ${during}: [${longTasks.map((d) => d.toFixed(0))}] ` +
    `(load ${loadPerCore.toFixed(1)} per core, budget ${budget} ms)`;
  console.log(summary);
  if (overloaded) test.info().annotations.push({ type: 'warning', description: `machine oversubscribed: ${summary}` });
  expect(Math.max(0, ...longTasks), 'longest main-thread task (ms)').toBeLessThanOrEqual(budget);
}

test('the main thread stays responsive while the worker ingests the demo', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  await installLongTaskProbe(page);
  await page.getByRole('button', { name: 'Load demo dataset' }).click();
  const grid = page.getByRole('list', { name: 'Dataset images' });
  await expect(grid.getByRole('img')).toHaveCount(24, { timeout: 120_000 });
  await page.getByRole('region', { name: 'Dataset images' }).getByRole('checkbox', { name: 'Show gaze' }).uncheck();
  await page.waitForTimeout(500);
  await expectNoLongTask(page, 'the worker ingested the demo');
});

test('the main thread stays responsive while the worker trains: progress, charts, CAM overlays', async ({ page, pageErrors: _ }) => {
  test.setTimeout(600_000);
  await openStudio(page);
  await configureTinyRun(page, 2);
  await loadDemo(page);
  await installLongTaskProbe(page);
  await page.getByRole('button', { name: 'Start training' }).click();
  // Past the first epoch: progress, loss chart, the validation chart's first point, the epoch
  // table and at least one CAM overlay refresh have all been drawn while the probe watched.
  await expect.poll(() => percentDone(page), { timeout: 300_000 }).toBeGreaterThan(50);
  const cams = page.getByRole('region', { name: 'CAM overlays' });
  await expect(cams.getByRole('img', { name: /: CAM for / }).first()).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole('img', { name: 'Validation metrics by epoch' })).toHaveAttribute('data-points', /^[1-9]/, { timeout: 120_000 });
  await expectNoLongTask(page, 'the worker trained');
  await page.getByRole('button', { name: 'Stop' }).click();
});
