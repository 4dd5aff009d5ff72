/** A batch's augmented input tensors: the WGSL pass on webgpu, the JavaScript reference elsewhere. */
import * as tf from '@tensorflow/tfjs';
import { prepareKernels } from '../registry.ts';
import { AUGMENT } from './kernel.ts';
import { augmentReference, AUGMENT_PARAMS, type AugmentDraw } from './reference.ts';

/** images and gaze [B, size, size] in [0, 1] -> augmented [B, size, size, 1] tensors. */
export function augmentToTensors(images: Float32Array, gaze: Float32Array, size: number, draw: AugmentDraw): { images: tf.Tensor4D; gaze: tf.Tensor4D } {
  const count = images.length / (size * size);
  const shape: [number, number, number, number] = [count, size, size, 1];
  if (!prepareKernels()) {
    const out = augmentReference(images, gaze, size, draw);
    return { images: tf.tensor4d(out.images, shape), gaze: tf.tensor4d(out.gaze, shape) };
  }
  return tf.tidy(() => {
    const [augImages, augGaze] = tf.engine().runKernel(
      AUGMENT,
      { images: tf.tensor4d(images, shape), gaze: tf.tensor4d(gaze, shape), params: tf.tensor2d(draw.params, [count, AUGMENT_PARAMS]) },
      { noiseStd: draw.noiseStd, noiseSeed: draw.noiseSeed },
    ) as tf.Tensor4D[];
    return { images: augImages!, gaze: augGaze! };
  });
}
