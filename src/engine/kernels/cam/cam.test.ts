/**
 * The fused kernels themselves: they are what runs on webgpu, they agree with the plain-tfjs
 * reference at realistic shapes (beyond the small seed fixtures), and they leak no tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { camMaps, refineCams, refineSigmoidCams } from '../../index.ts';
import { camMapsReference } from './reference.ts';
import { alignCornersMatrix, refineCamsReference } from '../refine/reference.ts';
import { CAM_MAPS, CAM_MAPS_GRAD } from './kernel.ts';
import { REFINE_CAMS, REFINE_CAMS_GRAD, REFINE_SIGMOID_CAMS, REFINE_SIGMOID_CAMS_GRAD } from '../refine/kernel.ts';
import { forEachBackend, maxRelError, useBackend } from '../../../../test/helpers/backends.ts';

function lossOf(impl: { cam: typeof camMaps; refine: typeof refineCams }, size: [number, number], g: tf.Tensor) {
  return (fmap: tf.Tensor, w: tf.Tensor) => {
    const { cams, sigmoidCams } = impl.refine(impl.cam(fmap as tf.Tensor4D, w as tf.Tensor2D), size);
    return tf.add(tf.sum(tf.mul(sigmoidCams, g)), tf.mean(cams));
  };
}

describe('fused CAM kernels on webgpu', () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  });

  it('runs the WGSL kernels (forward and backward), not the composed fallback', async () => {
    const fmap = tf.randomNormal([2, 4, 4, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
    const weight = tf.randomNormal([8, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
    const g = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 3);
    const profile = await tf.profile(() => tf.grads(lossOf({ cam: camMaps, refine: refineCams }, [16, 16], g))([fmap, weight]));
    expect(profile.kernelNames).toEqual(expect.arrayContaining([CAM_MAPS, CAM_MAPS_GRAD, REFINE_CAMS, REFINE_CAMS_GRAD]));
    expect(profile.kernelNames).not.toContain('ResizeBilinear');
    tf.dispose([fmap, weight, g, ...profile.result as tf.Tensor[]]);
  });

  it('runs the sigmoid-only kernels for refineSigmoidCams, forward and backward', async () => {
    const fmap = tf.randomNormal([2, 4, 4, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
    const weight = tf.randomNormal([8, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
    const g = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 3);
    const loss = (f: tf.Tensor) => tf.sum(tf.mul(refineSigmoidCams(camMaps(f as tf.Tensor4D, weight), [16, 16]), g));
    const profile = await tf.profile(() => tf.grad(loss)(fmap));
    expect(profile.kernelNames).toEqual(expect.arrayContaining([REFINE_SIGMOID_CAMS, REFINE_SIGMOID_CAMS_GRAD]));
    expect(profile.kernelNames).not.toContain(REFINE_CAMS);
    tf.dispose([fmap, weight, g, profile.result as tf.Tensor]);
  });

  it('matches the reference at a ResNet-like shape (7x7x64 -> 224x224, K=3, B=2), forward and gradient', async () => {
    const fmap = tf.relu(tf.randomNormal([2, 7, 7, 64], 0, 1, 'float32', 7)) as tf.Tensor4D;
    const weight = tf.randomNormal([64, 3], 0, 0.1, 'float32', 8) as tf.Tensor2D;
    const g = tf.randomNormal([2, 224, 224, 3], 0, 1, 'float32', 9);
    const fused = refineCams(camMaps(fmap, weight), [224, 224]);
    const reference = refineCamsReference(camMapsReference(fmap, weight), [224, 224]);
    expect(maxRelError(await fused.cams.data(), await reference.cams.data(), 1e-2)).toBeLessThan(1e-4);
    expect(maxRelError(await fused.sigmoidCams.data(), await reference.sigmoidCams.data(), 1e-2)).toBeLessThan(1e-4);
    const [dFused] = tf.grads(lossOf({ cam: camMaps, refine: refineCams }, [224, 224], g))([fmap, weight]);
    const [dRef] = tf.grads(lossOf({ cam: camMapsReference, refine: refineCamsReference }, [224, 224], g))([fmap, weight]);
    const ref = (await dRef.data()) as Float32Array;
    const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxRelError(await dFused.data(), ref, scale)).toBeLessThan(1e-4);
    const sigmoidOnly = (f: tf.Tensor) => tf.sum(tf.mul(refineSigmoidCams(camMaps(f as tf.Tensor4D, weight), [224, 224]), g));
    const sigmoidOnlyRef = (f: tf.Tensor) =>
      tf.sum(tf.mul(refineCamsReference(camMapsReference(f as tf.Tensor4D, weight), [224, 224]).sigmoidCams, g));
    const dSigFused = tf.grad(sigmoidOnly)(fmap);
    const dSigRefTensor = tf.grad(sigmoidOnlyRef)(fmap);
    const dSigRef = (await dSigRefTensor.data()) as Float32Array;
    const sigScale = dSigRef.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxRelError(await dSigFused.data(), dSigRef, sigScale)).toBeLessThan(1e-4);
    tf.dispose([fmap, weight, g, fused.cams, fused.sigmoidCams, reference.cams, reference.sigmoidCams, dFused, dRef, dSigFused, dSigRefTensor]);
  });

  it('handles a 1x1 CAM and a 1-pixel target (align_corners scale 0)', async () => {
    const fmap = tf.tensor4d([1, -2, 3, 0.5, 2, -1], [2, 1, 1, 3]);
    const weight = tf.tensor2d([1, 2, -1, 0.5, 0.25, 1], [3, 2]);
    for (const size of [[5, 4], [1, 1]] as Array<[number, number]>) {
      const fused = refineCams(camMaps(fmap, weight), size);
      const reference = refineCamsReference(camMapsReference(fmap, weight), size);
      expect(Array.from(await fused.cams.data())).toEqual(Array.from(await reference.cams.data()));
      tf.dispose([fused.cams, fused.sigmoidCams, reference.cams, reference.sigmoidCams]);
    }
    tf.dispose([fmap, weight]);
  });
});

forEachBackend('CAM ops hygiene', () => {
  it('leaves the tensor count flat over repeated forward+backward calls', async () => {
    const fmap = tf.randomNormal([2, 4, 4, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
    const weight = tf.randomNormal([8, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
    const g = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 3);
    const sigmoidOnly = (f: tf.Tensor) => tf.sum(tf.mul(refineSigmoidCams(camMaps(f as tf.Tensor4D, weight), [16, 16]), g));
    const step = () => tf.tidy(() =>
      tf.add(tf.grads(lossOf({ cam: camMaps, refine: refineCams }, [16, 16], g))([fmap, weight])[0], tf.grad(sigmoidOnly)(fmap)));
    tf.dispose(step()); // first call may register kernels and create pools
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const d = step();
      await d.data();
      d.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([fmap, weight, g]);
  });

  it('rejects a weight whose C does not match the feature map, saying how to fix it', () => {
    const fmap = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
    const weight = tf.zeros([3, 4]) as tf.Tensor2D; // nn.Linear layout [K,C] by mistake
    expect(() => camMaps(fmap, weight)).toThrow(/transpose of nn.Linear.weight/);
    tf.dispose([fmap, weight]);
  });
});

describe('align_corners interpolation weights', () => {
  it('reproduce PyTorch align_corners=True sample positions', () => {
    // 3 -> 5: sources 0, 0.5, 1, 1.5, 2
    const m = alignCornersMatrix(5, 3);
    expect(Array.from(m)).toEqual([1, 0, 0, 0.5, 0.5, 0, 0, 1, 0, 0, 0.5, 0.5, 0, 0, 1]);
    expect(Array.from(alignCornersMatrix(1, 4))).toEqual([1, 0, 0, 0]);
  });
});
