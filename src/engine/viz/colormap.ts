/**
 * CAM overlays as RGB pixels, DOM-free: the CLI writes them as PNGs, the studio draws them.
 * Colormap: a 5-stop approximation of matplotlib's "jet", the colormap CAM papers (and the seed's
 * figures) use, so overlays look like what radiology-AI readers expect.
 */

const JET_STOPS: Array<[number, [number, number, number]]> = [
  [0, [0, 0, 143]],
  [0.125, [0, 0, 255]],
  [0.375, [0, 255, 255]],
  [0.625, [255, 255, 0]],
  [0.875, [255, 0, 0]],
  [1, [128, 0, 0]],
];

/** value in [0,1] -> [r,g,b] in 0..255 */
export function jet(value: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));
  for (let i = 1; i < JET_STOPS.length; i++) {
    const [t1, c1] = JET_STOPS[i];
    if (v <= t1) {
      const [t0, c0] = JET_STOPS[i - 1];
      const f = (v - t0) / (t1 - t0);
      return [0, 1, 2].map((k) => Math.round(c0[k] + f * (c1[k] - c0[k]))) as [number, number, number];
    }
  }
  return JET_STOPS[JET_STOPS.length - 1][1];
}

/**
 * RGB overlay of a heat map on a gray image: out = (1 - alpha * heat) * gray + alpha * heat * jet(heat).
 * gray and heat are [H*W] in [0,1]; returns RGB bytes [H*W*3].
 */
export function overlayRgb(gray: ArrayLike<number>, heat: ArrayLike<number>, alpha = 0.5): Uint8Array {
  const out = new Uint8Array(gray.length * 3);
  for (let i = 0; i < gray.length; i++) {
    const g = Math.min(1, Math.max(0, gray[i])) * 255;
    const h = Math.min(1, Math.max(0, heat[i]));
    const [r, gg, b] = jet(h);
    const a = alpha * h;
    out[i * 3] = Math.round((1 - a) * g + a * r);
    out[i * 3 + 1] = Math.round((1 - a) * g + a * gg);
    out[i * 3 + 2] = Math.round((1 - a) * g + a * b);
  }
  return out;
}
