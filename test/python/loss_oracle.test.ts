/**
 * Every loss of the engine (src/engine/train/losses.ts) against gazecam_torch.losses, forward and
 * gradient: camGazeLoss for mse, bce, l1 and kl with the true class and all classes, gazeHeadLoss
 * for mse and kl; random inputs with K = 3 classes, a partial gaze mask (images without gaze carry
 * zero maps, as in training) and a CAM smaller than the gaze map. On tfjs cpu and WebGPU.
 * The engine is NHWC, PyTorch NCHW: inputs and gradients are converted explicitly.
 *
 * bce runs on its own inputs: it takes log(1 - p) of p = sigmoid(100 (cam - 0.4)) clipped at
 * 1 - 1e-7, and float32 holds p only to 6e-8 below 1, so where 1 - p is within a few ulps of
 * that bound one float32 sigmoid rounding decides between a clipped pixel (gradient 0) and an
 * unclipped one (gradient ~100): tfjs cpu's sigmoid (rounded from float64) and PyTorch's
 * (float32) differ there by 5% of the gradient, a property of the loss, not of either side. Its
 * inputs are CAMs at the gaze map's size whose normalised values avoid that band.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachBackend } from '../helpers/backends.ts';
import { makeTempDir, normRelError, readSafetensorsFile, floatOf, runOracle } from '../model/torch_oracle.ts';
import { nchwToNhwc, nhwcToNchw, type Shape4 } from '../../src/engine/io/index.ts';
import { f32Tensor, i64Tensor, serializeSafetensors } from '../../src/engine/io/safetensors.ts';
import { camGazeLoss, gazeHeadLoss } from '../../src/engine/train/losses.ts';
import { GAZE_LOSSES, MULTITASK_LOSSES } from '../../src/engine/train/config.ts';

const B = 5;
const K = 3;
const CAM: Shape4 = [B, 4, 4, K];
const GAZE: Shape4 = [B, 16, 16, 1];
const HEAD: Shape4 = [B, 4, 4, 1];
const CAM_BCE: Shape4 = [B, 16, 16, K];
const MASK = [1, 0, 1, 1, 0];
const LABELS = [2, 0, 1, 2, 1];
const TOL = 1e-5;

/** A small seeded generator (Park-Miller) so the inputs are the same on every run. */
function uniforms(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  });
}

const size = (s: Shape4) => s.reduce((a, b) => a * b, 1);
const camNhwc = uniforms(size(CAM), 7).map((u) => (u - 0.5) * 6);
const headNhwc = uniforms(size(HEAD), 11).map((u) => (u - 0.5) * 4);
// Gaze maps in [0,1], zeros for the images without gaze (what makeBatch gives the losses).
const gazeNhwc = uniforms(size(GAZE), 13).map((u, i) => (MASK[Math.floor(i / (16 * 16))] ? u * u : 0));
// Each map's values in [0, 0.45) or [0.65, 1], its first pixel 0 and its second 1, so the refined
// (min-max normalised) CAM is the value itself and the sigmoid's argument 100 (c - 0.4) stays out
// of [5, 25], where float32 rounding of p near 1 decides the gradient (see the header).
const camBceNhwc = uniforms(size(CAM_BCE), 17).map((u, i) => {
  const pixel = Math.floor(i / K) % (16 * 16);
  return pixel === 0 ? 0 : pixel === 1 ? 1 : u < 0.5 ? u * 0.9 : 0.3 + 0.7 * u;
});

let tmp: ReturnType<typeof makeTempDir>;
let torch: ReturnType<typeof readSafetensorsFile>;
let torchBce: ReturnType<typeof readSafetensorsFile>;

function oracle(name: string, cam: Float32Array, camShape: Shape4): ReturnType<typeof readSafetensorsFile> {
  const [b, h, w, k] = camShape;
  const inputs = serializeSafetensors([
    ['cam', f32Tensor([b, k, h, w], nhwcToNchw(cam, camShape))],
    ['gaze', f32Tensor([B, 1, 16, 16], nhwcToNchw(gazeNhwc, GAZE))],
    ['gaze_logits', f32Tensor([B, 1, 4, 4], nhwcToNchw(headNhwc, HEAD))],
    ['mask', f32Tensor([B], Float32Array.from(MASK))],
    ['labels', i64Tensor([B], LABELS)],
  ]);
  writeFileSync(join(tmp.dir, `${name}.in.safetensors`), inputs);
  runOracle(['losses', '--inputs', join(tmp.dir, `${name}.in.safetensors`), '--out', join(tmp.dir, `${name}.out.safetensors`)]);
  return readSafetensorsFile(join(tmp.dir, `${name}.out.safetensors`));
}

beforeAll(() => {
  tmp = makeTempDir('losses');
  torch = oracle('upsampled', camNhwc, CAM);
  torchBce = oracle('bce', camBceNhwc, CAM_BCE);
});
afterAll(() => tmp?.cleanup());

/** Value and gradient of `loss(x)` w.r.t. x, read back. */
async function valueAndGrad(x: Float32Array, shape: Shape4, loss: (t: tf.Tensor4D) => tf.Scalar) {
  const input = tf.tensor4d(x, shape);
  const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => loss(t as tf.Tensor4D))(input);
  const out = { value: (await value.data())[0], grad: (await grad.data()) as Float32Array };
  tf.dispose([input, value, grad]);
  return out;
}

function expectClose(ours: { value: number; grad: Float32Array }, key: string, shape: Shape4, nchw: Shape4, reference = torch): void {
  const value = floatOf(reference, `${key}.value`).values[0];
  const grad = nchwToNhwc(floatOf(reference, `${key}.grad`).values, nchw);
  const valueError = Math.abs(ours.value - value) / Math.abs(value);
  const gradError = normRelError(ours.grad, grad);
  console.log(`${key}: value ${ours.value.toPrecision(7)} vs torch ${value.toPrecision(7)} (rel ${valueError.toExponential(1)}), gradient rel ${gradError.toExponential(1)}`);
  expect(value, `${key}: the torch value`).not.toBe(0);
  expect(valueError, `${key} value`).toBeLessThanOrEqual(TOL);
  expect(gradError, `${key} gradient`).toBeLessThanOrEqual(TOL);
  expect(ours.grad.length).toBe(size(shape));
}

forEachBackend('engine losses vs gazecam_torch.losses', () => {
  const targets = () => ({
    gaze: tf.tensor4d(gazeNhwc, GAZE),
    gazeMask: tf.tensor1d(MASK),
    oneHot: tf.tidy(() => tf.oneHot(tf.tensor1d(LABELS, 'int32'), K).toFloat() as tf.Tensor2D),
  });

  for (const loss of GAZE_LOSSES) {
    for (const classes of ['true', 'all'] as const) {
      it(`camGazeLoss ${loss}, ${classes} class${classes === 'all' ? 'es' : ''}: value and d/dcam`, async () => {
        const [input, shape, reference] = loss === 'bce' ? [camBceNhwc, CAM_BCE, torchBce] : [camNhwc, CAM, torch];
        const t = targets();
        const before = tf.memory().numTensors;
        const ours = await valueAndGrad(input, shape, (cam) => camGazeLoss(cam, t, { loss, classes }));
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose(Object.values(t));
        expectClose(ours, `cam.${loss}.${classes}`, shape, [B, K, shape[1], shape[2]], reference);
        // Images without gaze get no gradient at all.
        const perImage = shape[1] * shape[2] * K;
        for (let i = 0; i < ours.grad.length; i++) if (!MASK[Math.floor(i / perImage)]) expect(ours.grad[i]).toBe(0);
      });
    }
  }

  for (const loss of MULTITASK_LOSSES) {
    it(`gazeHeadLoss ${loss}: value and d/dlogits`, async () => {
      const t = targets();
      const ours = await valueAndGrad(headNhwc, HEAD, (logits) => gazeHeadLoss(logits, t, loss));
      tf.dispose(Object.values(t));
      expectClose(ours, `head.${loss}`, HEAD, [B, 1, 4, 4]);
    });
  }
});
