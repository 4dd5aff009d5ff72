/**
 * Where a training step's GPU time goes: tf.profile of full steps (forward, CE + CAM loss,
 * backward, Adam) on WebGPU through Dawn, summed per kernel name. On webgpu tfjs reads the per-kernel
 * times from timestamp queries when the adapter has 'timestamp-query' (lavapipe and real GPUs do);
 * without it every time is 0 and this script says so instead of printing zeros.
 *
 *   npx tsx scripts/profile-step.ts [--arch resnet10-small] [--size 64] [--batch 16] [--loss kl]
 *                                   [--runs 3] [--shapes] [--composed]
 *
 * --shapes lists every conv call with its shapes; --composed profiles with our WGSL kernels for
 * Conv2DBackpropFilter and batch norm switched off (tfjs's own ops), to see what they replaced.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/node/backend.ts';
import { parseArgs } from '../src/node/args.ts';
import { RESNET_ARCHS } from '../src/engine/model/index.ts';
import { GAZE_LOSSES, resolveConfig } from '../src/engine/train/config.ts';
import { createModelFor } from '../src/engine/train/loop.ts';
import { Optimizer } from '../src/engine/train/optimizer.ts';
import { trainStep } from '../src/engine/train/step.ts';
import { prepareKernels } from '../src/engine/kernels/cam_ops.ts';
import { useFastConvBackpropFilter } from '../src/engine/kernels/register_webgpu.ts';
import { useFusedBatchNorm } from '../src/engine/kernels/batch_norm_ops.ts';
import { syntheticBatch } from '../src/bench/training.ts';
import { kernelTimer, profileStep } from '../src/bench/profile.ts';

const { flags } = parseArgs(process.argv.slice(2), {
  arch: { type: RESNET_ARCHS },
  size: { type: 'int' },
  batch: { type: 'int' },
  loss: { type: GAZE_LOSSES },
  runs: { type: 'int' },
  shapes: { type: 'boolean' },
  composed: { type: 'boolean' },
});
const adapter = await selectBackend('webgpu');
prepareKernels();
if (flags.composed) {
  useFastConvBackpropFilter(false);
  useFusedBatchNorm(false);
}
const c = resolveConfig({
  arch: (flags.arch as string | undefined) ?? 'resnet10-small',
  size: (flags.size as number | undefined) ?? 64,
  batch: (flags.batch as number | undefined) ?? 16,
  method: 'cam',
  loss: (flags.loss as string | undefined) ?? 'kl',
} as never);
const runs = (flags.runs as number | undefined) ?? 3;
const numClasses = 3;
const model = createModelFor(c, numClasses);
const optimizer = new Optimizer(c.optimizer, c.momentum, c.weightDecay);
const batch = syntheticBatch(c, numClasses);
const step = async () => {
  const losses = trainStep(model, optimizer, batch, c, c.lr);
  await losses.total.data();
  tf.dispose(Object.values(losses));
};
// Warm-up: pipeline compilation and buffer pools are not what a step costs.
for (let i = 0; i < 2; i++) await step();

if (kernelTimer() === 'webgpu-no-timer') {
  console.error('This adapter has no timestamp-query feature, so tf.profile cannot time kernels (every time would be 0).');
  process.exit(1);
}
// Mean over `runs` profiled steps of the bench page's per-kernel totals (src/bench/profile.ts).
const totals = new Map<string, { ms: number; calls: number }>();
for (let r = 0; r < runs; r++) {
  for (const k of (await profileStep(step)).kernels) {
    const entry = totals.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += k.ms / runs;
    entry.calls += k.calls / runs;
    totals.set(k.name, entry);
  }
}
const all = [...totals.values()].reduce((sum, e) => sum + e.ms, 0);
console.log(`adapter: ${adapter.description}; ${c.arch} ${c.size}px batch ${c.batch}, loss ${c.loss}, ` +
  `${flags.composed ? "tfjs's own kernels" : 'our WGSL kernels'}; mean of ${runs} profiled steps after 2 warm-up`);
console.log(`GPU time per step (sum of kernel times): ${all.toFixed(1)} ms`);
for (const [name, e] of [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
  console.log(`  ${name.padEnd(32)} ${e.ms.toFixed(1).padStart(9)} ms ${((100 * e.ms) / all).toFixed(1).padStart(5)}%  ${Math.round(e.calls)} calls`);
}
if (flags.shapes) {
  // One more profiled step for the per-call shapes, which the totals above sum away.
  const info = await tf.profile(step);
  for (const k of info.kernels.filter((k) => /Conv2D|BatchNorm/.test(k.name))) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs.toFixed(1) : '?';
    console.log(`  ${k.name.padEnd(32)} ${ms.padStart(8)} ms  in ${JSON.stringify(k.inputShapes)} out ${JSON.stringify(k.outputShapes)}`);
  }
}
tf.dispose(Object.values(batch));
optimizer.dispose();
model.dispose();
