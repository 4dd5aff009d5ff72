/**
 * `gazecam bench [kernels|training|all] [--json] [--backend webgpu|cpu] [--runs N] [--warmup N]`
 * The benchmark suite (DESIGN.md section 6). Human-readable table on stdout; with --json the last
 * stdout line is one JSON object {adapter, kernels, training} (plus `ab` with --ab). --ab runs the
 * bench page's paired A/B of training steps (src/bench/ab.ts); --profile adds a per-kernel profile.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs, UsageError } from '../args.ts';
import { assertNoGPUErrors, initNodeWebGPU, type AdapterInfo } from '../webgpu.ts';
import { benchCamKernels, DEFAULT_KERNEL_SHAPE, type KernelResult } from '../../bench/kernels.ts';
import { benchTrainingStep, DEFAULT_TRAINING_CASES, type TrainingCase, type TrainingResult } from '../../bench/training.ts';
import { formatKernel, formatProfile, formatTraining } from '../../bench/report.ts';
import { abTrainingStep, AbSpecError, formatAb, parseAbSpec, type AbResult } from '../../bench/ab.ts';
import { isResNetArch } from '../../engine/model/index.ts';

export const usage = `usage: gazecam bench [kernels|training|all] [--json] [--backend webgpu|cpu] [--runs N] [--warmup N]
                    [--batch N] [--size N] [--arch A]
  kernels   fused WGSL CAM + refine_cams vs composed tfjs ops, forward+backward
            (default: B=16, 7x7x512 -> 224x224, K=3)
  training  full Adam steps with CE + CAM-to-gaze loss: images/s, GFLOP/image, achieved GFLOP/s,
            first step (pipeline compilation) apart (default: resnet10-small at 64 and 128,
            resnet18 at 224, batch 16; --arch/--size/--batch pick one case)
  all       both (the default)
  --ab SPEC  instead of plain timing, alternate training steps between two kernel settings and
             report the median of the paired ratios: convFilter, kernelPath:direct:tiled,
             batchNorm:fused:reference, augment:standard:none, optimizer:fused:composed,
             flag:NAME:A:B
  --profile  after each training case, one step under tf.profile: time per kernel name
  Medians of --runs after --warmup; --json prints one JSON object as the last stdout line.`;

const SUITES = ['kernels', 'training'] as const;

export async function run(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    json: { type: 'boolean' },
    backend: { type: ['webgpu', 'cpu'] },
    runs: { type: 'int' },
    warmup: { type: 'int' },
    batch: { type: 'int' },
    size: { type: 'int' },
    arch: { type: 'string' },
    ab: { type: 'string' },
    profile: { type: 'boolean' },
  });
  const suite = positional[0] ?? 'all';
  if (!(SUITES as readonly string[]).includes(suite) && suite !== 'all') {
    throw new UsageError(`unknown suite "${suite}"; suites: ${SUITES.join(', ')}, all`);
  }
  const backend = (flags.backend as string | undefined) ?? 'webgpu';
  let ab;
  try {
    ab = flags.ab === undefined ? undefined : parseAbSpec(flags.ab as string);
  } catch (err) {
    if (err instanceof AbSpecError) throw new UsageError(`--ab: ${err.message}`);
    throw err;
  }
  let adapter: AdapterInfo = { vendor: 'cpu', architecture: 'tfjs-cpu', description: 'tfjs cpu backend', device: '' };
  if (backend === 'webgpu') {
    adapter = await initNodeWebGPU();
  } else {
    await tf.setBackend('cpu');
  }
  const timing = { warmup: (flags.warmup as number) ?? 3, runs: (flags.runs as number) ?? 10 };
  // Results are printed as they arrive: a long suite interrupted late still leaves its figures.
  console.log(`adapter: ${adapter.description} (${adapter.vendor}, ${adapter.architecture}); backend ${tf.getBackend()}`);
  console.log(`timing: medians after warm-up (kernels ${timing.warmup}+${timing.runs}, training ${(flags.warmup as number) ?? 2}+${(flags.runs as number) ?? 5} steps)`);
  const kernels: KernelResult[] = [];
  if (suite === 'kernels' || suite === 'all') {
    const shape = { ...DEFAULT_KERNEL_SHAPE };
    if (suite === 'kernels' && flags.batch) shape.batch = flags.batch as number;
    if (suite === 'kernels' && flags.size) [shape.outH, shape.outW] = [flags.size as number, flags.size as number];
    kernels.push(await benchCamKernels(shape, timing));
    printKernel(kernels.at(-1)!);
  }
  const training: TrainingResult[] = [];
  const abResults: AbResult[] = [];
  if (suite === 'training' || suite === 'all') {
    let cases: TrainingCase[] = DEFAULT_TRAINING_CASES;
    if (flags.arch || (suite === 'training' && (flags.size || flags.batch))) {
      const arch = (flags.arch as string | undefined) ?? 'resnet10-small';
      if (!isResNetArch(arch)) throw new UsageError(`unknown --arch ${arch}`);
      cases = [{ arch, size: (flags.size as number) ?? 64, batch: (flags.batch as number) ?? 16 }];
    }
    const stepTiming = { warmup: (flags.warmup as number) ?? 2, runs: (flags.runs as number) ?? 5 };
    for (const tc of cases) {
      if (ab) {
        if (!ab.backends.includes(tf.getBackend())) throw new UsageError(`--ab ${flags.ab} means nothing on ${tf.getBackend()}`);
        abResults.push(await abTrainingStep(tc, ab, stepTiming));
        console.log(formatAb(abResults.at(-1)!));
        continue;
      }
      training.push(await benchTrainingStep(tc, stepTiming, {}, 'gazecam', 'gazecam', Boolean(flags.profile)));
      printTraining(training.at(-1)!);
      for (const line of flags.profile ? formatProfile(training.at(-1)!) : []) console.log(line);
    }
  }
  if (backend === 'webgpu') assertNoGPUErrors('gazecam bench');
  if (flags.json) {
    console.log(JSON.stringify({ adapter, kernels, training, ...(ab ? { ab: abResults } : {}) }));
  }
  return 0;
}

function printKernel(k: KernelResult): void {
  console.log(formatKernel(k));
}

function printTraining(t: TrainingResult): void {
  console.log(formatTraining(t));
}
