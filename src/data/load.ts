/**
 * One sample from its files to training size: decode, resize, and the gaze map under the same
 * geometry. Used by preprocessing (cache.ts) and anything that needs a single sample.
 */
import { decodeImage, ImageDecodeError } from './decode/index.ts';
import { withTimeLimit } from './decode/types.ts';
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
 * null when the sample has no gaze. An image that cannot be read or decoded throws an error naming
 * the file and reason; a gaze heatmap that cannot leaves the image usable without gaze, its reason
 * in `gazeProblem`. The full-resolution decode is dropped before returning.
 */
export async function loadSample(
  _ds: Dataset,
  sample: Sample,
  entries: EntryLookup,
  size: number,
  options: LoadOptions = {},
): Promise<{ image: Float32Array; gaze: Float32Array | null; gazeProblem?: { file: string; error: string } }> {
  const imageEntry = lookup(entries, sample.imagePath);
  let decoded;
  try {
    decoded = await decodeImage(await withTimeLimit(imageEntry.read(), `reading ${sample.imagePath}`), sample.imagePath);
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
      map = await decodeImage(await withTimeLimit(lookup(entries, path).read(), `reading ${path}`), path);
    } catch (err) {
      return { image, gaze: null, gazeProblem: { file: path, error: `${(err as Error).message}; the image is used without gaze` } };
    }
    gaze = resizeGray(map.data, map.width, map.height, size, size);
    if (!minMaxNormalise(gaze)) gaze = null; // a flat heatmap carries no location
  } else if (sample.gaze?.kind === 'fixations') {
    gaze = renderFixations(sample.gaze, decoded.width, decoded.height, size, size, { sigmaPx: options.gazeSigmaPx });
    if (gaze && !minMaxNormalise(gaze)) gaze = null;
  }
  return { image, gaze };
}
