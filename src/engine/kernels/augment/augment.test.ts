/**
 * The augmentation pass: the WGSL program against the JavaScript reference on webgpu; the
 * geometry moves image and gaze identically and in the direction the draw says; the draw is a
 * pure function of (seed, epoch, step); the noise is the same numbers on the CPU and the GPU.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { relToMax, useBackend } from '../../../../test/helpers/backends.ts';
import { assertNoGPUErrors } from '../../../node/webgpu.ts';
import { drawAugmentation } from '../../train/augment.ts';
import { resolveConfig } from '../../train/config.ts';
import { augmentToTensors } from './ops.ts';
import { augmentReference, AUGMENT_PARAMS, hashedNormal, Param, type AugmentDraw } from './reference.ts';

const SIZE = 32;

function randomMaps(count: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count * SIZE * SIZE }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return (s >>> 8) / 16777216;
  });
}

/** A draw with the given per-sample affine and neutral photometrics. */
function affineDraw(rows: number[][], extra: Partial<Record<'gamma' | 'contrast' | 'brightness', number>> = {}): AugmentDraw {
  const params = new Float32Array(rows.length * AUGMENT_PARAMS);
  rows.forEach((affine, b) => {
    params.set([...affine, extra.gamma ?? 1, extra.contrast ?? 1, extra.brightness ?? 0, 0.5], b * AUGMENT_PARAMS);
  });
  return { params, noiseStd: 0, noiseSeed: 0 };
}

describe('augmentation draw', () => {
  const config = resolveConfig({ size: SIZE, augment: 'standard', augFlip: true });

  it('is a pure function of (seed, epoch, step), and none draws nothing', () => {
    expect(drawAugmentation(config, 1, 3, 4)).toEqual(drawAugmentation(config, 1, 3, 4));
    expect(drawAugmentation(config, 1, 4, 4)!.params).not.toEqual(drawAugmentation(config, 1, 3, 4)!.params);
    expect(drawAugmentation(resolveConfig({ ...config, seed: 1 }), 1, 3, 4)!.params).not.toEqual(drawAugmentation(config, 1, 3, 4)!.params);
    expect(drawAugmentation(resolveConfig({ size: SIZE }), 0, 0, 4)).toBeNull();
    expect(drawAugmentation(resolveConfig({ size: SIZE, augment: 'light', augNoise: 0 }), 0, 0, 4)).not.toBeNull();
  });

  it('keeps the photometric values inside the configured ranges and flips only when asked', () => {
    const draws = Array.from({ length: 50 }, (_, step) => drawAugmentation(config, 0, step, 8)!);
    const column = (k: number) => draws.flatMap((d) => Array.from({ length: 8 }, (_, b) => d.params[b * AUGMENT_PARAMS + k]!));
    expect(Math.max(...column(Param.Gamma).map((g) => Math.abs(Math.log(g))))).toBeLessThanOrEqual(config.augGamma + 1e-6);
    expect(Math.max(...column(Param.Brightness).map(Math.abs))).toBeLessThanOrEqual(config.augBrightness + 1e-6);
    // The sign of the affine's determinant is the flip: some of both with augFlip, none without.
    const det = (d: AugmentDraw, b: number) => d.params[b * AUGMENT_PARAMS + Param.A0]! * d.params[b * AUGMENT_PARAMS + Param.B1]! -
      d.params[b * AUGMENT_PARAMS + Param.A1]! * d.params[b * AUGMENT_PARAMS + Param.B0]!;
    const flips = draws.flatMap((d) => Array.from({ length: 8 }, (_, b) => det(d, b) < 0));
    expect(flips.some(Boolean) && !flips.every(Boolean)).toBe(true);
    const noFlip = resolveConfig({ size: SIZE, augment: 'standard' });
    expect(Array.from({ length: 20 }, (_, s) => det(drawAugmentation(noFlip, 0, s, 1)!, 0)).every((d) => d > 0)).toBe(true);
  });

  it('noise: Box-Muller on the counter hash has mean 0 and variance 1', () => {
    const values = Array.from({ length: 20000 }, (_, i) => hashedNormal(12345, i));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe('augmentation geometry (reference)', () => {
  it('moves image and gaze identically, and content goes where the shift says', () => {
    const map = new Float32Array(SIZE * SIZE);
    map[10 * SIZE + 7] = 1; // a point at x=7, y=10
    // A shift of the content by +3 px in x: output pixel x reads input x - 3.
    const out = augmentReference(map, map, SIZE, affineDraw([[1, 0, -3, 0, 1, 0]]));
    expect(out.images[10 * SIZE + 10]).toBe(1);
    expect(out.gaze).toEqual(out.images);
    expect(out.images.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('a draw with zoom, rotation and shift maps the gaze like the image when the photometrics are neutral', () => {
    const config = resolveConfig({ size: SIZE, augment: 'standard', augFlip: true, augBrightness: 0, augContrast: 0, augGamma: 0, augNoise: 0 });
    const draw = drawAugmentation(config, 2, 5, 3)!;
    const maps = randomMaps(3, 9);
    const out = augmentReference(maps, maps, SIZE, draw);
    expect(out.gaze).toEqual(out.images);
  });
});

describe('augmentation pass on webgpu', () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  });

  for (const [name, over] of [
    ['standard, flip, noise', { augment: 'standard', augFlip: true }],
    ['geometry only', { augment: 'standard', augBrightness: 0, augContrast: 0, augGamma: 0, augNoise: 0 }],
    ['photometric only', { augment: 'light', augScaleMin: 1, augScaleMax: 1, augTranslate: 0, augRotateDeg: 0 }],
  ] as const) {
    it(`matches the JavaScript reference: ${name}`, async () => {
      const config = resolveConfig({ size: SIZE, ...over });
      const draw = drawAugmentation(config, 0, 7, 4)!;
      const images = randomMaps(4, 1);
      const gaze = randomMaps(4, 2);
      const before = tf.memory().numTensors;
      const ours = augmentToTensors(images, gaze, SIZE, draw);
      const [gotImages, gotGaze] = [(await ours.images.data()) as Float32Array, (await ours.gaze.data()) as Float32Array];
      tf.dispose([ours.images, ours.gaze]);
      expect(tf.memory().numTensors).toBe(before);
      assertNoGPUErrors(name);
      const reference = augmentReference(images, gaze, SIZE, draw);
      expect(relToMax(gotGaze, reference.gaze), 'gaze').toBeLessThan(1e-5);
      expect(relToMax(gotImages, reference.images), 'images').toBeLessThan(1e-4);
    });
  }
});
