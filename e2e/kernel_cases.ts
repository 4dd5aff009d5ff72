/**
 * Fixed inputs for the kernel self-test. Values are multiples of 1/16 in [-2, 2), so every CAM
 * value is exact in float32: min, max and the zero-range case are then not up to rounding.
 */
import type { PlainSelfTestCase } from '../src/app/diagnostics.ts';
// A fixed, seedable stream (mulberry32) so the inputs never change between runs.
import { mulberry32 as stream } from '../src/util/rng.ts';

/** n values in [-2, 2) on a 1/16 grid. */
function dyadic(next: () => number, n: number): number[] {
  return Array.from({ length: n }, () => Math.floor(next() * 64) / 16 - 2);
}

function makeCase(
  name: string,
  seed: number,
  fmapShape: [number, number, number, number],
  k: number,
  outSize: [number, number],
  withGradient: boolean,
): PlainSelfTestCase {
  const next = stream(seed);
  const [b, , , c] = fmapShape;
  const outCount = b * outSize[0] * outSize[1] * k;
  return {
    name,
    fmapShape,
    fmapNhwc: dyadic(next, fmapShape.reduce((x, y) => x * y, 1)),
    fcWeightShape: [c, k],
    fcWeight: dyadic(next, c * k),
    outSize,
    gradient: withGradient
      ? { upstreamSigmoid: dyadic(next, outCount), upstreamCams: dyadic(next, outCount) }
      : undefined,
  };
}

/** Image 1's feature map is the same vector at every position: its CAMs have a range of exactly 0. */
function withConstantSecondImage(c: PlainSelfTestCase): PlainSelfTestCase {
  const [, h, w, ch] = c.fmapShape;
  const perImage = h * w * ch;
  const fmap = [...c.fmapNhwc];
  for (let i = 0; i < perImage; i++) fmap[perImage + i] = fmap[perImage + (i % ch)]!;
  return { ...c, fmapNhwc: fmap };
}

export const KERNEL_CASES: PlainSelfTestCase[] = [
  // 2x3 -> 5x5: align_corners steps of 1/4 and 1/2, non-square, B=2, K=2.
  makeCase('upsample 2x3 to 5x5, B=2, C=4, K=2', 11, [2, 2, 3, 4], 2, [5, 5], true),
  // Same size: no resize at all, K=3.
  makeCase('no upsample 3x4, B=1, C=3, K=3', 23, [1, 3, 4, 3], 3, [3, 4], true),
  // Zero range -> 1e-5: cams 0, sigmoid(-40). Forward only (tie-breaking of min/max grads is backend-defined).
  withConstantSecondImage(makeCase('constant map (zero range), 2x2 to 3x3, B=2, C=2, K=2', 37, [2, 2, 2, 2], 2, [3, 3], false)),
];
