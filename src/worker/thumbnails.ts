/**
 * Thumbnails for the dataset grid: each sample decoded and resized by src/data exactly as training
 * will see it (same geometry for image and gaze), quantised to bytes so a page of them is small to
 * post. A sample that fails to decode becomes an error thumbnail, never a failed page.
 */
import { loadSample } from '../data/index.ts';
import type { LoadedDataset } from './dataset.ts';
import type { Thumbnail } from './protocol.ts';

function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, values[i]!)) * 255);
  return out;
}

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
      out.push({ index, size, image: toBytes(image), gaze: gaze && toBytes(gaze) });
    } catch (err) {
      out.push({ index, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}
