/**
 * Resumable checkpoints: every model state entry (tfjs layouts, `model.<torchvision name>`), the
 * optimizer's slots (`optim.<slot>.<name>`) and the loop position, in one safetensors file whose
 * metadata holds the config and history. Data order is a function of (seed, epoch), so the loop
 * position is all the RNG state there is: resuming replays the uninterrupted run exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { f32Tensor, i64Tensor, parseSafetensors, serializeSafetensors, toFloat32, toIntegers } from '../io/safetensors.ts';
import type { SafetensorsTensor } from '../io/safetensors.ts';
import type { ResNet } from '../model/index.ts';
import { resolveConfig, type TrainConfig } from './config.ts';
import type { Optimizer } from './optimizer.ts';
import type { EpochRecord } from './loop.ts';

export const CHECKPOINT_FORMAT = 'gazecam-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointPosition {
  /** completed epochs */
  epoch: number;
  /** completed steps within the current epoch */
  stepInEpoch: number;
  globalStep: number;
}

export interface CheckpointMeta extends CheckpointPosition {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  config: TrainConfig;
  classNames: string[];
  optimizerStep: number;
  history: EpochRecord[];
}

/**
 * A model state entry holds NaN or Inf. Thrown by saveCheckpoint: a checkpoint is what a diverged
 * run falls back to, so it must never hold the divergence itself.
 */
export class NonFiniteStateError extends Error {
  override name = 'NonFiniteStateError';
  constructor(readonly entryName: string) {
    super(`${entryName} holds NaN or Inf values: not written to a checkpoint.`);
  }
}

export async function saveCheckpoint(model: ResNet, optimizer: Optimizer, meta: Omit<CheckpointMeta, 'format' | 'version' | 'optimizerStep'>): Promise<Uint8Array> {
  const tensors: Array<[string, SafetensorsTensor]> = [];
  for (const entry of model.stateEntries()) {
    if (entry.kind === 'counter') tensors.push([`model.${entry.spec.name}`, i64Tensor([], [entry.value])]);
    else {
      const values = (await entry.variable.data()) as Float32Array;
      // The loop checks losses, but those were computed before the last update: the weights that
      // update wrote are only seen here, where they are on the CPU anyway.
      if (!values.every(Number.isFinite)) throw new NonFiniteStateError(entry.spec.name);
      tensors.push([`model.${entry.spec.name}`, f32Tensor(entry.variable.shape, values)]);
    }
  }
  for (const [key, v] of optimizer.state.slots) tensors.push([`optim.${key}`, f32Tensor(v.shape, (await v.data()) as Float32Array)]);
  const full: CheckpointMeta = { ...meta, format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, optimizerStep: optimizer.state.step };
  return serializeSafetensors(tensors, { gazecam: JSON.stringify(full) });
}

export function readCheckpointMeta(bytes: Uint8Array): CheckpointMeta {
  const file = parseSafetensors(bytes);
  const raw = file.metadata.gazecam;
  if (!raw) throw new Error('Not a GazeCAM checkpoint: the safetensors metadata has no "gazecam" entry.');
  const meta = JSON.parse(raw) as CheckpointMeta;
  if (meta.format !== CHECKPOINT_FORMAT || meta.version > CHECKPOINT_VERSION) {
    throw new Error(`Unsupported checkpoint format ${meta.format} v${meta.version}; this build reads v${CHECKPOINT_VERSION}.`);
  }
  // Fields added since the checkpoint was written take their defaults (their neutral values).
  return { ...meta, config: resolveConfig(meta.config) };
}

/** Restores model and optimizer in place; returns the metadata (position, config, history). */
export function restoreCheckpoint(bytes: Uint8Array, model: ResNet, optimizer: Optimizer): CheckpointMeta {
  const meta = readCheckpointMeta(bytes);
  const { tensors } = parseSafetensors(bytes);
  const missing: string[] = [];
  for (const entry of model.stateEntries()) {
    const t = tensors.get(`model.${entry.spec.name}`);
    if (!t) {
      missing.push(entry.spec.name);
      continue;
    }
    if (entry.kind === 'counter') model.setNumBatchesTracked(entry.spec.name, toIntegers(t)[0]);
    else {
      const value = tf.tensor(toFloat32(t), entry.variable.shape, 'float32');
      entry.variable.assign(value);
      value.dispose();
    }
  }
  if (missing.length) {
    throw new Error(`Checkpoint does not match the model (${model.config.arch}): missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}.`);
  }
  optimizer.dispose();
  for (const [name, t] of tensors) {
    if (!name.startsWith('optim.')) continue;
    const key = name.slice('optim.'.length);
    const initial = tf.tensor(toFloat32(t), t.shape, 'float32');
    optimizer.state.slots.set(key, tf.variable(initial, false));
    initial.dispose();
  }
  optimizer.state.step = meta.optimizerStep;
  return meta;
}
