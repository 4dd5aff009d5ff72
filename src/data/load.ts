/**
 * One sample from its files to training size: decode, resize, and the gaze map under the same
 * geometry. Used by preprocessing (cache.ts) and anything that needs a single sample.
 */
import { decodeImage, ImageDecodeError } from './decode/index.ts';
import { renderFixations } from './gaze.ts';
import { minMaxNormalise, resizeGray } from './resize.ts';
import type { Dataset, DatasetEntry, Sample } from './types.ts';

export type EntryLookup = Map<string, DatasetEntry> | ((path: string) => DatasetEntry | undefined);

function lookup(entries: EntryLookup, path: string): DatasetEntry {
  const entry = typeof entries === 'function' ? entries(path) : entries.get(path);
  if (!entry) throw new ImageDecodeError(`${path}: file not found among the dataset's entries; was the folder changed after scanning? Scan it again`);
  return entry;
}

export interface LoadOptions {
  /** override every fixation's Gaussian sigma, in original image pixels */
  gazeSigmaPx?: number;
}

/**
 * Decode + preprocess one sample to `size x size`: the image as one channel in [0, 1] (before
 * mean/std) and the gaze map under exactly the same geometry, min-max normalised to [0, 1], or
 * null when the sample has no gaze. Decoding problems throw errors naming the file and reason.
 * The full-resolution decode is dropped before returning: only training-size arrays survive.
 */
export async function loadSample(
  _ds: Dataset,
  sample: Sample,
  entries: EntryLookup,
  size: number,
  options: LoadOptions = {},
): Promise<{ image: Float32Array; gaze: Float32Array | null }> {
  const imageEntry = lookup(entries, sample.imagePath);
  let decoded;
  try {
    decoded = await decodeImage(await imageEntry.read(), sample.imagePath);
  } catch (err) {
    throw new ImageDecodeError(`${sample.imagePath}: ${(err as Error).message}`);
  }
  const image = resizeGray(decoded.data, decoded.width, decoded.height, size, size);
  // Resampling weights sum to 1 only up to float rounding; keep the promised [0, 1].
  for (let i = 0; i < image.length; i++) image[i] = image[i] < 0 ? 0 : image[i] > 1 ? 1 : image[i];
  let gaze: Float32Array | null = null;
  if (sample.gaze?.kind === 'heatmap') {
    const path = sample.gaze.path;
    let map;
    try {
      map = await decodeImage(await lookup(entries, path).read(), path);
    } catch (err) {
      throw new ImageDecodeError(`${path}: ${(err as Error).message}`);
    }
    gaze = resizeGray(map.data, map.width, map.height, size, size);
    if (!minMaxNormalise(gaze)) gaze = null; // a flat heatmap carries no location
  } else if (sample.gaze?.kind === 'fixations') {
    gaze = renderFixations(sample.gaze, decoded.width, decoded.height, size, size, { sigmaPx: options.gazeSigmaPx });
    if (gaze && !minMaxNormalise(gaze)) gaze = null;
  }
  return { image, gaze };
}
