/**
 * Conv2D (NHWC, HWIO filter, no dilation) as a barrier-free direct convolution, for adapters that
 * run workgroups on CPU threads (SwiftShader in Chrome without a GPU, llvmpipe/lavapipe).
 *
 * Why: tfjs's webgpu Conv2D is a tiled GEMM (Conv2DMMProgram, or im2col + MatMulPacked) that stages
 * tiles in workgroup memory between workgroupBarrier()s. On a GPU that is the right shape. On a CPU
 * adapter each barrier parks and resumes every invocation of the workgroup, and a Chromium
 * SwiftShader profile put 25% of a training step in tfjs's Conv2D, where tfjs's WebGL backend (one
 * fragment per output, no barriers) ran the same model faster. Here each invocation owns a block of
 * 4 consecutive output positions x 4 output channels and reads x and the filter straight from the
 * buffers, which on a CPU sit in its caches.
 *
 * y[n, co] = sum over (kh, kw, ci) of x[b, oy*sh + kh - pt, ox*sw + kw - pl, ci] * w[kh, kw, ci, co],
 * with n = (b, oy, ox) and zeros outside the image; the reference is tfjs's own conv2d.
 */
import { CONV_GEOMETRY_UNIFORMS, convGeometryUniforms, type ConvGeometry } from '../conv_geometry.ts';
import { WorkItemProgram, type ProgramUniform } from '../webgpu_program.ts';

const BLOCK = 4;

export function conv2dDirectItems(g: ConvGeometry): number {
  return Math.ceil((g.batch * g.outH * g.outW) / BLOCK) * Math.ceil(g.outC / BLOCK);
}

export function conv2dDirectUniforms(g: ConvGeometry): ProgramUniform[] {
  return [{ type: 'int32', data: [conv2dDirectItems(g)] }, ...convGeometryUniforms(g, Math.ceil(g.outC / BLOCK), g.batch * g.outH * g.outW)];
}

export class Conv2DDirectProgram extends WorkItemProgram {
  shaderKey: string;
  variableNames = ['x', 'w'];
  override uniforms = `items : i32, ${CONV_GEOMETRY_UNIFORMS} blocksC : i32, positions : i32,`;
  /** inC % 4 == 0: the channel loop reads 4 channels and 4 filter rows per step */
  private readonly channelsBy4: boolean;
  /** outC % 4 == 0: no bounds checks on a block's output channels */
  private readonly outBy4: boolean;

  constructor(g: ConvGeometry) {
    super([g.batch, g.outH, g.outW, g.outC], conv2dDirectItems(g));
    this.channelsBy4 = g.inC % BLOCK === 0;
    this.outBy4 = g.outC % BLOCK === 0;
    this.shaderKey = `gazecam_conv2d_direct_${this.channelsBy4}_${this.outBy4}`;
  }

  getUserCode(): string {
    const wRow = this.outBy4
      ? (row: string) => `vec4<f32>(w[${row}], w[${row} + 1], w[${row} + 2], w[${row} + 3])`
      : (row: string) => `filterRow(${row}, co0)`;
    const channelLoop = this.channelsBy4
      ? `for (var ci = 0; ci < uniforms.inC; ci = ci + 4) {
              let wo = (tapRow + ci) * uniforms.outC + co0;
              let w0 = ${wRow('wo')};
              let w1 = ${wRow('wo + uniforms.outC')};
              let w2 = ${wRow('wo + 2 * uniforms.outC')};
              let w3 = ${wRow('wo + 3 * uniforms.outC')};
              for (var p = 0; p < 4; p++) {
                if (inside[p]) {
                  let a = offset[p] + ci;
                  acc[p] = acc[p] + x[a] * w0 + x[a + 1] * w1 + x[a + 2] * w2 + x[a + 3] * w3;
                }
              }
            }`
      : `for (var ci = 0; ci < uniforms.inC; ci++) {
              let wv = ${wRow('(tapRow + ci) * uniforms.outC + co0')};
              for (var p = 0; p < 4; p++) {
                if (inside[p]) { acc[p] = acc[p] + x[offset[p] + ci] * wv; }
              }
            }`;
    return `
      fn filterRow(o : i32, co0 : i32) -> vec4<f32> {
        var v = vec4<f32>(0.0);
        for (var j = 0; j < 4; j++) { if (co0 + j < uniforms.outC) { v[j] = w[o + j]; } }
        return v;
      }

      fn main(index : i32) {
        if (index >= uniforms.items) { return; }
        let co0 = (index % uniforms.blocksC) * 4;
        let n0 = (index / uniforms.blocksC) * 4;
        // The block's 4 positions: image, and the input corner each one's window starts at.
        var img : vec4<i32>;
        var y0 : vec4<i32>;
        var x0 : vec4<i32>;
        var real : vec4<bool>;
        for (var p = 0; p < 4; p++) {
          let n = n0 + p;
          img[p] = n / (uniforms.outH * uniforms.outW);
          y0[p] = ((n / uniforms.outW) % uniforms.outH) * uniforms.strideH - uniforms.padTop;
          x0[p] = (n % uniforms.outW) * uniforms.strideW - uniforms.padLeft;
          real[p] = n < uniforms.positions;
        }
        var acc : array<vec4<f32>, 4>;
        for (var kh = 0; kh < uniforms.kH; kh++) {
          for (var kw = 0; kw < uniforms.kW; kw++) {
            var offset : vec4<i32>;
            var inside : vec4<bool>;
            for (var p = 0; p < 4; p++) {
              let iy = y0[p] + kh;
              let ix = x0[p] + kw;
              inside[p] = real[p] && iy >= 0 && iy < uniforms.inH && ix >= 0 && ix < uniforms.inW;
              offset[p] = ((img[p] * uniforms.inH + iy) * uniforms.inW + ix) * uniforms.inC;
            }
            let tapRow = (kh * uniforms.kW + kw) * uniforms.inC;
            ${channelLoop}
          }
        }
        for (var p = 0; p < 4; p++) {
          if (real[p]) {
            for (var j = 0; j < 4; j++) {
              if (co0 + j < uniforms.outC) { setOutputAtIndex((n0 + p) * uniforms.outC + co0 + j, acc[p][j]); }
            }
          }
        }
      }`;
  }
}
