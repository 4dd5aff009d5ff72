/**
 * Import validation: names, shapes and dtypes, every mismatch reported by name with expected vs
 * got, nothing loaded on failure. The "ImageNet" files are torchvision state_dicts written by
 * test/python/oracle.py (fresh weights, 1000 classes: what fine-tuning starts from).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createResNet } from '../../src/engine/model/index.ts';
import {
  StateDictMismatchError,
  exportSafetensors,
  f32Tensor,
  importSafetensors,
  oihwToHwio,
  parseSafetensors,
  serializeSafetensors,
  toFloat32,
  type Shape4,
} from '../../src/engine/io/index.ts';
import { makeTempDir, readBytes, runTorchReference } from '../model/torch_oracle.ts';

const tmp = makeTempDir('import');
let imagenet18: Uint8Array;
let imagenet18Half: Uint8Array;
let imagenet34: Uint8Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  runTorchReference(['state-dict', '--arch', 'resnet18', '--out', join(tmp.dir, 'r18.safetensors')]);
  runTorchReference(['state-dict', '--arch', 'resnet18', '--half', '--out', join(tmp.dir, 'r18h.safetensors')]);
  runTorchReference(['state-dict', '--arch', 'resnet34', '--out', join(tmp.dir, 'r34.safetensors')]);
  imagenet18 = readBytes(join(tmp.dir, 'r18.safetensors'));
  imagenet18Half = readBytes(join(tmp.dir, 'r18h.safetensors'));
  imagenet34 = readBytes(join(tmp.dir, 'r34.safetensors'));
});
afterAll(() => tmp.cleanup());

function catchMismatch(fn: () => unknown): StateDictMismatchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StateDictMismatchError) return e;
    throw e;
  }
  throw new Error('expected a StateDictMismatchError');
}

describe('importing torchvision weights', () => {
  it('ImageNet-shaped weights into a 3-class model: names fc.weight and fc.bias with expected vs got', async () => {
    const model = createResNet({ arch: 'resnet18', numClasses: 3 });
    const before = await model.variable('conv1.weight').data();
    const err = catchMismatch(() => importSafetensors(model, imagenet18));
    expect(err.mismatches).toEqual([
      { name: 'fc.weight', problem: 'shape', expected: { shape: [3, 512], dtype: 'F32' }, got: { shape: [1000, 512], dtype: 'F32' } },
      { name: 'fc.bias', problem: 'shape', expected: { shape: [3], dtype: 'F32' }, got: { shape: [1000], dtype: 'F32' } },
    ]);
    expect(err.message).toContain('fc.weight: shape mismatch: expected F32 [3, 512], got F32 [1000, 512]');
    expect(err.message).toContain('skipFc');
    // Atomic: nothing was written.
    expect(Array.from(await model.variable('conv1.weight').data())).toEqual(Array.from(before));
    model.dispose();
  });

  it('skipFc loads everything else, converts OIHW to HWIO, and keeps the fresh fc', async () => {
    const model = createResNet({ arch: 'resnet18', numClasses: 3 });
    const fcBefore = Array.from(await model.fcWeight().data());
    const report = importSafetensors(model, imagenet18, null, { skipFc: true });
    expect(report.loaded).toHaveLength(120);
    expect(report.kept.map((k) => k.name)).toEqual(['fc.weight', 'fc.bias']);
    const file = parseSafetensors(imagenet18).tensors;
    const conv = file.get('layer2.0.conv1.weight')!;
    expect(Array.from(await model.variable('layer2.0.conv1.weight').data())).toEqual(
      Array.from(oihwToHwio(toFloat32(conv), conv.shape as Shape4)),
    );
    expect(Array.from(await model.fcWeight().data())).toEqual(fcBefore);
    model.dispose();
  });

  it('another architecture: every missing and unexpected name is listed', () => {
    const model = createResNet({ arch: 'resnet18', numClasses: 1000 });
    const err = catchMismatch(() => importSafetensors(model, imagenet34));
    const ours = new Set(model.backboneSpecs.map((s) => s.name));
    const theirs = [...parseSafetensors(imagenet34).tensors.keys()];
    const unexpected = theirs.filter((n) => !ours.has(n));
    expect(unexpected.length).toBeGreaterThan(50); // layer1.2.*, layer2.2-3.*, layer3.2-5.*, layer4.2.*
    expect(err.mismatches.filter((m) => m.problem === 'unexpected').map((m) => m.name).sort()).toEqual(unexpected.sort());
    expect(err.mismatches.filter((m) => m.problem === 'missing')).toEqual([]);
    for (const name of unexpected) expect(err.message).toContain(`${name}: unexpected`);
    model.dispose();
  });

  it('a missing tensor, a transposed one and a wrong dtype are all reported at once', async () => {
    const model = createResNet({ arch: 'resnet10-tiny', numClasses: 2 });
    const exported = (await exportSafetensors(model)).model;
    const tensors = parseSafetensors(exported).tensors;
    tensors.delete('layer3.0.bn2.running_var');
    const w = tensors.get('layer1.0.conv2.weight')!;
    tensors.set('layer1.0.conv2.weight', { ...w, shape: [w.shape[2], w.shape[3], w.shape[1], w.shape[0]] }); // HWIO by mistake
    tensors.set('fc.bias', { dtype: 'I32', shape: [2], data: new Uint8Array(8) });
    tensors.set('extra.weight', f32Tensor([1], new Float32Array(1)));
    const err = catchMismatch(() => importSafetensors(model, serializeSafetensors(tensors)));
    expect(err.mismatches.map((m) => `${m.name}:${m.problem}`).sort()).toEqual(
      ['extra.weight:unexpected', 'fc.bias:dtype', 'layer1.0.conv2.weight:shape', 'layer3.0.bn2.running_var:missing'].sort(),
    );
    expect(err.message).toContain('layer1.0.conv2.weight: shape mismatch: expected F32 [8, 8, 3, 3], got F32 [3, 3, 8, 8]');
    expect(err.message).toContain('layer3.0.bn2.running_var: missing (expected F32 [32])');
    expect(err.message).toContain('fc.bias: dtype mismatch: expected F32 [2], got I32 [2]');
    model.dispose();
  });

  it('half-precision weights are a dtype mismatch unless castFloats is set', async () => {
    const model = createResNet({ arch: 'resnet18', numClasses: 1000 });
    const err = catchMismatch(() => importSafetensors(model, imagenet18Half));
    expect(err.mismatches.length).toBe(102); // every float tensor; num_batches_tracked stays I64
    expect(err.mismatches.every((m) => m.problem === 'dtype' && m.got?.dtype === 'F16')).toBe(true);
    expect(err.message).toContain('castFloats');
    const report = importSafetensors(model, imagenet18Half, null, { castFloats: true });
    expect(report.loaded).toHaveLength(122);
    const fc = parseSafetensors(imagenet18).tensors.get('fc.bias')!;
    const ours = await model.fcBias().data();
    expect(Math.abs(ours[5] - toFloat32(fc)[5])).toBeLessThan(1e-3);
    model.dispose();
  });

  it('gaze head weights: a head file for a model without a head is refused by name', async () => {
    const withHead = createResNet({ arch: 'resnet10-tiny', numClasses: 2, gazeHead: { hidden: 4 } });
    const files = await exportSafetensors(withHead);
    const plain = createResNet({ arch: 'resnet10-tiny', numClasses: 2 });
    const err = catchMismatch(() => importSafetensors(plain, files.model, files.gazeHead));
    expect(err.mismatches.map((m) => m.name).sort()).toEqual(['gaze_head.0.bias', 'gaze_head.0.weight', 'gaze_head.2.bias', 'gaze_head.2.weight']);
    expect(err.message).toContain('no gaze head');
    // A wrong hidden width is a shape mismatch on the head's tensors.
    const otherHead = createResNet({ arch: 'resnet10-tiny', numClasses: 2, gazeHead: { hidden: 8 } });
    const err2 = catchMismatch(() => importSafetensors(otherHead, files.model, files.gazeHead));
    expect(err2.mismatches.map((m) => m.name)).toEqual(['gaze_head.0.weight', 'gaze_head.0.bias', 'gaze_head.2.weight']);
    // Without the head file the backbone loads and the head is reported as kept.
    const report = importSafetensors(otherHead, files.model);
    expect(report.kept.map((k) => k.name)).toEqual(['gaze_head.0.weight', 'gaze_head.0.bias', 'gaze_head.2.weight', 'gaze_head.2.bias']);
    [withHead, plain, otherHead].forEach((m) => m.dispose());
  });
});
