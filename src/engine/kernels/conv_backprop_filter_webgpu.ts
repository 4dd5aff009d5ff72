/**
 * Conv2DBackpropFilter for the webgpu backend as a tiled implicit GEMM with split-K.
 *
 * Why: profiling a training step (resnet10-small, 64 px, batch 16, lavapipe) put tfjs's own
 * Conv2DBackpropFilter at 62% of GPU time. Its program gives each filter weight one invocation that
 * walks all B*Ho*Wo positions alone: no reuse of loaded values and, for small filters (the 7x7 stem
 * has 2,352 weights), little parallelism.
 *
 * dW[r, co] = sum_n A[n, r] * dY[n, co], with r = (kh, kw, ci) in HWIO order, n = (b, y, x) and
 * A[n, r] = x[b, y*sh + kh - pt, x*sw + kw - pl, ci] (0 outside the image). A workgroup of 16x16
 * invocations computes a 64x64 tile of dW (4x4 per invocation) over one chunk of n, staging 16
 * rows of A (gathered on the fly: no im2col buffer) and dY in workgroup memory. Chunks of n run in
 * parallel workgroups and write partial tiles [S, R*Co]; a second program sums the S partials.
 *
 * Staging decodes each invocation's filter row once and walks its positions incrementally instead
 * of dividing per element. A/B against the per-element decode, same process, paired medians of 9
 * (lavapipe, load 7-8): 1.66x on 3x3 16->16 at 16x16, 1.48x on the 64 px stem, 1.10x on ResNet-18's
 * 3x3 64->64 at 56x56, 0.95x on 3x3 128->128 at 8x8; identical results. TILE_K 32 instead of 16
 * measured worse overall (0.96x-1.33x against the same baseline).
 */
import { ElementwiseProgram, GroupReductionProgram, type ProgramUniform } from './webgpu_program.ts';

const TILE = 64;
const TILE_K = 16;
const THREADS = 256; // 16 x 16, each 4 x 4 outputs
/** Elements of A (and of dY) each invocation stages per K-step. */
const LOADS = (TILE_K * TILE) / THREADS;
/** Aim for at least this many workgroups in flight (tiles x chunks) on large GPUs. */
const TARGET_WORKGROUPS = 256;

export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

export interface SplitPlan {
  /** rows of dW: kH * kW * inC */
  rows: number;
  /** reduction length: batch * outH * outW */
  positions: number;
  tilesR: number;
  tilesC: number;
  splits: number;
  /** positions per split, a multiple of TILE_K */
  chunk: number;
}

export function planSplits(g: ConvGeometry): SplitPlan {
  const rows = g.kH * g.kW * g.inC;
  const positions = g.batch * g.outH * g.outW;
  const tilesR = Math.ceil(rows / TILE);
  const tilesC = Math.ceil(g.outC / TILE);
  const maxSplits = Math.max(1, Math.floor(positions / (TILE_K * 8))); // keep >= 8 K-steps per chunk
  const wanted = Math.ceil(TARGET_WORKGROUPS / (tilesR * tilesC));
  const splits0 = Math.max(1, Math.min(maxSplits, wanted));
  const chunk = Math.ceil(positions / splits0 / TILE_K) * TILE_K;
  const splits = Math.ceil(positions / chunk);
  return { rows, positions, tilesR, tilesC, splits, chunk };
}

export const CONV_FILTER_UNIFORMS =
  'inH : i32, inW : i32, inC : i32, outH : i32, outW : i32, outC : i32, kW : i32, strideH : i32, strideW : i32, ' +
  'padTop : i32, padLeft : i32, rows : i32, positions : i32, chunk : i32, tilesR : i32, tilesC : i32,';

export function convFilterUniforms(g: ConvGeometry, p: SplitPlan): ProgramUniform[] {
  return [g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft, p.rows, p.positions, p.chunk, p.tilesR, p.tilesC]
    .map((v) => ({ type: 'int32' as const, data: [v] }));
}

/** Partial dW per chunk of positions: output [splits, rows * outC]. */
export class ConvFilterPartialsProgram extends GroupReductionProgram {
  shaderKey = 'gazecam_conv_filter_partials';
  variableNames = ['x', 'dy'];
  override uniforms = CONV_FILTER_UNIFORMS;

  constructor(plan: SplitPlan, outC: number) {
    super([plan.splits, plan.rows * outC], plan.tilesR * plan.tilesC * plan.splits);
  }

  getUserCode(): string {
    return `
      var<workgroup> tileA : array<array<f32, ${TILE}>, ${TILE_K}>;
      var<workgroup> tileB : array<array<f32, ${TILE}>, ${TILE_K}>;
      var<workgroup> groupSteps : i32;

      fn main(index : i32) {
        let lid = index % ${THREADS};
        let group = index / ${THREADS};
        let tiles = uniforms.tilesR * uniforms.tilesC;
        let split = group / tiles;
        let tile = group % tiles;
        let r0 = (tile / uniforms.tilesC) * ${TILE};
        let c0 = (tile % uniforms.tilesC) * ${TILE};
        let tx = lid % 16;
        let ty = lid / 16;
        let nStart = split * uniforms.chunk;
        let nEnd = min(nStart + uniforms.chunk, uniforms.positions);
        // Barriers need workgroup-uniform control flow, and WGSL's analysis sees anything derived
        // from the invocation index as non-uniform: broadcast the step count through workgroup
        // memory. Groups past the last split (dispatch padding) get 0 steps and still reach every
        // barrier.
        if (lid == 0) {
          groupSteps = select(0, (nEnd - nStart + ${TILE_K - 1}) / ${TILE_K}, nStart < nEnd);
        }
        let steps = workgroupUniformLoad(&groupSteps);

        // Each invocation always stages the same tile column (col) and the same ${LOADS} rows kk of a
        // K-step, so its filter row r = (kh, kw, ci) is decoded once and its positions n = (b, oy,
        // ox) advance by ${TILE_K} per step with carries. llvmpipe scalarises integer division: the
        // per-element decode this replaces cost more than the multiply-adds it fed.
        let col = lid % ${TILE};
        let r = r0 + col;
        let co = c0 + col;
        let rValid = r < uniforms.rows;
        let ci = r % uniforms.inC;
        let kw = (r / uniforms.inC) % uniforms.kW;
        let kh = r / (uniforms.inC * uniforms.kW);
        let iy0 = kh - uniforms.padTop;
        let ix0 = kw - uniforms.padLeft;
        var pos : array<vec3<i32>, ${LOADS}>; // (b, oy, ox) of each staged row's position
        for (var i = 0; i < ${LOADS}; i++) {
          let n = nStart + lid / ${TILE} + i * ${THREADS / TILE};
          pos[i] = vec3<i32>(n / (uniforms.outW * uniforms.outH), (n / uniforms.outW) % uniforms.outH, n % uniforms.outW);
        }

        var acc : array<array<f32, 4>, 4>;
        for (var s = 0; s < steps; s++) {
          let n0 = nStart + s * ${TILE_K};
          for (var i = 0; i < ${LOADS}; i++) {
            let kk = lid / ${TILE} + i * ${THREADS / TILE};
            let n = n0 + kk;
            let p = pos[i];
            var a = 0.0;
            var bv = 0.0;
            if (n < nEnd) {
              let iy = p.y * uniforms.strideH + iy0;
              let ix = p.z * uniforms.strideW + ix0;
              if (rValid && iy >= 0 && iy < uniforms.inH && ix >= 0 && ix < uniforms.inW) {
                a = x[((p.x * uniforms.inH + iy) * uniforms.inW + ix) * uniforms.inC + ci];
              }
              if (co < uniforms.outC) { bv = dy[n * uniforms.outC + co]; }
            }
            tileA[kk][col] = a;
            tileB[kk][col] = bv;
            // Next step's position: ${TILE_K} further along (b, oy, ox).
            var q = vec3<i32>(p.x, p.y, p.z + ${TILE_K});
            loop {
              if (q.z < uniforms.outW) { break; }
              q.z = q.z - uniforms.outW;
              q.y = q.y + 1;
              if (q.y == uniforms.outH) { q.y = 0; q.x = q.x + 1; }
            }
            pos[i] = q;
          }
          workgroupBarrier();
          for (var kk = 0; kk < ${TILE_K}; kk++) {
            let a = vec4<f32>(tileA[kk][ty * 4], tileA[kk][ty * 4 + 1], tileA[kk][ty * 4 + 2], tileA[kk][ty * 4 + 3]);
            let b = vec4<f32>(tileB[kk][tx * 4], tileB[kk][tx * 4 + 1], tileB[kk][tx * 4 + 2], tileB[kk][tx * 4 + 3]);
            for (var i = 0; i < 4; i++) {
              acc[i][0] = acc[i][0] + a[i] * b[0];
              acc[i][1] = acc[i][1] + a[i] * b[1];
              acc[i][2] = acc[i][2] + a[i] * b[2];
              acc[i][3] = acc[i][3] + a[i] * b[3];
            }
          }
          workgroupBarrier();
        }
        if (nStart < nEnd) {
          let base = split * uniforms.rows * uniforms.outC;
          for (var i = 0; i < 4; i++) {
            let r = r0 + ty * 4 + i;
            for (var j = 0; j < 4; j++) {
              let co = c0 + tx * 4 + j;
              if (r < uniforms.rows && co < uniforms.outC) {
                setOutputAtIndex(base + r * uniforms.outC + co, acc[i][j]);
              }
            }
          }
        }
      }`;
  }
}

/** Sums the partials over splits into the filter gradient [kH, kW, inC, outC]. */
export class ConvFilterReduceProgram extends ElementwiseProgram {
  shaderKey = 'gazecam_conv_filter_reduce';
  variableNames = ['partials'];

  constructor(filterShape: number[]) {
    super(filterShape);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let splits = uniforms.partialsShape[0];
        let stride = uniforms.partialsShape[1];
        var sum = 0.0;
        for (var s = 0; s < splits; s++) {
          sum = sum + partials[s * stride + index];
        }
        setOutputAtIndex(index, sum);
      }`;
  }
}
