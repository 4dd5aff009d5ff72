/**
 * Thumbnails for the dataset grid: each sample decoded and resized by src/data exactly as training
 * will see it (same geometry for image and gaze), composed into the pictures the UI draws
 * (heat_layers.ts) and sent as ImageBitmaps. A sample that fails to decode becomes an error
 * thumbnail, never a failed page.
 */
import { loadSample } from '../data/index.ts';
import type { LoadedDataset } from './dataset.ts';
import { greyPicture, heatPicture, toBytes } from './heat_layers.ts';
import type { Thumbnail } from './protocol.ts';

export async function renderThumbnails(ds: LoadedDataset, indices: number[], size: number): Promise<Thumbnail[]> {
  const out: Thumbnail[] = [];
  for (const index of indices) {
    const sample = ds.dataset.samples[index];
    if (!sample) {
      out.push({ index, error: `no sample ${index} (the dataset has ${ds.dataset.samples.length})` });
      continue;
    }
    try {
      const { image, gaze } = await loadSample(ds.dataset, sample, ds.entries, size);
      out.push({
        index,
        size,
        image: await greyPicture(toBytes(image), size),
        gaze: gaze && (await heatPicture(toBytes(gaze), size)),
      });
    } catch (err) {
      out.push({ index, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}
