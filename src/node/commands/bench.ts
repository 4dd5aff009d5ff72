/**
 * `gazecam bench [kernels|training|all] [--json] [--backend webgpu|cpu] [--runs N] [--warmup N]`
 * The benchmark suite (DESIGN.md section 6). Human-readable table on stderr-free stdout; with --json
 * the last stdout line is one JSON object {adapter, kernels, training}.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs, UsageError } from '../args.ts';
import { assertNoGPUErrors, initNodeWebGPU, type AdapterInfo } from '../webgpu.ts';
import { benchCamKernels, DEFAULT_KERNEL_SHAPE, type KernelResult } from '../../bench/kernels.ts';

export const usage = `usage: gazecam bench [kernels] [--json] [--backend webgpu|cpu] [--runs N] [--warmup N] [--batch N] [--size N]
  kernels   fused WGSL CAM + refine_cams vs composed tfjs ops, forward+backward
            (default: B=16, 7x7x512 -> 224x224, K=3; medians after warm-up)
  --json    print one JSON object as the last stdout line`;

const SUITES = ['kernels'] as const;

export async function run(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    json: { type: 'boolean' },
    backend: { type: ['webgpu', 'cpu'] },
    runs: { type: 'int' },
    warmup: { type: 'int' },
    batch: { type: 'int' },
    size: { type: 'int' },
  });
  const suite = positional[0] ?? 'kernels';
  if (!(SUITES as readonly string[]).includes(suite) && suite !== 'all') {
    throw new UsageError(`unknown suite "${suite}"; suites: ${SUITES.join(', ')}, all`);
  }
  const backend = (flags.backend as string | undefined) ?? 'webgpu';
  let adapter: AdapterInfo = { vendor: 'cpu', architecture: 'tfjs-cpu', description: 'tfjs cpu backend', device: '' };
  if (backend === 'webgpu') {
    adapter = await initNodeWebGPU();
  } else {
    await tf.setBackend('cpu');
  }
  const timing = { warmup: (flags.warmup as number) ?? 3, runs: (flags.runs as number) ?? 10 };
  const kernels: KernelResult[] = [];
  if (suite === 'kernels' || suite === 'all') {
    const shape = { ...DEFAULT_KERNEL_SHAPE };
    if (flags.batch) shape.batch = flags.batch as number;
    if (flags.size) [shape.outH, shape.outW] = [flags.size as number, flags.size as number];
    kernels.push(await benchCamKernels(shape, timing));
  }
  if (backend === 'webgpu') assertNoGPUErrors('gazecam bench');
  console.log(`adapter: ${adapter.description} (${adapter.vendor}, ${adapter.architecture}); backend ${tf.getBackend()}`);
  console.log(`timing: median of ${timing.runs} runs after ${timing.warmup} warm-up`);
  for (const k of kernels) {
    console.log(
      `${k.name} [${k.shape}]: fused ${k.fusedMs.toFixed(1)} ms, composed ${k.composedMs.toFixed(1)} ms ` +
        `(reference ${k.composedReferenceMs.toFixed(1)}, naive resizeBilinear ${k.composedNaiveMs.toFixed(1)}) ` +
        `-> ${k.speedup.toFixed(2)}x; fused first call ${k.fusedFirstMs.toFixed(0)} ms`,
    );
  }
  if (flags.json) {
    console.log(JSON.stringify({ adapter, kernels, training: [] }));
  }
  return 0;
}
