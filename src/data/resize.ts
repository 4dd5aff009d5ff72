/**
 * Separable resampling of one-channel float images. Downsampling averages exact pixel areas (a
 * 2048 -> 64 reduction must not alias rib edges or drop a small gaze blob between samples);
 * upsampling is bilinear with half-pixel centres. The same function resizes images and heatmaps,
 * so both get exactly the same geometry.
 */

interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  taps: number;
}

function axisWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const taps = scale > 1 ? Math.ceil(scale) + 2 : 2;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    if (scale > 1) {
      const lo = o * scale;
      const hi = lo + scale;
      const first = Math.floor(lo);
      const last = Math.min(inSize - 1, Math.ceil(hi) - 1);
      start[o] = first;
      count[o] = last - first + 1;
      for (let i = first; i <= last; i++) {
        const cover = Math.min(hi, i + 1) - Math.max(lo, i);
        weights[o * taps + (i - first)] = cover / scale;
      }
    } else {
      const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
      const i0 = Math.floor(x);
      const i1 = Math.min(i0 + 1, inSize - 1);
      const t = x - i0;
      start[o] = i0;
      count[o] = i1 === i0 ? 1 : 2;
      weights[o * taps] = i1 === i0 ? 1 : 1 - t;
      weights[o * taps + 1] = i1 === i0 ? 0 : t;
    }
  }
  return { start, count, weights, taps };
}

export function resizeGray(src: Float32Array, width: number, height: number, outWidth: number, outHeight: number): Float32Array {
  if (width === outWidth && height === outHeight) return src.slice();
  const wx = axisWeights(width, outWidth);
  const wy = axisWeights(height, outHeight);
  // Rows first: the intermediate is height x outWidth, the big saving when downsampling.
  const mid = new Float32Array(height * outWidth);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let o = 0; o < outWidth; o++) {
      const s = wx.start[o];
      const base = o * wx.taps;
      let acc = 0;
      for (let k = 0; k < wx.count[o]; k++) acc += src[row + s + k] * wx.weights[base + k];
      mid[y * outWidth + o] = acc;
    }
  }
  const out = new Float32Array(outHeight * outWidth);
  for (let o = 0; o < outHeight; o++) {
    const s = wy.start[o];
    const base = o * wy.taps;
    const dst = o * outWidth;
    for (let k = 0; k < wy.count[o]; k++) {
      const w = wy.weights[base + k];
      const srcRow = (s + k) * outWidth;
      for (let x = 0; x < outWidth; x++) out[dst + x] += mid[srcRow + x] * w;
    }
  }
  return out;
}

/** Min-max normalise in place to [0, 1]; returns false (and leaves zeros) when the map is flat. */
export function minMaxNormalise(map: Float32Array): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  if (!(range > 0)) {
    map.fill(0);
    return false;
  }
  for (let i = 0; i < map.length; i++) map[i] = (map[i] - min) / range;
  return true;
}
