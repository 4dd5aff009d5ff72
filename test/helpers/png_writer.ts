/**
 * A minimal PNG writer for tests: chunks with their CRC, written by hand so the layouts the
 * encoders do not offer (sub-byte grey, palettes, Adam7) can be made, with no code shared with the
 * decoder under test (PNG spec sections 5 and 11).
 */
import { deflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One PNG chunk: length, type, data and its CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A whole PNG from its filtered scanlines (each row led by its filter byte). */
export function rawPng(
  width: number,
  height: number,
  depth: number,
  colourType: number,
  scanlines: Uint8Array,
  options: { interlaced?: boolean; palette?: number[][] } = {},
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([depth, colourType, 0, 0, options.interlaced ? 1 : 0], 8);
  const parts = [SIGNATURE, pngChunk('IHDR', ihdr)];
  if (options.palette) parts.push(pngChunk('PLTE', Uint8Array.from(options.palette.flat())));
  parts.push(pngChunk('IDAT', deflateSync(scanlines)), pngChunk('IEND', new Uint8Array(0)));
  return concatBytes(parts);
}
