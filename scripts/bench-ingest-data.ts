/**
 * The large-X-ray set both ingest benchmarks use: `distinct` different 2048x2048 16-bit PNGs
 * (12-bit content with quantum noise, like a detector's output), hard-linked up to `count` files
 * so that 10,000 images cost the disk only the distinct ones. Every read still decodes a whole
 * PNG; repeated files come from the page cache, so the figures measure decoding, not the disk.
 */
import { link, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { gaussian, mulberry32 } from '../src/util/rng.ts';

export function radiograph(seed: number, size: number): Uint16Array {
  const rand = mulberry32(seed);
  const out = new Uint16Array(size * size);
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const body = Math.hypot((x - c) / (0.45 * size), (y - c) / (0.55 * size)) < 1 ? 1 : 0;
      const lung = Math.min(Math.hypot((x - 0.33 * size) / (0.14 * size), (y - 0.45 * size) / (0.27 * size)), Math.hypot((x - 0.67 * size) / (0.14 * size), (y - 0.45 * size) / (0.27 * size))) < 1 ? 1 : 0;
      const signal = 300 + 2400 * body - 1300 * lung + 200 * Math.sin(y / (size / 28));
      out[y * size + x] = Math.max(0, Math.min(4095, Math.round(signal + 40 * gaussian(rand)))) << 4;
    }
  }
  return out;
}

/** Writes images/{normal,opacity}/*.png under root; returns the relative paths. */
export async function writeLargeDataset(root: string, count: number, distinct: number, size: number): Promise<string[]> {
  const paths: string[] = [];
  const sources: string[] = [];
  for (const label of ['normal', 'opacity']) await mkdir(join(root, 'images', label), { recursive: true });
  for (let k = 0; k < Math.min(distinct, count); k++) {
    const rel = `images/${k % 2 ? 'opacity' : 'normal'}/src-${k}.png`;
    await writeFile(join(root, rel), encodePng({ width: size, height: size, data: radiograph(k, size), depth: 16, channels: 1 }));
    sources.push(join(root, rel));
    paths.push(rel);
  }
  for (let i = sources.length; i < count; i++) {
    const rel = `images/${i % 2 ? 'opacity' : 'normal'}/img-${String(i).padStart(5, '0')}.png`;
    await link(sources[i % sources.length], join(root, rel));
    paths.push(rel);
  }
  return paths;
}
