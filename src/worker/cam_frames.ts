/**
 * CAM overlay frames: a fixed set of validation images run through the model in inference mode,
 * their refined CAMs read back once and composed into pictures here (heat_layers.ts), so the UI
 * thread only draws. Called between training steps, so the model is not changing underneath. The
 * batch is padded to the training batch size: one shape for the whole run keeps the WebGPU buffer
 * pool from growing.
 */
import * as tf from '@tensorflow/tfjs';
import { camMaps, refineCams } from '../engine/index.ts';
import type { ResNet } from '../engine/model/index.ts';
import { disposeBatch, makeBatch, normaliseImages, type SplitData, type TrainConfig } from '../engine/train/index.ts';
import { greyPicture, heatPicture, toBytes } from './heat_layers.ts';
import type { CamFrameItem } from './protocol.ts';

/** Up to `count` validation images, round-robin over classes so every class is on screen. */
export function pickOverlaySamples(val: SplitData, numClasses: number, count: number): number[] {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < val.count; i++) if (val.labels[i]! >= 0) byClass[val.labels[i]!]!.push(i);
  const picked: number[] = [];
  for (let round = 0; picked.length < count && byClass.some((c) => c.length > round); round++) {
    for (const members of byClass) if (members[round] !== undefined && picked.length < count) picked.push(members[round]!);
  }
  return picked;
}

export async function renderCamFrame(
  model: ResNet,
  val: SplitData,
  indices: number[],
  config: TrainConfig,
  classNames: string[],
  batchSize: number,
): Promise<CamFrameItem[]> {
  const k = classNames.length;
  const size = config.size;
  const pixels = size * size;
  const padded = Array.from({ length: batchSize }, (_, i) => indices[Math.min(i, indices.length - 1)]!);
  const batch = makeBatch(val, padded, k);
  const [probsT, camsT] = tf.tidy(() => {
    const { logits, fmap } = model.forward(normaliseImages(batch.images, config.mean, config.std), { training: false });
    const { cams } = refineCams(camMaps(fmap, model.fcWeight()), [size, size]);
    return [tf.softmax(logits), cams];
  });
  disposeBatch(batch);
  // Sync point: one readback of probabilities and CAMs per frame.
  const [probs, cams] = (await Promise.all([probsT.data(), camsT.data()])) as Float32Array[];
  tf.dispose([probsT, camsT]);

  return Promise.all(
    indices.map(async (src, i) => {
      const camLayers: Promise<ImageBitmap>[] = [];
      for (let c = 0; c < k; c++) {
        const map = new Float32Array(pixels);
        for (let p = 0; p < pixels; p++) map[p] = cams![(i * pixels + p) * k + c]!;
        camLayers.push(heatPicture(toBytes(map), size));
      }
      const itemProbs = Array.from(probs!.subarray(i * k, (i + 1) * k));
      const gaze = val.hasGaze[src] ? val.gaze.subarray(src * pixels, (src + 1) * pixels) : null;
      return {
        valIndex: src,
        id: val.ids[src]!,
        label: classNames[val.labels[src]!] ?? '?',
        predicted: classNames[itemProbs.indexOf(Math.max(...itemProbs))] ?? '?',
        probs: itemProbs,
        size,
        image: await greyPicture(toBytes(val.images.subarray(src * pixels, (src + 1) * pixels), 65535), size),
        gaze: gaze && (await heatPicture(gaze, size)),
        cams: await Promise.all(camLayers),
      };
    }),
  );
}
