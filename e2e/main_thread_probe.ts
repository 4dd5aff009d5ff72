/**
 * What the page's main thread did during a window of an e2e spec, task by task: how long each task
 * took on the wall clock, how much of that the thread actually ran (thread CPU time, from a Chrome
 * trace), and what ran in it (trace events, and the Long Animation Frames API's scripts: invoker,
 * function, source). Positions in the minified production bundle are mapped back to the original
 * source through the source maps `vite build` writes beside it (dist/assets).
 *
 * Why CPU time as well as wall time: on a machine whose cores are oversubscribed (here, SwiftShader
 * emulating the GPU on the same two cores, and other test suites), a task waits for a core at the
 * scheduler's mercy, and its wall-clock duration measures the machine, not the page. Its thread CPU
 * time is the work the page put on the main thread, whatever the load.
 */
import { existsSync, readFileSync } from 'node:fs';
import { expect, type Browser, type Page } from '@playwright/test';
import { SourceMapConsumer } from 'source-map-js';

/** One task of the page's main thread, times in ms. */
export interface MainThreadTask {
  /** ms after the window's mark */
  startMs: number;
  /** on the page's performance.now() clock, as the Long Tasks and Long Animation Frames APIs report */
  pageMs: number;
  wallMs: number;
  cpuMs: number;
  /** a DevTools protocol command of the test itself, not the page's work */
  harness: boolean;
  /** what ran in the task, from the trace, e.g. "Worker message: src/app/worker_client.ts:55" */
  what: string[];
}

interface FrameScript {
  invoker: string;
  invokerType: string;
  sourceURL: string;
  sourceFunctionName: string;
  sourceCharPosition: number;
  duration: number;
  forcedStyleAndLayoutDuration: number;
}

/** A long animation frame: its scripts, and how long rendering and style/layout took at its end. */
export interface LongFrame {
  startTime: number;
  duration: number;
  blockingDuration: number;
  renderMs: number;
  styleAndLayoutMs: number;
  scripts: FrameScript[];
}

export interface MainThreadReport {
  /** every task of the page's main thread in the window */
  tasks: MainThreadTask[];
  /** the Long Tasks API's entries (wall clock, over 50 ms) */
  longTasks: { startTime: number; duration: number }[];
  frames: LongFrame[];
}

interface Probe {
  longTasks: { startTime: number; duration: number }[];
  frames: LongFrame[];
}
type ProbeWindow = Window & { mainThreadProbe?: Probe };

interface LongAnimationFrameTiming {
  startTime: number;
  duration: number;
  blockingDuration: number;
  renderStart: number;
  styleAndLayoutStart: number;
  scripts: FrameScript[];
}

/** Enough to attribute a task; kept light, since tracing runs while the window is measured. */
export const TRACE_CATEGORIES = ['toplevel', 'blink.user_timing', 'devtools.timeline', 'disabled-by-default-v8.gc', 'v8'];
const WINDOW_MARK = 'gazecam:window';
const CALIBRATION_MS = 120;

/**
 * Starts watching the page's main thread: Long Tasks and Long Animation Frames observers, and a
 * Chrome trace. A deliberate 120 ms task first checks that all three see it, so "nothing long"
 * cannot mean "probe broken"; the window starts after it.
 */
export async function startMainThreadProbe(browser: Browser, page: Page): Promise<void> {
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  await page.evaluate(observeMainThread, false);
  await page.evaluate((calibrationMs) => {
    setTimeout(() => {
      const until = performance.now() + calibrationMs;
      while (performance.now() < until);
    }, 10);
  }, CALIBRATION_MS);
  await expect
    .poll(
      () =>
        page.evaluate((ms) => {
          const probe = (window as ProbeWindow).mainThreadProbe!;
          return probe.longTasks.some((t) => t.duration >= ms) && probe.frames.some((f) => f.duration >= ms);
        }, CALIBRATION_MS),
      { message: `the Long Tasks and Long Animation Frames observers see a deliberate ${CALIBRATION_MS} ms task` },
    )
    .toBe(true);
  await page.evaluate((mark) => {
    const probe = (window as ProbeWindow).mainThreadProbe!;
    probe.longTasks.length = 0;
    probe.frames.length = 0;
    performance.mark(mark);
  }, WINDOW_MARK);
}

/**
 * Records long tasks and long animation frames in `window.mainThreadProbe`, with those the page
 * already had when `buffered`. Self-contained, so it can also run as an init script.
 */
export function observeMainThread(buffered: boolean): void {
  const probe: Probe = { longTasks: [], frames: [] };
  (window as ProbeWindow).mainThreadProbe = probe;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push({ startTime: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // PerformanceLongAnimationFrameTiming is newer than the DOM typings this project builds with.
      const frame = entry as unknown as LongAnimationFrameTiming;
      const end = frame.startTime + frame.duration;
      probe.frames.push({
        startTime: frame.startTime,
        duration: frame.duration,
        blockingDuration: frame.blockingDuration,
        renderMs: frame.renderStart > 0 ? end - frame.renderStart : 0,
        styleAndLayoutMs: frame.styleAndLayoutStart > 0 ? end - frame.styleAndLayoutStart : 0,
        scripts: frame.scripts.map((s) => ({
          invoker: s.invoker,
          invokerType: s.invokerType,
          sourceURL: s.sourceURL,
          sourceFunctionName: s.sourceFunctionName,
          sourceCharPosition: s.sourceCharPosition,
          duration: s.duration,
          forcedStyleAndLayoutDuration: s.forcedStyleAndLayoutDuration,
        })),
      });
    }
  }).observe({ type: 'long-animation-frame', buffered });
}

/** Stops the probe and returns the window's tasks. */
export async function stopMainThreadProbe(browser: Browser, page: Page): Promise<MainThreadReport> {
  const probe = await page.evaluate(() => (window as ProbeWindow).mainThreadProbe!);
  const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] };
  const [mark] = userMarks(trace.traceEvents, WINDOW_MARK);
  if (!mark) throw new Error(`The trace has no "${WINDOW_MARK}" mark: the page's main thread cannot be found in it.`);
  const calibrated = mainThreadTasks(trace.traceEvents, mark, -Infinity).some((t) => t.startMs < 0 && t.cpuMs >= CALIBRATION_MS * 0.25);
  expect(calibrated, `the trace shows the deliberate ${CALIBRATION_MS} ms task on the page's main thread`).toBe(true);
  const tasks = mainThreadTasks(trace.traceEvents, mark).filter((t) => t.startMs >= 0);
  return { tasks, longTasks: probe.longTasks, frames: probe.frames };
}

export interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { data?: Record<string, unknown>; chrome_mojo_event_info?: { mojo_interface_tag?: string } };
}

/** The page's `performance.mark()`s whose name starts with `prefix`, in trace order. */
export function userMarks(events: TraceEvent[], prefix: string): TraceEvent[] {
  return events.filter((e) => e.cat.includes('blink.user_timing') && e.name.startsWith(prefix)).sort((a, b) => a.ts - b.ts);
}

/**
 * The tasks of the main thread that placed `mark`, from `fromUs` on (trace clock), with `startMs`
 * relative to the mark (negative before it) so they line up with what the page observed.
 */
export function mainThreadTasks(events: TraceEvent[], mark: TraceEvent, fromUs = mark.ts): MainThreadTask[] {
  const onMain = events
    .filter((e) => e.pid === mark.pid && e.tid === mark.tid && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts);
  // The trace clock is in µs; the page's performance.now() in ms since its time origin.
  const originUs = mark.ts - Number(mark.args?.data?.startTime ?? 0) * 1000;
  const markMs = (mark.ts - originUs) / 1000;
  let i = 0;
  return onMain
    .filter((e) => e.name === 'ThreadControllerImpl::RunTask' && e.ts >= fromUs)
    .map((t) => {
      while (i < onMain.length && onMain[i]!.ts < t.ts) i++;
      const inside: TraceEvent[] = [];
      for (let j = i; j < onMain.length && onMain[j]!.ts <= t.ts + t.dur!; j++) if (onMain[j] !== t) inside.push(onMain[j]!);
      return {
        startMs: (t.ts - originUs) / 1000 - markMs,
        pageMs: (t.ts - originUs) / 1000,
        wallMs: t.dur! / 1000,
        cpuMs: (t.tdur ?? t.dur!) / 1000,
        harness: inside.some((e) => e.args?.chrome_mojo_event_info?.mojo_interface_tag === 'blink.mojom.DevToolsSession'),
        what: describeTraceEvents(inside),
      };
    });
}

/** The events of a task worth naming, longest first: scripts with their source, GC, rendering. */
function describeTraceEvents(inside: TraceEvent[]): string[] {
  const named = new Map<string, number>();
  const add = (label: string, e: TraceEvent) => named.set(label, (named.get(label) ?? 0) + (e.tdur ?? e.dur ?? 0) / 1000);
  for (const e of inside) {
    const data = e.args?.data ?? {};
    if (e.name === 'FunctionCall' && typeof data.url === 'string' && data.url) {
      const where = originalLine(data.url, Number(data.lineNumber), Number(data.columnNumber));
      add(`script ${where || `${data.url.split('/').pop()}:${Number(data.lineNumber)}`}${data.functionName ? ` (${String(data.functionName)})` : ''}`, e);
    } else if (['HandlePostMessage', 'FireAnimationFrame', 'TimerFire'].includes(e.name)) add(e.name, e);
    else if (e.name === 'EventDispatch') add(`event ${String(data.type)}`, e);
    else if (['MajorGC', 'MinorGC', 'V8.GCIncrementalMarking', 'V8.GCFinalizeMC', 'V8.GCFinalizeMCReduceMemory'].includes(e.name)) add(`garbage collection (${e.name})`, e);
    else if (['Layout', 'UpdateLayoutTree', 'Paint', 'Commit', 'PrePaint', 'Layerize'].includes(e.name)) add(`rendering: ${e.name}`, e);
    else if (['v8.compileModule', 'v8.evaluateModule', 'EvaluateScript', 'v8.compile', 'ParseHTML', 'ParseAuthorStyleSheet'].includes(e.name)) {
      add(`loading: ${e.name}${typeof data.url === 'string' ? ` ${data.url.split('/').pop()}` : ''}`, e);
    }
  }
  return [...named]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([label, cpu]) => `${label} ${cpu.toFixed(1)} ms CPU`);
}

const bundles = new Map<string, { code: string; map: SourceMapConsumer } | null>();
let bundleDir = new URL('../dist/assets/', import.meta.url);

/** Where the served build's scripts and source maps are (default: dist/assets, what the e2e server builds). */
export function useBundlesFrom(assetsDir: string): void {
  bundleDir = new URL(`file://${assetsDir.replace(/\/?$/, '/')}`);
  bundles.clear();
}

function bundle(url: string): { code: string; map: SourceMapConsumer } | null {
  const file = new URL(url || 'about:blank').pathname.split('/').pop() ?? '';
  if (!file.endsWith('.js')) return null;
  if (!bundles.has(file)) {
    const path = new URL(file, bundleDir);
    const mapPath = new URL(`${file}.map`, path);
    bundles.set(
      file,
      existsSync(path) && existsSync(mapPath)
        ? { code: readFileSync(path, 'utf8'), map: new SourceMapConsumer(JSON.parse(readFileSync(mapPath, 'utf8'))) }
        : null,
    );
  }
  return bundles.get(file) ?? null;
}

function formatOriginal(original: { source: string | null; line: number | null; name?: string | null }): string {
  if (!original.source) return '';
  const source = original.source.replace(/^.*node_modules\//, '').replace(/^.*?\/(src|e2e)\//, '$1/');
  return `${source}:${original.line}${original.name ? ` (${original.name})` : ''}`;
}

/** A trace event's 1-based line and column in a bundle as `src/app/x.ts:line`; '' when unknown. */
export function originalLine(url: string, line: number, column: number): string {
  const b = bundle(url);
  return b ? formatOriginal(b.map.originalPositionFor({ line, column: Math.max(0, column - 1) })) : '';
}

/** A character offset into a bundle (what the Long Animation Frames API reports) as `src/app/x.ts:line`. */
export function originalPosition(url: string, charPosition: number): string {
  const b = bundle(url);
  if (!b || charPosition < 0) return '';
  const before = b.code.slice(0, charPosition);
  const line = before.split('\n').length;
  return formatOriginal(b.map.originalPositionFor({ line, column: charPosition - (before.lastIndexOf('\n') + 1) }));
}

function describeScript(s: FrameScript): string {
  const where = originalPosition(s.sourceURL, s.sourceCharPosition);
  const file = s.sourceURL.split('/').pop() || '(no script URL)';
  const fn = s.sourceFunctionName ? ` function ${s.sourceFunctionName}` : '';
  const forced = s.forcedStyleAndLayoutDuration > 0 ? `, forced style/layout ${s.forcedStyleAndLayoutDuration.toFixed(0)} ms` : '';
  return `${s.duration.toFixed(0)} ms ${s.invokerType} ${s.invoker}: ${where || `${file}@${s.sourceCharPosition}`}${fn}${forced}`;
}

/** A task with what the trace saw in it and the long animation frames that overlap it. */
export function describeTask(task: MainThreadTask, frames: LongFrame[]): string {
  const overlapping = frames.filter((f) => f.startTime < task.pageMs + task.wallMs && f.startTime + f.duration > task.pageMs);
  return [
    `task at ${(task.startMs / 1000).toFixed(1)} s: ${task.wallMs.toFixed(0)} ms wall clock, ${task.cpuMs.toFixed(1)} ms CPU${task.harness ? ' (a command of the test itself)' : ''}`,
    ...task.what.map((w) => `  ${w}`),
    ...overlapping.flatMap((f) => [
      `  long animation frame of ${f.duration.toFixed(0)} ms (blocking ${f.blockingDuration.toFixed(0)} ms, rendering ${f.renderMs.toFixed(0)} ms, style and layout ${f.styleAndLayoutMs.toFixed(0)} ms)`,
      ...[...f.scripts].sort((a, b) => b.duration - a.duration).map((s) => `    ${describeScript(s)}`),
    ]),
  ].join('\n');
}
