/**
 * WGSL programs for the seed's refine_cams, fused: the align_corners bilinear upsample is computed
 * on the fly wherever a value is needed, so the upsampled map is never materialised.
 *
 * Forward (4 dispatches): the upsample along x ([B,h,W,K], small); stats per (image, class) = min,
 * max and the first index of each over the upsampled H*W map; `cams = (u - min) / range` (range
 * exactly 0 -> 1e-5); `sigmoid(100 * (cams - 0.4))` from cams (a tfjs program has one output).
 *
 * The sigmoid-only variant (what the losses use) fuses normalise and sigmoid into one pass and
 * writes no cams map; its backward recomputes the x-upsampled rows and, from them, cams, and has no
 * dCams term (docs/benchmarks.md has what that saves).
 *
 * Backward (3 dispatches): with g = dCams + dSig * 100 s (1 - s), r the (replaced) range and
 * nz = [range != 0]:  du_j = g_j / r + [j = argmin] (-S1 + nz S2) / r - [j = argmax] nz S2 / r,
 * where S1 = sum g and S2 = sum g * cams per (image, class) (the sums program). The bilinear
 * transpose is separable: a rows program sums du along x into [B,H,w,K], a cols program along y
 * into [B,h,w,K]. min/max gradients go to the first extreme index, as PyTorch's min(dim) does.
 */
import { ElementwiseProgram, GroupReductionProgram, REDUCE_WORKGROUP, workgroupTreeSums } from '../webgpu_program.ts';
import { SIGMOID_GAIN, SIGMOID_THRESHOLD, ZERO_RANGE_REPLACEMENT } from './reference.ts';

/** Uniforms shared by every refine program: the target size and the align_corners scales. */
export const REFINE_UNIFORMS = 'outH : i32, outW : i32, scaleY : f32, scaleX : f32,';

/** Stats layout per (image, class): [min, max, argmin, argmax] (indices as f32, exact below 2^24). */
export const STATS_PER_GROUP = 4;

const f32 = (x: number) => (Number.isInteger(x) ? `${x}.0` : `${x}`);

/** WGSL: the align_corners bilinear taps of one output coordinate along one axis. */
const TAP_WGSL = `
  struct GcTap { i0 : i32, i1 : i32, frac : f32, };

  fn gcTap(o : i32, scale : f32, inSize : i32) -> GcTap {
    let src = f32(o) * scale;
    let i0 = min(i32(floor(src)), inSize - 1);
    return GcTap(i0, min(i0 + 1, inSize - 1), src - f32(i0));
  }
`;

/**
 * WGSL: the upsampled CAM value at one output pixel, from the x-interpolated rows [B,h,W,K]
 * (RefineRowsUpProgram). Same order of operations as PyTorch's upsample, x-lerps first then the
 * y-lerp: h0 * (w0 v00 + w1 v01) + h1 * (w0 v10 + w1 v11).
 */
const UPSAMPLE_WGSL = `
  ${TAP_WGSL}
  fn gcUpsampled(b : i32, k : i32, oy : i32, ox : i32) -> f32 {
    let h = uniforms.rowsUpShape[1];
    let numClasses = uniforms.rowsUpShape[3];
    let ty = gcTap(oy, uniforms.scaleY, h);
    let base = b * h * uniforms.outW * numClasses + ox * numClasses + k;
    let rowStride = uniforms.outW * numClasses;
    return (1.0 - ty.frac) * rowsUp[base + ty.i0 * rowStride] + ty.frac * rowsUp[base + ty.i1 * rowStride];
  }
`;

/** WGSL: normalisation from the stats input (programs after the stats pass). */
const NORMALISE_WGSL = `
  ${UPSAMPLE_WGSL}
  fn gcRange(group : i32) -> f32 {
    let range = stats[group * ${STATS_PER_GROUP} + 1] - stats[group * ${STATS_PER_GROUP}];
    return select(range, ${f32(ZERO_RANGE_REPLACEMENT)}, range == 0.0);
  }
`;

/**
 * dL/dcams at one output element: the cams path plus the sigmoid path. Reads the forward's saved
 * outputs (cams, sigmoidCams) instead of recomputing the upsample and the exp: measured on lavapipe,
 * recomputing made the backward the slowest part of the step. Without a cams output (the
 * sigmoid-only kernel) there is no dCams: tfjs would otherwise upload a zero tensor the size of the
 * maps for the output nobody used.
 */
function upstreamWgsl(withCams: boolean): string {
  return `
  fn gcUpstream(index : i32) -> f32 {
    let s = sigmoidCams[index];
    return ${withCams ? 'dCams[index] + ' : ''}dSig[index] * ${f32(SIGMOID_GAIN)} * s * (1.0 - s);
  }
`;
}

/** The output coordinates whose bilinear taps can touch input coordinate i (with a margin). */
const WINDOW_WGSL = `
  fn gcWindow(i : i32, scale : f32, outSize : i32) -> vec2<i32> {
    if (scale == 0.0) { return vec2<i32>(0, outSize - 1); }
    let lo = max(0, i32(floor(f32(i - 1) / scale)) - 1);
    let hi = min(outSize - 1, i32(ceil(f32(i + 1) / scale)) + 1);
    return vec2<i32>(lo, hi);
  }

  fn gcTapWeight(t : GcTap, i : i32) -> f32 {
    return select(0.0, 1.0 - t.frac, t.i0 == i) + select(0.0, t.frac, t.i1 == i);
  }
`;

/** A workgroup per (image, class); `shape` names an input whose shape is [B, *, *, K]. */
/**
 * The upsample along x only: [B,h,w,K] -> [B,h,W,K]. The stats and normalise passes then need two
 * reads and one lerp per output pixel instead of four reads and three lerps.
 */
export class RefineRowsUpProgram extends ElementwiseProgram {
  shaderKey = 'gazecam_refine_rows_up';
  variableNames = ['cam'];
  override uniforms = REFINE_UNIFORMS;

  constructor(camShape: number[], [, outW]: [number, number]) {
    const [b, h, , k] = camShape;
    super([b, h, outW, k]);
  }

  getUserCode(): string {
    return `
      ${TAP_WGSL}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let numClasses = uniforms.camShape[3];
        let w = uniforms.camShape[2];
        let k = index % numClasses;
        let ox = (index / numClasses) % uniforms.outW;
        let row = index / (numClasses * uniforms.outW); // b * h + y
        let tx = gcTap(ox, uniforms.scaleX, w);
        let base = row * w * numClasses + k;
        setOutputAtIndex(index,
            (1.0 - tx.frac) * cam[base + tx.i0 * numClasses] + tx.frac * cam[base + tx.i1 * numClasses]);
      }`;
  }
}

function reductionWgsl(shape: string, body: string): string {
  return `
    fn main(index : i32) {
      let lid = index % ${REDUCE_WORKGROUP};
      let group = index / ${REDUCE_WORKGROUP};
      let numClasses = uniforms.${shape}[3];
      let valid = group < uniforms.${shape}[0] * numClasses;
      let b = group / numClasses;
      let k = group % numClasses;
      let pixels = uniforms.outH * uniforms.outW;
      ${body}
    }`;
}

export class RefineStatsProgram extends GroupReductionProgram {
  shaderKey = 'gazecam_refine_stats';
  variableNames = ['rowsUp'];
  override uniforms = REFINE_UNIFORMS;

  constructor(camShape: number[]) {
    const [b, , , k] = camShape;
    super([b, k, STATS_PER_GROUP], b * k);
  }

  getUserCode(): string {
    // Finite sentinels: WGSL may assume no Inf (TFJS-WEBGPU-NOTES.md).
    return `
      ${UPSAMPLE_WGSL}
      var<workgroup> minVal : array<f32, ${REDUCE_WORKGROUP}>;
      var<workgroup> maxVal : array<f32, ${REDUCE_WORKGROUP}>;
      var<workgroup> minIdx : array<i32, ${REDUCE_WORKGROUP}>;
      var<workgroup> maxIdx : array<i32, ${REDUCE_WORKGROUP}>;
      ${reductionWgsl('rowsUpShape', `
      var bestMin = 3.4e38;
      var bestMax = -3.4e38;
      var bestMinI = 2147483647;
      var bestMaxI = 2147483647;
      if (valid) {
        for (var p = lid; p < pixels; p = p + ${REDUCE_WORKGROUP}) {
          let v = gcUpsampled(b, k, p / uniforms.outW, p % uniforms.outW);
          // Strict comparisons keep the first index of ties within one thread's ascending walk.
          if (v < bestMin) { bestMin = v; bestMinI = p; }
          if (v > bestMax) { bestMax = v; bestMaxI = p; }
        }
      }
      minVal[lid] = bestMin; maxVal[lid] = bestMax; minIdx[lid] = bestMinI; maxIdx[lid] = bestMaxI;
      workgroupBarrier();
      for (var stride = ${REDUCE_WORKGROUP / 2}; stride > 0; stride = stride / 2) {
        if (lid < stride) {
          let o = lid + stride;
          if (minVal[o] < minVal[lid] || (minVal[o] == minVal[lid] && minIdx[o] < minIdx[lid])) {
            minVal[lid] = minVal[o]; minIdx[lid] = minIdx[o];
          }
          if (maxVal[o] > maxVal[lid] || (maxVal[o] == maxVal[lid] && maxIdx[o] < maxIdx[lid])) {
            maxVal[lid] = maxVal[o]; maxIdx[lid] = maxIdx[o];
          }
        }
        workgroupBarrier();
      }
      if (lid == 0 && valid) {
        setOutputAtIndex(group * ${STATS_PER_GROUP}, minVal[0]);
        setOutputAtIndex(group * ${STATS_PER_GROUP} + 1, maxVal[0]);
        setOutputAtIndex(group * ${STATS_PER_GROUP} + 2, f32(minIdx[0]));
        setOutputAtIndex(group * ${STATS_PER_GROUP} + 3, f32(maxIdx[0]));
      }`)}`;
  }
}

/** WGSL: the seed's sigmoid(100 * (cams - 0.4)). */
const SIGMOID_WGSL = `
  fn gcSigmoid(c : f32) -> f32 {
    return 1.0 / (1.0 + exp(-${f32(SIGMOID_GAIN)} * (c - ${f32(SIGMOID_THRESHOLD)})));
  }
`;

/** sigmoid(100 * (cams - 0.4)) from the cams output: no second upsample. */
export class RefineSigmoidProgram extends ElementwiseProgram {
  shaderKey = 'gazecam_refine_sigmoid';
  variableNames = ['cams'];

  constructor(camsShape: number[]) {
    super(camsShape);
  }

  getUserCode(): string {
    return `
      ${SIGMOID_WGSL}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        setOutputAtIndex(index, gcSigmoid(cams[index]));
      }`;
  }
}

/**
 * cams = (upsampled - min) / range; with `sigmoid`, sigmoid(100 (cams - 0.4)) straight away, for
 * callers that only need the sigmoid maps (the training losses): one pass and one map written.
 */
export class RefineNormaliseProgram extends ElementwiseProgram {
  shaderKey: string;
  variableNames = ['rowsUp', 'stats'];
  override uniforms = REFINE_UNIFORMS;

  constructor(camShape: number[], [outH, outW]: [number, number], private readonly sigmoid = false) {
    super([camShape[0], outH, outW, camShape[3]]);
    this.shaderKey = `gazecam_refine_normalise_${sigmoid ? 'sigmoid' : 'cams'}`;
  }

  getUserCode(): string {
    return `
      ${NORMALISE_WGSL}
      ${SIGMOID_WGSL}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let numClasses = uniforms.outShape[3];
        let k = index % numClasses;
        let pixel = index / numClasses;
        let ox = pixel % uniforms.outW;
        let oy = (pixel / uniforms.outW) % uniforms.outH;
        let b = pixel / (uniforms.outW * uniforms.outH);
        let group = b * numClasses + k;
        let c = (gcUpsampled(b, k, oy, ox) - stats[group * ${STATS_PER_GROUP}]) / gcRange(group);
        setOutputAtIndex(index, ${this.sigmoid ? 'gcSigmoid(c)' : 'c'});
      }`;
  }
}

/** Per (image, class): S1 = sum g, S2 = sum g * cams. Output [B,K,2]. */
export class RefineGradSumsProgram extends GroupReductionProgram {
  shaderKey: string;
  // No 'cam': WGSL compilers drop unused bindings, and a binding tfjs binds but the shader dropped
  // is a validation error ("binding index 1 not present in the bind group layout").
  variableNames: string[];
  override uniforms = REFINE_UNIFORMS;

  /**
   * withCams: the forward's cams output was used, so dCams exists and cams is read from memory.
   * Without it (sigmoid-only kernel) cams is recomputed from the x-upsampled rows and the stats,
   * with the forward's own arithmetic, so the value is the one the forward normalised.
   */
  constructor(camShape: number[], private readonly withCams = true) {
    const [b, , , k] = camShape;
    super([b, k, 2], b * k);
    this.shaderKey = `gazecam_refine_grad_sums_${withCams ? 'both' : 'sigmoid'}`;
    this.variableNames = withCams ? ['cams', 'sigmoidCams', 'dCams', 'dSig'] : ['rowsUp', 'stats', 'sigmoidCams', 'dSig'];
  }

  getUserCode(): string {
    const camAt = this.withCams
      ? 'cams[index]'
      : `(gcUpsampled(b, k, p / uniforms.outW, p % uniforms.outW) - stats[group * ${STATS_PER_GROUP}]) / gcRange(group)`;
    return `
      ${this.withCams ? '' : NORMALISE_WGSL}
      ${upstreamWgsl(this.withCams)}
      var<workgroup> sumG : array<f32, ${REDUCE_WORKGROUP}>;
      var<workgroup> sumGC : array<f32, ${REDUCE_WORKGROUP}>;
      ${reductionWgsl(this.withCams ? 'camsShape' : 'rowsUpShape', `
      var s1 = 0.0;
      var s2 = 0.0;
      if (valid) {
        for (var p = lid; p < pixels; p = p + ${REDUCE_WORKGROUP}) {
          let index = (b * pixels + p) * numClasses + k;
          let g = gcUpstream(index);
          s1 = s1 + g;
          s2 = s2 + g * ${camAt};
        }
      }
      ${workgroupTreeSums(['sumG', 's1'], ['sumGC', 's2'])}
      if (lid == 0 && valid) {
        setOutputAtIndex(group * 2, sumG[0]);
        setOutputAtIndex(group * 2 + 1, sumGC[0]);
      }`)}`;
  }
}

/** du summed along x through the bilinear taps: [B,H,w,K]. */
export class RefineGradRowsProgram extends ElementwiseProgram {
  shaderKey: string;
  variableNames: string[];
  override uniforms = REFINE_UNIFORMS;

  /** withCams: as RefineGradSumsProgram. */
  constructor(camShape: number[], [outH]: [number, number], private readonly withCams = true) {
    const [b, , w, k] = camShape;
    super([b, outH, w, k]);
    this.shaderKey = `gazecam_refine_grad_rows_${withCams ? 'both' : 'sigmoid'}`;
    this.variableNames = withCams ? ['stats', 'sigmoidCams', 'dCams', 'dSig', 'sums'] : ['stats', 'sigmoidCams', 'dSig', 'sums'];
  }

  getUserCode(): string {
    return `
      ${TAP_WGSL}
      ${upstreamWgsl(this.withCams)}
      ${WINDOW_WGSL}
      fn gcRange(group : i32) -> f32 {
        let range = stats[group * ${STATS_PER_GROUP} + 1] - stats[group * ${STATS_PER_GROUP}];
        return select(range, ${f32(ZERO_RANGE_REPLACEMENT)}, range == 0.0);
      }
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let numClasses = uniforms.outShape[3];
        let w = uniforms.outShape[2];
        let k = index % numClasses;
        let xi = (index / numClasses) % w;
        let oy = (index / (numClasses * w)) % uniforms.outH;
        let b = index / (numClasses * w * uniforms.outH);
        let group = b * numClasses + k;
        let r = gcRange(group);
        let rangeIsReal = select(0.0, 1.0, stats[group * ${STATS_PER_GROUP} + 1] - stats[group * ${STATS_PER_GROUP}] != 0.0);
        let s1 = sums[group * 2];
        let s2 = sums[group * 2 + 1];
        let dMin = (-s1 + rangeIsReal * s2) / r;
        let dMax = -rangeIsReal * s2 / r;
        let argMin = i32(stats[group * ${STATS_PER_GROUP} + 2]);
        let argMax = i32(stats[group * ${STATS_PER_GROUP} + 3]);
        let span = gcWindow(xi, uniforms.scaleX, uniforms.outW);
        var acc = 0.0;
        for (var ox = span.x; ox <= span.y; ox++) {
          let weight = gcTapWeight(gcTap(ox, uniforms.scaleX, w), xi);
          if (weight != 0.0) {
            let p = oy * uniforms.outW + ox;
            var du = gcUpstream(((b * uniforms.outH + oy) * uniforms.outW + ox) * numClasses + k) / r;
            du = du + select(0.0, dMin, p == argMin) + select(0.0, dMax, p == argMax);
            acc = acc + weight * du;
          }
        }
        setOutputAtIndex(index, acc);
      }`;
  }
}

/** The rows summed along y through the bilinear taps: dCam [B,h,w,K]. */
export class RefineGradColsProgram extends ElementwiseProgram {
  shaderKey = 'gazecam_refine_grad_cols';
  variableNames = ['rows'];
  override uniforms = REFINE_UNIFORMS;

  constructor(camShape: number[]) {
    super(camShape);
  }

  getUserCode(): string {
    return `
      ${TAP_WGSL}
      ${WINDOW_WGSL}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let numClasses = uniforms.outShape[3];
        let w = uniforms.outShape[2];
        let h = uniforms.outShape[1];
        let k = index % numClasses;
        let xi = (index / numClasses) % w;
        let yi = (index / (numClasses * w)) % h;
        let b = index / (numClasses * w * h);
        let span = gcWindow(yi, uniforms.scaleY, uniforms.outH);
        var acc = 0.0;
        for (var oy = span.x; oy <= span.y; oy++) {
          let weight = gcTapWeight(gcTap(oy, uniforms.scaleY, h), yi);
          if (weight != 0.0) {
            acc = acc + weight * rows[((b * uniforms.outH + oy) * w + xi) * numClasses + k];
          }
        }
        setOutputAtIndex(index, acc);
      }`;
  }
}
