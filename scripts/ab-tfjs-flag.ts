/**
 * A/B of one tfjs WebGPU flag on full training steps, in one process: steps alternate between the
 * two values and the paired ratios' median is printed, which holds up on a shared, noisy machine
 * better than two separate benchmark runs.
 *
 *   npx tsx scripts/ab-tfjs-flag.ts FLAG VALUE_A VALUE_B [size] [arch]
 *   npx tsx scripts/ab-tfjs-flag.ts WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE 15 64
 *
 * Values: true, false or a number. Model resnet10-small at 64 px, batch 16, CAM + KL, Adam; 2
 * warm-up pairs, then 9 timed pairs.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/node/backend.ts';
import { resolveConfig } from '../src/engine/train/config.ts';
import { createModelFor } from '../src/engine/train/loop.ts';
import { Optimizer } from '../src/engine/train/optimizer.ts';
import { trainStep } from '../src/engine/train/step.ts';
import { prepareKernels } from '../src/engine/kernels/cam_ops.ts';
import { median } from '../src/bench/timing.ts';
await selectBackend('webgpu');
prepareKernels();
const [flag, aRaw, bRaw] = process.argv.slice(2, 5);
if (!flag || aRaw === undefined || bRaw === undefined) {
  console.error('usage: npx tsx scripts/ab-tfjs-flag.ts FLAG VALUE_A VALUE_B [size] [arch]');
  process.exit(2);
}
const parse = (v: string) => (v === 'true' ? true : v === 'false' ? false : Number(v));
const size = Number(process.argv[5] ?? 64), arch = (process.argv[6] ?? 'resnet10-small') as never;
const c = resolveConfig({ arch, size, batch: 16, method: 'cam', loss: 'kl' });
const model = createModelFor(c, 3);
const opt = new Optimizer(c.optimizer, c.momentum, c.weightDecay);
const batch = tf.tidy(() => ({
  images: tf.randomUniform([16, size, size, 1]) as tf.Tensor4D, gaze: tf.randomUniform([16, size, size, 1]) as tf.Tensor4D,
  gazeMask: tf.ones([16]) as tf.Tensor1D, oneHot: tf.oneHot(tf.tensor1d([0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0],'int32'),3).toFloat() as tf.Tensor2D }));
// tf.env().set throws on a flag tfjs does not know, naming it.
const step = async (v: string) => { tf.env().set(flag, parse(v)); const t0 = performance.now(); const l = trainStep(model, opt, batch, c, c.lr); await l.total.data(); tf.dispose(Object.values(l)); return performance.now() - t0; };
for (let i = 0; i < 2; i++) { await step(aRaw!); await step(bRaw!); }
const A: number[] = [], B: number[] = [], r: number[] = [];
for (let i = 0; i < 9; i++) { const a = await step(aRaw!); const b = await step(bRaw!); A.push(a); B.push(b); r.push(b / a); }
console.log(`${flag} ${aRaw}: ${median(A).toFixed(0)} ms/step; ${bRaw}: ${median(B).toFixed(0)} ms/step; paired median ${bRaw}/${aRaw} ${median(r).toFixed(2)} (${r.map((x) => x.toFixed(2)).join(' ')})`);
