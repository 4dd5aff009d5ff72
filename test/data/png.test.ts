import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decode as fastPngDecode, encode as encodePng } from 'fast-png';
import { decodeImage } from '../../src/data/index.ts';

/** A PNG with a different filter on every line (encoders in the repo only write filter 0). */
function pngWithAllFilters(width: number, height: number, depth: 8 | 16, channels: 1 | 2 | 3 | 4, samples: Uint8Array | Uint16Array): Uint8Array {
  const bps = depth / 8;
  const bpp = channels * bps;
  const stride = width * bpp;
  const raw = new Uint8Array(height * stride);
  for (let i = 0; i < samples.length; i++) {
    if (bps === 2) {
      raw[2 * i] = samples[i] >> 8;
      raw[2 * i + 1] = samples[i] & 0xff;
    } else raw[i] = samples[i];
  }
  const filtered = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = y % 5;
    filtered[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * stride + i];
      const a = i >= bpp ? raw[y * stride + i - bpp] : 0;
      const b = y > 0 ? raw[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= bpp ? raw[(y - 1) * stride + i - bpp] : 0;
      const p = a + b - c;
      const pred = [0, a, b, (a + b) >> 1, Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c][f];
      filtered[y * (stride + 1) + 1 + i] = (x - pred) & 0xff;
    }
  }
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    new DataView(out.buffer).setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    return out; // CRC left zero: our decoder does not check it, fast-png is not used on this path
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([depth, { 1: 0, 2: 4, 3: 2, 4: 6 }[channels]!, 0, 0, 0], 8);
  const compressed = deflateSync(filtered);
  // Split IDAT in two to exercise concatenation.
  const half = Math.floor(compressed.length / 2);
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', compressed.subarray(0, half)), chunk('IDAT', compressed.subarray(half)), chunk('IEND', new Uint8Array(0))];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const png = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    png.set(p, o);
    o += p.length;
  }
  return png;
}

describe('PNG fast path (native inflate + unfilter)', () => {
  for (const [depth, channels] of [[8, 1], [16, 1], [8, 3], [16, 4], [8, 2]] as const) {
    it(`${depth}-bit, ${channels} channel(s), all five filters`, async () => {
      const w = 13;
      const h = 11;
      const max = depth === 16 ? 65535 : 255;
      const samples = (depth === 16 ? new Uint16Array(w * h * channels) : new Uint8Array(w * h * channels)).map((_, i) => (i * 2654435761) % (max + 1));
      const img = await decodeImage(pngWithAllFilters(w, h, depth, channels, samples));
      for (let p = 0; p < w * h; p++) {
        const s = samples;
        const expected = channels >= 3 ? (s[p * channels] + s[p * channels + 1] + s[p * channels + 2]) / (3 * max) : s[p * channels] / max;
        expect(img.data[p]).toBeCloseTo(expected, 5);
      }
    });
  }

  it('agrees with fast-png on an encoded radiograph-like image', async () => {
    const w = 64;
    const h = 48;
    const data = new Uint16Array(w * h).map((_, i) => ((i % w) * 900 + Math.floor(i / w) * 300) % 65536);
    const bytes = encodePng({ width: w, height: h, data, depth: 16, channels: 1 });
    const ours = await decodeImage(bytes);
    const ref = fastPngDecode(bytes).data as Uint16Array;
    for (let i = 0; i < w * h; i++) expect(ours.data[i]).toBeCloseTo(ref[i] / 65535, 6);
  });

  it('a PNG cut inside its image data is reported as truncated', async () => {
    const bytes = encodePng({ width: 64, height: 64, data: new Uint8Array(4096).map((_, i) => i * 7), depth: 8, channels: 1 });
    await expect(decodeImage(bytes.subarray(0, bytes.length - 30))).rejects.toThrow(/truncated/);
  });
});
