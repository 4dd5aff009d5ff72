/** `gazecam demo <dir>`: writes the built-in demo dataset (native layout) into a new or empty folder. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generateDemoDataset } from '../../data/demo.ts';
import { parseArgs, UsageError } from '../args.ts';

export const usage = `usage: gazecam demo <dir> [--count N] [--size PX] [--seed N] [--shortcut] [--heatmaps]

Writes a synthetic chest X-ray dataset with simulated radiologist gaze (classes normal, opacity,
nodule) in the native layout: images/<label>/<id>.png, gaze/<label>/<id>.csv, split.csv.

  --count N     images in total (default 300)
  --size PX     image side (default 128)
  --seed N      generator seed (default 0); the same seed gives the same files
  --shortcut    harder mode: a corner marker tracks the label in train but not in val/test
                (split.csv columns marker, conflict)
  --heatmaps    write gaze as heatmap PNGs instead of fixation CSVs
  --contrast X  scale the findings' contrast (default 1; lower is subtler)`;

export async function run(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, {
    count: { type: 'int' },
    size: { type: 'int' },
    seed: { type: 'int' },
    shortcut: { type: 'boolean' },
    heatmaps: { type: 'boolean' },
    contrast: { type: 'number' },
  });
  if (positional.length !== 1) throw new UsageError('expected exactly one output folder');
  const dir = positional[0];
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) {
    console.error(`gazecam demo: ${dir} is not empty; choose a new folder so nothing of yours is overwritten`);
    return 1;
  }
  const started = Date.now();
  let files;
  try {
    files = generateDemoDataset({
      count: flags.count as number | undefined,
      size: flags.size as number | undefined,
      seed: flags.seed as number | undefined,
      shortcut: Boolean(flags.shortcut),
      gaze: flags.heatmaps ? 'heatmap' : 'fixations',
      findingContrast: flags.contrast as number | undefined,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  for (const f of files) {
    const path = join(dir, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.bytes);
  }
  const images = files.filter((f) => f.path.startsWith('images/')).length;
  console.error(`gazecam demo: wrote ${images} images with gaze to ${dir} in ${Date.now() - started} ms`);
  return 0;
}
