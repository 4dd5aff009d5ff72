/**
 * The benchmark suite in Chromium: builds the app (bench.html beside the studio), serves it with
 * `vite preview`, opens the bench page in Debian's Chromium with the e2e suite's flags and prints
 * the page's results as they land, then a table, and with --json the report as the last line.
 *
 *   npm run bench:browser -- [kernels|training|all] [--json] [--backends webgpu,webgl,cpu]
 *       [--cases arch:size:batch,...] [--arch A --size N --batch N] [--runs N] [--warmup N]
 *       [--kernel-batch N --kernel-cam N --kernel-channels N --kernel-out N --kernel-classes N]
 *       [--ab-conv-filter] [--profile] [--ab convFilter|kernelPath:A:B|batchNorm:A:B|optimizer:A:B|flag:NAME:A:B] [--dist DIR] [--headed]
 *
 * --profile: after each case's timed steps, one more step under tf.profile on each backend, and a
 * table of per-kernel time totals side by side (src/bench/profile.ts says which timer each used).
 * --ab SPEC: instead of the plain training timing, alternate steps between two settings on each
 * backend it applies to and print the paired median ratio (src/bench/ab.ts); --runs pairs after
 * --warmup pairs.
 *
 * The suite runs in the page's workers, one per backend (see src/bench/browser). WebGL needs no
 * extra flag: headless Chromium's WebGL2 runs on ANGLE over SwiftShader's Vulkan on machines
 * without a GPU, also in workers. The build goes to a temporary folder (not dist/), and the server
 * to a free port (not 4417), so a Playwright run beside this one is left alone.
 */
import { cpus, loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { BASE_ARGS, CHROMIUM_EXECUTABLE, WEBGPU_ARGS } from '../e2e/chromium.ts';
import { serveProductionBuild } from './production_build.ts';
import type { BenchPageState } from '../src/bench/browser/protocol.ts';
import { BENCH_SUITES, parsePlan, planQuery } from '../src/bench/plan.ts';
import { formatAb } from '../src/bench/ab.ts';
import { profileComparison, webgpuSpeedups, type BrowserBenchReport } from '../src/bench/report.ts';
import { parseArgs, UsageError } from '../src/node/args.ts';


function usageExit(message: string): never {
  console.error(`bench-browser: ${message}\nusage: npm run bench:browser -- [kernels|training|all] [--json] [--backends webgpu,webgl,cpu] [--cases arch:size:batch,...] [--runs N] [--warmup N] ...`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs(process.argv.slice(2), {
    json: { type: 'boolean' },
    backends: { type: 'string' },
    cases: { type: 'string' },
    arch: { type: 'string' },
    size: { type: 'int' },
    batch: { type: 'int' },
    runs: { type: 'int' },
    warmup: { type: 'int' },
    'kernel-batch': { type: 'int' },
    'kernel-cam': { type: 'int' },
    'kernel-channels': { type: 'int' },
    'kernel-out': { type: 'int' },
    'kernel-classes': { type: 'int' },
    'ab-conv-filter': { type: 'boolean' },
    profile: { type: 'boolean' },
    ab: { type: 'string' },
    dist: { type: 'string' },
    headed: { type: 'boolean' },
  });
} catch (err) {
  if (err instanceof UsageError) usageExit(err.message);
  throw err;
}
const { positional, flags } = parsed;
const suite = positional[0] ?? 'all';
if (!(BENCH_SUITES as readonly string[]).includes(suite) || positional.length > 1) {
  usageExit(`the suite is one of ${BENCH_SUITES.join(', ')}; got "${positional.join(' ')}"`);
}
const query = planQuery({
  suite,
  backends: flags.backends as string | undefined,
  cases: flags.cases as string | undefined,
  arch: flags.arch as string | undefined,
  size: flags.size as number | undefined,
  batch: flags.batch as number | undefined,
  runs: flags.runs as number | undefined,
  warmup: flags.warmup as number | undefined,
  kernelBatch: flags['kernel-batch'] as number | undefined,
  kernelCam: flags['kernel-cam'] as number | undefined,
  kernelChannels: flags['kernel-channels'] as number | undefined,
  kernelOut: flags['kernel-out'] as number | undefined,
  kernelClasses: flags['kernel-classes'] as number | undefined,
  abConvFilter: flags['ab-conv-filter'] as boolean | undefined,
  profile: flags.profile as boolean | undefined,
  ab: flags.ab as string | undefined,
});
try {
  parsePlan(new URLSearchParams(query)); // the page's own parser: a bad option fails here, before the build
} catch (err) {
  usageExit((err as Error).message);
}

const load = () => loadavg().map((x) => Number(x.toFixed(2)));
const loadAtStart = load();
const served = await serveProductionBuild(flags.dist as string | undefined, (m) => console.error(m));
const { port } = served;
const browser = await chromium.launch({
  executablePath: CHROMIUM_EXECUTABLE,
  args: [...WEBGPU_ARGS, ...BASE_ARGS],
  headless: !flags.headed,
});

let exitCode = 0;
try {
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'log') console.log(message.text());
    else if (message.type() === 'error' || message.type() === 'warning') console.error(`[page ${message.type()}] ${message.text()}`);
  });
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  console.log(`runtime: chromium ${browser.version()}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}); load average ${loadAtStart.join(' ')}`);
  const url = `http://127.0.0.1:${port}/bench.html?${query}`;
  console.log(`page: ${url}`);
  await page.goto(url);
  // No timeout: ResNet-18 at 224 px takes minutes per step on SwiftShader; the page fails loudly by itself.
  // Functions, not strings: Playwright evals a string predicate, which the page's CSP forbids.
  await page.waitForFunction(() => window.__gazecamBench !== undefined && window.__gazecamBench.status !== 'running', undefined, { timeout: 0, polling: 1000 });
  const state = await page.evaluate(() => window.__gazecamBench as BenchPageState);
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', loadAverage: { start: loadAtStart, end: load() } };
  printTables(state.report);
  console.log(`load average (1, 5, 15 min): start ${machine.loadAverage.start.join(' ')}, end ${machine.loadAverage.end.join(' ')}`);
  if (state.status !== 'done') {
    console.error(`bench-browser: the bench page failed: ${state.error}`);
    exitCode = 1;
  }
  if (flags.json) console.log(JSON.stringify({ ...state.report, machine }));
} finally {
  await browser.close();
  await served.close();
}
process.exit(exitCode);

function printTables(report: BrowserBenchReport): void {
  const rows = (head: string[], body: string[][]) => {
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(line(head));
    for (const r of body) console.log(line(r));
  };
  console.log('');
  for (const [backend, d] of Object.entries(report.backends)) console.log(`${backend.padEnd(7)} ${d.description} (${d.vendor}, ${d.architecture})`);
  if (report.kernels.length) {
    console.log('');
    rows(
      ['backend', 'kernel shape', 'fused ms', 'composed ms', 'speedup', 'fused first ms'],
      report.kernels.map((k) => [k.backend, k.shape, k.fusedMs.toFixed(1), k.composedMs.toFixed(1), `${k.speedup.toFixed(2)}x`, k.fusedFirstMs.toFixed(0)]),
    );
  }
  if (report.training.length) {
    console.log('');
    rows(
      ['backend', 'arch', 'px', 'batch', 'img/s', 'ms/step', 'GFLOP/img', 'GFLOP/s', 'first step ms', 'leak'],
      report.training.map((t) => [
        t.backend + (t.backend === 'webgpu' && t.convFilterKernel === 'tfjs' ? ' (tfjs conv filter)' : ''),
        t.arch, String(t.size), String(t.batch), t.imagesPerSec.toFixed(2), t.stepMs.toFixed(0),
        t.gflopPerImage.toFixed(3), t.achievedGflops.toFixed(2), t.firstStepMs.toFixed(0), String(t.tensorLeak),
      ]),
    );
    for (const line of webgpuSpeedups(report.training)) console.log(line);
  }
  if (report.ab.length) console.log('');
  for (const r of report.ab) console.log(formatAb(r));
  for (const c of profileComparison(report.training)) {
    console.log(`\nper-kernel time of one profiled step, ${c.caseName}: ms (calls); ${c.backends.map((b, i) => `${b}: ${c.timers[i]}`).join(', ')}`);
    const cell = (ms: number | undefined, calls: number | undefined) => (ms === undefined ? '-' : `${ms.toFixed(1)} (${calls})`);
    rows(
      ['kernel', ...c.backends],
      [
        ['all kernels', ...c.totals.map((ms) => ms.toFixed(1))],
        ['unprofiled step (wall)', ...c.stepMs.map((ms) => ms.toFixed(1))],
        ...c.rows.map((r) => [r.name, ...r.ms.map((ms, i) => cell(ms, r.calls[i]))]),
      ],
    );
  }
  console.log('');
}
