/**
 * The augmentation's resampling pass as WGSL: one invocation per output pixel of [B,S,S,1], the
 * same affine map for the image and its gaze map (two programs sharing the sampling code, one
 * dispatch each), the photometric changes and the hashed noise on the image only. Semantics and
 * parameter layout: reference.ts.
 */
import { ElementwiseProgram } from '../webgpu_program.ts';
import { AUGMENT_PARAMS } from './reference.ts';

const SAMPLE = `
      fn readAt(b : i32, size : i32, y : i32, x : i32) -> f32 {
        if (x < 0 || x >= size || y < 0 || y >= size) { return 0.0; }
        return src[(b * size + y) * size + x];
      }
      fn bilinearAt(b : i32, size : i32, x : f32, y : f32) -> f32 {
        let x0 = floor(x);
        let y0 = floor(y);
        let fx = x - x0;
        let fy = y - y0;
        let ix = i32(x0);
        let iy = i32(y0);
        return (1.0 - fy) * ((1.0 - fx) * readAt(b, size, iy, ix) + fx * readAt(b, size, iy, ix + 1)) +
          fy * ((1.0 - fx) * readAt(b, size, iy + 1, ix) + fx * readAt(b, size, iy + 1, ix + 1));
      }`;

export class AugmentProgram extends ElementwiseProgram {
  shaderKey: string;
  variableNames = ['src', 'params'];
  override uniforms = 'noiseStd : f32, noiseSeed : i32,';

  /** `photometric`: the image (gamma, contrast, brightness, noise); otherwise the gaze map (resample only). */
  constructor(shape: number[], private readonly photometric: boolean) {
    super(shape);
    this.shaderKey = `gazecam_augment_${photometric ? 'image' : 'gaze'}`;
  }

  getUserCode(): string {
    const photometric = this.photometric
      ? `
        v = pow(max(v, 1e-20), p(b, 6));
        let pivot = p(b, 9);
        v = (v - pivot) * p(b, 7) + pivot + p(b, 8);
        if (uniforms.noiseStd > 0.0) { v = v + uniforms.noiseStd * hashedNormal(u32(uniforms.noiseSeed), u32(index)); }
        v = clamp(v, 0.0, 1.0);`
      : '';
    return `
      fn p(b : i32, k : i32) -> f32 { return params[b * ${AUGMENT_PARAMS} + k]; }
      fn hash32(x : u32) -> u32 {
        let h = x * 747796405u + 2891336453u;
        let w = ((h >> ((h >> 28u) + 4u)) ^ h) * 277803737u;
        return (w >> 22u) ^ w;
      }
      fn hashedNormal(seed : u32, index : u32) -> f32 {
        let u1 = (f32(hash32(seed ^ (2u * index))) + 1.0) / 4294967296.0;
        let u2 = f32(hash32(seed ^ (2u * index + 1u))) / 4294967296.0;
        return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
      }
      ${SAMPLE}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let size = uniforms.outShape[2];
        let x = index % size;
        let y = (index / size) % size;
        let b = index / (size * size);
        let fx = f32(x);
        let fy = f32(y);
        let inX = p(b, 0) * fx + p(b, 1) * fy + p(b, 2);
        let inY = p(b, 3) * fx + p(b, 4) * fy + p(b, 5);
        var v = clamp(bilinearAt(b, size, inX, inY), 0.0, 1.0);${photometric}
        setOutputAtIndex(index, v);
      }`;
  }
}
