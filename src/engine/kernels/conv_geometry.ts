/**
 * The convolution geometry our conv programs take (NHWC input, HWIO filter), read from tfjs's conv
 * attributes, and its WGSL uniforms. Shared by the Conv2D and filter-gradient kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { ProgramUniform } from './webgpu_program.ts';

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

/** WGSL uniform fields of a ConvGeometry, shared by the conv programs; convGeometryUniforms gives their values. */
export const CONV_GEOMETRY_UNIFORMS =
  'inH : i32, inW : i32, inC : i32, outH : i32, outW : i32, outC : i32, kH : i32, kW : i32, strideH : i32, strideW : i32, ' +
  'padTop : i32, padLeft : i32,';

/** The geometry's uniform values in CONV_GEOMETRY_UNIFORMS order, then `extra` (all i32). */
export function convGeometryUniforms(g: ConvGeometry, ...extra: number[]): ProgramUniform[] {
  return [g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft, ...extra]
    .map((v) => ({ type: 'int32' as const, data: [v] }));
}


export type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** The geometry of a conv call, or null for what our programs do not cover (NCHW, dilation). */
export function convGeometry(xShape: number[], filterShape: number[], attrs: ConvAttrs): ConvGeometry | null {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  if (info.dataFormat !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  return {
    batch: info.batchSize, inH: info.inHeight, inW: info.inWidth, inC: info.inChannels,
    outH: info.outHeight, outW: info.outWidth, outC: info.outChannels, kH: info.filterHeight, kW: info.filterWidth,
    strideH: info.strideHeight, strideW: info.strideWidth, padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
}
