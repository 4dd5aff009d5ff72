/**
 * Every PNG layout the spec allows decodes to the grey values its pixels hold: each colour type at
 * each of its bit depths, plain and Adam7-interlaced, at a size that leaves partial bytes and
 * partial interlace passes. The PNGs are written by a minimal encoder that shares no code with the
 * decoder (filter 0, samples packed most significant bits first, PNG spec sections 7-8).
 */
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/data/index.ts';
import { mulberry32 } from '../../src/util/rng.ts';
import { pngChunk, rawPng } from '../helpers/png_writer.ts';

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED: [number, number[]][] = [
  [0, [1, 2, 4, 8, 16]],
  [2, [8, 16]],
  [3, [1, 2, 4, 8]],
  [4, [8, 16]],
  [6, [8, 16]],
];
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

function encode(width: number, height: number, colourType: number, depth: number, samples: number[], interlaced: boolean, palette?: number[][]): Uint8Array {
  const spp = SAMPLES[colourType];
  const raw: number[] = [];
  for (const [x0, y0, dx, dy] of interlaced ? ADAM7 : [[0, 0, 1, 1]]) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    for (let py = 0; py < ph; py++) {
      raw.push(0);
      let acc = 0;
      let bits = 0;
      for (let px = 0; px < pw; px++) {
        const p = (y0 + py * dy) * width + x0 + px * dx;
        for (let s = 0; s < spp; s++) {
          const v = samples[p * spp + s];
          if (depth === 16) raw.push(v >> 8, v & 0xff);
          else if (depth === 8) raw.push(v);
          else {
            acc = (acc << depth) | v;
            bits += depth;
            if (bits === 8) {
              raw.push(acc);
              acc = 0;
              bits = 0;
            }
          }
        }
      }
      if (bits > 0) raw.push(acc << (8 - bits));
    }
  }
  return rawPng(width, height, depth, colourType, Uint8Array.from(raw), { interlaced, palette });
}

describe('PNG layouts', () => {
  const width = 13;
  const height = 11;
  for (const [colourType, depths] of ALLOWED) {
    for (const depth of depths) {
      for (const interlaced of [false, true]) {
        it(`colour type ${colourType}, ${depth}-bit${interlaced ? ', Adam7' : ''}`, async () => {
          const rand = mulberry32(colourType * 100 + depth + (interlaced ? 7 : 0));
          const spp = SAMPLES[colourType];
          const max = 2 ** depth - 1;
          // A palette smaller than the index range: indices past it must read as black.
          const palette = colourType === 3 ? Array.from({ length: Math.max(1, Math.min(256, max + 1) - 1) }, () => [0, 0, 0].map(() => Math.floor(rand() * 256))) : undefined;
          const samples = Array.from({ length: width * height * spp }, () => Math.floor(rand() * (max + 1)));
          const img = await decodeImage(encode(width, height, colourType, depth, samples, interlaced, palette));
          expect([img.width, img.height]).toEqual([width, height]);
          for (let p = 0; p < width * height; p++) {
            const s = samples.slice(p * spp, (p + 1) * spp);
            const expected =
              colourType === 3 ? (palette![s[0]] ? (palette![s[0]][0] + palette![s[0]][1] + palette![s[0]][2]) / 765 : 0)
              : colourType === 2 || colourType === 6 ? (s[0] + s[1] + s[2]) / (3 * max)
              : s[0] / max;
            expect(img.data[p], `pixel ${p}`).toBeCloseTo(expected, 5);
          }
        });
      }
    }
  }

  it('a bit depth the colour type does not allow is refused as corrupt', async () => {
    const bytes = encode(4, 4, 2, 8, Array.from({ length: 48 }, () => 1), false);
    bytes[24] = 4; // RGB at 4 bits: not in the spec's table
    await expect(decodeImage(bytes)).rejects.toThrow(/bit depth 4 is not allowed with colour type 2/);
  });

  it('an interlaced PNG cut inside its image data is reported as truncated', async () => {
    const bytes = encode(40, 30, 0, 8, Array.from({ length: 1200 }, (_, i) => (i * 37) & 0xff), true);
    const idat = bytes.length - 12 - 12; // IEND is 12 bytes; drop the tail of IDAT and keep a valid chunk walk
    const cut = bytes.slice(0, idat);
    new DataView(cut.buffer).setUint32(33, idat - 33 - 12);
    const withEnd = new Uint8Array(cut.length + 12);
    withEnd.set(cut);
    withEnd.set(pngChunk('IEND', new Uint8Array(0)), cut.length);
    await expect(decodeImage(withEnd)).rejects.toThrow(/truncated/);
  });
});
