/**
 * One entry point per job: `probeImage` reads only what it must (head and tail slices) to learn
 * the size and catch truncation and absurd dimensions; `decodeImage` decodes a whole file to one
 * channel in [0, 1]. Formats are recognised by their bytes, not their extension.
 */
import type { DatasetEntry } from '../types.ts';
import { decodeDicom, dicomTailComplete, inflateDeflatedDicom, isDicom, metaTransferSyntax, readDicomHeader, TRANSFER_SYNTAX, unsupportedSyntaxMessage } from './dicom.ts';
import { decodeJpeg, isJpeg, jpegTailComplete, readJpegHeader } from './jpeg.ts';
import { decodePng, isPng, pngTailComplete, readPngHeader } from './png.ts';
import { checkDimensions, ImageDecodeError, withTimeLimit, type GrayImage, type ImageHeader } from './types.ts';

export { ImageDecodeError, IMAGE_LIMITS, withTimeLimit, type GrayImage, type ImageHeader } from './types.ts';
export { configureCodecs, loadedCodecBuilds } from './codecs.ts';

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 64;

/** A file read, with a failure turned into a reason (permissions, a file gone since the listing). */
async function readOrExplain(read: () => Promise<Uint8Array>): Promise<Uint8Array> {
  try {
    return await read();
  } catch (err) {
    const e = err as Error;
    // Adapters throw plain Errors that already say what to do; browsers throw DOMExceptions.
    throw new ImageDecodeError(e?.constructor === Error ? e.message : `the file could not be read (${e?.name}: ${e?.message}); it may have been moved or changed since it was picked. Pick the folder again`);
  }
}

async function readRange(entry: DatasetEntry, start: number, end: number, whole?: Uint8Array): Promise<Uint8Array> {
  if (whole) return whole.subarray(start, Math.min(end, whole.length));
  if (entry.slice) return readOrExplain(() => entry.slice!(start, end));
  return (await readOrExplain(() => entry.read())).subarray(start, end);
}

/**
 * Our decoders refuse bad input with ImageDecodeError; anything else escaping them is a bug in a
 * reader, and is reported as one rather than posing as a verdict on the file.
 */
async function explained<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    const e = err as Error | undefined;
    throw new ImageDecodeError(`internal error while reading this file (${e?.name ?? 'Error'}: ${e?.message ?? String(err)}); please report it, with the file if you can share it`);
  }
}

export function sniffFormat(head: Uint8Array, path = ''): 'png' | 'jpeg' | 'dicom' | undefined {
  if (isPng(head)) return 'png';
  if (isJpeg(head)) return 'jpeg';
  if (isDicom(head)) return 'dicom';
  // Part 10 files need the preamble; a bare dataset is only guessed from its extension.
  if (/\.dcm$/i.test(path) && head.length >= 8 && head[0] === 0x08 && head[1] === 0x00) return 'dicom';
  return undefined;
}

/**
 * Header and completeness check without a full read when the entry supports slices. Throws
 * ImageDecodeError with the reason (not an image, truncated, absurd dimensions, unsupported, or
 * over the per-file time limit).
 */
export function probeImage(entry: DatasetEntry): Promise<ImageHeader> {
  return withTimeLimit(explained(probeImageUnlimited(entry)), 'reading the image header');
}

async function probeImageUnlimited(entry: DatasetEntry): Promise<ImageHeader> {
  // Small files are read whole: one read beats three slices.
  const whole = !entry.slice || entry.size <= HEAD_BYTES ? await readOrExplain(() => entry.read()) : undefined;
  let head = await readRange(entry, 0, HEAD_BYTES, whole);
  const format = sniffFormat(head, entry.path);
  if (!format) throw new ImageDecodeError('not a PNG, JPEG or DICOM file (unrecognised content); remove it or convert it');
  const tail = await readRange(entry, Math.max(0, entry.size - TAIL_BYTES), entry.size, whole);
  let header: ImageHeader | null;
  if (format === 'png') {
    header = readPngHeader(head);
    checkDimensions(header.width, header.height);
    if (!pngTailComplete(tail)) throw new ImageDecodeError('PNG has no IEND chunk at its end; the file is truncated, copy or export it again');
  } else if (format === 'jpeg') {
    header = readJpegHeader(head);
    if (!header && head.length < entry.size) {
      head = whole ?? (await readOrExplain(() => entry.read()));
      header = readJpegHeader(head);
    }
    if (!header) throw new ImageDecodeError('JPEG ends before its frame header; the file is truncated');
    checkDimensions(header.width, header.height);
    if (!jpegTailComplete(tail)) throw new ImageDecodeError('JPEG has no end-of-image marker; the file is truncated, copy or export it again');
  } else if (isDicom(head) && metaTransferSyntax(head) === TRANSFER_SYNTAX.deflated) {
    // One deflate stream: no header without inflating, no trailer to check but the stream's own end.
    const full = await inflateDeflatedDicom(whole ?? (await readOrExplain(() => entry.read())));
    const dicom = readDicomHeader(full, true)!;
    header = dicom;
    checkDimensions(dicom.width, dicom.height);
    if (!dicomTailComplete(dicom, full.length, full.subarray(Math.max(0, full.length - TAIL_BYTES)))) throw new ImageDecodeError('DICOM pixel data ends early; the file is truncated, copy or export it again');
  } else {
    let dicom = readDicomHeader(head, head.length >= entry.size);
    if (!dicom) {
      head = whole ?? (await readOrExplain(() => entry.read())); // long private headers: fall back to the whole file
      dicom = readDicomHeader(head, true)!;
    }
    header = dicom;
    checkDimensions(dicom.width, dicom.height);
    const unsupported = unsupportedSyntaxMessage(dicom.transferSyntax!);
    if (unsupported) throw new ImageDecodeError(unsupported);
    if (!dicomTailComplete(dicom, entry.size, tail)) throw new ImageDecodeError('DICOM pixel data ends early; the file is truncated, copy or export it again');
  }
  return header;
}

export function decodeImage(bytes: Uint8Array, path = ''): Promise<GrayImage> {
  return withTimeLimit(explained(decodeImageUnlimited(bytes, path)), 'decoding the image');
}

async function decodeImageUnlimited(bytes: Uint8Array, path: string): Promise<GrayImage> {
  const format = sniffFormat(bytes, path);
  if (format === 'png') return decodePng(bytes);
  if (format === 'jpeg') return decodeJpeg(bytes);
  if (format === 'dicom') return decodeDicom(bytes);
  throw new ImageDecodeError('not a PNG, JPEG or DICOM file (unrecognised content); remove it or convert it');
}
