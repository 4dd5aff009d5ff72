/**
 * Training-step benchmark: full steps (forward, CE + CAM-to-gaze loss, backward, Adam) of a model at
 * a size and batch, on synthetic data of the right shapes. Reports images/s from the median step
 * after warm-up, the first step apart (pipeline compilation), FLOPs per image and achieved GFLOP/s.
 * DOM-free: the CLI and the browser bench page run the same code.
 */
import * as tf from '@tensorflow/tfjs';
import { forwardFlopsPerImage, type ResNetArch } from '../engine/model/index.ts';
import { resolveConfig, type TrainConfig } from '../engine/train/config.ts';
import { createModelFor } from '../engine/train/loop.ts';
import { Optimizer } from '../engine/train/optimizer.ts';
import { trainStep } from '../engine/train/step.ts';
import { activeKernelPath, configureKernels, prepareKernels, type KernelPath } from '../engine/kernels/index.ts';
import type { Batch, SplitData } from '../engine/train/data.ts';
import { mulberry32 } from '../util/rng.ts';
import { profileStep, type StepProfile } from './profile.ts';
import { medianMs, type TimingOptions } from './timing.ts';

export interface TrainingCase {
  arch: ResNetArch;
  size: number;
  batch: number;
}

export interface TrainingResult extends TrainingCase {
  backend: string;
  /** 'gazecam': our WGSL Conv2DBackpropFilter; 'tfjs': the backend's own (A/B baseline on webgpu;
   *  always 'tfjs' on webgl and cpu, where ours does not exist) */
  convFilterKernel: 'gazecam' | 'tfjs';
  /** 'gazecam': our fused WGSL training-mode batch norm; 'tfjs': composed tfjs ops (always off webgpu) */
  batchNormKernel: 'gazecam' | 'tfjs';
  /** webgpu only: which of our convolution and batch-norm programs ran (direct on CPU adapters) */
  kernelPath?: KernelPath;
  imagesPerSec: number;
  stepMs: number;
  /** forward + backward ~ 3x forward, the usual convention */
  gflopPerImage: number;
  achievedGflops: number;
  firstStepMs: number;
  camStride: number;
  /** tensors alive after the timed steps minus before: must be 0 */
  tensorLeak: number;
  /** per-kernel times of one more step under tf.profile, when asked for (after the timed steps) */
  profile?: StepProfile;
}

export const DEFAULT_TRAINING_CASES: TrainingCase[] = [
  { arch: 'resnet10-small', size: 64, batch: 16 },
  { arch: 'resnet10-small', size: 128, batch: 16 },
  { arch: 'resnet18', size: 224, batch: 16 },
];

/** A batch of the config's shapes: random images and gaze, every image with gaze, labels cycling. */
export function syntheticBatch(c: TrainConfig, numClasses: number): Batch {
  return tf.tidy(() => {
    const shape: [number, number, number, number] = [c.batch, c.size, c.size, 1];
    const labels = tf.tensor1d(Array.from({ length: c.batch }, (_, i) => i % numClasses), 'int32');
    return {
      images: tf.randomUniform(shape, 0, 1, 'float32', 1) as tf.Tensor4D,
      gaze: tf.randomUniform(shape, 0, 1, 'float32', 2) as tf.Tensor4D,
      gazeMask: tf.ones([c.batch]) as tf.Tensor1D,
      oneHot: tf.oneHot(labels, numClasses).toFloat() as tf.Tensor2D,
    };
  });
}

/** One split's arrays of the config's shapes (random 16-bit images, gaze on every image), for steps that build their batches. */
export function syntheticSplit(c: TrainConfig, numClasses: number): SplitData {
  const pixels = c.size * c.size;
  const rand = mulberry32(7);
  const count = c.batch;
  return {
    split: 'train', count, size: c.size, ids: [], imagePaths: [],
    images: Uint16Array.from({ length: count * pixels }, () => Math.floor(rand() * 65536)),
    gaze: Uint8Array.from({ length: count * pixels }, () => Math.floor(rand() * 256)),
    hasGaze: new Uint8Array(count).fill(1),
    labels: Int32Array.from({ length: count }, (_, i) => i % numClasses),
    conflict: new Uint8Array(count),
  };
}

export async function benchTrainingStep(
  tc: TrainingCase,
  timing: TimingOptions = { warmup: 2, runs: 5 },
  overrides: Partial<TrainConfig> = {},
  convFilterKernel: 'gazecam' | 'tfjs' = 'gazecam',
  batchNormKernel: 'gazecam' | 'tfjs' = 'gazecam',
  profile = false,
): Promise<TrainingResult> {
  const numClasses = 3;
  prepareKernels();
  const previous = configureKernels({ convBackpropFilter: convFilterKernel, batchNorm: batchNormKernel === 'gazecam' ? 'fused' : 'reference' });
  const c = resolveConfig({ arch: tc.arch, size: tc.size, batch: tc.batch, method: 'cam', loss: 'kl', ...overrides });
  const model = createModelFor(c, numClasses);
  const optimizer = new Optimizer(c.optimizer, c.momentum, c.weightDecay);
  const batch = syntheticBatch(c, numClasses);
  try {
    const step = async () => {
      const losses = trainStep(model, optimizer, batch, c, c.lr);
      await losses.total.data(); // the only sync: waits for the whole step
      tf.dispose(Object.values(losses));
    };
    const before = { n: 0 };
    const { medianMs: stepMs, firstMs } = await medianMs(
      async () => {
        await step();
        before.n = tf.memory().numTensors;
      },
      timing,
    );
    await step();
    const tensorLeak = tf.memory().numTensors - before.n;
    // After the leak check: tf.profile keeps its own records of the step's tensors.
    const stepProfile = profile ? await profileStep(step) : undefined;
    const gflopPerImage = (3 * forwardFlopsPerImage(model.topology, c.size, model.config.gazeHead)) / 1e9;
    const imagesPerSec = (tc.batch * 1000) / stepMs;
    return {
      ...tc,
      backend: tf.getBackend(),
      convFilterKernel: tf.getBackend() === 'webgpu' ? convFilterKernel : 'tfjs',
      batchNormKernel: tf.getBackend() === 'webgpu' ? batchNormKernel : 'tfjs',
      ...(tf.getBackend() === 'webgpu' ? { kernelPath: activeKernelPath() } : {}),
      imagesPerSec,
      stepMs,
      gflopPerImage,
      achievedGflops: gflopPerImage * imagesPerSec,
      firstStepMs: firstMs,
      camStride: model.config.camStride,
      tensorLeak,
      ...(stepProfile ? { profile: stepProfile } : {}),
    };
  } finally {
    configureKernels(previous);
    tf.dispose(Object.values(batch));
    optimizer.dispose();
    model.dispose();
  }
}
