/**
 * Parity with the seed's PyTorch code (fixtures from python -m gazecam_torch.seed_fixtures): forward and the
 * gradient w.r.t. the feature map, on every backend, for the public camMaps/refineCams (the fused
 * WGSL kernels on webgpu), the sigmoid-only refineSigmoidCams the losses use, and the plain-tfjs
 * reference.
 */
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { camMaps, refineCams, refineSigmoidCams } from '../index.ts';
import { camMapsReference } from './cam/reference.ts';
import { refineCamsReference } from './refine/reference.ts';
import { nchwToNhwc, linearWeightToCK } from '../io/tensor_layout.ts';
import { forEachBackend, maxRelError, relToMax } from '../../../test/helpers/backends.ts';
import { loadSeedCamCases, tensorOf, type SeedCamCase } from '../../../test/helpers/seed_fixtures.ts';

const TOLERANCE = 1e-4;
const cases = loadSeedCamCases();

type Impl = {
  cam: typeof camMaps;
  refine: typeof refineCams;
};
const IMPLS: Record<string, Impl> = {
  public: { cam: camMaps, refine: refineCams },
  reference: { cam: camMapsReference, refine: refineCamsReference },
};

function nhwcOf(c: SeedCamCase, key: keyof SeedCamCase): tf.Tensor4D {
  return tf.tidy(() => nchwToNhwc(tensorOf(c[key] as never) as tf.Tensor4D));
}

async function values(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

/**
 * max|a-b| / max|b|: gradients here are sums of large terms that cancel (the min/max terms scale with
 * 1/range), so float32 summation order alone moves small entries by ~1e-6 of the largest one. Measured
 * against the seed fixtures the error is ~1.5e-6, two orders under the tolerance.
 */
forEachBackend('seed parity: camMaps + refineCams', () => {
  for (const [implName, impl] of Object.entries(IMPLS)) {
    for (const c of cases) {
      it(`${implName}: ${c.name} forward matches PyTorch`, async () => {
        const fmap = nhwcOf(c, 'fmap_nchw');
        const weight = tf.tidy(() => linearWeightToCK(tensorOf(c.fc_weight_kc) as tf.Tensor2D));
        const cam = impl.cam(fmap, weight);
        const { cams, sigmoidCams } = impl.refine(cam, c.size);
        const expectedCam = nhwcOf(c, 'cam_nchw');
        const expectedCams = nhwcOf(c, 'cams_nchw');
        const expectedSig = nhwcOf(c, 'sigmoid_cams_nchw');
        expect(cam.shape).toEqual(expectedCam.shape);
        expect(cams.shape).toEqual(expectedCams.shape);
        expect(relToMax(await values(cam), await values(expectedCam))).toBeLessThan(TOLERANCE);
        expect(maxRelError(await values(cams), await values(expectedCams), 1e-2)).toBeLessThan(TOLERANCE);
        expect(maxRelError(await values(sigmoidCams), await values(expectedSig), 1e-2)).toBeLessThan(TOLERANCE);
        tf.dispose([fmap, weight, cam, cams, sigmoidCams, expectedCam, expectedCams, expectedSig]);
      });

      it(`${implName}: ${c.name} gradient w.r.t. fmap matches PyTorch, none reaches the fc weight`, async () => {
        const fmap = nhwcOf(c, 'fmap_nchw');
        const weight = tf.tidy(() => linearWeightToCK(tensorOf(c.fc_weight_kc) as tf.Tensor2D));
        const gSig = nhwcOf(c, 'upstream_sigmoid_nchw');
        const gCams = nhwcOf(c, 'upstream_cams_nchw');
        const sigOnly = (f: tf.Tensor, w: tf.Tensor) => {
          const { sigmoidCams } = impl.refine(impl.cam(f as tf.Tensor4D, w as tf.Tensor2D), c.size);
          return tf.sum(tf.mul(sigmoidCams, gSig));
        };
        const both = (f: tf.Tensor, w: tf.Tensor) => {
          const { cams, sigmoidCams } = impl.refine(impl.cam(f as tf.Tensor4D, w as tf.Tensor2D), c.size);
          return tf.add(tf.sum(tf.mul(sigmoidCams, gSig)), tf.sum(tf.mul(cams, gCams)));
        };
        const [dFmapSig] = tf.grads(sigOnly)([fmap, weight]);
        const [dFmapBoth, dWeight] = tf.grads(both)([fmap, weight]);
        const expectedSig = nhwcOf(c, 'grad_fmap_sigmoid_only_nchw');
        const expectedBoth = nhwcOf(c, 'grad_fmap_both_nchw');
        expect(relToMax(await values(dFmapSig), await values(expectedSig))).toBeLessThan(TOLERANCE);
        expect(relToMax(await values(dFmapBoth), await values(expectedBoth))).toBeLessThan(TOLERANCE);
        const dW = await values(dWeight);
        expect(dW.every((v) => v === 0)).toBe(true);
        tf.dispose([fmap, weight, gSig, gCams, dFmapSig, dFmapBoth, dWeight, expectedSig, expectedBoth]);
      });
    }
  }

  for (const c of cases) {
    it(`refineSigmoidCams: ${c.name} forward and gradient w.r.t. fmap match PyTorch`, async () => {
      const fmap = nhwcOf(c, 'fmap_nchw');
      const weight = tf.tidy(() => linearWeightToCK(tensorOf(c.fc_weight_kc) as tf.Tensor2D));
      const gSig = nhwcOf(c, 'upstream_sigmoid_nchw');
      const sigmoidCams = tf.tidy(() => refineSigmoidCams(camMaps(fmap, weight), c.size));
      const expectedSig = nhwcOf(c, 'sigmoid_cams_nchw');
      expect(sigmoidCams.shape).toEqual(expectedSig.shape);
      expect(maxRelError(await values(sigmoidCams), await values(expectedSig), 1e-2)).toBeLessThan(TOLERANCE);
      const [dFmap, dWeight] = tf.grads((f: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.mul(refineSigmoidCams(camMaps(f as tf.Tensor4D, w as tf.Tensor2D), c.size), gSig)))([fmap, weight]);
      const expectedGrad = nhwcOf(c, 'grad_fmap_sigmoid_only_nchw');
      expect(relToMax(await values(dFmap), await values(expectedGrad))).toBeLessThan(TOLERANCE);
      expect((await values(dWeight)).every((v) => v === 0)).toBe(true);
      tf.dispose([fmap, weight, gSig, sigmoidCams, expectedSig, dFmap, dWeight, expectedGrad]);
    });
  }
});
