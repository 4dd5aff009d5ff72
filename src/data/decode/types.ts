/** The small interfaces every decoder sits behind: read a header cheaply, decode to one channel. */

export type ImageFormat = 'png' | 'jpeg' | 'dicom';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** bits per sample as stored (PNG 1-16, JPEG 8/12, DICOM BitsStored) */
  bitDepth: number;
  /** samples per pixel as stored; 3 or 4 means colour, converted to luminance on decode */
  channels: number;
  /** DICOM only */
  transferSyntax?: string;
  photometric?: string;
}

/** One channel, row-major, values in [0, 1] (8-bit /255, 16-bit /65535, DICOM windowed). */
export interface GrayImage {
  width: number;
  height: number;
  data: Float32Array;
  /** the source had colour channels that were averaged to luminance */
  fromColour: boolean;
}

/** A decoder refuses with this; the message says what is wrong and what to do. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

/**
 * Dimensions refused before any pixel buffer is allocated. The largest chest radiographs are
 * about 4,300 x 4,300 (43 cm detectors at 0.1 mm); 16,384 per side and 100 Mpx leave room for
 * scanned films while stopping a corrupt or hostile header that claims 65,535 x 65,535 (17 GB as
 * float32) from taking the tab or the process down.
 */
export const IMAGE_LIMITS = {
  maxSide: 16_384,
  maxPixels: 100_000_000,
  /** Reading plus decoding one file. A read that never finishes (a stalled network share) or a
   * codec stuck on a corrupt file is reported instead of stalling the scan or the training. */
  perFileMs: 60_000,
};

/**
 * `work`, or an ImageDecodeError once `ms` have passed. The work itself cannot be cancelled
 * (reads and codecs have no abort); what it returns later is dropped.
 */
export function withTimeLimit<T>(work: Promise<T>, what: string, ms = IMAGE_LIMITS.perFileMs): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ImageDecodeError(`${what} took longer than ${ms / 1000} s, the per-file limit; file skipped. A stalled disk or network share? Copy the dataset to a local disk and scan again`)),
      ms,
    );
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

export function checkDimensions(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ImageDecodeError(`invalid dimensions ${width}x${height} in the header; the file is corrupt, re-export it`);
  }
  if (width > IMAGE_LIMITS.maxSide || height > IMAGE_LIMITS.maxSide || width * height > IMAGE_LIMITS.maxPixels) {
    throw new ImageDecodeError(
      `absurd dimensions ${width}x${height} (limit ${IMAGE_LIMITS.maxSide} per side, ${IMAGE_LIMITS.maxPixels / 1e6} Mpx); refused before decoding. Downsample the image or check the file is not corrupt`,
    );
  }
}
