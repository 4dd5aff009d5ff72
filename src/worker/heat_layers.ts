/**
 * Heatmap over X-ray, as RGBA pixels: the gaze map (and later the CAM) blended onto the grey image
 * with a warm colormap, its alpha rising with the heat so cold areas leave the X-ray untouched.
 * Pure: no DOM, so it is unit-tested and reusable for the CAM overlays.
 */

/** Warm ramp from deep red (low heat) through amber to pale yellow (peak), 0..255 per channel. */
export function heatColor(v: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, v));
  return [Math.round(170 + 85 * Math.min(1, t * 1.6)), Math.round(30 + 200 * t), Math.round(20 + 120 * t * t)];
}

/**
 * image: grey 0..255, heat: 0..255 or null (then the plain X-ray), both `size * size`.
 * Returns RGBA for ImageData. `opacity` scales the heat's alpha, 0..1.
 */
export function compositeHeatmap(image: Uint8Array, heat: Uint8Array | null, opacity: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(image.length * 4);
  for (let i = 0; i < image.length; i++) {
    const grey = image[i]!;
    let r = grey;
    let g = grey;
    let b = grey;
    if (heat && opacity > 0) {
      const v = heat[i]! / 255;
      const alpha = opacity * v;
      const [hr, hg, hb] = heatColor(v);
      r = grey * (1 - alpha) + hr * alpha;
      g = grey * (1 - alpha) + hg * alpha;
      b = grey * (1 - alpha) + hb * alpha;
    }
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = 255;
  }
  return out;
}
