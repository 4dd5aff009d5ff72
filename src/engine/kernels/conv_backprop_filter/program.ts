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
 * of dividing per element; TILE_K 16 measured better than 32 (docs/benchmarks.md).
 */
import { CONV_GEOMETRY_UNIFORMS, convGeometryUniforms, type ConvGeometry } from '../conv_geometry.ts';
import { GroupReductionProgram, planChunks, WorkItemProgram, type ProgramUniform } from '../webgpu_program.ts';

const TILE = 64;
const TILE_K = 16;
const THREADS = 256; // 16 x 16, each 4 x 4 outputs
/** Elements of A (and of dY) each invocation stages per K-step. */
const LOADS = (TILE_K * TILE) / THREADS;
/** Aim for at least this many workgroups in flight (tiles x chunks) on large GPUs. */
const TARGET_WORKGROUPS = 256;


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

export const CONV_FILTER_UNIFORMS = `${CONV_GEOMETRY_UNIFORMS} rows : i32, positions : i32, chunk : i32, tilesR : i32, tilesC : i32,`;

export function convFilterUniforms(g: ConvGeometry, p: SplitPlan): ProgramUniform[] {
  return convGeometryUniforms(g, p.rows, p.positions, p.chunk, p.tilesR, p.tilesC);
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

/**
 * The barrier-free variant, for adapters that run workgroups on CPU threads (SwiftShader, llvmpipe):
 * there every workgroupBarrier() parks and resumes all the workgroup's invocations, and the tiled
 * program above spends its time in them (46% of a Chromium SwiftShader step sat in it). Here each
 * invocation owns a 4x4 block of dW (4 filter rows x 4 output channels) over one chunk of positions
 * and reads x and dy straight from the buffers, which on a CPU sit in its caches anyway.
 */
const DIRECT_BLOCK = 4;
/** Enough invocations for a many-core CPU; more would only add partials to sum. */
const DIRECT_TARGET_ITEMS = 4096;
const DIRECT_MIN_CHUNK = 64;

export interface DirectSplitPlan {
  rows: number;
  positions: number;
  blocksR: number;
  blocksC: number;
  splits: number;
  chunk: number;
}

export function planDirectSplits(g: ConvGeometry): DirectSplitPlan {
  const rows = g.kH * g.kW * g.inC;
  const positions = g.batch * g.outH * g.outW;
  const blocksR = Math.ceil(rows / DIRECT_BLOCK);
  const blocksC = Math.ceil(g.outC / DIRECT_BLOCK);
  return { rows, positions, blocksR, blocksC, ...planChunks(positions, blocksR * blocksC, DIRECT_TARGET_ITEMS, DIRECT_MIN_CHUNK) };
}

export function convFilterDirectUniforms(g: ConvGeometry, p: DirectSplitPlan): ProgramUniform[] {
  return [{ type: 'int32', data: [p.blocksR * p.blocksC * p.splits] }, ...convGeometryUniforms(g, p.rows, p.positions, p.chunk, p.blocksR, p.blocksC)];
}

/**
 * dW blocks per chunk of positions. With one split it writes dW itself ([kH, kW, inC, outC]);
 * otherwise partials [splits, rows * outC] for SplitSumProgram.
 */
export class ConvFilterDirectProgram extends WorkItemProgram {
  shaderKey: string;
  variableNames = ['x', 'dy'];
  override uniforms = `items : i32, ${CONV_GEOMETRY_UNIFORMS} rows : i32, positions : i32, chunk : i32, blocksR : i32, blocksC : i32,`;
  /** inC % 4 == 0: a block's 4 rows are 4 consecutive channels of one filter tap */
  private readonly channelsBy4: boolean;
  /** outC % 4 == 0: no bounds checks on a block's columns */
  private readonly outBy4: boolean;

  constructor(g: ConvGeometry, plan: DirectSplitPlan, filterShape: number[]) {
    super(plan.splits === 1 ? filterShape : [plan.splits, plan.rows * g.outC], plan.blocksR * plan.blocksC * plan.splits);
    this.channelsBy4 = g.inC % DIRECT_BLOCK === 0;
    this.outBy4 = g.outC % DIRECT_BLOCK === 0;
    this.shaderKey = `gazecam_conv_filter_direct_${this.channelsBy4}_${this.outBy4}`;
  }

  getUserCode(): string {
    const dyLoad = this.outBy4
      ? 'let d = vec4<f32>(dy[o], dy[o + 1], dy[o + 2], dy[o + 3]);'
      : `var d = vec4<f32>(0.0);
            for (var j = 0; j < 4; j++) { if (co0 + j < uniforms.outC) { d[j] = dy[o + j]; } }`;
    const accumulate = this.channelsBy4
      ? `let iy = iyBase + tapY.x;
            let ix = ixBase + tapX.x;
            if (iy >= 0 && iy < uniforms.inH && ix >= 0 && ix < uniforms.inW) {
              let a = ((b * uniforms.inH + iy) * uniforms.inW + ix) * uniforms.inC + ci.x;
              acc[0] = acc[0] + x[a] * d;
              acc[1] = acc[1] + x[a + 1] * d;
              acc[2] = acc[2] + x[a + 2] * d;
              acc[3] = acc[3] + x[a + 3] * d;
            }`
      : `for (var i = 0; i < 4; i++) {
              let iy = iyBase + tapY[i];
              let ix = ixBase + tapX[i];
              if (rowValid[i] && iy >= 0 && iy < uniforms.inH && ix >= 0 && ix < uniforms.inW) {
                acc[i] = acc[i] + x[((b * uniforms.inH + iy) * uniforms.inW + ix) * uniforms.inC + ci[i]] * d;
              }
            }`;
    return `
      fn main(index : i32) {
        if (index >= uniforms.items) { return; }
        let blocks = uniforms.blocksR * uniforms.blocksC;
        let split = index / blocks;
        let r0 = ((index % blocks) / uniforms.blocksC) * 4;
        let co0 = (index % uniforms.blocksC) * 4;
        // Each of the block's rows r = (kh, kw, ci), decoded once.
        var tapY : vec4<i32>;
        var tapX : vec4<i32>;
        var ci : vec4<i32>;
        var rowValid : vec4<bool>;
        for (var i = 0; i < 4; i++) {
          let r = r0 + i;
          ci[i] = r % uniforms.inC;
          tapX[i] = (r / uniforms.inC) % uniforms.kW - uniforms.padLeft;
          tapY[i] = r / (uniforms.inC * uniforms.kW) - uniforms.padTop;
          rowValid[i] = r < uniforms.rows;
        }
        let nStart = split * uniforms.chunk;
        let nEnd = min(nStart + uniforms.chunk, uniforms.positions);
        // (b, oy, ox) of position n, advanced with carries rather than divided per position.
        var b = nStart / (uniforms.outW * uniforms.outH);
        var oy = (nStart / uniforms.outW) % uniforms.outH;
        var ox = nStart % uniforms.outW;
        var acc : array<vec4<f32>, 4>;
        for (var n = nStart; n < nEnd; n++) {
          let o = n * uniforms.outC + co0;
          ${dyLoad}
          let iyBase = oy * uniforms.strideH;
          let ixBase = ox * uniforms.strideW;
          ${accumulate}
          ox = ox + 1;
          if (ox == uniforms.outW) {
            ox = 0;
            oy = oy + 1;
            if (oy == uniforms.outH) { oy = 0; b = b + 1; }
          }
        }
        let base = split * uniforms.rows * uniforms.outC;
        for (var i = 0; i < 4; i++) {
          for (var j = 0; j < 4; j++) {
            if (rowValid[i] && co0 + j < uniforms.outC) {
              setOutputAtIndex(base + (r0 + i) * uniforms.outC + co0 + j, acc[i][j]);
            }
          }
        }
      }`;
  }
}
