/**
 * JPEG (JFIF/EXIF files, not DICOM-encapsulated streams): the frame header (SOFn, ITU-T T.81
 * B.2.2) gives size and precision before jpeg-js allocates; jpeg-js decodes baseline and
 * progressive 8-bit. 12-bit and lossless JPEG files outside DICOM are rare for X-rays and refused
 * with a message.
 */
import jpeg from 'jpeg-js';
import { checkDimensions, ImageDecodeError, type GrayImage, type ImageHeader } from './types.ts';

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
/** JPEG-LS (ITU-T T.87) frames: SOF55 beside the T.81 ones. */
export const JPEG_LS_SOF_MARKERS = new Set([...SOF_MARKERS, 0xf7]);

export interface JpegFrameHeader {
  width: number;
  height: number;
  precision: number;
  components: number;
  marker: number;
}

/** Walk marker segments up to the frame header; returns null when `bytes` ends first (read more). */
export function readJpegFrameHeader(bytes: Uint8Array, sofMarkers: ReadonlySet<number> = SOF_MARKERS): JpegFrameHeader | null {
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) throw new ImageDecodeError(`JPEG marker expected at byte ${i}; the file is corrupt`);
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (sofMarkers.has(marker)) {
      if (i + 10 > bytes.length) return null;
      return {
        marker,
        precision: bytes[i + 4],
        height: (bytes[i + 5] << 8) | bytes[i + 6],
        width: (bytes[i + 7] << 8) | bytes[i + 8],
        components: bytes[i + 9],
      };
    }
    if (marker === 0xda || marker === 0xd9) throw new ImageDecodeError('JPEG has no frame header before its image data; the file is corrupt');
    i += 2 + length;
  }
  return null;
}

export function readJpegHeader(bytes: Uint8Array): ImageHeader | null {
  const frame = readJpegFrameHeader(bytes);
  if (!frame) return null;
  return { format: 'jpeg', width: frame.width, height: frame.height, bitDepth: frame.precision, channels: frame.components };
}

/**
 * Refuses a file too small to hold the image its frame header declares, before a decoder allocates
 * for it: every MCU of the first scan costs at least one bit (T.81 Huffman codes are >= 1 bit) and
 * an MCU covers at most 32x32 pixels, so a few kB cannot be a 10,000 x 10,000 image.
 */
export function checkJpegSize(frame: JpegFrameHeader, fileBytes: number): void {
  const minBytes = Math.ceil((Math.ceil(frame.width / 32) * Math.ceil(frame.height / 32)) / 8);
  if (fileBytes < minBytes) {
    throw new ImageDecodeError(`JPEG of ${fileBytes} bytes cannot hold the ${frame.width}x${frame.height} image its header declares; the file is truncated or its header corrupt`);
  }
}

/** A complete JPEG ends with EOI (FFD9), possibly followed by padding. */
export function jpegTailComplete(tail: Uint8Array): boolean {
  for (let i = tail.length - 2; i >= Math.max(0, tail.length - 64); i--) {
    if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
  }
  return false;
}

export function decodeJpeg(bytes: Uint8Array): GrayImage {
  const frame = readJpegFrameHeader(bytes);
  if (!frame) throw new ImageDecodeError('JPEG ends before its frame header; the file is truncated');
  checkDimensions(frame.width, frame.height);
  checkJpegSize(frame, bytes.length);
  if (frame.precision !== 8 || ![0xc0, 0xc1, 0xc2].includes(frame.marker)) {
    throw new ImageDecodeError(
      `JPEG process SOF${frame.marker - 0xc0} with ${frame.precision}-bit samples is not supported outside DICOM; convert to PNG (16-bit keeps the precision)`,
    );
  }
  let decoded;
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: 100,
      maxMemoryUsageInMB: 1024,
    });
  } catch (err) {
    throw new ImageDecodeError(`JPEG data unreadable (${(err as Error).message ?? err}); the file is truncated or corrupt`);
  }
  const { width, height, data } = decoded;
  const channels = data.length / (width * height);
  const out = new Float32Array(width * height);
  if (channels === 1) {
    for (let i = 0; i < out.length; i++) out[i] = data[i] / 255;
  } else {
    for (let i = 0, j = 0; i < out.length; i++, j += channels) out[i] = (data[j] + data[j + 1] + data[j + 2]) / 765;
  }
  return { width, height, data: out, fromColour: frame.components >= 3 };
}
