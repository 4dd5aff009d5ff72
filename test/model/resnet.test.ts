/**
 * The model's structure and bookkeeping: torchvision's exact state_dict (names, shapes, dtypes, order)
 * for every architecture, camStride feature-map sizes, BN counters, seeded init, and a tensor count
 * that stays flat across training-mode forwards and backwards on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { forEachBackend } from '../helpers/backends.ts';
import {
  RESNET_ARCHS,
  createResNet,
  forwardFlopsPerImage,
  resnetTopology,
  type CamStride,
} from '../../src/engine/model/index.ts';
import { runTorchReference } from './torch_oracle.ts';

describe('ResNet structure', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(RESNET_ARCHS)('%s: state_dict names, shapes, dtypes and order equal PyTorch', (arch) => {
    const torch = JSON.parse(runTorchReference(['keys', '--arch', arch, '--classes', '7'])) as Array<[string, number[], string]>;
    const model = createResNet({ arch, numClasses: 7 });
    expect(model.backboneSpecs.map((s) => [s.name, s.torchShape, s.dtype])).toEqual(torch);
    model.dispose();
  });

  it('parameter counts match torchvision (1000 classes)', () => {
    const counts = Object.fromEntries(
      (['resnet18', 'resnet34', 'resnet50'] as const).map((arch) => {
        const m = createResNet({ arch, numClasses: 1000 });
        const n = m.countParameters({ trainableOnly: true });
        m.dispose();
        return [arch, n];
      }),
    );
    expect(counts).toEqual({ resnet18: 11_689_512, resnet34: 21_797_672, resnet50: 25_557_032 });
  });

  it('camStride changes strides only: same state_dict, feature map at input/stride', () => {
    const specs = (camStride: CamStride) => {
      const m = createResNet({ arch: 'resnet50', numClasses: 2, camStride });
      m.dispose();
      return m.backboneSpecs;
    };
    expect(specs(8)).toEqual(specs(32));
    expect(resnetTopology('resnet50', 2, 16).stageStrides).toEqual([1, 2, 2, 1]);
    expect(resnetTopology('resnet18', 2, 8).stageStrides).toEqual([1, 2, 1, 1]);
    // v1.5: the stride sits on the Bottleneck's 3x3 conv, and on its downsample
    const block = resnetTopology('resnet50', 2).stages[1][0];
    expect(block.convs.map((c) => c.stride)).toEqual([1, 2, 1]);
    expect(block.downsample?.conv.stride).toBe(2);
    for (const camStride of [32, 16, 8] as const) {
      const m = createResNet({ arch: 'resnet10-tiny', numClasses: 2, camStride });
      const { logits, fmap } = m.forward(tf.zeros([1, 64, 64, 3]) as tf.Tensor4D, { training: false });
      expect(fmap.shape).toEqual([1, 64 / camStride, 64 / camStride, 64]);
      expect(logits.shape).toEqual([1, 2]);
      tf.dispose([logits, fmap]);
      m.dispose();
    }
  });

  it('FLOPs per image: ResNet-50 at 224 px is torchvision\'s 4.1 GMACs', () => {
    const gmacs = forwardFlopsPerImage(resnetTopology('resnet50', 1000), 224) / 2e9;
    expect(gmacs).toBeGreaterThan(4.08);
    expect(gmacs).toBeLessThan(4.13);
  });

  it('init is seeded and torchvision-like: same seed same weights, kaiming fan_out std, BN 1/0', async () => {
    const a = createResNet({ arch: 'resnet10-tiny', numClasses: 3, seed: 4 });
    const b = createResNet({ arch: 'resnet10-tiny', numClasses: 3, seed: 4 });
    const c = createResNet({ arch: 'resnet10-tiny', numClasses: 3, seed: 5 });
    const w = async (m: typeof a, n: string) => Array.from(await m.variable(n).data());
    expect(await w(a, 'layer2.0.conv1.weight')).toEqual(await w(b, 'layer2.0.conv1.weight'));
    expect(await w(a, 'layer2.0.conv1.weight')).not.toEqual(await w(c, 'layer2.0.conv1.weight'));
    const v = await w(a, 'layer4.0.conv2.weight'); // 3x3, 64 out: std sqrt(2 / (64*9))
    const std = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    expect(std / Math.sqrt(2 / (64 * 9))).toBeGreaterThan(0.95);
    expect(std / Math.sqrt(2 / (64 * 9))).toBeLessThan(1.05);
    expect(new Set(await w(a, 'layer1.0.bn1.weight'))).toEqual(new Set([1]));
    expect(new Set(await w(a, 'layer1.0.bn1.running_var'))).toEqual(new Set([1]));
    const fc = await w(a, 'fc.weight');
    expect(Math.max(...fc.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(64));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('rejects unknown architectures, bad strides and non-RGB NHWC input with what was expected', () => {
    expect(() => createResNet({ arch: 'resnet19' as never, numClasses: 2 })).toThrow(/resnet18, resnet34/);
    expect(() => createResNet({ arch: 'resnet18', numClasses: 2, camStride: 4 as never })).toThrow(/32, 16, 8/);
    const m = createResNet({ arch: 'resnet10-tiny', numClasses: 2 });
    expect(() => m.forward(tf.zeros([1, 3, 32, 32]) as tf.Tensor4D, { training: false })).toThrow(/NHWC/);
    m.dispose();
    expect(() => m.fcWeight()).toThrow(/disposed/);
  });
});

forEachBackend('ResNet training mode', () => {
  it('updates running stats and num_batches_tracked once per forward (not with updateStats: false)', async () => {
    const m = createResNet({ arch: 'resnet10-tiny', numClasses: 2 });
    const x = tf.randomNormal([2, 32, 32, 3], 0.5, 2, 'float32', 3) as tf.Tensor4D;
    tf.dispose(m.forward(x, { training: true, updateStats: false }) as never);
    expect(m.numBatchesTracked('bn1.num_batches_tracked')).toBe(0);
    expect(Array.from(await m.variable('bn1.running_mean').data()).every((v) => v === 0)).toBe(true);
    tf.dispose(m.forward(x, { training: true }) as never);
    tf.dispose(m.forward(x, { training: true }) as never);
    expect(m.numBatchesTracked('layer4.0.downsample.1.num_batches_tracked')).toBe(2);
    expect(Array.from(await m.variable('bn1.running_mean').data()).some((v) => v !== 0)).toBe(true);
    tf.dispose(m.forward(x, { training: false }) as never);
    expect(m.numBatchesTracked('bn1.num_batches_tracked')).toBe(2);
    x.dispose();
    m.dispose();
  });

  it('tensor count is flat across training forwards + backwards, with a gaze head', async () => {
    const m = createResNet({ arch: 'resnet10-tiny', numClasses: 3, camStride: 8, gazeHead: { hidden: 4 } });
    const x = tf.randomNormal([2, 32, 32, 3]) as tf.Tensor4D;
    const step = async () => {
      const { value, grads } = tf.variableGrads(() => {
        const r = m.forward(x, { training: true });
        return tf.add(tf.mean(tf.square(r.logits)), tf.mean(tf.square(r.gazeLogits!))) as tf.Scalar;
      }, m.trainableVariables());
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    };
    await step(); // first step may allocate lazily
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await step();
    const evalOut = m.forward(x, { training: false });
    tf.dispose([evalOut.logits, evalOut.fmap, evalOut.gazeLogits]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    const live = tf.memory().numTensors;
    m.dispose();
    expect(live - tf.memory().numTensors).toBe(m.backboneSpecs.length + m.headSpecs.length - 12); // 12 counters are not tensors
  });
});
