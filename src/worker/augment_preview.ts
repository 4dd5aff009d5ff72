/**
 * "Augmentation preview": one training image drawn several times as training would draw it, each
 * with its gaze map moved by the same transform. Computed by the augmentation's JavaScript
 * reference (the WGSL pass is tested equal to it), so a preview never competes with a training
 * step for the GPU; pictures leave as ImageBitmaps.
 */
import { loadSample } from '../data/index.ts';
import { augmentReference, Param } from '../engine/kernels/augment/reference.ts';
import { drawAugmentation, resolveConfig } from '../engine/train/index.ts';
import type { LoadedDataset } from './dataset.ts';
import { greyPicture, heatPicture, toBytes } from './heat_layers.ts';
import type { AugmentPreviewItem, TrainSettings } from './protocol.ts';

export async function renderAugmentPreview(loaded: LoadedDataset, settings: TrainSettings, count: number): Promise<{ id: string; items: AugmentPreviewItem[] }> {
  const config = resolveConfig({ ...settings });
  const samples = loaded.dataset.samples;
  const sample = samples.find((s) => s.split === 'train' && s.gaze) ?? samples.find((s) => s.split === 'train') ?? samples[0];
  if (!sample) throw new Error('The dataset has no images to preview.');
  const { image, gaze } = await loadSample(loaded.dataset, sample, loaded.entries, config.size, { gazeSigmaPx: config.gazeSigmaPx || undefined });
  const size = config.size;
  const gazeMap = gaze ?? new Float32Array(size * size);
  const mean = image.reduce((a, b) => a + b, 0) / image.length;
  const items: AugmentPreviewItem[] = [];
  for (let i = 0; i < count; i++) {
    // The draws of successive training steps; with augmentation off every copy is the original.
    const draw = drawAugmentation(config, 0, i, 1);
    if (draw) draw.params[Param.Pivot] = mean;
    const out = draw ? augmentReference(image, gazeMap, size, draw) : { images: image, gaze: gazeMap };
    items.push({
      size,
      image: await greyPicture(toBytes(out.images), size),
      gaze: gaze ? await heatPicture(toBytes(out.gaze), size) : null,
    });
  }
  return { id: sample.id, items };
}
