/** Backend choice for CLI commands: WebGPU through Dawn by default, tfjs cpu as the fallback. */
import * as tf from '@tensorflow/tfjs';
import { initNodeWebGPU, type AdapterInfo } from './webgpu.ts';

export const BACKEND_CHOICES = ['webgpu', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export async function selectBackend(name: BackendChoice): Promise<AdapterInfo> {
  if (name === 'webgpu') return initNodeWebGPU();
  await tf.setBackend('cpu');
  await tf.ready();
  return { vendor: 'cpu', architecture: 'tfjs-cpu', description: 'tfjs cpu backend (no GPU)', device: '' };
}
