/**
 * PNG: the header comes straight from IHDR (bytes 16-25, PNG spec section 11.2.2), so dimensions
 * are checked before anything is allocated. One decoder covers every layout the spec allows (bit
 * depths 1-16, grey, RGB, palette, alpha, Adam7): IDAT is inflated natively, never past the size
 * the header implies, then unfiltered line by line straight to float grey. 16-bit samples keep
 * their full precision. fast-png is not used here: its Adam7 path misreads sub-byte depths.
 */
import { hasNativeInflate, inflateZlib } from './inflate.ts';
import { checkDimensions, ImageDecodeError, type GrayImage, type ImageHeader } from './types.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS_BY_COLOUR_TYPE: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };
/** Samples per pixel as stored (a palette pixel is one index). */
const SAMPLES_BY_COLOUR_TYPE: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** PNG spec table 11.1: the bit depths each colour type allows. */
const DEPTHS_BY_COLOUR_TYPE: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7 passes: x0, y0, dx, dy (PNG spec section 8.2). */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export function isPng(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

export function readPngHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < 26 || String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) !== 'IHDR') {
    throw new ImageDecodeError('PNG header (IHDR) missing or cut short; the file is truncated or not a PNG');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = bytes[24];
  const colourType = bytes[25];
  const channels = CHANNELS_BY_COLOUR_TYPE[colourType];
  if (channels === undefined) throw new ImageDecodeError(`PNG colour type ${colourType} is not defined by the PNG spec; the file is corrupt`);
  return { format: 'png', width, height, bitDepth, channels: colourType === 4 ? 1 : channels };
}

/** A complete PNG ends with an IEND chunk; a cut-off download or copy does not. */
export function pngTailComplete(tail: Uint8Array): boolean {
  for (let i = tail.length - 8; i >= Math.max(0, tail.length - 64); i--) {
    if (tail[i] === 0x49 && tail[i + 1] === 0x45 && tail[i + 2] === 0x4e && tail[i + 3] === 0x44) return true;
  }
  return false;
}

interface Layout {
  width: number;
  height: number;
  depth: number;
  colourType: number;
  /** samples per pixel as stored */
  spp: number;
  /** bytes per complete pixel for the filters, at least 1 (spec section 9.2) */
  bpp: number;
}

const rowBytes = (pixels: number, l: Layout) => Math.ceil((pixels * l.spp * l.depth) / 8);

/** The passes as [x0, y0, dx, dy, width, height], empty ones dropped. */
function passesOf(l: Layout, interlaced: boolean): number[][] {
  if (!interlaced) return [[0, 0, 1, 1, l.width, l.height]];
  return ADAM7.map(([x0, y0, dx, dy]) => [x0, y0, dx, dy, Math.ceil((l.width - x0) / dx), Math.ceil((l.height - y0) / dy)]).filter((p) => p[4] > 0 && p[5] > 0);
}

export async function decodePng(bytes: Uint8Array): Promise<GrayImage> {
  const header = readPngHeader(bytes);
  const { width, height, bitDepth: depth } = header;
  checkDimensions(width, height);
  const colourType = bytes[25];
  if (!DEPTHS_BY_COLOUR_TYPE[colourType].includes(depth)) {
    throw new ImageDecodeError(`PNG bit depth ${depth} is not allowed with colour type ${colourType}; the file is corrupt`);
  }
  if (bytes[26] !== 0 || bytes[27] !== 0 || bytes[28] > 1) {
    throw new ImageDecodeError('PNG header names an unknown compression, filter or interlace method; the file is corrupt');
  }
  const interlaced = bytes[28] === 1;
  const spp = SAMPLES_BY_COLOUR_TYPE[colourType];
  const layout: Layout = { width, height, depth, colourType, spp, bpp: Math.max(1, (spp * depth) >> 3) };

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let total = 0;
  let palette: Uint8Array | undefined;
  let sawEnd = false;
  for (let i = 8; i + 8 <= bytes.length; ) {
    const length = view.getUint32(i);
    const type = String.fromCharCode(bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]);
    if (i + 12 + length > bytes.length) throw new ImageDecodeError(`PNG chunk ${type} runs past the end of the file; the file is truncated, re-export it`);
    if (type === 'IDAT') {
      idat.push(bytes.subarray(i + 8, i + 8 + length));
      total += length;
    } else if (type === 'PLTE') {
      palette = bytes.subarray(i + 8, i + 8 + length);
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    i += 12 + length;
  }
  if (!sawEnd || idat.length === 0) throw new ImageDecodeError('PNG image data (IDAT/IEND) missing; the file is truncated, re-export it');
  if (colourType === 3 && (!palette || palette.length === 0 || palette.length % 3 !== 0 || palette.length > 768)) {
    throw new ImageDecodeError('PNG palette (PLTE) missing or malformed; the file is corrupt, re-export it');
  }
  const passes = passesOf(layout, interlaced);
  const expected = passes.reduce((n, p) => n + p[5] * (1 + rowBytes(p[4], layout)), 0);
  if (!hasNativeInflate) throw new ImageDecodeError('this environment has no DecompressionStream to inflate PNG data; use a current browser or Node 18+');
  const compressed = idat.length === 1 ? idat[0] : new Uint8Array(total);
  if (idat.length > 1) {
    let o = 0;
    for (const part of idat) {
      compressed.set(part, o);
      o += part.length;
    }
  }
  let raw: Uint8Array;
  try {
    // Data past the last row is ignored, as libpng does; it is never held in memory.
    raw = await inflateZlib(compressed, 'deflate', { maxBytes: expected, beyond: 'stop' });
  } catch (err) {
    throw new ImageDecodeError(`PNG data unreadable (${(err as Error).message}); the file is truncated or corrupt, re-export it`);
  }
  if (raw.length < expected) throw new ImageDecodeError('PNG pixel data is shorter than its header says; the file is truncated, re-export it');

  const out = new Float32Array(width * height);
  const grey = greyOf(layout, palette);
  let at = 0;
  for (const [x0, y0, dx, dy, passWidth, passHeight] of passes) {
    const stride = rowBytes(passWidth, layout);
    let prev = new Uint8Array(stride);
    let line = new Uint8Array(stride);
    for (let y = 0; y < passHeight; y++) {
      unfilter(raw[at], raw.subarray(at + 1, at + 1 + stride), prev, line, layout.bpp, y);
      at += 1 + stride;
      grey(line, out, (y0 + y * dy) * width + x0, dx, passWidth);
      const t = prev;
      prev = line;
      line = t;
    }
  }
  return { width, height, data: out, fromColour: colourType === 2 || colourType === 6 || colourType === 3 };
}

/**
 * Writes one unfiltered line as grey values to `out`, starting at pixel `start` and stepping `step`
 * pixels (1, or the Adam7 pass's spacing). Alpha is ignored: a radiograph has no transparency to
 * honour; colour is averaged to luminance; palette indices past the palette read as black.
 */
function greyOf(l: Layout, palette?: Uint8Array): (line: Uint8Array, out: Float32Array, start: number, step: number, count: number) => void {
  const { depth, colourType, spp } = l;
  const max = depth === 16 ? 65535 : (1 << depth) - 1;
  if (colourType === 3) {
    const entries = palette!.length / 3;
    const lut = new Float32Array(256);
    for (let k = 0; k < entries; k++) lut[k] = (palette![3 * k] + palette![3 * k + 1] + palette![3 * k + 2]) / 765;
    return (line, out, start, step, count) => {
      for (let x = 0; x < count; x++) out[start + x * step] = lut[subByte(line, x, depth)];
    };
  }
  if (depth < 8) {
    return (line, out, start, step, count) => {
      for (let x = 0; x < count; x++) out[start + x * step] = subByte(line, x, depth) / max;
    };
  }
  const colour = colourType === 2 || colourType === 6;
  if (depth === 16) {
    const bpp = spp * 2;
    const scale = colour ? 1 / (3 * max) : 1 / max;
    return (line, out, start, step, count) => {
      for (let x = 0, j = 0; x < count; x++, j += bpp) {
        out[start + x * step] = colour
          ? (((line[j] << 8) | line[j + 1]) + ((line[j + 2] << 8) | line[j + 3]) + ((line[j + 4] << 8) | line[j + 5])) * scale
          : ((line[j] << 8) | line[j + 1]) * scale;
      }
    };
  }
  const scale = colour ? 1 / (3 * max) : 1 / max;
  return (line, out, start, step, count) => {
    for (let x = 0, j = 0; x < count; x++, j += spp) out[start + x * step] = colour ? (line[j] + line[j + 1] + line[j + 2]) * scale : line[j] * scale;
  };
}

/** Sample `x` of a line packed at 1, 2 or 4 bits (or 8), most significant bits first. */
function subByte(line: Uint8Array, x: number, depth: number): number {
  if (depth === 8) return line[x];
  const bit = x * depth;
  return (line[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

/** PNG spec section 9.2 filters; `prev` is the previous unfiltered line (zeros for the first). */
function unfilter(filter: number, src: Uint8Array, prev: Uint8Array, out: Uint8Array, bpp: number, y: number): void {
  const n = src.length;
  switch (filter) {
    case 0:
      out.set(src);
      return;
    case 1:
      for (let i = 0; i < n; i++) out[i] = (src[i] + (i >= bpp ? out[i - bpp] : 0)) & 0xff;
      return;
    case 2:
      for (let i = 0; i < n; i++) out[i] = (src[i] + prev[i]) & 0xff;
      return;
    case 3:
      for (let i = 0; i < n; i++) out[i] = (src[i] + (((i >= bpp ? out[i - bpp] : 0) + prev[i]) >> 1)) & 0xff;
      return;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? out[i - bpp] : 0;
        const b = prev[i];
        const c = i >= bpp ? prev[i - bpp] : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        out[i] = (src[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      throw new ImageDecodeError(`PNG line ${y} has filter type ${filter}, not 0-4; the file is corrupt`);
  }
}
