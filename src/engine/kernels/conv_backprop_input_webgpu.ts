/**
 * Conv2DBackpropInput (NHWC, HWIO filter) as a barrier-free direct program with 4x4 register
 * blocks, for CPU adapters (kernelPath 'direct').
 *
 * Why: tfjs's webgpu program for it (Conv2DDerInputProgram, taken by default) is barrier-free
 * already, but gives an invocation 2 positions x 4 channels, computes every filter index through
 * the generic getW() and tests the stride with float division. On SwiftShader each buffer read is
 * a per-lane gather, so reads per multiply-add decide the speed: this block of 4 consecutive input
 * positions x 4 input channels reads 16 filter values and 16 gradient values per 64 multiply-adds
 * (tfjs's: 24 per 32). It took 16% of a Chromium SwiftShader training step.
 *
 * dx[b, iy, ix, ci] = sum over (kh, kw, co) of dy[b, oy, ox, co] * w[kh, kw, ci, co], where
 * oy*sh + kh - pt = iy and ox*sw + kw - pl = ix (taps whose oy or ox is fractional or outside the
 * output contribute nothing). The reference is tfjs's own kernel (and tfjs cpu).
 */
import type { ConvGeometry } from './conv_backprop_filter_webgpu.ts';
import { WorkItemProgram, type ProgramUniform } from './webgpu_program.ts';

const BLOCK = 4;

function items(g: ConvGeometry): number {
  return Math.ceil((g.batch * g.inH * g.inW) / BLOCK) * Math.ceil(g.inC / BLOCK);
}

export function convInputDirectUniforms(g: ConvGeometry): ProgramUniform[] {
  return [items(g), g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft, Math.ceil(g.inC / BLOCK), g.batch * g.inH * g.inW]
    .map((v) => ({ type: 'int32' as const, data: [v] }));
}

export class ConvInputDirectProgram extends WorkItemProgram {
  shaderKey: string;
  variableNames = ['dy', 'w'];
  override uniforms =
    'items : i32, inH : i32, inW : i32, inC : i32, outH : i32, outW : i32, outC : i32, kH : i32, kW : i32, ' +
    'strideH : i32, strideW : i32, padTop : i32, padLeft : i32, blocksC : i32, positions : i32,';
  /** inC % 4 == 0: no bounds checks on a block's channels */
  private readonly inBy4: boolean;
  /** outC % 4 == 0: the reduction reads 4 output channels per step */
  private readonly outBy4: boolean;

  constructor(g: ConvGeometry) {
    super([g.batch, g.inH, g.inW, g.inC], items(g));
    this.inBy4 = g.inC % BLOCK === 0;
    this.outBy4 = g.outC % BLOCK === 0;
    this.shaderKey = `gazecam_conv_input_direct_${this.inBy4}_${this.outBy4}`;
  }

  getUserCode(): string {
    // Row i of the block's filter slice: w[kh, kw, ci0 + i, co .. co + 3] (zero past inC).
    const wRow = (i: number) => this.inBy4
      ? `vec4<f32>(w[wo + ${i} * uniforms.outC], w[wo + ${i} * uniforms.outC + 1], w[wo + ${i} * uniforms.outC + 2], w[wo + ${i} * uniforms.outC + 3])`
      : `filterRow(wo + ${i} * uniforms.outC, ci0 + ${i})`;
    const reduction = this.outBy4
      ? `for (var co = 0; co < uniforms.outC; co = co + 4) {
              let wo = tapRow * uniforms.outC + co;
              let w0 = ${wRow(0)};
              let w1 = ${wRow(1)};
              let w2 = ${wRow(2)};
              let w3 = ${wRow(3)};
              for (var p = 0; p < 4; p++) {
                if (tap[p]) {
                  let o = offset[p] + co;
                  let d = vec4<f32>(dy[o], dy[o + 1], dy[o + 2], dy[o + 3]);
                  acc[p] = acc[p] + vec4<f32>(dot(d, w0), dot(d, w1), dot(d, w2), dot(d, w3));
                }
              }
            }`
      : `for (var co = 0; co < uniforms.outC; co++) {
              var wv = vec4<f32>(0.0);
              for (var i = 0; i < 4; i++) {
                if (ci0 + i < uniforms.inC) { wv[i] = w[(tapRow + i) * uniforms.outC + co]; }
              }
              for (var p = 0; p < 4; p++) {
                if (tap[p]) { acc[p] = acc[p] + dy[offset[p] + co] * wv; }
              }
            }`;
    return `
      fn filterRow(o : i32, ci : i32) -> vec4<f32> {
        if (ci >= uniforms.inC) { return vec4<f32>(0.0); }
        return vec4<f32>(w[o], w[o + 1], w[o + 2], w[o + 3]);
      }

      fn main(index : i32) {
        if (index >= uniforms.items) { return; }
        let ci0 = (index % uniforms.blocksC) * 4;
        let m0 = (index / uniforms.blocksC) * 4;
        // The block's 4 input positions: image, and (iy + pt, ix + pl), where taps start.
        var img : vec4<i32>;
        var py : vec4<i32>;
        var px : vec4<i32>;
        var real : vec4<bool>;
        for (var p = 0; p < 4; p++) {
          let m = m0 + p;
          img[p] = m / (uniforms.inH * uniforms.inW);
          py[p] = (m / uniforms.inW) % uniforms.inH + uniforms.padTop;
          px[p] = m % uniforms.inW + uniforms.padLeft;
          real[p] = m < uniforms.positions;
        }
        var acc : array<vec4<f32>, 4>;
        for (var kh = 0; kh < uniforms.kH; kh++) {
          for (var kw = 0; kw < uniforms.kW; kw++) {
            var offset : vec4<i32>;
            var tap : vec4<bool>;
            for (var p = 0; p < 4; p++) {
              let ty = py[p] - kh;
              let tx = px[p] - kw;
              let oy = ty / uniforms.strideH;
              let ox = tx / uniforms.strideW;
              tap[p] = real[p] && ty >= 0 && tx >= 0 && oy * uniforms.strideH == ty && ox * uniforms.strideW == tx &&
                oy < uniforms.outH && ox < uniforms.outW;
              offset[p] = ((img[p] * uniforms.outH + oy) * uniforms.outW + ox) * uniforms.outC;
            }
            let tapRow = (kh * uniforms.kW + kw) * uniforms.inC + ci0;
            ${reduction}
          }
        }
        for (var p = 0; p < 4; p++) {
          if (real[p]) {
            for (var i = 0; i < 4; i++) {
              if (ci0 + i < uniforms.inC) { setOutputAtIndex((m0 + p) * uniforms.inC + ci0 + i, acc[p][i]); }
            }
          }
        }
      }`;
  }
}
