/**
 * Training-mode batch norm (PyTorch semantics, NHWC) as four WGSL programs instead of ~20 tfjs ops.
 *
 * Why: `tf.profile` of a training step (resnet10-small, 64 px, batch 16, lavapipe) spent about a
 * fifth of GPU time in elementwise ops and reductions, most of them batch norm's: the composed
 * forward makes six full-size passes (sub, square, mul, mul, add, ...) and two reductions, the
 * backward five and two. Fused: forward = one reduction per channel (mean, then the biased
 * variance from centred values, two passes over x in one workgroup) + one normalise pass; backward
 * = one reduction (sum dy, sum dy * xHat, xHat recomputed from x) + one pass for dx.
 *
 * The plain-tfjs reference these programs are tested against is ./reference.ts; what they gained
 * is in docs/benchmarks.md.
 */
import {
  ElementwiseProgram,
  GroupReductionProgram,
  planChunks,
  REDUCE_WORKGROUP,
  WorkItemProgram,
  workgroupTreeSums,
  type ProgramUniform,
} from '../webgpu_program.ts';

/** Per channel: [mean, biased variance]. */
export const BN_STATS_PER_CHANNEL = 2;

const f32 = (x: number) => (Number.isInteger(x) ? `${x}.0` : `${x}`);

/** WGSL header of the per-channel reductions: channel c, values at x[n * C + c] for n < N. */
function channelReduction(shape: string, body: string): string {
  return `
    fn main(index : i32) {
      let lid = index % ${REDUCE_WORKGROUP};
      let c = index / ${REDUCE_WORKGROUP};
      let channels = uniforms.${shape}[3];
      let count = uniforms.${shape}[0] * uniforms.${shape}[1] * uniforms.${shape}[2];
      // Groups past the last channel (none today: one group per channel) would still reach every barrier.
      let valid = c < channels;
      ${body}
    }`;
}

/** x [B,H,W,C] -> stats [C, 2] = (mean, biased variance), two-pass like the composed reference. */
export class BatchNormStatsProgram extends GroupReductionProgram {
  shaderKey = 'gazecam_bn_stats';
  variableNames = ['x'];

  constructor(xShape: number[]) {
    super([xShape[3], BN_STATS_PER_CHANNEL], xShape[3]);
  }

  getUserCode(): string {
    return `
      var<workgroup> partials : array<f32, ${REDUCE_WORKGROUP}>;
      var<workgroup> groupMean : f32;
      ${channelReduction('xShape', `
      var s = 0.0;
      if (valid) {
        for (var n = lid; n < count; n = n + ${REDUCE_WORKGROUP}) { s = s + x[n * channels + c]; }
      }
      ${workgroupTreeSums(['partials', 's'])}
      if (lid == 0) { groupMean = partials[0] / f32(count); }
      let mean = workgroupUniformLoad(&groupMean);
      var q = 0.0;
      if (valid) {
        for (var n = lid; n < count; n = n + ${REDUCE_WORKGROUP}) {
          let d = x[n * channels + c] - mean;
          q = q + d * d;
        }
      }
      ${workgroupTreeSums(['partials', 'q'])}
      if (lid == 0 && valid) {
        setOutputAtIndex(c * ${BN_STATS_PER_CHANNEL}, mean);
        setOutputAtIndex(c * ${BN_STATS_PER_CHANNEL} + 1, partials[0] / f32(count));
      }`)}`;
  }
}

/** WGSL: 1 / sqrt(var + eps) of channel c, from the stats input. */
function invStdWgsl(eps: number): string {
  return `
    fn gcInvStd(c : i32) -> f32 {
      return 1.0 / sqrt(stats[c * ${BN_STATS_PER_CHANNEL} + 1] + ${f32(eps)});
    }
    fn gcXHat(index : i32, c : i32) -> f32 {
      return (x[index] - stats[c * ${BN_STATS_PER_CHANNEL}]) * gcInvStd(c);
    }`;
}

/** y = xHat * gamma + beta. */
export class BatchNormNormaliseProgram extends ElementwiseProgram {
  shaderKey: string;
  variableNames = ['x', 'stats', 'gamma', 'beta'];

  constructor(xShape: number[], private readonly eps: number) {
    super(xShape);
    this.shaderKey = `gazecam_bn_normalise_${eps}`;
  }

  getUserCode(): string {
    return `
      ${invStdWgsl(this.eps)}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let c = index % uniforms.xShape[3];
        setOutputAtIndex(index, gcXHat(index, c) * gamma[c] + beta[c]);
      }`;
  }
}

/** Per channel: [dBeta, dGamma] = [sum dy, sum dy * xHat]. Output [C, 2]. */
export class BatchNormGradSumsProgram extends GroupReductionProgram {
  shaderKey: string;
  variableNames = ['x', 'stats', 'dy'];

  constructor(xShape: number[], private readonly eps: number) {
    super([xShape[3], 2], xShape[3]);
    this.shaderKey = `gazecam_bn_grad_sums_${eps}`;
  }

  getUserCode(): string {
    return `
      ${invStdWgsl(this.eps)}
      var<workgroup> partialsB : array<f32, ${REDUCE_WORKGROUP}>;
      var<workgroup> partialsG : array<f32, ${REDUCE_WORKGROUP}>;
      ${channelReduction('xShape', `
      var sb = 0.0;
      var sg = 0.0;
      if (valid) {
        for (var n = lid; n < count; n = n + ${REDUCE_WORKGROUP}) {
          let i = n * channels + c;
          sb = sb + dy[i];
          sg = sg + dy[i] * gcXHat(i, c);
        }
      }
      ${workgroupTreeSums(['partialsB', 'sb'], ['partialsG', 'sg'])}
      if (lid == 0 && valid) {
        setOutputAtIndex(c * 2, partialsB[0]);
        setOutputAtIndex(c * 2 + 1, partialsG[0]);
      }`)}`;
  }
}

/** dx = gamma * invStd * (dy - dBeta / N - xHat * dGamma / N). */
export class BatchNormGradInputProgram extends ElementwiseProgram {
  shaderKey: string;
  variableNames = ['x', 'stats', 'gamma', 'dy', 'sums'];

  constructor(xShape: number[], private readonly eps: number) {
    super(xShape);
    this.shaderKey = `gazecam_bn_grad_input_${eps}`;
  }

  getUserCode(): string {
    return `
      ${invStdWgsl(this.eps)}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let c = index % uniforms.xShape[3];
        let count = f32(uniforms.xShape[0] * uniforms.xShape[1] * uniforms.xShape[2]);
        let meanDy = sums[c * 2] / count;
        let meanDyXHat = sums[c * 2 + 1] / count;
        setOutputAtIndex(index, gamma[c] * gcInvStd(c) * (dy[index] - meanDy - gcXHat(index, c) * meanDyXHat));
      }`;
  }
}

/** Column `column` of a [C, 2] per-channel table, as [C]: dBeta (0) and dGamma (1). */
export class ChannelColumnProgram extends ElementwiseProgram {
  shaderKey: string;
  variableNames = ['table'];

  constructor(channels: number, private readonly column: 0 | 1) {
    super([channels]);
    this.shaderKey = `gazecam_bn_column_${column}`;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        setOutputAtIndex(index, table[index * 2 + ${this.column}]);
      }`;
  }
}

/**
 * The per-channel reductions without workgroup memory, for CPU adapters (kernelPath 'direct'):
 * there each of the tree sums' barriers parks and resumes every invocation, and the two
 * reductions above took about a quarter of a Chromium SwiftShader training step. Here an
 * invocation owns one channel over one chunk of positions and writes a partial; a second small
 * pass combines the chunks.
 */
const TARGET_ITEMS = 1024;
const MIN_CHUNK = 64;

export interface ChannelSplitPlan {
  channels: number;
  count: number;
  splits: number;
  chunk: number;
}

export function planChannelSplits(xShape: number[]): ChannelSplitPlan {
  const channels = xShape[3]!;
  const count = xShape[0]! * xShape[1]! * xShape[2]!;
  return { channels, count, ...planChunks(count, channels, TARGET_ITEMS, MIN_CHUNK) };
}

export function channelSplitUniforms(p: ChannelSplitPlan): ProgramUniform[] {
  return [p.splits * p.channels, p.chunk].map((v) => ({ type: 'int32' as const, data: [v] }));
}

/** WGSL header: split s, channel c (fastest, so neighbouring invocations read neighbouring floats), positions [n0, n1). */
function channelChunk(body: string): string {
  return `
    fn main(index : i32) {
      if (index >= uniforms.items) { return; }
      let channels = uniforms.xShape[3];
      let count = uniforms.xShape[0] * uniforms.xShape[1] * uniforms.xShape[2];
      let c = index % channels;
      let s = index / channels;
      let n0 = s * uniforms.chunk;
      let n1 = min(n0 + uniforms.chunk, count);
      ${body}
    }`;
}

/**
 * Per chunk and channel: (mean, M2) of the chunk's values, two-pass within the chunk like the
 * reference. Output [splits, C * 2].
 */
export class BatchNormStatsPartialsProgram extends WorkItemProgram {
  shaderKey = 'gazecam_bn_stats_partials';
  variableNames = ['x'];
  override uniforms = 'items : i32, chunk : i32,';

  constructor(p: ChannelSplitPlan) {
    super([p.splits, p.channels * 2], p.splits * p.channels);
  }

  getUserCode(): string {
    return channelChunk(`
      var sum = 0.0;
      for (var n = n0; n < n1; n++) { sum = sum + x[n * channels + c]; }
      let mean = sum / f32(n1 - n0);
      var m2 = 0.0;
      for (var n = n0; n < n1; n++) {
        let d = x[n * channels + c] - mean;
        m2 = m2 + d * d;
      }
      setOutputAtIndex(index * 2, mean);
      setOutputAtIndex(index * 2 + 1, m2);`);
  }
}

/**
 * Combines the chunks' (mean, M2) into [C, 2] = (mean, biased variance): the mean of the chunk
 * means weighted by their sizes, and M2 = sum of (M2_s + n_s * (mean_s - mean)^2) (Chan et al.),
 * which keeps the reference's centred two-pass accuracy.
 */
export class BatchNormStatsCombineProgram extends ElementwiseProgram {
  shaderKey = 'gazecam_bn_stats_combine';
  variableNames = ['partials'];
  override uniforms = 'count : i32, chunk : i32,';

  constructor(channels: number) {
    super([channels, BN_STATS_PER_CHANNEL]);
  }

  getUserCode(): string {
    return `
      fn chunkSize(s : i32) -> f32 {
        return f32(min(uniforms.chunk, uniforms.count - s * uniforms.chunk));
      }
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let c = index / 2;
        let splits = uniforms.partialsShape[0];
        let stride = uniforms.partialsShape[1];
        var weighted = 0.0;
        for (var s = 0; s < splits; s++) { weighted = weighted + chunkSize(s) * partials[s * stride + c * 2]; }
        let mean = weighted / f32(uniforms.count);
        if (index % 2 == 0) {
          setOutputAtIndex(index, mean);
          return;
        }
        var m2 = 0.0;
        for (var s = 0; s < splits; s++) {
          let d = partials[s * stride + c * 2] - mean;
          m2 = m2 + partials[s * stride + c * 2 + 1] + chunkSize(s) * d * d;
        }
        setOutputAtIndex(index, m2 / f32(uniforms.count));
      }`;
  }
}

/** Per chunk and channel: (sum dy, sum dy * xHat). Output [splits, C * 2]; SplitSumProgram finishes it. */
export class BatchNormGradSumsPartialsProgram extends WorkItemProgram {
  shaderKey: string;
  variableNames = ['x', 'stats', 'dy'];
  override uniforms = 'items : i32, chunk : i32,';

  constructor(p: ChannelSplitPlan, private readonly eps: number) {
    super([p.splits, p.channels * 2], p.splits * p.channels);
    this.shaderKey = `gazecam_bn_grad_sums_partials_${eps}`;
  }

  getUserCode(): string {
    return `
      ${invStdWgsl(this.eps)}
      ${channelChunk(`
      let mean = stats[c * ${BN_STATS_PER_CHANNEL}];
      let invStd = gcInvStd(c);
      var sb = 0.0;
      var sg = 0.0;
      for (var n = n0; n < n1; n++) {
        let i = n * channels + c;
        sb = sb + dy[i];
        sg = sg + dy[i] * ((x[i] - mean) * invStd);
      }
      setOutputAtIndex(index * 2, sb);
      setOutputAtIndex(index * 2 + 1, sg);`)}`;
  }
}
