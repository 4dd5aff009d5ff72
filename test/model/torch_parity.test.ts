/**
 * Parity with PyTorch: a model built in PyTorch with a fixed seed (torchvision's own resnet18, and
 * the narrow variant through a torchvision-style definition with the same keys), saved as
 * safetensors by scripts/torch_reference.py, imported by our io, must give the same eval logits,
 * feature map and gaze logits, and after one training-mode forward+backward the same loss,
 * gradients for every parameter and running statistics. On cpu and on webgpu.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachBackend, maxRelError } from '../helpers/backends.ts';
import { createResNet, type CamStride, type ResNet, type ResNetArch } from '../../src/engine/model/index.ts';
import { importSafetensors, nchwToNhwc, nhwcToNchw, toIntegers, toTorchLayout, type Shape4 } from '../../src/engine/io/index.ts';
import { floatOf, makeTempDir, normRelError, readBytes, readSafetensorsFile, runTorchReference } from './torch_oracle.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

interface ParityCase {
  id: string;
  arch: ResNetArch;
  size: number;
  batch: number;
  camStride: CamStride;
  gazeHidden: number;
}

const CLASSES = 3;
const CASES: ParityCase[] = [
  { id: 'resnet18, 64 px, stride 32', arch: 'resnet18', size: 64, batch: 2, camStride: 32, gazeHidden: 0 },
  { id: 'resnet10-small, 64 px, stride 32', arch: 'resnet10-small', size: 64, batch: 2, camStride: 32, gazeHidden: 0 },
  { id: 'resnet10-small, 64 px, stride 8, gaze head', arch: 'resnet10-small', size: 64, batch: 2, camStride: 8, gazeHidden: 16 },
];

// Tolerances, all 1e-4. Logits and the loss: element-wise relative error (maxRelError, floor 1e-3).
// Feature maps, gaze logits, gradients and running stats: max |ours - torch| / max |torch|
// (normRelError). The feature map comes out of a residual sum and a ReLU, so many entries are
// float32 cancellations near 0 (1e-4 +- 2e-5 in a map whose max is 20, for ResNet-18): there an
// element-wise relative error measures rounding, not correctness; gradients straddle 0 likewise.
const OUTPUT_TOL = 1e-4;
const GRAD_TOL = 1e-4;

// tfjs's cpu backend takes 30-70 s for ResNet-18's backward at 64 px on two shared cores.
const SLOW_MS = 400_000;

const tmp = makeTempDir('parity');
const dirs = new Map<string, string>();

beforeAll(() => {
  CASES.forEach((c, i) => {
    const out = join(tmp.dir, `case${i}`);
    runTorchReference([
      'make-parity', '--arch', c.arch, '--classes', String(CLASSES), '--size', String(c.size), '--batch', String(c.batch),
      '--cam-stride', String(c.camStride), '--gaze-hidden', String(c.gazeHidden), '--seed', String(7 + i), '--out', out,
    ]);
    dirs.set(c.id, out);
  });
});
afterAll(() => tmp.cleanup());

function loadCase(c: ParityCase) {
  const dir = dirs.get(c.id)!;
  const model = createResNet({
    arch: c.arch, numClasses: CLASSES, camStride: c.camStride, gazeHead: c.gazeHidden ? { hidden: c.gazeHidden } : null, seed: 123,
  });
  const headPath = join(dir, 'gaze_head.safetensors');
  importSafetensors(model, readBytes(join(dir, 'model.safetensors')), existsSync(headPath) ? readBytes(headPath) : null);
  const inputs = readSafetensorsFile(join(dir, 'inputs.safetensors'));
  const xNchw = floatOf(inputs, 'x');
  const x = tf.tensor4d(nchwToNhwc(xNchw.values, xNchw.shape as Shape4), [c.batch, c.size, c.size, 3]);
  const labels = toIntegers(inputs.tensors.get('labels')!);
  const expected = readSafetensorsFile(join(dir, 'expected.safetensors'));
  return { model, x, labels, expected };
}

async function nchwValues(t: tf.Tensor4D): Promise<Float32Array> {
  return nhwcToNchw((await t.data()) as Float32Array, t.shape as Shape4);
}

function trainingLoss(model: ResNet, x: tf.Tensor4D, labels: number[], keep: tf.Tensor[]): tf.Scalar {
  const r = model.forward(x, { training: true });
  keep.push(tf.keep(r.logits), tf.keep(r.fmap));
  const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, CLASSES), r.logits);
  let loss = tf.add(ce, tf.mul(0.5, tf.mean(tf.square(r.fmap))));
  if (r.gazeLogits) loss = tf.add(loss, tf.mean(tf.square(r.gazeLogits)));
  return loss as tf.Scalar;
}

forEachBackend('PyTorch parity', (backend) => {
  for (const c of CASES) {
    it(`${c.id}: eval logits, feature map and gaze logits match torch`, async () => {
      const { model, x, expected } = loadCase(c);
      const r = model.forward(x, { training: false });
      const stride = c.camStride;
      expect(r.fmap.shape).toEqual([c.batch, c.size / stride, c.size / stride, model.featureChannels]);
      const errLogits = maxRelError(await r.logits.data(), floatOf(expected, 'eval.logits').values);
      const errFmap = normRelError(await nchwValues(r.fmap), floatOf(expected, 'eval.fmap').values);
      const errGaze = r.gazeLogits ? normRelError(await nchwValues(r.gazeLogits), floatOf(expected, 'eval.gaze').values) : 0;
      console.log(`[parity ${backend}] ${c.id} eval: logits ${errLogits.toExponential(2)}, fmap ${errFmap.toExponential(2)}, gaze ${errGaze.toExponential(2)}`);
      expect(errLogits).toBeLessThan(OUTPUT_TOL);
      expect(errFmap).toBeLessThan(OUTPUT_TOL);
      expect(errGaze).toBeLessThan(OUTPUT_TOL);
      tf.dispose([r.logits, r.fmap, r.gazeLogits, x]);
      model.dispose();
    }, SLOW_MS);

    it(`${c.id}: one training step's loss, gradients and running stats match torch`, async () => {
      const { model, x, labels, expected } = loadCase(c);
      const kept: tf.Tensor[] = [];
      const named = model.namedTrainableVariables();
      const { value, grads } = tf.variableGrads(() => trainingLoss(model, x, labels, kept), named.map(([, v]) => v));
      const loss = (await value.data())[0];
      expect(Math.abs(loss - floatOf(expected, 'train.loss').values[0]) / Math.abs(loss)).toBeLessThan(OUTPUT_TOL);
      const errLogits = maxRelError(await kept[0].data(), floatOf(expected, 'train.logits').values);
      const errFmap = normRelError(await nchwValues(kept[1] as tf.Tensor4D), floatOf(expected, 'train.fmap').values);
      expect(errLogits).toBeLessThan(OUTPUT_TOL);
      expect(errFmap).toBeLessThan(OUTPUT_TOL);

      const specs = new Map([...model.backboneSpecs, ...model.headSpecs].map((s) => [s.name, s]));
      let worstGrad = { name: '', err: 0 };
      for (const [name, variable] of named) {
        const ours = toTorchLayout(specs.get(name)!, (await grads[variable.name].data()) as Float32Array);
        const err = normRelError(ours, floatOf(expected, `grad.${name}`).values);
        if (!(err <= worstGrad.err)) worstGrad = { name, err };
      }
      let worstStat = { name: '', err: 0 };
      for (const spec of model.backboneSpecs) {
        if (spec.role === 'bn_running_mean' || spec.role === 'bn_running_var') {
          const err = normRelError((await model.variable(spec.name).data()) as Float32Array, floatOf(expected, `after.${spec.name}`).values);
          if (!(err <= worstStat.err)) worstStat = { name: spec.name, err };
        } else if (spec.role === 'bn_num_batches_tracked') {
          expect(model.numBatchesTracked(spec.name)).toBe(toIntegers(expected.tensors.get(`after.${spec.name}`)!)[0]);
        }
      }
      console.log(
        `[parity ${backend}] ${c.id} train: logits ${errLogits.toExponential(2)}, fmap ${errFmap.toExponential(2)}, ` +
          `worst grad ${worstGrad.err.toExponential(2)} (${worstGrad.name}), worst running stat ${worstStat.err.toExponential(2)} (${worstStat.name})`,
      );
      expect(worstGrad.err).toBeLessThan(GRAD_TOL);
      expect(worstStat.err).toBeLessThan(GRAD_TOL);
      tf.dispose([value, x, ...kept, ...Object.values(grads)]);
      model.dispose();
    }, SLOW_MS);
  }
});
