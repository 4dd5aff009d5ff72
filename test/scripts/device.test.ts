/**
 * The GPU run (scripts/device-run.sh): the results document it writes and the arithmetic behind it.
 * The fixture is the device-results.json of a real `--quick` run here (lavapipe, PyTorch on the
 * CPU), made by `bash scripts/device/bare-check.sh --quick`: running the script itself in the test
 * would need the 35 MiB .device/ bundle (minutes of xz) and two more minutes of runs. The script's
 * own refusal without a bundle is run for real, since it needs none.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkShape,
  fp32Peak,
  gflopPerImageFor,
  lastJsonLine,
  summarise,
  toMarkdown,
  trainLogThroughput,
  type DeviceResults,
  type RunRecord,
} from '../../scripts/device/summary.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/device-quick-results.json', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../../scripts/device-run.sh', import.meta.url));
const load = (): DeviceResults => JSON.parse(readFileSync(FIXTURE, 'utf8'));
const measuring = (r: RunRecord) => r.kind !== 'prepare' && r.kind !== 'profile';
const sameCase = (a: RunRecord, b: RunRecord) => JSON.stringify(a.case) === JSON.stringify(b.case);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('device results: the committed --quick run', () => {
  it('has the shape the GPU run must produce, every kind of run, and the adapter Dawn got', () => {
    const r = load();
    expect(checkShape(r)).toEqual([]);
    expect(r.mode).toBe('quick');
    expect(r.adapter?.architecture).toBe('software'); // lavapipe
    expect(r.vulkan.icdSource).toBe('lavapipe');
    // The probe process loaded the bundled Vulkan loader and the bundled dawn.node, not the system's.
    expect(r.vulkan.loader).toMatch(/gazecam-device\.[^/]+\/sys\/usr\/lib\/x86_64-linux-gnu\/libvulkan\.so/);
    expect(r.adapter?.libraries.some((l) => /gazecam-device\.[^/]+\/cli\/dist\/linux-x64\/dawn\.node$/.test(l))).toBe(true);
    expect(new Set(r.runs.map((x) => x.kind))).toEqual(new Set(['webgpu', 'torch-fp32', 'torch-tf32', 'profile', 'prepare', 'torchrun']));
    for (const run of r.runs.filter((x) => x.kind === 'webgpu')) {
      expect(run.status).toBe('ok');
      expect(run.measured?.kernelPath).toBe('direct'); // a CPU adapter takes the direct path
      expect(run.measured?.tensorLeak).toBe(0);
    }
    // TF32 is a CUDA setting: on the CPU those runs say so instead of timing fp32 twice.
    for (const run of r.runs.filter((x) => x.kind === 'torch-tf32')) expect(run).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/CUDA/) });
    expect(r.profile?.timer).toBe('webgpu-timestamp-query');
    expect(r.profile?.top.length).toBeGreaterThan(3);
    expect(r.machine.peakFp32Tflops).toBeNull();
  });

  it('derives GFLOP/s and the ratio to PyTorch fp32 from the measured figures, and summarise is repeatable', () => {
    const r = load();
    expect(summarise(r)).toEqual(r);
    const stripped = {
      ...r,
      goals: null,
      runs: r.runs.map(({ gflopPerImage: _g, achievedGflops: _a, peakFraction: _p, ratioToTorchFp32: _r, ...rest }) => rest),
    };
    expect(summarise(stripped)).toEqual(r);
    const measured = r.runs.filter((x) => measuring(x) && x.measured);
    expect(measured.length).toBeGreaterThanOrEqual(5);
    for (const run of measured) {
      const reference = r.runs.find((x) => x.kind === 'torch-fp32' && sameCase(x, run))!;
      expect(run.achievedGflops).toBeCloseTo(run.gflopPerImage! * run.measured!.imagesPerSec, 9);
      expect(run.ratioToTorchFp32).toBeCloseTo(run.measured!.imagesPerSec / reference.measured!.imagesPerSec, 9);
      expect(run.peakFraction).toBeNull();
    }
    const webgpuRatios = r.runs.filter((x) => x.kind === 'webgpu').map((x) => x.ratioToTorchFp32!);
    expect(r.goals?.ratioToTorchFp32).toEqual({ goal: 0.5, best: Math.max(...webgpuRatios), met: Math.max(...webgpuRatios) >= 0.5 });
    expect(r.goals?.peakFraction).toEqual({ goal: 0.3, best: null, met: null });
  });

  it('computes GFLOP/image as the engine bench does', () => {
    const r = load();
    for (const run of r.runs.filter((x) => x.kind === 'webgpu')) {
      expect(gflopPerImageFor(run.case!)).toBeCloseTo(run.measured!.benchGflopPerImage!, 12);
    }
    for (const c of r.cases) expect(gflopPerImageFor(c)).toBe(c.gflopPerImage);
    expect(() => gflopPerImageFor({ arch: 'resnet51', size: 224, batch: 32 })).toThrow('unknown architecture "resnet51"');
  });

  it('writes one markdown row per measuring run and names the dominant kernels', () => {
    const r = load();
    const md = toMarkdown(r);
    const rows = md.split('\n').filter((l) => /^\| resnet/.test(l));
    expect(rows).toHaveLength(r.runs.filter(measuring).length);
    for (const run of r.runs.filter(measuring)) expect(md).toContain(run.status);
    expect(md).toContain('| of fp32 peak |');
    expect(md).toMatch(/\| unknown \|/); // no GPU here: the peak is unknown, not 0%
    for (const k of r.profile!.top.slice(0, 3)) expect(md).toContain(`| ${k.name} |`);
  });
});

describe('device results: the fp32 peak table and the shape check', () => {
  it('knows the H200 and tells look-alike names apart', () => {
    expect(fp32Peak('NVIDIA H200')).toEqual({ tflops: 67, label: 'NVIDIA H200 SXM' });
    expect(fp32Peak('NVIDIA H200 NVL')?.tflops).toBe(60);
    expect(fp32Peak('NVIDIA H100 80GB HBM3')?.tflops).toBe(67);
    expect(fp32Peak('NVIDIA H100 PCIe')?.tflops).toBe(51);
    expect(fp32Peak('NVIDIA A100-SXM4-80GB')?.tflops).toBe(19.5);
    expect(fp32Peak('NVIDIA A10G')?.tflops).toBe(31.2);
    expect(fp32Peak('NVIDIA L40S')?.tflops).toBe(91.6);
    expect(fp32Peak('llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)')).toBeNull();
    expect(fp32Peak(null)).toBeNull();
  });

  it('on a known GPU gives each run its fraction of the peak and the goal its verdict', () => {
    const r = summarise({ ...load(), machine: { ...load().machine, gpuName: 'NVIDIA H200', gpuNameSource: 'nvidia-smi' } });
    expect(r.machine).toMatchObject({ peakFp32Tflops: 67, peakSource: 'datasheet: NVIDIA H200 SXM' });
    for (const run of r.runs.filter((x) => measuring(x) && x.measured)) expect(run.peakFraction).toBeCloseTo(run.achievedGflops! / 67_000, 12);
    expect(r.goals?.peakFraction.met).toBe(false);
    expect(checkShape(r)).toEqual([]);
    expect(toMarkdown(r)).toContain('fp32 peak 67 TFLOPS (datasheet: NVIDIA H200 SXM)');
  });

  it('names what is wrong with a malformed document', () => {
    const r = load();
    const webgpu = r.runs.findIndex((x) => x.kind === 'webgpu');
    const broken = structuredClone(r) as unknown as { runs: Record<string, unknown>[]; adapter: unknown; mode: string };
    delete (broken.runs[webgpu].measured as Record<string, unknown>).kernelPath;
    broken.runs.push({ ...broken.runs[webgpu], id: 'late', status: 'timeout', reason: undefined, measured: undefined });
    broken.runs.push({ ...broken.runs[webgpu], id: 'odd', status: 'fine' });
    broken.adapter = null;
    broken.mode = 'fast';
    const problems = checkShape(broken);
    expect(problems).toContain(`run ${r.runs[webgpu].id}: a WebGPU run records its kernelPath`);
    expect(problems).toContain('run late: a timeout run needs a reason');
    expect(problems).toContain('run odd: status must be one of ok, timeout, failed, skipped');
    expect(problems).toContain('a null adapter needs adapterError');
    expect(problems).toContain('mode must be full or quick');
    expect(checkShape([])).toEqual(['not a JSON object']);
  });
});

describe('device results: reading the tools\' output', () => {
  it('takes the last JSON object line after progress output', () => {
    expect(lastJsonLine('adapter: x\n{"a":1}\ntrain ...\n{"b":2}\n\n')).toEqual({ b: 2 });
    expect(lastJsonLine('{"cut":\nno json here\n')).toBeNull();
    expect(lastJsonLine('[1,2]\n')).toBeNull();
  });

  it('measures torchrun throughput over the logged intervals after the first', () => {
    const line = (steps: number, ips: number) => JSON.stringify({ steps, imagesPerSec: ips, loss: {} });
    // batch 32: 5 steps at 100 img/s (1.6 s, warm-up, dropped), 5 at 400 (0.4 s), 4 at 200 (0.64 s)
    const log = [line(5, 100), line(5, 400), line(4, 200), '{"steps": 5, "imagesPer'].join('\n');
    const got = trainLogThroughput(log, 32)!;
    expect(got.steps).toBe(9);
    expect(got.imagesPerSec).toBeCloseTo((9 * 32) / (0.4 + 0.64), 9);
    expect(trainLogThroughput(line(5, 100), 32)).toBeNull();
  });
});

describe('scripts/device-run.sh without a bundle', () => {
  it('stops with one line naming the missing bundle and what to run, and leaves a results file saying so', () => {
    const device = mkdtempSync(join(tmpdir(), 'gazecam-nodevice-'));
    const out = mkdtempSync(join(tmpdir(), 'gazecam-device-out-'));
    dirs.push(device, out);
    const r = spawnSync('bash', [SCRIPT, '--quick', '--out', out], { env: { ...process.env, GAZECAM_DEVICE_DIR: device }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`device-run: ${device}/manifest.json is missing: run 'npm run device:bundle' where Node and node_modules are, and carry .device with the working tree`);
    expect(JSON.parse(readFileSync(join(out, 'device-results.json'), 'utf8'))).toEqual({
      schema: 'gazecam-device-results/1',
      error: `${device}/manifest.json is missing: run 'npm run device:bundle' where Node and node_modules are, and carry .device with the working tree`,
    });
  });

  it('refuses an unknown option', () => {
    const r = spawnSync('bash', [SCRIPT, '--fast'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('device-run: unknown option --fast (options: --quick, --out DIR)\n');
  });
});
