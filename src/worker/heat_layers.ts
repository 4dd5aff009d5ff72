/**
 * The pictures of the dataset grid and the CAM overlay panel, composed here in the worker and sent
 * to the UI thread as ImageBitmaps (transferred, not copied), so the UI thread only draws them.
 *
 * A picture is two layers: the grey X-ray, opaque, and a heat layer (gaze or CAM) whose colour is a
 * warm colormap and whose alpha is the heat itself. Drawn over the X-ray at `opacity`, source-over
 * gives grey * (1 - opacity * heat) + colour * opacity * heat: cold areas leave the X-ray untouched,
 * and the user's opacity slider needs no new pixels from the worker.
 */

/** Warm ramp from deep red (low heat) through amber to pale yellow (peak), 0..255 per channel. */
export function heatColor(v: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, v));
  return [Math.round(170 + 85 * Math.min(1, t * 1.6)), Math.round(30 + 200 * t), Math.round(20 + 120 * t * t)];
}

/** heatColor for each byte value, so a layer costs a table lookup per pixel. */
const HEAT_LUT = (() => {
  const lut = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) lut.set(heatColor(v / 255), v * 3);
  return lut;
})();

/** `values` scaled by 1/`scale`, clamped to [0, 1], as bytes 0..255. */
export function toBytes(values: ArrayLike<number>, scale = 1): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, values[i]! / scale)) * 255);
  return out;
}

/** Grey bytes as opaque RGBA. */
export function greyRgba(grey: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(grey.length * 4);
  for (let i = 0; i < grey.length; i++) {
    const g = grey[i]!;
    out[i * 4] = g;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = g;
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** Heat bytes (0..255) as the RGBA heat layer: colormap colour, alpha = heat. */
export function heatLayerRgba(heat: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(heat.length * 4);
  for (let i = 0; i < heat.length; i++) {
    const v = heat[i]!;
    out[i * 4] = HEAT_LUT[v * 3]!;
    out[i * 4 + 1] = HEAT_LUT[v * 3 + 1]!;
    out[i * 4 + 2] = HEAT_LUT[v * 3 + 2]!;
    out[i * 4 + 3] = v;
  }
  return out;
}

/** RGBA pixels of a `size` x `size` square as an ImageBitmap, ready to transfer to the UI thread. */
function rgbaBitmap(rgba: Uint8ClampedArray<ArrayBuffer>, size: number): Promise<ImageBitmap> {
  return createImageBitmap(new ImageData(rgba, size, size));
}

/** Grey bytes as the opaque X-ray picture. */
export const greyPicture = (grey: Uint8Array, size: number) => rgbaBitmap(greyRgba(grey), size);

/** Heat bytes as the heat-layer picture drawn over an X-ray. */
export const heatPicture = (heat: Uint8Array, size: number) => rgbaBitmap(heatLayerRgba(heat), size);
