/**
 * Training-time augmentation of a batch, the semantics in plain JavaScript (the WGSL program in
 * program.ts is tested against it, and it is the path on every backend but webgpu).
 *
 * Per sample, one affine map from output pixel (x, y) to input pixel
 * (a0 x + a1 y + a2, b0 x + b1 y + b2), sampled bilinearly with zeros outside the image (as
 * tf.image.transform's 'constant' fill), applied identically to the image and its gaze map. Then,
 * on the image only: v = clamp(v)^gamma, v = (v - pivot) * contrast + pivot + brightness,
 * v += noiseStd * n with n a standard normal from a counter hash (the same numbers in WGSL), clamp.
 */

/** Values per sample in the params array, in this order. */
export const AUGMENT_PARAMS = 10;
export const Param = { A0: 0, A1: 1, A2: 2, B0: 3, B1: 4, B2: 5, Gamma: 6, Contrast: 7, Brightness: 8, Pivot: 9 } as const;

export interface AugmentDraw {
  /** [B * AUGMENT_PARAMS], see Param */
  params: Float32Array;
  noiseStd: number;
  /** 32-bit seed of the noise hash */
  noiseSeed: number;
}

/** PCG-style 32-bit hash: the noise is a pure function of (seed, index), on the CPU and the GPU alike. */
export function hash32(x: number): number {
  const h = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0;
  const w = Math.imul(((h >>> ((h >>> 28) + 4)) ^ h) >>> 0, 277803737) >>> 0;
  return ((w >>> 22) ^ w) >>> 0;
}

/** A standard normal for element `index` by Box-Muller on two hashed uniforms. */
export function hashedNormal(seed: number, index: number): number {
  const u1 = Math.fround((hash32((seed ^ (2 * index)) >>> 0) + 1) / 4294967296);
  const u2 = Math.fround(hash32((seed ^ (2 * index + 1)) >>> 0) / 4294967296);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function bilinear(src: Float32Array, base: number, size: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (yy: number, xx: number) => (xx >= 0 && xx < size && yy >= 0 && yy < size ? src[base + yy * size + xx]! : 0);
  return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** images and gaze: [B, size, size] single-channel maps in [0, 1]; returns new arrays. */
export function augmentReference(images: Float32Array, gaze: Float32Array, size: number, draw: AugmentDraw): { images: Float32Array; gaze: Float32Array } {
  const pixels = size * size;
  const count = images.length / pixels;
  const outImages = new Float32Array(images.length);
  const outGaze = new Float32Array(gaze.length);
  for (let b = 0; b < count; b++) {
    const p = draw.params.subarray(b * AUGMENT_PARAMS, (b + 1) * AUGMENT_PARAMS);
    const base = b * pixels;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inX = p[Param.A0]! * x + p[Param.A1]! * y + p[Param.A2]!;
        const inY = p[Param.B0]! * x + p[Param.B1]! * y + p[Param.B2]!;
        const i = base + y * size + x;
        outGaze[i] = clamp01(bilinear(gaze, base, size, inX, inY));
        let v = Math.pow(Math.max(clamp01(bilinear(images, base, size, inX, inY)), 1e-20), p[Param.Gamma]!);
        v = (v - p[Param.Pivot]!) * p[Param.Contrast]! + p[Param.Pivot]! + p[Param.Brightness]!;
        if (draw.noiseStd > 0) v += draw.noiseStd * hashedNormal(draw.noiseSeed, i);
        outImages[i] = clamp01(v);
      }
    }
  }
  return { images: outImages, gaze: outGaze };
}
