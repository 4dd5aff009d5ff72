/**
 * The bench page (bench.html): runs the benchmark suite of src/bench in this browser, one worker per
 * backend (webgpu, webgl, cpu) in turn, renders the results as tables and exposes the report, in the
 * shape of `gazecam bench --json`, as `window.__gazecamBench` and in <pre data-testid="bench-json">.
 * Parameters come from the URL query (src/bench/plan.ts); scripts/bench-browser.ts drives it.
 */
import { parsePlan, PLAN_PARAMS, type BenchBackend, type BenchPlan } from '../plan.ts';
import {
  formatDevice,
  formatKernel,
  formatProfile,
  formatTraining,
  profileComparison,
  webgpuSpeedups,
  type BrowserBenchReport,
  type BrowserKernelResult,
  type BrowserTrainingResult,
} from '../report.ts';
import { formatAb } from '../ab.ts';
import type { BenchPageState, FromBenchWorker, RunBench } from './protocol.ts';
import './bench.css';

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, attrs: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  return el;
}

function table(caption: string, head: string[], rows: (string | number)[][]): HTMLTableElement {
  const t = element('table');
  t.append(element('caption', caption));
  const tr = element('tr');
  for (const h of head) tr.append(element('th', h, { scope: 'col' }));
  t.append(element('thead'), element('tbody'));
  t.tHead!.append(tr);
  for (const row of rows) {
    const r = element('tr');
    for (const cell of row) r.append(element('td', typeof cell === 'number' ? fixed(cell) : cell));
    t.tBodies[0]!.append(r);
  }
  return t;
}

function fixed(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

const statusLine = element('p', 'Starting…', { role: 'status', 'aria-label': 'Benchmark status' });
const results = element('section', undefined, { 'aria-label': 'Benchmark results' });
const logView = element('pre', '', { 'data-testid': 'bench-log' });
const jsonView = element('pre', '', { 'data-testid': 'bench-json', hidden: '' });

function render(state: BenchPageState): void {
  const { report } = state;
  results.replaceChildren();
  const devices = Object.entries(report.backends);
  if (devices.length) results.append(table('Devices', ['backend', 'vendor', 'architecture', 'description / renderer'], devices.map(([b, d]) => [b, d.vendor, d.architecture, d.description])));
  if (report.kernels.length) {
    results.append(
      table(
        `Fused CAM + refine_cams vs composed tfjs ops, forward + backward (median of ${report.timing.kernels.runs} after ${report.timing.kernels.warmup} warm-up)`,
        ['backend', 'shape', 'fused ms', 'composed ms', 'speedup', 'composed reference ms', 'composed naive ms', 'fused first call ms'],
        report.kernels.map((k) => [k.backend, k.shape, k.fusedMs, k.composedMs, `${k.speedup.toFixed(2)}x`, k.composedReferenceMs, k.composedNaiveMs, k.fusedFirstMs]),
      ),
    );
  }
  if (report.training.length) {
    results.append(
      table(
        `Training steps: forward + CE + CAM-to-gaze KL + backward + Adam (median of ${report.timing.training.runs} after ${report.timing.training.warmup} warm-up)`,
        ['backend', 'arch', 'px', 'batch', 'images/s', 'ms/step', 'GFLOP/image', 'GFLOP/s', 'first step ms', 'conv filter grad', 'tensor leak'],
        report.training.map((t) => [t.backend, t.arch, String(t.size), String(t.batch), t.imagesPerSec, t.stepMs, t.gflopPerImage, t.achievedGflops, t.firstStepMs, t.backend === 'webgpu' ? t.convFilterKernel : '—', String(t.tensorLeak)]),
      ),
    );
  }
  if (report.ab.length) {
    results.append(
      table(
        `Paired A/B of training steps (median of ${report.timing.training.runs} pairs after ${report.timing.training.warmup} warm-up pairs)`,
        ['backend', 'case', 'what', 'A', 'A ms/step', 'B', 'B ms/step', 'paired B/A'],
        report.ab.map((r) => [r.backend, `${r.arch} ${r.size}px batch ${r.batch}`, r.what, r.aLabel, r.aMs, r.bLabel, r.bMs, r.pairedRatio.toFixed(2)]),
      ),
    );
  }
  for (const c of profileComparison(report.training)) {
    const cell = (ms: number | undefined, calls: number | undefined) => (ms === undefined ? '—' : `${fixed(ms)} (${calls})`);
    results.append(
      table(
        `Per-kernel time of one profiled step, ${c.caseName}: ms (calls); timers ${c.backends.map((b, i) => `${b} ${c.timers[i]}`).join(', ')}`,
        ['kernel', ...c.backends],
        [
          ['all kernels', ...c.totals.map((ms) => fixed(ms))],
          ['unprofiled step (wall)', ...c.stepMs.map((ms) => fixed(ms))],
          ...c.rows.map((r) => [r.name, ...r.ms.map((ms, i) => cell(ms, r.calls[i]))]),
        ],
      ),
    );
  }
  logView.textContent = state.log.join('\n');
  statusLine.textContent = state.status === 'running' ? `Running… (${state.log.length} lines so far)` : state.status === 'done' ? 'Done.' : `Failed: ${state.error}`;
  if (state.status !== 'running') {
    jsonView.textContent = JSON.stringify(report);
    jsonView.hidden = false;
  }
}

/** Runs the suite on one backend in a fresh worker; resolves when it is done, rejects on failure. */
function runBackend(backend: BenchBackend, plan: BenchPlan, state: BenchPageState, say: (line: string) => void): Promise<void> {
  const { report } = state;
  const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module', name: `gazecam-bench-${backend}` });
  return new Promise<void>((resolve, reject) => {
    worker.onerror = (event) => reject(new Error(`the ${backend} bench worker failed to load or crashed: ${event.message || 'no message'}`));
    worker.onmessage = ({ data }: MessageEvent<FromBenchWorker>) => {
      switch (data.type) {
        case 'device':
          report.backends[data.backend] = data.device;
          if (data.backend === 'webgpu' || Object.keys(report.backends).length === 1) report.adapter = data.device;
          say(formatDevice(data.backend, data.device));
          break;
        case 'log':
          say(data.line);
          break;
        case 'kernel':
          report.kernels.push(data.result as BrowserKernelResult);
          say(formatKernel(data.result));
          break;
        case 'training':
          report.training.push(data.result as BrowserTrainingResult);
          say(formatTraining(data.result));
          for (const line of formatProfile(data.result)) say(line);
          break;
        case 'ab':
          report.ab.push(data.result);
          say(formatAb(data.result));
          break;
        case 'done':
          report.tensors[data.backend] = { before: data.tensorsBefore, after: data.tensorsAfter };
          resolve();
          break;
        case 'error':
          reject(new Error(`${data.backend}: ${data.message}`));
          break;
      }
    };
    worker.postMessage({ type: 'run', backend, plan } satisfies RunBench);
  }).finally(() => worker.terminate());
}

async function main(): Promise<void> {
  document.body.append(element('h1', 'GazeCAM benchmark'), statusLine, results, logView, jsonView);
  const report: BrowserBenchReport = {
    adapter: { vendor: '', architecture: '', description: '' },
    kernels: [],
    training: [],
    ab: [],
    backends: {},
    tensors: {},
    runtime: { userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency, thread: 'worker' },
    timing: { kernels: { warmup: 0, runs: 0 }, training: { warmup: 0, runs: 0 } },
    startedAt: new Date().toISOString(),
  };
  const state: BenchPageState = { status: 'running', report, log: [] };
  window.__gazecamBench = state;
  const say = (line: string) => {
    state.log.push(line);
    // The driving script streams the page's console, so a long run shows its figures as they land.
    console.log(line);
    render(state);
  };
  try {
    let plan: BenchPlan;
    try {
      plan = parsePlan(new URLSearchParams(location.search));
    } catch (err) {
      const known = Object.entries(PLAN_PARAMS).map(([k, v]) => `${k}: ${v}`).join('; ');
      throw new Error(`${(err as Error).message}. Parameters: ${known}`);
    }
    report.timing = { kernels: plan.kernelTiming, training: plan.trainingTiming };
    say(`backends ${plan.backends.join(', ')} (each in a dedicated worker); medians after warm-up (kernels ${plan.kernelTiming.warmup}+${plan.kernelTiming.runs}, training ${plan.trainingTiming.warmup}+${plan.trainingTiming.runs} steps)`);
    for (const backend of plan.backends) await runBackend(backend, plan, state, say);
    for (const line of webgpuSpeedups(report.training)) say(line);
    state.status = 'done';
  } catch (err) {
    state.status = 'failed';
    state.error = err instanceof Error ? err.message : String(err);
    console.error(`bench failed: ${state.error}`);
  }
  render(state);
}

void main();
