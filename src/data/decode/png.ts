/**
 * PNG: the header comes straight from IHDR (bytes 16-25, PNG spec section 11.2.2), so dimensions
 * are checked before fast-png allocates anything; decoding keeps 16-bit samples at full precision.
 */
import { decode as decodePngPixels, convertIndexedToRgb } from 'fast-png';
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

export function decodePng(bytes: Uint8Array): GrayImage {
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
