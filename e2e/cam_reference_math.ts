/**
 * The CAM maths of DESIGN.md section 1 in plain JavaScript doubles, written from the formulas and
 * sharing no code with the engine: the oracle the browser's WebGPU results are checked against.
 *
 *   cam       = fmap · W                     (1x1 conv, NHWC, W is [C,K])
 *   up        = bilinear(cam, [H,W])         (align_corners=True, only when the size differs)
 *   cams      = (up - min) / range           (per image and class over H*W; range 0 -> 1e-5)
 *   sigmoid   = 1 / (1 + exp(-100 (cams - 0.4)))
 *
 * The backward pass is written by hand for L = sum(gS * sigmoid) + sum(gC * cams), with the
 * gradient of min/max going to the one arg-extreme element. Inputs must therefore have a unique
 * min and max per map; `camReference` throws if they tie, rather than pick a convention.
 */

import type { PlainSelfTestCase } from '../src/app/diagnostics.ts';

/** The self-test's input shape (a type only: the maths below shares no code with the engine). */
export type CamCase = Omit<PlainSelfTestCase, 'name'>;

export interface CamExpected {
  cam: number[];
  cams: number[];
  sigmoidCams: number[];
  dFmap?: number[];
}

const ZERO_RANGE_REPLACEMENT = 1e-5;
const SIGMOID_GAIN = 100;
const SIGMOID_THRESHOLD = 0.4;

/** Source coordinate, lower index, upper index and weight of the upper one (align_corners=True). */
function axisTaps(outN: number, inN: number): { lo: number; hi: number; frac: number }[] {
  return Array.from({ length: outN }, (_, o) => {
    const src = outN > 1 ? (o * (inN - 1)) / (outN - 1) : 0;
    const lo = Math.floor(src);
    return { lo, hi: Math.min(lo + 1, inN - 1), frac: src - lo };
  });
}

export function camReference(c: CamCase): CamExpected {
  const [b, h, w, ch] = c.fmapShape;
  const k = c.fcWeightShape[1];
  const [outH, outW] = c.outSize;
  const fmap = (bi: number, y: number, x: number, ci: number) => c.fmapNhwc[((bi * h + y) * w + x) * ch + ci]!;
  const weight = (ci: number, ki: number) => c.fcWeight[ci * k + ki]!;

  const cam = new Array<number>(b * h * w * k).fill(0);
  const camAt = (bi: number, y: number, x: number, ki: number) => ((bi * h + y) * w + x) * k + ki;
  for (let bi = 0; bi < b; bi++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ki = 0; ki < k; ki++) {
          let sum = 0;
          for (let ci = 0; ci < ch; ci++) sum += fmap(bi, y, x, ci) * weight(ci, ki);
          cam[camAt(bi, y, x, ki)] = sum;
        }

  const resize = outH !== h || outW !== w;
  const rows = axisTaps(outH, h);
  const cols = axisTaps(outW, w);
  const upAt = (bi: number, y: number, x: number, ki: number) => ((bi * outH + y) * outW + x) * k + ki;
  const up = new Array<number>(b * outH * outW * k).fill(0);
  for (let bi = 0; bi < b; bi++)
    for (let y = 0; y < outH; y++)
      for (let x = 0; x < outW; x++)
        for (let ki = 0; ki < k; ki++) {
          if (!resize) {
            up[upAt(bi, y, x, ki)] = cam[camAt(bi, y, x, ki)]!;
            continue;
          }
          const r = rows[y]!;
          const q = cols[x]!;
          const top = cam[camAt(bi, r.lo, q.lo, ki)]! * (1 - q.frac) + cam[camAt(bi, r.lo, q.hi, ki)]! * q.frac;
          const bottom = cam[camAt(bi, r.hi, q.lo, ki)]! * (1 - q.frac) + cam[camAt(bi, r.hi, q.hi, ki)]! * q.frac;
          up[upAt(bi, y, x, ki)] = top * (1 - r.frac) + bottom * r.frac;
        }

  const cams = new Array<number>(up.length).fill(0);
  const sigmoidCams = new Array<number>(up.length).fill(0);
  const extremes: { min: number; max: number; range: number; argMin: number; argMax: number; tied: boolean }[] = [];
  for (let bi = 0; bi < b; bi++)
    for (let ki = 0; ki < k; ki++) {
      const idx: number[] = [];
      for (let y = 0; y < outH; y++) for (let x = 0; x < outW; x++) idx.push(upAt(bi, y, x, ki));
      const values = idx.map((i) => up[i]!);
      const min = Math.min(...values);
      const max = Math.max(...values);
      const rawRange = max - min;
      const range = rawRange === 0 ? ZERO_RANGE_REPLACEMENT : rawRange;
      const tied = values.filter((v) => v === min).length > 1 || values.filter((v) => v === max).length > 1;
      extremes.push({ min, max, range, argMin: idx[values.indexOf(min)]!, argMax: idx[values.indexOf(max)]!, tied });
      for (const i of idx) {
        cams[i] = (up[i]! - min) / range;
        sigmoidCams[i] = 1 / (1 + Math.exp(-SIGMOID_GAIN * (cams[i]! - SIGMOID_THRESHOLD)));
      }
    }

  if (!c.gradient) return { cam, cams, sigmoidCams };

  const { upstreamSigmoid: gS, upstreamCams: gC } = c.gradient;
  const dCams = cams.map((_, i) => gC[i]! + gS[i]! * SIGMOID_GAIN * sigmoidCams[i]! * (1 - sigmoidCams[i]!));
  const dUp = new Array<number>(up.length).fill(0);
  let e = 0;
  for (let bi = 0; bi < b; bi++)
    for (let ki = 0; ki < k; ki++) {
      const { min, range, argMin, argMax, tied } = extremes[e++]!;
      if (tied || range === ZERO_RANGE_REPLACEMENT) {
        throw new Error(`gradient case has a tied min/max (image ${bi}, class ${ki}): pick inputs without ties`);
      }
      let dMin = 0;
      let dMax = 0;
      for (let y = 0; y < outH; y++)
        for (let x = 0; x < outW; x++) {
          const i = upAt(bi, y, x, ki);
          const t = (up[i]! - min) / (range * range);
          dUp[i]! += dCams[i]! / range;
          dMin += dCams[i]! * (t - 1 / range);
          dMax -= dCams[i]! * t;
        }
      dUp[argMin]! += dMin;
      dUp[argMax]! += dMax;
    }

  // The transpose of the bilinear resize: each output pixel hands its gradient to its four taps.
  const dCam = new Array<number>(cam.length).fill(0);
  for (let bi = 0; bi < b; bi++)
    for (let y = 0; y < outH; y++)
      for (let x = 0; x < outW; x++)
        for (let ki = 0; ki < k; ki++) {
          const g = dUp[upAt(bi, y, x, ki)]!;
          if (!resize) {
            dCam[camAt(bi, y, x, ki)]! += g;
            continue;
          }
          const r = rows[y]!;
          const q = cols[x]!;
          dCam[camAt(bi, r.lo, q.lo, ki)]! += g * (1 - r.frac) * (1 - q.frac);
          dCam[camAt(bi, r.lo, q.hi, ki)]! += g * (1 - r.frac) * q.frac;
          dCam[camAt(bi, r.hi, q.lo, ki)]! += g * r.frac * (1 - q.frac);
          dCam[camAt(bi, r.hi, q.hi, ki)]! += g * r.frac * q.frac;
        }

  const dFmap = new Array<number>(c.fmapNhwc.length).fill(0);
  for (let bi = 0; bi < b; bi++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ci = 0; ci < ch; ci++) {
          let sum = 0;
          for (let ki = 0; ki < k; ki++) sum += dCam[camAt(bi, y, x, ki)]! * weight(ci, ki);
          dFmap[((bi * h + y) * w + x) * ch + ci] = sum;
        }
  return { cam, cams, sigmoidCams, dFmap };
}

/**
 * max_i |actual_i - expected_i| / max(|expected_i|, floor), where floor is `floorFraction` of the
 * array's largest magnitude: relative where values are large, absolute near zeros. NaN is worst.
 */
export function maxRelativeError(actual: readonly number[], expected: readonly number[], floorFraction = 1e-2): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  const scale = Math.max(...expected.map(Math.abs));
  const floor = Math.max(scale * floorFraction, Number.MIN_VALUE);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), floor);
    if (!(err <= worst)) worst = err;
  }
  return worst;
}
