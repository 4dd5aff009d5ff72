/**
 * Seeded, backend-independent initialisation in torchvision's style. Values are drawn in JS (not
 * with tf.random*), so the same seed gives bit-identical weights on cpu and webgpu, in the browser
 * and in Node.
 *
 * torchvision's ResNet.__init__: convs `kaiming_normal_(mode="fan_out", nonlinearity="relu")`
 * (std = sqrt(2 / (out_channels * k * k))), BN weight 1 and bias 0, and nn.Linear's default
 * (weight and bias uniform in +-1/sqrt(fan_in)). We reproduce the distributions, not PyTorch's
 * random stream.
 */

import { mulberry32 } from '../../util/rng.ts'; // one seeded stream for weights, splits and demo

/** A per-tensor seed from the model seed and the parameter name, so adding a head or changing
 *  the class count leaves every other tensor's values unchanged. */
export function seedFor(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0; // FNV-1a over the name, keyed by the seed
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function normalArray(size: number, std: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    // Box-Muller; 1 - u keeps log() away from 0.
    const r = Math.sqrt(-2 * Math.log(1 - rand())) * std;
    const theta = 2 * Math.PI * rand();
    out[i] = r * Math.cos(theta);
    if (i + 1 < size) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

export function uniformArray(size: number, bound: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rand() - 1) * bound;
  return out;
}

/** kaiming_normal_(mode='fan_out', nonlinearity='relu') for a conv with `outChannels` and a k x k kernel. */
export function kaimingNormalFanOut(size: number, outChannels: number, kernel: number, seed: number): Float32Array {
  return normalArray(size, Math.sqrt(2 / (outChannels * kernel * kernel)), seed);
}
