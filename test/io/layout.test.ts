import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  hwioShapeToOihw,
  hwioToOihw,
  nchwToNhwc,
  nhwcToNchw,
  oihwShapeToHwio,
  oihwToHwio,
  transpose2d,
  type Shape4,
} from '../../src/engine/io/index.ts';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('layout conversions (NCHW/OIHW <-> NHWC/HWIO)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('puts single elements where PyTorch expects them (worked by hand)', () => {
    // HWIO [kh=2, kw=1, in=1, out=2]: hwio[h][0][0][o] = 10*h + o  ->  OIHW [2,1,2,1]: oihw[o][0][h][0]
    const hwio = new Float32Array([0, 1, 10, 11]);
    expect(Array.from(hwioToOihw(hwio, [2, 1, 1, 2]))).toEqual([0, 10, 1, 11]);
    // NHWC [1, 1, 2, 3] (two pixels, three channels) -> NCHW [1,3,1,2]: channel-major
    expect(Array.from(nhwcToNchw(new Float32Array([1, 2, 3, 4, 5, 6]), [1, 1, 2, 3]))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(transpose2d(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]))).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('agrees with tf.transpose and inverts exactly', async () => {
    const shape: Shape4 = [3, 5, 4, 2];
    const data = iota(3 * 5 * 4 * 2);
    const t = tf.tensor4d(data, shape);
    expect(Array.from(nhwcToNchw(data, shape))).toEqual(Array.from(await tf.transpose(t, [0, 3, 1, 2]).data()));
    expect(Array.from(hwioToOihw(data, shape))).toEqual(Array.from(await tf.transpose(t, [3, 2, 0, 1]).data()));
    expect(Array.from(nchwToNhwc(nhwcToNchw(data, shape), [3, 2, 5, 4]))).toEqual(Array.from(data));
    expect(Array.from(oihwToHwio(hwioToOihw(data, shape), hwioShapeToOihw(shape)))).toEqual(Array.from(data));
    expect(oihwShapeToHwio(hwioShapeToOihw(shape))).toEqual(shape);
    expect(Array.from(transpose2d(transpose2d(iota(12), [3, 4]), [4, 3]))).toEqual(Array.from(iota(12)));
    t.dispose();
  });

  it('rejects data that does not fill the shape', () => {
    expect(() => nhwcToNchw(iota(5), [1, 2, 2, 2])).toThrow(/do not fill/);
    expect(() => transpose2d(iota(5), [2, 3])).toThrow(/do not fill/);
  });
});
