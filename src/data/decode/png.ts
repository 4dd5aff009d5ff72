/**
 * PNG: the header comes straight from IHDR (bytes 16-25, PNG spec section 11.2.2), so dimensions
 * are checked before fast-png allocates anything; decoding keeps 16-bit samples at full precision.
 */
import { decode as decodePngPixels, convertIndexedToRgb } from 'fast-png';
import { hasNativeInflate, inflateZlib } from './inflate.ts';
import { checkDimensions, ImageDecodeError, type GrayImage, type ImageHeader } from './types.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS_BY_COLOUR_TYPE: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

export function isPng(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

export function readPngHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < 26 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
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

/**
 * The common radiograph case (8/16-bit, gray or RGB(A), not interlaced) is decoded here with the
 * platform's native inflate and a direct unfilter-to-float pass; everything else (palette,
 * sub-byte depths, Adam7) goes through fast-png.
 */
export async function decodePng(bytes: Uint8Array): Promise<GrayImage> {
  const header = readPngHeader(bytes);
  checkDimensions(header.width, header.height);
  const interlaced = bytes[28] === 1;
  const colourType = bytes[25];
  if (hasNativeInflate && !interlaced && (header.bitDepth === 8 || header.bitDepth === 16) && colourType !== 3) {
    return decodePngFast(bytes, header, colourType);
  }
  return decodePngGeneric(bytes);
}

async function decodePngFast(bytes: Uint8Array, header: ImageHeader, colourType: number): Promise<GrayImage> {
  const { width, height, bitDepth } = header;
  const samplesPerPixel = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let total = 0;
  let sawEnd = false;
  for (let i = 8; i + 8 <= bytes.length; ) {
    const length = view.getUint32(i);
    const type = String.fromCharCode(bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]);
    if (i + 12 + length > bytes.length) throw new ImageDecodeError(`PNG chunk ${type} runs past the end of the file; the file is truncated, re-export it`);
    if (type === 'IDAT') {
      idat.push(bytes.subarray(i + 8, i + 8 + length));
      total += length;
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    i += 12 + length;
  }
  if (!sawEnd || idat.length === 0) throw new ImageDecodeError('PNG image data (IDAT/IEND) missing; the file is truncated, re-export it');
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
    raw = await inflateZlib(compressed);
  } catch (err) {
    throw new ImageDecodeError(`PNG data unreadable (${(err as Error).message}); the file is truncated or corrupt, re-export it`);
  }
  const bytesPerSample = bitDepth / 8;
  const bpp = samplesPerPixel * bytesPerSample;
  const stride = width * bpp;
  if (raw.length < height * (stride + 1)) throw new ImageDecodeError('PNG pixel data is shorter than its header says; the file is truncated, re-export it');
  const out = new Float32Array(width * height);
  let prev = new Uint8Array(stride);
  let line = new Uint8Array(stride);
  const scale = 1 / ((1 << bitDepth) - 1);
  const colour = samplesPerPixel >= 3;
  for (let y = 0; y < height; y++) {
    const at = y * (stride + 1);
    const filter = raw[at];
    const src = raw.subarray(at + 1, at + 1 + stride);
    unfilter(filter, src, prev, line, bpp, y);
    const row = y * width;
    if (bytesPerSample === 2) {
      for (let x = 0, j = 0; x < width; x++, j += bpp) {
        out[row + x] = colour
          ? (((line[j] << 8) | line[j + 1]) + ((line[j + 2] << 8) | line[j + 3]) + ((line[j + 4] << 8) | line[j + 5])) * (scale / 3)
          : ((line[j] << 8) | line[j + 1]) * scale;
      }
    } else {
      for (let x = 0, j = 0; x < width; x++, j += bpp) out[row + x] = colour ? (line[j] + line[j + 1] + line[j + 2]) * (scale / 3) : line[j] * scale;
    }
    const t = prev;
    prev = line;
    line = t;
  }
  return { width, height, data: out, fromColour: colour };
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

function decodePngGeneric(bytes: Uint8Array): GrayImage {
  const header = readPngHeader(bytes);
  checkDimensions(header.width, header.height);
  let png;
  try {
    png = decodePngPixels(bytes);
  } catch (err) {
    throw new ImageDecodeError(`PNG data unreadable (${(err as Error).message}); the file is truncated or corrupt, re-export it`);
  }
  const { width, height } = png;
  let samples = png.data as Uint8Array | Uint16Array;
  let channels = png.channels;
  let depth = png.depth;
  if (png.palette) {
    samples = convertIndexedToRgb(png) as Uint8Array;
    channels = png.palette[0]?.length ?? 3;
    depth = 8;
  }
  if (samples.length < width * height * channels) {
    throw new ImageDecodeError('PNG pixel data is shorter than its header says; the file is truncated, re-export it');
  }
  const max = (1 << depth) - 1;
  const out = new Float32Array(width * height);
  const colour = channels >= 3;
  if (channels === 1) {
    const scale = 1 / max;
    for (let i = 0; i < out.length; i++) out[i] = samples[i] * scale;
  } else {
    // Alpha (channels 2 and 4) is ignored: a radiograph has no transparency to honour.
    const scale = colour ? 1 / (3 * max) : 1 / max;
    for (let i = 0, j = 0; i < out.length; i++, j += channels) {
      out[i] = colour ? (samples[j] + samples[j + 1] + samples[j + 2]) * scale : samples[j] * scale;
    }
  }
  return { width, height, data: out, fromColour: colour };
}
