/**
 * WGSL programs for the CAM: a 1x1 convolution of the feature map with the FC weight.
 * Forward: cam[p, k] = sum_c fmap[p, c] * weight[c, k] for every pixel p of [B,h,w].
 * Backward: dFmap[p, c] = sum_k dCam[p, k] * weight[c, k]. The weight gets no gradient (the seed's
 * `.detach()`), so there is no program for it.
 */
import { ElementwiseProgram } from '../webgpu_program.ts';

export class CamForwardProgram extends ElementwiseProgram {
  shaderKey = 'gazecam_cam_forward';
  variableNames = ['fmap', 'weight'];

  constructor(fmapShape: number[], numClasses: number) {
    super([...fmapShape.slice(0, 3), numClasses]);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let numClasses = uniforms.outShape[3];
        let channels = uniforms.fmapShape[3];
        let k = index % numClasses;
        let fmapBase = (index / numClasses) * channels;
        var acc = 0.0;
        for (var c = 0; c < channels; c++) {
          acc = acc + fmap[fmapBase + c] * weight[c * numClasses + k];
        }
        setOutputAtIndex(index, acc);
      }`;
  }
}

export class CamBackwardProgram extends ElementwiseProgram {
  shaderKey = 'gazecam_cam_backward';
  variableNames = ['dy', 'weight'];

  constructor(fmapShape: number[]) {
    super(fmapShape);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let channels = uniforms.outShape[3];
        let numClasses = uniforms.dyShape[3];
        let c = index % channels;
        let dyBase = (index / channels) * numClasses;
        var acc = 0.0;
        for (var k = 0; k < numClasses; k++) {
          acc = acc + dy[dyBase + k] * weight[c * numClasses + k];
        }
        setOutputAtIndex(index, acc);
      }`;
  }
}
