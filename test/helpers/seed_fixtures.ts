/** Loads test/fixtures/seed_cams.json (made by python -m gazecam_torch.seed_fixtures from the seed's PyTorch). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

export interface StoredArray {
  shape: number[];
  b64: string;
}

export interface SeedCamCase {
  name: string;
  size: [number, number];
  fmap_nchw: StoredArray;
  fc_weight_kc: StoredArray;
  cam_nchw: StoredArray;
  cams_nchw: StoredArray;
  sigmoid_cams_nchw: StoredArray;
  upstream_sigmoid_nchw: StoredArray;
  upstream_cams_nchw: StoredArray;
  grad_fmap_sigmoid_only_nchw: StoredArray;
  grad_fmap_both_nchw: StoredArray;
}

export function loadSeedCamCases(): SeedCamCase[] {
  const path = fileURLToPath(new URL('../fixtures/seed_cams.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')).cases;
}

export function decodeF32(stored: StoredArray): Float32Array {
  const bytes = Buffer.from(stored.b64, 'base64');
  // Copy into an aligned buffer: Buffer slices may start at odd offsets.
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  return new Float32Array(aligned.buffer);
}

export function tensorOf(stored: StoredArray): tf.Tensor {
  return tf.tensor(decodeF32(stored), stored.shape, 'float32');
}
