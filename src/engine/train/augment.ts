/**
 * The random draw of one step's augmentation: per sample an affine map (zoom, rotation, shift,
 * optional horizontal flip) and photometric values, a pure function of (seed, epoch, step), so the
 * same seed gives the same run and a resumed run replays it bit for bit. Applied by
 * src/engine/kernels/augment (one resampling pass for image and gaze on the GPU).
 */
import { hashString, mulberry32 } from '../../util/rng.ts';
import { AUGMENT_PARAMS, Param, type AugmentDraw } from '../kernels/augment/reference.ts';
import { usesAugmentation, type TrainConfig } from './config.ts';

export type { AugmentDraw } from '../kernels/augment/reference.ts';

const uniform = (rand: () => number, lo: number, hi: number) => lo + (hi - lo) * rand();

/**
 * The draw for the `count` samples of training step `step` of `epoch`, or null without
 * augmentation. The contrast pivot (Param.Pivot) is each image's mean, which the batch fills in.
 */
export function drawAugmentation(c: TrainConfig, epoch: number, step: number, count: number): AugmentDraw | null {
  if (!usesAugmentation(c)) return null;
  const rand = mulberry32(hashString(`augment:${c.seed}:${epoch}:${step}`));
  const params = new Float32Array(count * AUGMENT_PARAMS);
  const centre = (c.size - 1) / 2;
  for (let b = 0; b < count; b++) {
    const zoom = Math.exp(uniform(rand, Math.log(c.augScaleMin), Math.log(c.augScaleMax)));
    const angle = (uniform(rand, -c.augRotateDeg, c.augRotateDeg) * Math.PI) / 180;
    const flip = c.augFlip && rand() < 0.5 ? -1 : 1;
    const shiftX = uniform(rand, -c.augTranslate, c.augTranslate) * c.size;
    const shiftY = uniform(rand, -c.augTranslate, c.augTranslate) * c.size;
    // Output pixel -> input pixel: undo the shift, the rotation and the zoom about the centre; the
    // flip mirrors the output's x.
    const cos = Math.cos(angle) / zoom;
    const sin = Math.sin(angle) / zoom;
    const [m00, m01, m10, m11] = [cos * flip, sin, -sin * flip, cos];
    const p = params.subarray(b * AUGMENT_PARAMS, (b + 1) * AUGMENT_PARAMS);
    p[Param.A0] = m00;
    p[Param.A1] = m01;
    p[Param.A2] = centre - m00 * (centre + shiftX) - m01 * (centre + shiftY);
    p[Param.B0] = m10;
    p[Param.B1] = m11;
    p[Param.B2] = centre - m10 * (centre + shiftX) - m11 * (centre + shiftY);
    p[Param.Gamma] = Math.exp(uniform(rand, -c.augGamma, c.augGamma));
    p[Param.Contrast] = 1 + uniform(rand, -c.augContrast, c.augContrast);
    p[Param.Brightness] = uniform(rand, -c.augBrightness, c.augBrightness);
    p[Param.Pivot] = 0.5;
  }
  return { params, noiseStd: c.augNoise, noiseSeed: Math.floor(rand() * 4294967296) >>> 0 };
}
