/**
 * The studio's main thread through a user's walk, on the production build: load the page, load the
 * demo, train (every panel on screen: progress, loss and validation charts, epoch table, CAM
 * overlays, dataset grid, then the results), export. For each phase: the longest task in wall-clock
 * time (Long Tasks API) and in thread CPU time (a Chrome trace), the main thread's total work, and
 * the heaviest tasks with what ran in them (trace events, and the Long Animation Frames API's
 * scripts mapped to the original source).
 *
 *   npx tsx scripts/bench-main-thread.ts [--arch resnet18-small] [--size 32] [--batch 8] [--epochs 2] [--dist DIR] [--json]
 *       [--control-ms N [--control-browser same|own]]
 *
 * --control-ms N: a control for the wall clock. While the studio trains, a blank page does nothing
 * but an N ms busy task every 50 ms, in a tab of the studio's browser (same) or in a browser of its
 * own (own), and the script counts how many of its tasks the Long Tasks API saw over 50 ms.
 *
 * The build goes to a temporary folder (or --dist), the server to a free port, so a Playwright run
 * beside this one is left alone. Figures go to docs/benchmarks.md ("Main-thread responsiveness").
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { BASE_ARGS, CHROMIUM_EXECUTABLE, WEBGPU_ARGS } from '../e2e/chromium.ts';
import { serveProductionBuild } from './production_build.ts';
import {
  describeTask,
  mainThreadTasks,
  observeMainThread,
  TRACE_CATEGORIES,
  useBundlesFrom,
  userMarks,
  type LongFrame,
  type TraceEvent,
} from '../e2e/main_thread_probe.ts';
import { parseArgs, UsageError } from '../src/node/args.ts';

const PHASES = ['load', 'ingest', 'settings', 'train', 'results', 'export'] as const;
const PHASE_MARK = 'gazecam:phase:';

let flags: Record<string, unknown>;
try {
  flags = parseArgs(process.argv.slice(2), {
    arch: { type: 'string' },
    size: { type: 'int' },
    batch: { type: 'int' },
    epochs: { type: 'int' },
    dist: { type: 'string' },
    json: { type: 'boolean' },
    'control-ms': { type: 'int' },
    'control-browser': { type: 'string' },
  }).flags;
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`bench-main-thread: ${err.message}\nusage: npx tsx scripts/bench-main-thread.ts [--arch A] [--size N] [--batch N] [--epochs N] [--dist DIR] [--json]`);
  process.exit(2);
}
const arch = (flags.arch as string | undefined) ?? 'resnet18-small';
const size = (flags.size as number | undefined) ?? 32;
const batch = (flags.batch as number | undefined) ?? 8;
const epochs = (flags.epochs as number | undefined) ?? 2;
const controlMs = flags['control-ms'] as number | undefined;
const controlBrowser = (flags['control-browser'] as string | undefined) ?? 'same';
if (controlBrowser !== 'same' && controlBrowser !== 'own') {
  console.error(`bench-main-thread: --control-browser is same or own; got "${controlBrowser}"`);
  process.exit(2);
}

const served = await serveProductionBuild(flags.dist as string | undefined);
const { port } = served;
useBundlesFrom(join(served.outDir, 'assets'));
const browser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: [...WEBGPU_ARGS, ...BASE_ARGS] });
const loads: number[] = [];
const extraBrowsers: Awaited<ReturnType<typeof chromium.launch>>[] = [];

/** The --control-ms page: an idle page's `taskMs` busy task every 50 ms, observed by the Long Tasks API. */
async function startControl(taskMs: number): Promise<{ stop(): Promise<{ tasks: number; over: number[] }> }> {
  let host = browser;
  if (controlBrowser === 'own') {
    host = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: BASE_ARGS });
    extraBrowsers.push(host);
  }
  const page = await host.newPage();
  await page.goto(`http://127.0.0.1:${port}/favicon.svg`);
  await page.evaluate((taskMs) => {
    const state = { tasks: 0, over: [] as number[] };
    (window as unknown as { control: typeof state }).control = state;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) state.over.push(e.duration);
    }).observe({ type: 'longtask' });
    setInterval(() => {
      state.tasks++;
      const until = performance.now() + taskMs;
      while (performance.now() < until);
    }, 50);
  }, taskMs);
  return {
    stop: async () => {
      const result = await page.evaluate(() => (window as unknown as { control: { tasks: number; over: number[] } }).control);
      await page.close();
      return result;
    },
  };
}
const sampleLoad = () => loads.push(loadavg()[0]! / availableParallelism());

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.addInitScript(observeMainThread, true);
  await page.addInitScript((mark) => performance.mark(mark), `${PHASE_MARK}load`);
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  const phase = (name: (typeof PHASES)[number]) => page.evaluate((mark) => performance.mark(mark), `${PHASE_MARK}${name}`);
  // Clicks and waits go through one DOM query or an in-page timer: no role queries on the thread measured.
  const click = (name: string) =>
    page.evaluate((name) => {
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent === name);
      if (!button || button.disabled) throw new Error(`no enabled button "${name}"`);
      button.click();
    }, name);
  /** Waits until the text of `selector` matches `pattern` (or, with `count`, that many elements match). */
  const waitFor = (selector: string, pattern: RegExp | null, timeout: number, count = 1) =>
    page.waitForFunction(
      ({ selector, source, count }) => {
        const found = [...document.querySelectorAll(selector)].filter((e) => source === null || new RegExp(source, 'i').test(e.textContent ?? ''));
        return found.length >= count;
      },
      { selector, source: pattern?.source ?? null, count },
      { polling: 1000, timeout },
    );
  sampleLoad();

  await page.goto(`http://127.0.0.1:${port}/`);
  await waitFor('[role="status"][aria-label="GPU"]', /WebGPU ready|WebGPU failed/, 180_000);
  await page.waitForTimeout(1000);
  await phase('ingest');
  await click('Load demo dataset');
  await waitFor('ul[aria-label="Dataset images"] canvas', null, 180_000, 24);
  await page.waitForTimeout(1000);
  await phase('settings');
  await page.getByLabel('Architecture', { exact: true }).selectOption(arch);
  await page.getByLabel('Input size', { exact: true }).selectOption(String(size));
  await page.getByLabel('Batch size', { exact: true }).fill(String(batch));
  await page.getByLabel('Epochs', { exact: true }).fill(String(epochs));
  await page.waitForTimeout(500);
  sampleLoad();
  const control = controlMs === undefined ? undefined : await startControl(controlMs);
  await phase('train');
  await click('Start training');
  const trainStart = Date.now();
  const loadTimer = setInterval(sampleLoad, 5000);
  await waitFor('[aria-label="Training status"]', /finished|stopped|failed/, 3_600_000);
  clearInterval(loadTimer);
  const trainSeconds = (Date.now() - trainStart) / 1000;
  const controlReport = control && (await control.stop());
  await phase('results');
  await waitFor('h2', /^Results \(test split\)$/, 60_000);
  await page.waitForTimeout(1000);
  await phase('export');
  const download = page.waitForEvent('download', { timeout: 300_000 });
  await click('Export weights');
  await download;
  await page.waitForTimeout(1000);
  await page.evaluate((mark) => performance.mark(mark), `${PHASE_MARK}end`);
  const probe = (await page.evaluate(() => (window as unknown as { mainThreadProbe: unknown }).mainThreadProbe)) as {
    longTasks: { startTime: number; duration: number }[];
    frames: LongFrame[];
  };
  const events = (JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;

  const marks = userMarks(events, PHASE_MARK);
  const first = marks[0];
  if (!first) throw new Error('The trace has no phase marks: the page was not traced.');
  const all = mainThreadTasks(events, first, -Infinity).filter((t) => !t.harness);
  const boundaries = marks.map((m) => ({ name: m.name.slice(PHASE_MARK.length), pageMs: Number(m.args?.data?.startTime ?? 0) }));
  const rows = PHASES.map((name) => {
    const from = boundaries.find((b) => b.name === name)!.pageMs;
    const next = boundaries.find((b) => b.pageMs > from);
    const to = next ? next.pageMs : Infinity;
    // The load phase starts with the navigation, before the first mark.
    const tasks = all.filter((t) => (name === 'load' ? t.pageMs < to : t.pageMs >= from && t.pageMs < to));
    const longTasks = probe.longTasks.filter((t) => (name === 'load' ? t.startTime < to : t.startTime >= from && t.startTime < to));
    const heaviest = [...tasks].sort((a, b) => b.cpuMs - a.cpuMs);
    return {
      phase: name,
      seconds: (to - (name === 'load' ? 0 : from)) / 1000,
      tasks: tasks.length,
      workMs: tasks.reduce((sum, t) => sum + t.cpuMs, 0),
      longestCpuMs: heaviest[0]?.cpuMs ?? 0,
      longestWallMs: Math.max(0, ...tasks.map((t) => t.wallMs)),
      longTasksOver50: longTasks.length,
      longestLongTaskMs: Math.max(0, ...longTasks.map((t) => t.duration)),
      heaviest: heaviest.slice(0, 3).map((t) => describeTask(t, probe.frames)),
      longestWall: [...tasks].sort((a, b) => b.wallMs - a.wallMs).slice(0, 2).map((t) => describeTask(t, probe.frames)),
    };
  });
  const report = {
    control: controlReport && { taskMs: controlMs, browser: controlBrowser, tasks: controlReport.tasks, over50: controlReport.over.length },
    arch,
    size,
    batch,
    epochs,
    trainSeconds,
    loadPerCore: { min: Math.min(...loads), max: Math.max(...loads) },
    phases: rows.map(({ heaviest: _h, longestWall: _w, ...r }) => r),
  };
  console.log(`${arch} ${size} px, batch ${batch}, ${epochs} epoch(s): trained in ${trainSeconds.toFixed(0)} s; load ${report.loadPerCore.min.toFixed(1)}-${report.loadPerCore.max.toFixed(1)} per core`);
  console.log('phase     seconds  tasks   work ms  longest task: CPU ms  wall ms   Long Tasks API: over 50 ms  longest');
  for (const r of rows) {
    console.log(
      `${r.phase.padEnd(9)} ${r.seconds.toFixed(0).padStart(7)} ${String(r.tasks).padStart(6)} ${r.workMs.toFixed(0).padStart(9)} ${r.longestCpuMs.toFixed(1).padStart(21)} ${r.longestWallMs.toFixed(0).padStart(8)} ${String(r.longTasksOver50).padStart(27)} ${r.longestLongTaskMs.toFixed(0).padStart(8)}`,
    );
  }
  if (controlReport) {
    console.log(
      `control (${controlBrowser === 'same' ? "a tab of the studio's browser" : 'a browser of its own'}): ${controlReport.tasks} tasks of ${controlMs} ms ` +
        `every 50 ms while the studio trained; ${controlReport.over.length} over 50 ms on the wall clock` +
        (controlReport.over.length ? `, longest ${Math.max(...controlReport.over).toFixed(0)} ms` : ''),
    );
  }
  for (const r of rows) {
    console.log(`\n== ${r.phase}: heaviest tasks (CPU)\n${r.heaviest.join('\n')}\n== ${r.phase}: longest tasks (wall clock)\n${r.longestWall.join('\n')}`);
  }
  if (flags.json) console.log(JSON.stringify(report));
} finally {
  await Promise.all(extraBrowsers.map((b) => b.close()));
  await browser.close();
  await served.close();
}
