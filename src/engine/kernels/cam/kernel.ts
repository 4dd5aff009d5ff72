/**
 * The CAM as a webgpu kernel: GazecamCamMaps (fmap, weight) -> cam, the 1x1 conv of the feature map
 * with the classifier weights, and its gradient kernel. The weight is detached as in the seed
 * (fc.weight.detach()): the CAM sends no gradient into the classifier.
 */
import * as tf from '@tensorflow/tfjs';
import { CamBackwardProgram, CamForwardProgram } from './program.ts';
import { take, type KernelArgs, type KernelSet, type WebGPUBackendLike } from '../webgpu_program.ts';

export const CAM_MAPS = 'GazecamCamMaps';
export const CAM_MAPS_GRAD = 'GazecamCamMapsGrad';

function camMapsKernel({ inputs, backend }: KernelArgs) {
  const { fmap, weight } = take(inputs, 'fmap', 'weight');
  const program = new CamForwardProgram(fmap.shape, weight.shape[1]!);
  return (backend as WebGPUBackendLike).runWebGPUProgram(program, [fmap, weight], 'float32');
}

function camMapsGradKernel({ inputs, backend }: KernelArgs) {
  const { dy, weight } = take(inputs, 'dy', 'weight');
  const program = new CamBackwardProgram([...dy.shape.slice(0, 3), weight.shape[0]!]);
  return (backend as WebGPUBackendLike).runWebGPUProgram(program, [dy, weight], 'float32');
}

export const camKernels: KernelSet = {
  kernels: [
    { name: CAM_MAPS, func: camMapsKernel },
    { name: CAM_MAPS_GRAD, func: camMapsGradKernel },
  ],
  gradients: [
    {
      kernelName: CAM_MAPS,
      inputsToSave: ['fmap', 'weight'],
      gradFunc: (dy, saved) => {
        const [, weight] = saved;
        return {
          fmap: () => tf.engine().runKernel(CAM_MAPS_GRAD, { dy: dy as tf.Tensor, weight: weight! }) as tf.Tensor,
          weight: () => tf.zerosLike(weight!),
        };
      },
    },
  ],
};
