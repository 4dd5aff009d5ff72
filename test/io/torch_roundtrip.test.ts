/**
 * Round trip to PyTorch: train a couple of steps here (so weights, running stats and
 * num_batches_tracked all moved), export model.safetensors (+ gaze_head.safetensors), load them in
 * PyTorch with `load_state_dict(strict=True)` into torchvision's own constructor (or the narrow
 * variant's torchvision-style definition), and compare eval logits, feature maps and gaze logits.
 * Then import our own export into a fresh model: identical outputs (checkpoint resume).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachBackend, maxRelError } from '../helpers/backends.ts';
import { createResNet, type CamStride, type ResNet, type ResNetArch } from '../../src/engine/model/index.ts';
import {
  exportSafetensors,
  f32Tensor,
  importSafetensors,
  nhwcToNchw,
  parseSafetensors,
  serializeSafetensors,
  toIntegers,
  type Shape4,
} from '../../src/engine/io/index.ts';
import { floatOf, makeTempDir, normRelError, readSafetensorsFile, runTorchReference } from '../model/torch_oracle.ts';

interface RoundTripCase {
  id: string;
  /** SGD steps before export. 0: one training-mode forward only (moves running stats and
   *  num_batches_tracked), since tfjs-cpu takes 60-100 s for a ResNet-18/50 backward on 2 shared
   *  cores; the parity test covers their gradients. */
  steps: number;
  arch: ResNetArch;
  classes: number;
  size: number;
  camStride: CamStride;
  gazeHidden: number;
}

const CASES: RoundTripCase[] = [
  // 48 px: odd sizes on the way down (3 -> 2 in layer4) exercise the explicit-padding arithmetic.
  { id: 'resnet18 at 48 px -> torchvision.models.resnet18', steps: 0, arch: 'resnet18', classes: 4, size: 48, camStride: 32, gazeHidden: 0 },
  { id: 'resnet50 (stride 16) -> torchvision.models.resnet50', steps: 0, arch: 'resnet50', classes: 2, size: 32, camStride: 16, gazeHidden: 0 },
  { id: 'resnet10-small (stride 8) + gaze head', steps: 2, arch: 'resnet10-small', classes: 3, size: 64, camStride: 8, gazeHidden: 16 },
];
const TOL = 1e-4;
const tmp = makeTempDir('roundtrip');
afterAll(() => tmp.cleanup());

function sgdSteps(model: ResNet, x: tf.Tensor4D, labels: tf.Tensor1D, classes: number, steps: number): void {
  if (steps === 0) tf.tidy(() => void model.forward(x, { training: true }));
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const r = model.forward(x, { training: true });
        let loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), r.logits);
        if (r.gazeLogits) loss = tf.add(loss, tf.mean(tf.square(r.gazeLogits)));
        return loss as tf.Scalar;
      }, model.trainableVariables());
      for (const v of model.trainableVariables()) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.05)));
    });
  }
}

forEachBackend('export -> PyTorch strict load', (backend) => {
  CASES.forEach((c, i) => {
    it(`${c.id}: loads with strict=True and agrees`, async () => {
      const dir = join(tmp.dir, `${backend}-${i}`);
      const model = createResNet({ arch: c.arch, numClasses: c.classes, camStride: c.camStride, gazeHead: c.gazeHidden ? { hidden: c.gazeHidden } : null, seed: 5 });
      const x = tf.randomNormal([2, c.size, c.size, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
      const labels = tf.tensor1d([0, c.classes - 1], 'int32');
      sgdSteps(model, x, labels, c.classes, c.steps);

      const files = await exportSafetensors(model, { 'gazecam.test': 'roundtrip' });
      const modelPath = `${dir}-model.safetensors`;
      const headPath = `${dir}-gaze_head.safetensors`;
      writeFileSync(modelPath, files.model);
      if (files.gazeHead) writeFileSync(headPath, files.gazeHead);
      const parsed = parseSafetensors(files.model);
      expect(toIntegers(parsed.tensors.get('bn1.num_batches_tracked')!)).toEqual([Math.max(c.steps, 1)]);
      expect(parsed.metadata['gazecam.cam_stride']).toBe(String(c.camStride));
      const xNchw = nhwcToNchw((await x.data()) as Float32Array, x.shape as Shape4);
      writeFileSync(`${dir}-inputs.safetensors`, serializeSafetensors([['x', f32Tensor([2, 3, c.size, c.size], xNchw)]]));

      const args = ['check-export', '--arch', c.arch, '--classes', String(c.classes), '--cam-stride', String(c.camStride),
        '--model', modelPath, '--inputs', `${dir}-inputs.safetensors`, '--out', `${dir}-torch.safetensors`];
      if (files.gazeHead) args.push('--gaze-head', headPath, '--gaze-hidden', String(c.gazeHidden));
      const report = JSON.parse(runTorchReference(args).trim().split('\n').pop()!);
      expect(report).toEqual({ strict: true, keys: model.backboneSpecs.length });

      const torch = readSafetensorsFile(`${dir}-torch.safetensors`);
      const r = model.forward(x, { training: false });
      const errLogits = maxRelError(await r.logits.data(), floatOf(torch, 'logits').values);
      const errFmap = normRelError(nhwcToNchw((await r.fmap.data()) as Float32Array, r.fmap.shape as Shape4), floatOf(torch, 'fmap').values);
      const errGaze = r.gazeLogits
        ? normRelError(nhwcToNchw((await r.gazeLogits.data()) as Float32Array, r.gazeLogits.shape as Shape4), floatOf(torch, 'gaze').values)
        : 0;
      console.log(`[roundtrip ${backend}] ${c.id}: logits ${errLogits.toExponential(2)}, fmap ${errFmap.toExponential(2)}, gaze ${errGaze.toExponential(2)}`);
      expect(errLogits).toBeLessThan(TOL);
      expect(errFmap).toBeLessThan(TOL);
      expect(errGaze).toBeLessThan(TOL);

      // Our own export back in: a fresh model (other seed) predicts identically.
      const again = createResNet({ arch: c.arch, numClasses: c.classes, camStride: c.camStride, gazeHead: c.gazeHidden ? { hidden: c.gazeHidden } : null, seed: 99 });
      importSafetensors(again, files.model, files.gazeHead);
      const r2 = again.forward(x, { training: false });
      expect(Array.from(await r2.logits.data())).toEqual(Array.from(await r.logits.data()));
      expect(again.numBatchesTracked('layer1.0.bn1.num_batches_tracked')).toBe(Math.max(c.steps, 1));
      tf.dispose([x, labels, r.logits, r.fmap, r.gazeLogits, r2.logits, r2.fmap, r2.gazeLogits]);
      model.dispose();
      again.dispose();
    }, 400_000);
  });
});
