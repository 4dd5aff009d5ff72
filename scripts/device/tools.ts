/**
 * The GPU machine's side of the device run, bundled into .device/device-tools.mjs and started by
 * scripts/device-run.sh with the Node runtime it unpacked (that machine has no Node):
 *
 *   device-tools.mjs probe                        the adapter Dawn gets, as one JSON line
 *   device-tools.mjs run --out DIR --cli FILE ... every measurement, each under a time budget
 *
 * `run` starts every measurement as a child process in its own process group and stops the group
 * at the run's budget, so one slow or hung case costs its budget, not the machine's whole lease;
 * the results are rewritten after each run, so even a hard stop leaves the runs done so far.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { isCpuAdapter } from '../../src/engine/kernels/options.ts';
import {
  caseLabel,
  checkShape,
  gflopPerImageFor,
  lastJsonLine,
  profileSummary,
  RESULTS_SCHEMA,
  summarise,
  toMarkdown,
  trainLogThroughput,
  type AdapterRecord,
  type BenchCase,
  type DeviceResults,
  type Measured,
  type RunKind,
  type RunRecord,
} from './summary.ts';

interface Plan {
  mode: 'full' | 'quick';
  cases: BenchCase[];
  /** WebGPU bench: warm-up steps and timed steps, per case; and the seconds each case may take */
  webgpu: { warmup: number; runs: number; budgetS: number }[];
  torch: { device: 'cuda' | 'cpu'; steps: number; warmup: number; budgetS: number; tf32: boolean };
  profile: { case: BenchCase; budgetS: number };
  prepare: { count: number; demoSize: number; size: number; budgetS: number };
  train: { arch: string; batch: number; maxSteps: number; logEvery: number; budgetS: number };
}

const PLANS: Record<'full' | 'quick', Plan> = {
  full: {
    mode: 'full',
    cases: [
      { arch: 'resnet10-small', size: 64, batch: 16 },
      { arch: 'resnet18', size: 224, batch: 32 },
      { arch: 'resnet50', size: 224, batch: 32 },
    ],
    webgpu: [
      { warmup: 3, runs: 10, budgetS: 60 },
      { warmup: 2, runs: 8, budgetS: 100 },
      { warmup: 2, runs: 8, budgetS: 140 },
    ],
    torch: { device: 'cuda', steps: 20, warmup: 5, budgetS: 45, tf32: true },
    profile: { case: { arch: 'resnet18', size: 224, batch: 32 }, budgetS: 90 },
    prepare: { count: 640, demoSize: 224, size: 224, budgetS: 75 },
    train: { arch: 'resnet18', batch: 32, maxSteps: 40, logEvery: 5, budgetS: 90 },
  },
  // Small enough for a 2-core machine on lavapipe and PyTorch's CPU build, same code paths.
  quick: {
    mode: 'quick',
    cases: [
      { arch: 'resnet10-tiny', size: 32, batch: 4 },
      { arch: 'resnet10-tiny', size: 32, batch: 8 },
    ],
    webgpu: [
      { warmup: 1, runs: 2, budgetS: 120 },
      { warmup: 1, runs: 2, budgetS: 120 },
    ],
    torch: { device: 'cpu', steps: 3, warmup: 1, budgetS: 60, tf32: false },
    profile: { case: { arch: 'resnet10-tiny', size: 32, batch: 8 }, budgetS: 60 },
    prepare: { count: 96, demoSize: 64, size: 32, budgetS: 60 },
    train: { arch: 'resnet10-tiny', batch: 8, maxSteps: 8, logEvery: 2, budgetS: 120 },
  },
};

/** Seconds kept back at the end for writing the results; a run is not started with less than MIN_RUN_S. */
const RESERVE_S = 10;
const MIN_RUN_S = 15;
/** Seconds between SIGTERM and SIGKILL when a run reaches its budget. */
const KILL_GRACE_S = 5;
/** Log tails kept per run: enough for an error and the last progress lines, small enough to carry home. */
const LOG_TAIL_CHARS = 64_000;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  wallS: number;
  spawnError?: string;
}

function runChild(command: string[], options: { env: NodeJS.ProcessEnv; budgetS: number; cwd?: string }): Promise<ChildResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn(command[0], command.slice(1), { env: options.env, cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.length > 16_000_000) stdout = stdout.slice(-8_000_000);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.length > 2_000_000) stderr = stderr.slice(-1_000_000);
    });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // the group is gone already
      }
    };
    let killTimer: NodeJS.Timeout | undefined;
    const budgetTimer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_S * 1000);
    }, options.budgetS * 1000);
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: string) => {
      clearTimeout(budgetTimer);
      if (killTimer) clearTimeout(killTimer);
      // Grandchildren (torchrun's workers) may outlive their parent: the group goes with it.
      killGroup('SIGKILL');
      resolve({ code, signal, timedOut, stdout, stderr, wallS: (performance.now() - t0) / 1000, spawnError });
    };
    child.on('error', (err) => finish(null, null, err.message));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The last lines of a failed run's stderr that say something (Dawn's known warnings left out). */
function failureLine(r: ChildResult): string {
  if (r.spawnError) return `could not start: ${r.spawnError}`;
  const lines = (r.stderr + '\n' + r.stdout)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/artificially reduced|^Warning: /.test(l));
  const tail = lines.slice(-2).join(' / ').slice(0, 400);
  return `${r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`}${tail ? `: ${tail}` : ''}`;
}

async function probe(): Promise<number> {
  // Dawn's entry object must stay referenced while the adapter lives (DESIGN.md section 5).
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  const libraries = existsSync('/proc/self/maps')
    ? [...new Set(readFileSync('/proc/self/maps', 'utf8').split('\n').map((l) => l.split(/\s+/)[5] ?? '').filter((p) => /vulkan|nvidia|lvp|dawn/i.test(p)))]
    : [];
  if (!adapter) {
    console.log(JSON.stringify({ adapter: null, error: 'Dawn found no WebGPU adapter', libraries }));
    process.exit(0);
  }
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const record: AdapterRecord = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    device: info?.device ?? '',
    features: [...adapter.features].map(String).sort(),
    libraries,
  };
  console.log(`adapter: ${record.description} (${record.vendor}, ${record.architecture})`);
  console.log(JSON.stringify({ adapter: record }));
  // Dawn's threads can hold the process open; the answer is out.
  process.exit(0);
}

async function run(argv: string[]): Promise<number> {
  const outDir = flag(argv, '--out');
  const cli = flag(argv, '--cli');
  const repo = flag(argv, '--repo');
  if (!outDir || !cli || !repo) {
    console.error('device-tools run: --out DIR, --cli FILE and --repo DIR are required (scripts/device-run.sh passes them)');
    return 2;
  }
  const plan = PLANS[argv.includes('--quick') ? 'quick' : 'full'];
  const python = flag(argv, '--python') || null;
  const limitS = Number(flag(argv, '--limit-s') ?? 450);
  const startedAtMs = Number(flag(argv, '--started-at') ?? Date.now() / 1000) * 1000;
  const workDir = flag(argv, '--work') ?? join(outDir, 'work');
  const tools = process.argv[1];
  mkdirSync(join(outDir, 'logs'), { recursive: true });
  mkdirSync(workDir, { recursive: true });

  const nodeEnv: NodeJS.ProcessEnv = { ...process.env };
  // PyTorch gets the machine's own library path, without the bundled Vulkan loader.
  const pyEnv: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: [join(repo, 'python'), process.env.PYTHONPATH].filter(Boolean).join(':') };
  const hostLd = process.env.GAZECAM_DEVICE_HOST_LD_LIBRARY_PATH;
  if (hostLd) pyEnv.LD_LIBRARY_PATH = hostLd;
  else delete pyEnv.LD_LIBRARY_PATH;

  const results: DeviceResults = {
    schema: RESULTS_SCHEMA,
    mode: plan.mode,
    startedAt: new Date(startedAtMs).toISOString(),
    finishedAt: new Date().toISOString(),
    wallS: 0,
    limitS,
    machine: { gpuName: null, gpuNameSource: null, driver: null, peakFp32Tflops: null, peakSource: 'unknown', cpuCores: cpus().length, node: process.version, python: null, torch: null },
    vulkan: { icd: process.env.GAZECAM_DEVICE_ICD || null, icdSource: process.env.GAZECAM_DEVICE_ICD_SOURCE || 'none', loader: null },
    adapter: null,
    cases: plan.cases.map((c) => ({ ...c, gflopPerImage: gflopPerImageFor(c) })),
    runs: [],
    kernels: [],
    profile: null,
    goals: null,
  };

  const write = () => {
    const now = Date.now();
    const summary = summarise({ ...results, finishedAt: new Date(now).toISOString(), wallS: (now - startedAtMs) / 1000 });
    const problems = checkShape(summary);
    if (problems.length) console.error(`device-tools: the results do not have the expected shape: ${problems.join('; ')}`);
    const json = join(outDir, 'device-results.json');
    writeFileSync(json + '.tmp', JSON.stringify(summary, null, 2) + '\n');
    renameSync(json + '.tmp', json);
    writeFileSync(join(outDir, 'device-results.md'), toMarkdown(summary));
    return summary;
  };
  const remainingS = () => limitS - (Date.now() - startedAtMs) / 1000 - RESERVE_S;
  let logIndex = 0;
  const saveLog = (id: string, command: string[], r: ChildResult) => {
    const name = `logs/${String(++logIndex).padStart(2, '0')}-${id}.log`;
    const tail = (s: string) => (s.length > LOG_TAIL_CHARS ? `[... ${s.length - LOG_TAIL_CHARS} characters left out]\n` + s.slice(-LOG_TAIL_CHARS) : s);
    writeFileSync(join(outDir, name), `$ ${command.join(' ')}\n# ${r.wallS.toFixed(1)} s, ${r.timedOut ? 'stopped at its budget' : r.code === 0 ? 'exit code 0' : failureLine(r)}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}\n`);
    return name;
  };
  const record = (r: RunRecord) => {
    results.runs.push(r);
    const figure = r.measured ? `: ${r.measured.imagesPerSec.toFixed(1)} img/s${r.measured.partial ? ' (partial)' : ''}` : '';
    console.log(`[${((Date.now() - startedAtMs) / 1000).toFixed(0)} s] ${r.id}: ${r.status}${figure}${r.reason ? ` (${r.reason})` : ''}`);
    write();
  };
  const skip = (id: string, kind: RunKind, c: BenchCase | null, reason: string, command: string[] = []) =>
    record({ id, kind, case: c, status: 'skipped', reason, budgetS: 0, wallS: 0, command });

  /** Runs one measurement under min(cap, time left); parse returns its figure or throws why not. */
  const measure = async (
    id: string,
    kind: RunKind,
    c: BenchCase | null,
    command: string[],
    env: NodeJS.ProcessEnv,
    capS: number,
    parse: (r: ChildResult) => Measured | null,
    onTimeout?: () => Measured | null,
  ): Promise<{ status: RunRecord['status']; json: Record<string, unknown> | null }> => {
    const left = remainingS();
    if (left < MIN_RUN_S) {
      skip(id, kind, c, `out of time: ${Math.max(0, left).toFixed(0)} s left of the ${limitS} s limit`, command);
      return { status: 'skipped', json: null };
    }
    const budgetS = Math.floor(Math.min(capS, left));
    const r = await runChild(command, { env, budgetS, cwd: workDir });
    const log = saveLog(id, command, r);
    const base = { id, kind, case: c, budgetS, wallS: Number(r.wallS.toFixed(2)), command, log };
    if (r.timedOut) {
      const partial = onTimeout?.() ?? null;
      record({ ...base, status: 'timeout', reason: `stopped at its ${budgetS} s budget`, ...(partial ? { measured: { ...partial, partial: true } } : {}) });
      return { status: 'timeout', json: null };
    }
    if (r.code !== 0) {
      record({ ...base, status: 'failed', reason: failureLine(r) });
      return { status: 'failed', json: null };
    }
    try {
      const measured = parse(r);
      record({ ...base, status: 'ok', ...(measured ? { measured } : {}) });
      return { status: 'ok', json: lastJsonLine(r.stdout) };
    } catch (err) {
      record({ ...base, status: 'failed', reason: (err as Error).message });
      return { status: 'failed', json: null };
    }
  };

  // --- What the machine has: GPU name and driver, Python's torch, the WebGPU adapter.
  const smi = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], { encoding: 'utf8', timeout: 30_000 });
  if (smi.status === 0 && smi.stdout.trim()) {
    const [name, driver] = smi.stdout.trim().split('\n')[0].split(',').map((s) => s.trim());
    Object.assign(results.machine, { gpuName: name || null, gpuNameSource: 'nvidia-smi', driver: driver || null });
  }
  let torchCuda = false;
  if (python) {
    const py = spawnSync(python, ['-c', 'import sys, torch; print(sys.version.split()[0], torch.__version__, int(torch.cuda.is_available()), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'], {
      encoding: 'utf8',
      env: pyEnv,
      timeout: 120_000,
    });
    const [version, torchVersion, cuda, ...name] = (py.stdout ?? '').trim().split(' ');
    if (py.status === 0 && torchVersion) {
      Object.assign(results.machine, { python: version, torch: torchVersion });
      torchCuda = cuda === '1';
      if (!results.machine.gpuName && name.join(' ')) Object.assign(results.machine, { gpuName: name.join(' '), gpuNameSource: 'torch' });
    } else {
      console.error(`device-tools: ${python} could not import torch: ${(py.stderr ?? '').trim().split('\n').slice(-1)[0] ?? ''}`);
    }
  }
  console.log(`GPU: ${results.machine.gpuName ?? 'none found'}${results.machine.driver ? `, driver ${results.machine.driver}` : ''}; torch ${results.machine.torch ?? 'none'}${torchCuda ? ' (CUDA)' : ''}`);

  const probeRun = await runChild([process.execPath, tools, 'probe'], { env: nodeEnv, budgetS: 60 });
  saveLog('probe', ['device-tools.mjs', 'probe'], probeRun);
  const probed = lastJsonLine(probeRun.stdout) as { adapter?: AdapterRecord | null; error?: string; libraries?: string[] } | null;
  if (probed?.adapter) {
    results.adapter = probed.adapter;
    results.vulkan.loader = probed.adapter.libraries.find((l) => /libvulkan\.so/.test(l)) ?? null;
  } else {
    results.adapterError = probed?.error ?? (probeRun.timedOut ? 'the adapter probe did not answer in 60 s' : failureLine(probeRun));
  }
  console.log(results.adapter ? `Dawn adapter: ${results.adapter.description} (${results.adapter.vendor}, ${results.adapter.architecture})` : `Dawn adapter: none (${results.adapterError})`);
  if (!results.machine.gpuName && results.adapter && !isCpuAdapter(results.adapter)) {
    Object.assign(results.machine, { gpuName: results.adapter.description, gpuNameSource: 'WebGPU adapter' });
  }
  write();

  // --- Why a kind of run cannot happen on this machine, if it cannot.
  const webgpuBlocked = !results.adapter
    ? `no WebGPU adapter: ${results.adapterError}`
    : plan.mode === 'full' && isCpuAdapter(results.adapter)
      ? `the adapter is a CPU rasteriser (${results.adapter.description}), not the GPU; --quick measures that`
      : null;
  const torchBlocked = !results.machine.torch
    ? 'no Python with torch found (scripts/device-run.sh looks for python3 that imports torch)'
    : plan.torch.device === 'cuda' && !torchCuda
      ? `torch ${results.machine.torch} sees no CUDA device`
      : null;

  const webgpuRun = async (i: number) => {
    const c = plan.cases[i];
    const t = plan.webgpu[i];
    const id = `webgpu-${caseLabel(c).replace(/[@ ]/g, '-')}`;
    const command = [process.execPath, cli, 'bench', 'all', '--json', '--arch', c.arch, '--size', String(c.size), '--batch', String(c.batch), '--warmup', String(t.warmup), '--runs', String(t.runs)];
    if (webgpuBlocked) return skip(id, 'webgpu', c, webgpuBlocked, command);
    await measure(id, 'webgpu', c, command, nodeEnv, t.budgetS, (r) => {
      const json = lastJsonLine(r.stdout) as { training?: Record<string, unknown>[]; kernels?: unknown[] } | null;
      const tr = json?.training?.[0];
      if (!tr || typeof tr.imagesPerSec !== 'number') throw new Error('gazecam bench printed no training result');
      if (results.kernels.length === 0 && json?.kernels) results.kernels = json.kernels;
      return {
        imagesPerSec: tr.imagesPerSec,
        stepMs: tr.stepMs as number,
        firstStepMs: tr.firstStepMs as number,
        benchGflopPerImage: tr.gflopPerImage as number,
        kernelPath: tr.kernelPath as string,
        tensorLeak: tr.tensorLeak as number,
        steps: t.runs,
      };
    });
  };

  const torchRun = async (c: BenchCase, tf32: boolean) => {
    const kind: RunKind = tf32 ? 'torch-tf32' : 'torch-fp32';
    const id = `${kind}-${caseLabel(c).replace(/[@ ]/g, '-')}`;
    const t = plan.torch;
    const command = [python ?? 'python3', '-m', 'gazecam_torch.bench', '--arch', c.arch, '--size', String(c.size), '--batch', String(c.batch), '--steps', String(t.steps), '--warmup', String(t.warmup), '--device', t.device, ...(tf32 ? ['--tf32'] : []), '--json'];
    if (torchBlocked) return skip(id, kind, c, torchBlocked, command);
    if (tf32 && !t.tf32) return skip(id, kind, c, 'TF32 is a CUDA setting; --quick runs PyTorch on the CPU', command);
    await measure(id, kind, c, command, pyEnv, t.budgetS, (r) => {
      const json = lastJsonLine(r.stdout);
      if (!json || typeof json.imagesPerSec !== 'number') throw new Error('gazecam_torch.bench printed no result');
      return { imagesPerSec: json.imagesPerSec, stepMs: json.stepMs as number, firstStepMs: json.firstStepMs as number, device: json.device as string, torch: json.torch as string, tf32: json.tf32 as boolean, steps: t.steps };
    });
  };

  const profileRun = async () => {
    // The planned case if its timed run finished, else the largest case that did.
    const okCases = results.runs.filter((r) => r.kind === 'webgpu' && r.status === 'ok' && r.case).map((r) => r.case!);
    const planned = okCases.find((c) => caseLabel(c) === caseLabel(plan.profile.case));
    const c = planned ?? okCases.sort((a, b) => gflopPerImageFor(b) * b.batch - gflopPerImageFor(a) * a.batch)[0] ?? plan.profile.case;
    const command = [process.execPath, cli, 'bench', 'training', '--profile', '--json', '--arch', c.arch, '--size', String(c.size), '--batch', String(c.batch), '--warmup', '1', '--runs', '1'];
    if (webgpuBlocked) return skip('profile', 'profile', c, webgpuBlocked, command);
    if (okCases.length === 0) return skip('profile', 'profile', c, 'no WebGPU case finished, so a profiled step would not either', command);
    await measure('profile', 'profile', c, command, nodeEnv, plan.profile.budgetS, (r) => {
      const json = lastJsonLine(r.stdout) as { training?: { profile?: Parameters<typeof profileSummary>[1] }[] } | null;
      const p = json?.training?.[0]?.profile;
      if (!p) throw new Error('gazecam bench --profile printed no profile');
      results.profile = profileSummary(c, p);
      return null;
    });
  };

  const prepared = join(workDir, 'prepared');
  const prepareRun = async () => {
    const p = plan.prepare;
    const dataset = join(workDir, 'dataset');
    rmSync(dataset, { recursive: true, force: true });
    const demo = [process.execPath, cli, 'demo', dataset, '--count', String(p.count), '--size', String(p.demoSize)];
    const prep = [process.execPath, cli, 'prepare', dataset, '--out', prepared, '--size', String(p.size)];
    const c: BenchCase = { arch: plan.train.arch, size: p.size, batch: plan.train.batch };
    // One budget for both commands: the demo dataset first, then its preparation.
    const t0 = Date.now();
    const made = await measure('demo-dataset', 'prepare', c, demo, nodeEnv, p.budgetS, () => null);
    if (made.status !== 'ok') return false;
    const left = p.budgetS - (Date.now() - t0) / 1000;
    return (await measure('prepare', 'prepare', c, prep, nodeEnv, Math.max(left, MIN_RUN_S), () => null)).status === 'ok';
  };

  const trainRun = async (havePrepared: boolean) => {
    const t = plan.train;
    const c: BenchCase = { arch: t.arch, size: plan.prepare.size, batch: t.batch };
    const runDir = join(workDir, 'torchrun-out');
    rmSync(runDir, { recursive: true, force: true });
    // torchrun is this module; --redirects/--tee 1 because Debian's torch 1.13 on Python 3.11
    // cannot parse its own default for them, and on torch 2 they only tee the workers' stdout.
    const command = [
      python ?? 'python3', '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '1', '--redirects', '1', '--tee', '1',
      '-m', 'gazecam_torch.train', prepared, '--out', runDir, '--arch', t.arch, '--batch', String(t.batch), '--epochs', '1000',
      '--max-steps', String(t.maxSteps), '--log-every', String(t.logEvery), '--device', plan.torch.device, '--checkpoint-every', '0',
    ];
    if (torchBlocked) return skip('torchrun', 'torchrun', c, torchBlocked, command);
    if (!havePrepared) return skip('torchrun', 'torchrun', c, 'no prepared dataset (see the prepare step)', command);
    const fromLog = () => {
      const logFile = join(runDir, 'log.jsonl');
      const got = existsSync(logFile) ? trainLogThroughput(readFileSync(logFile, 'utf8'), t.batch) : null;
      return got ? { imagesPerSec: got.imagesPerSec, steps: got.steps, device: plan.torch.device, torch: results.machine.torch ?? undefined } : null;
    };
    await measure('torchrun', 'torchrun', c, command, pyEnv, t.budgetS, () => {
      const got = fromLog();
      if (!got) throw new Error(`the trainer's log.jsonl has fewer than two logged intervals (--max-steps ${t.maxSteps}, --log-every ${t.logEvery})`);
      return got;
    }, fromLog);
  };

  // --- The runs, most telling first: a lease that ends early still answers the main question.
  await webgpuRun(0);
  for (const c of plan.cases) await torchRun(c, false);
  for (const c of plan.cases) await torchRun(c, true);
  for (let i = 1; i < plan.cases.length; i++) await webgpuRun(i);
  await profileRun();
  const havePrepared = torchBlocked ? false : await prepareRun();
  await trainRun(havePrepared);

  const summary = write();
  console.log('');
  console.log(toMarkdown(summary));
  console.log(`results: ${relative(process.cwd(), join(outDir, 'device-results.json')) || outDir} and device-results.md (${summary.wallS.toFixed(0)} s)`);
  return 0;
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'probe') await probe();
else if (command === 'run') process.exitCode = await run(rest);
else {
  console.error('usage: device-tools.mjs probe | run --out DIR --cli FILE --repo DIR [--quick] [--python PY] [--limit-s S] [--started-at EPOCH_S] [--work DIR]');
  process.exitCode = 2;
}
