/**
 * DICOM (PS3.10 files) through dicom-parser, pixel data per transfer syntax (PS3.5 section 10 and
 * Annex A.4), and the grayscale pipeline of PS3.3 C.11: stored value -> Modality LUT (Rescale
 * Slope/Intercept) -> VOI LUT (Window Center/Width, LINEAR / LINEAR_EXACT / SIGMOID, C.11.2.1.2)
 * -> MONOCHROME1 inverted so that bright is always dense tissue, as in every other image here.
 * Without a window in the file the modality values are min-max normalised. Only the first frame
 * of a multi-frame object is used (chest radiographs are single-frame).
 */
import * as dicomParserNs from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { Decoder as LosslessDecoder } from 'jpeg-lossless-decoder-js';
import { decodeJpeg2000, decodeJpegBaseline, decodeJpegLs, jpeg2000Geometry, type DecodedFrame } from './codecs.ts';
import { inflateZlib, InflateLimitError } from './inflate.ts';
import { JPEG_LS_SOF_MARKERS, readJpegFrameHeader } from './jpeg.ts';
import { decodeRle } from './rle.ts';
import { checkDimensions, IMAGE_LIMITS, ImageDecodeError, type GrayImage, type ImageHeader } from './types.ts';

// dicom-parser ships a UMD bundle: Node's ESM loader exposes it as `default`, bundlers as the namespace.
const dicomParser = ((dicomParserNs as any).default ?? dicomParserNs) as typeof dicomParserNs;

export const TRANSFER_SYNTAX = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflated: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNear: '1.2.840.10008.1.2.4.81',
  jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  jpeg2000: '1.2.840.10008.1.2.4.91',
  htj2kLossless: '1.2.840.10008.1.2.4.201',
  htj2kLosslessRpcl: '1.2.840.10008.1.2.4.202',
  htj2k: '1.2.840.10008.1.2.4.203',
  rle: '1.2.840.10008.1.2.5',
} as const;

const SUPPORTED = new Set<string>(Object.values(TRANSFER_SYNTAX).filter((s) => s !== TRANSFER_SYNTAX.jpegExtended));

export function isDicom(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

export interface DicomHeader extends ImageHeader {
  /** where the Pixel Data value starts and its length (undefined length: encapsulated, -1) */
  pixelDataOffset: number;
  pixelDataLength: number;
}

function attrs(ds: DataSet) {
  const transferSyntax = (ds.string('x00020010') ?? TRANSFER_SYNTAX.implicitLittle).replace(/\0/g, '').trim();
  return {
    transferSyntax,
    rows: ds.uint16('x00280010') ?? 0,
    columns: ds.uint16('x00280011') ?? 0,
    bitsAllocated: ds.uint16('x00280100') ?? 16,
    bitsStored: ds.uint16('x00280101') ?? ds.uint16('x00280100') ?? 16,
    pixelRepresentation: ds.uint16('x00280103') ?? 0,
    samplesPerPixel: ds.uint16('x00280002') ?? 1,
    planarConfiguration: ds.uint16('x00280006') ?? 0,
    photometric: (ds.string('x00280004') ?? 'MONOCHROME2').trim().toUpperCase(),
    slope: finiteOr(ds.floatString('x00281053'), 1),
    intercept: finiteOr(ds.floatString('x00281052'), 0),
    windowCenter: finiteOr(ds.floatString('x00281050', 0), undefined),
    windowWidth: finiteOr(ds.floatString('x00281051', 0), undefined),
    voiFunction: (ds.string('x00281056') ?? 'LINEAR').trim().toUpperCase(),
  };
}

/** A header number that is missing or not a finite number ("abc", NaN) takes the default. */
function finiteOr<T extends number | undefined>(value: number | undefined, fallback: T): number | T {
  return value !== undefined && Number.isFinite(value) ? value : fallback;
}

/** Inflated deflated datasets larger than this are refused: a 16-bit grey image at the pixel limit
 * plus 64 MB of header leaves room for every real file, not for a zip bomb. */
const MAX_INFLATED_DICOM_BYTES = IMAGE_LIMITS.maxPixels * 2 + 64 * 1024 * 1024;

/**
 * Deflated Explicit VR Little Endian (PS3.5 A.5): everything after the file meta group is one raw
 * deflate stream. Returns the file with that part inflated (the meta group still names the
 * deflated syntax; `parse` then hands dicom-parser the already inflated bytes), or the input
 * unchanged for every other syntax. Needs the whole file.
 *
 * Inflates in two steps so that memory follows the image, not the stream: the first MB holds the
 * header, which says where the pixel data ends (the syntax is native, so its length is defined);
 * the stream is then inflated up to there and no further. Elements after the pixel data are not
 * needed and are dropped; a stream that claims more is never held in memory.
 */
export async function inflateDeflatedDicom(bytes: Uint8Array): Promise<Uint8Array> {
  if (!isDicom(bytes) || metaTransferSyntax(bytes) !== TRANSFER_SYNTAX.deflated) return bytes;
  const metaEnd = metaGroupEnd(bytes);
  if (metaEnd > bytes.length) throw new ImageDecodeError('DICOM file meta group runs past the end of the file; the file is truncated');
  const stream = bytes.subarray(metaEnd);
  const inflate = async (maxBytes: number, beyond: 'stop' | 'refuse') => {
    try {
      return withMeta(await inflateZlib(stream, 'deflate-raw', { maxBytes, beyond }));
    } catch (err) {
      if (err instanceof InflateLimitError) throw new ImageDecodeError(`deflated DICOM data inflates to more than ${MAX_INFLATED_DICOM_BYTES >> 20} MB, more than any image within the size limit; the file is corrupt`);
      throw new ImageDecodeError(`deflated DICOM data unreadable (${(err as Error).message}); the file is truncated or corrupt`);
    }
  };
  const withMeta = (body: Uint8Array) => {
    const out = new Uint8Array(metaEnd + body.length);
    out.set(bytes.subarray(0, metaEnd));
    out.set(body, metaEnd);
    inflated.add(out);
    return out;
  };
  const HEAD = 1 << 20;
  const head = await inflate(HEAD, 'stop');
  const header = readDicomHeader(head, head.length < metaEnd + HEAD);
  if (!header) return inflate(MAX_INFLATED_DICOM_BYTES, 'refuse'); // a header of more than 1 MB
  checkDimensions(header.width, header.height);
  const end = header.pixelDataOffset + Math.max(0, header.pixelDataLength);
  if (end > metaEnd + MAX_INFLATED_DICOM_BYTES) {
    throw new ImageDecodeError(`deflated DICOM pixel data claims ${header.pixelDataLength} bytes, more than any image within the size limit; the file is corrupt`);
  }
  if (end > head.length) return inflate(end - metaEnd, 'stop');
  const image = head.subarray(0, end);
  inflated.add(image);
  return image;
}

const inflated = new WeakSet<Uint8Array>();

/** End of the file meta group: (0002,0000) group length right after "DICM" (PS3.10 7.1). */
function metaGroupEnd(bytes: Uint8Array): number {
  if (bytes.length < 144) return Infinity;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return 144 + view.getUint32(140, true);
}

export function metaTransferSyntax(bytes: Uint8Array): string | undefined {
  try {
    const meta = dicomParser.readPart10Header(bytes);
    return meta.string('x00020010')?.replace(/\0/g, '').trim();
  } catch {
    return undefined;
  }
}

function parse(bytes: Uint8Array, untilPixelData: boolean): DataSet {
  // A bare dataset (no 128-byte preamble and "DICM") is read as implicit little endian, the
  // default transfer syntax of PS3.5 section 10.1.
  const options = {
    ...(untilPixelData ? { untilTag: 'x7fe00010' } : {}),
    ...(isDicom(bytes) ? {} : { TransferSyntaxUID: TRANSFER_SYNTAX.implicitLittle }),
    ...(inflated.has(bytes) ? { inflater: () => bytes } : {}),
  };
  try {
    return dicomParser.parseDicom(bytes, options);
  } catch (err) {
    // dicom-parser throws Errors, strings, or { exception, dataSet } objects.
    const msg = err instanceof Error ? err.message : typeof err === 'object' && err && 'exception' in err ? String(err.exception) : String(err);
    throw new ImageDecodeError(`DICOM structure unreadable (${msg}); the file is truncated or not a DICOM Part 10 file`);
  }
}

/**
 * Header only: parses up to the Pixel Data element. Returns null when `bytes` (a head slice)
 * ends before it, so the caller can read more.
 */
export function readDicomHeader(bytes: Uint8Array, complete: boolean): DicomHeader | null {
  let ds: DataSet;
  try {
    ds = parse(bytes, true);
  } catch (err) {
    if (!complete) return null;
    throw err;
  }
  const pixel = ds.elements.x7fe00010;
  if (!pixel) {
    if (!complete) return null;
    throw new ImageDecodeError('DICOM file has no Pixel Data (7FE0,0010); it is not an image (a report or structured document?)');
  }
  const a = attrs(ds);
  return {
    format: 'dicom',
    width: a.columns,
    height: a.rows,
    bitDepth: a.bitsStored,
    channels: a.samplesPerPixel,
    transferSyntax: a.transferSyntax,
    photometric: a.photometric,
    pixelDataOffset: pixel.dataOffset,
    pixelDataLength: pixel.hadUndefinedLength ? -1 : pixel.length,
  };
}

/** Encapsulated pixel data ends with a Sequence Delimitation Item (FFFE,E0DD), PS3.5 A.4. */
export function dicomTailComplete(header: DicomHeader, fileSize: number, tail: Uint8Array): boolean {
  if (header.pixelDataLength >= 0) return header.pixelDataOffset + header.pixelDataLength <= fileSize;
  for (let i = tail.length - 8; i >= Math.max(0, tail.length - 64); i--) {
    if (tail[i] === 0xfe && tail[i + 1] === 0xff && tail[i + 2] === 0xdd && tail[i + 3] === 0xe0) return true;
  }
  return false;
}

export function unsupportedSyntaxMessage(syntax: string): string | undefined {
  if (SUPPORTED.has(syntax)) return undefined;
  return `DICOM transfer syntax ${syntax} is not supported (supported: uncompressed, deflated, JPEG baseline, JPEG lossless, JPEG-LS, JPEG 2000, RLE); convert it, e.g. 'gdcmconv --raw in.dcm out.dcm'`;
}

export async function decodeDicom(file: Uint8Array): Promise<GrayImage> {
  const bytes = await inflateDeflatedDicom(file);
  const head = readDicomHeader(bytes, true)!;
  checkDimensions(head.width, head.height);
  const unsupported = unsupportedSyntaxMessage(head.transferSyntax!);
  if (unsupported) throw new ImageDecodeError(unsupported);
  const ds = parse(bytes, false);
  const a = attrs(ds);
  const pixel = ds.elements.x7fe00010 as Element;
  if (![8, 16].includes(a.bitsAllocated)) throw new ImageDecodeError(`DICOM Bits Allocated ${a.bitsAllocated} is not supported (8 or 16 expected)`);
  if (a.samplesPerPixel !== 1 && a.samplesPerPixel !== 3) throw new ImageDecodeError(`DICOM Samples per Pixel ${a.samplesPerPixel} is not supported (1 or 3 expected); the file is corrupt or not a radiograph`);
  const spp = a.samplesPerPixel;
  const frameBytes = a.rows * a.columns * spp * (a.bitsAllocated / 8);
  let samples: Uint8Array; // little-endian samples, interleaved
  let bitsAllocated = a.bitsAllocated;
  let signed = a.pixelRepresentation === 1;
  const syntax = a.transferSyntax;

  if (!isCompressed(syntax)) {
    if (pixel.dataOffset + frameBytes > bytes.length) {
      throw new ImageDecodeError(`DICOM pixel data holds ${bytes.length - pixel.dataOffset} bytes, ${frameBytes} expected; the file is truncated`);
    }
    samples = bytes.subarray(pixel.dataOffset, pixel.dataOffset + frameBytes);
    if (syntax === TRANSFER_SYNTAX.explicitBig && bitsAllocated === 16) {
      const swapped = new Uint8Array(samples.length);
      for (let i = 0; i < samples.length; i += 2) {
        swapped[i] = samples[i + 1];
        swapped[i + 1] = samples[i];
      }
      samples = swapped;
    }
    if (spp > 1 && a.planarConfiguration === 1) samples = interleavePlanes(samples, a.rows * a.columns, spp, bitsAllocated / 8);
  } else {
    const frame = firstEncapsulatedFrame(ds, pixel);
    if (syntax !== TRANSFER_SYNTAX.rle) checkFrameGeometry(frame, syntax, a.columns, a.rows);
    let decoded: DecodedFrame;
    if (syntax === TRANSFER_SYNTAX.rle) {
      samples = decodeRle(frame, a.columns, a.rows, a.bitsAllocated, spp);
    } else {
      if (syntax === TRANSFER_SYNTAX.jpegLossless || syntax === TRANSFER_SYNTAX.jpegLosslessSV1) decoded = decodeLossless(frame, a.columns, a.rows, a.bitsAllocated, spp);
      else if (syntax === TRANSFER_SYNTAX.jpegLsLossless || syntax === TRANSFER_SYNTAX.jpegLsNear) decoded = await decodeJpegLs(frame);
      else if (syntax === TRANSFER_SYNTAX.jpegBaseline) decoded = await decodeJpegBaseline(frame);
      else decoded = await decodeJpeg2000(frame);
      if (decoded.width !== a.columns || decoded.height !== a.rows) {
        throw new ImageDecodeError(`compressed frame is ${decoded.width}x${decoded.height} but the header says ${a.columns}x${a.rows}; the file is inconsistent`);
      }
      if (decoded.componentCount !== spp) {
        throw new ImageDecodeError(`compressed frame has ${decoded.componentCount} component(s) but the header says ${spp} sample(s) per pixel; the file is inconsistent`);
      }
      samples = decoded.pixels;
      bitsAllocated = decoded.bitsPerSample > 8 ? 16 : 8;
      signed = signed || decoded.isSigned;
    }
  }
  // Uncompressed and RLE YBR data still holds Y, Cb, Cr: Y alone is the grey image. JPEG codecs
  // have already converted YBR to RGB, where the channel mean is the grey.
  const lumaOnly = a.photometric.startsWith('YBR') && (syntax === TRANSFER_SYNTAX.rle || !isCompressed(syntax));
  return toGray(samples, a, bitsAllocated, signed, lumaOnly);
}

/**
 * The size a compressed frame declares, checked against the DICOM header before a codec sees it:
 * codecs allocate what their own header says, so a corrupt frame header could ask for gigabytes.
 */
function checkFrameGeometry(frame: Uint8Array, syntax: string, columns: number, rows: number): void {
  let geometry: { width: number; height: number; components: number } | null;
  const isJ2k = !JPEG_FAMILY.has(syntax);
  if (syntax === TRANSFER_SYNTAX.jpegLsLossless || syntax === TRANSFER_SYNTAX.jpegLsNear) geometry = readJpegFrameHeader(frame, JPEG_LS_SOF_MARKERS);
  else if (syntax === TRANSFER_SYNTAX.jpegBaseline || syntax === TRANSFER_SYNTAX.jpegLossless || syntax === TRANSFER_SYNTAX.jpegLosslessSV1) geometry = readJpegFrameHeader(frame);
  else geometry = jpeg2000Geometry(frame);
  if (!geometry) throw new ImageDecodeError('compressed frame has no frame header (SOF/SIZ) where the transfer syntax needs one; the file is truncated or corrupt');
  if (!isJ2k && !endsWithEoi(frame)) {
    // CharLS spends tens of seconds, uninterruptibly, on a JPEG-LS stream without its end marker.
    throw new ImageDecodeError('compressed frame does not end with its end-of-image marker (FFD9); the file is truncated or corrupt');
  }
  if (geometry.width !== columns || geometry.height !== rows) {
    throw new ImageDecodeError(`compressed frame is ${geometry.width}x${geometry.height} but the header says ${columns}x${rows}; the file is inconsistent`);
  }
  if (geometry.components < 1 || geometry.components > 4) {
    throw new ImageDecodeError(`compressed frame declares ${geometry.components} components; the file is corrupt`);
  }
}

const JPEG_FAMILY = new Set<string>([TRANSFER_SYNTAX.jpegBaseline, TRANSFER_SYNTAX.jpegLossless, TRANSFER_SYNTAX.jpegLosslessSV1, TRANSFER_SYNTAX.jpegLsLossless, TRANSFER_SYNTAX.jpegLsNear]);

/** T.81 and T.87 streams end with EOI; fragments may add zero bytes to reach an even length. */
function endsWithEoi(frame: Uint8Array): boolean {
  let end = frame.length;
  while (end > 2 && frame[end - 1] === 0 && frame.length - end < 8) end--;
  return frame[end - 2] === 0xff && frame[end - 1] === 0xd9;
}

function isCompressed(syntax: string): boolean {
  return syntax !== TRANSFER_SYNTAX.implicitLittle && syntax !== TRANSFER_SYNTAX.explicitLittle && syntax !== TRANSFER_SYNTAX.explicitBig && syntax !== TRANSFER_SYNTAX.deflated;
}

function firstEncapsulatedFrame(ds: DataSet, pixel: Element): Uint8Array {
  if (!pixel.fragments || pixel.fragments.length === 0) throw new ImageDecodeError('DICOM encapsulated pixel data has no fragments; the file is truncated or corrupt');
  try {
    const frames = ds.intString('x00280008') ?? 1;
    if (pixel.basicOffsetTable && pixel.basicOffsetTable.length > 0) return dicomParser.readEncapsulatedImageFrame(ds, pixel, 0) as Uint8Array;
    if (frames <= 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, pixel, 0, pixel.fragments.length) as Uint8Array;
    const table = dicomParser.createJPEGBasicOffsetTable(ds, pixel);
    return dicomParser.readEncapsulatedImageFrame(ds, pixel, 0, table) as Uint8Array;
  } catch (err) {
    throw new ImageDecodeError(`DICOM encapsulated frame unreadable (${err instanceof Error ? err.message : String(err)}); the file is truncated or corrupt`);
  }
}

function decodeLossless(frame: Uint8Array, width: number, height: number, bitsAllocated: number, spp: number): DecodedFrame {
  const bytesPerSample = bitsAllocated > 8 ? 2 : 1;
  let pixels: Uint8Array;
  try {
    const copy = frame.slice().buffer;
    const out = new LosslessDecoder().decode(copy, 0, copy.byteLength, bytesPerSample);
    // A typed view of the samples (machine order, little-endian on every supported platform).
    pixels = ArrayBuffer.isView(out) ? new Uint8Array(out.buffer, out.byteOffset, out.byteLength) : new Uint8Array(out);
  } catch (err) {
    throw new ImageDecodeError(`JPEG lossless data unreadable (${err instanceof Error ? err.message : String(err)}); the file is truncated or corrupt`);
  }
  if (pixels.length < width * height * spp * bytesPerSample) throw new ImageDecodeError('JPEG lossless frame is smaller than the header says; the file is truncated or corrupt');
  return { width, height, bitsPerSample: bytesPerSample * 8, componentCount: spp, isSigned: false, pixels };
}

function interleavePlanes(planar: Uint8Array, pixels: number, spp: number, bytesPerSample: number): Uint8Array {
  const out = new Uint8Array(planar.length);
  for (let s = 0; s < spp; s++) {
    for (let p = 0; p < pixels; p++) {
      for (let b = 0; b < bytesPerSample; b++) out[(p * spp + s) * bytesPerSample + b] = planar[(s * pixels + p) * bytesPerSample + b];
    }
  }
  return out;
}

function toGray(samples: Uint8Array, a: ReturnType<typeof attrs>, bitsAllocated: number, signed: boolean, lumaOnly: boolean): GrayImage {
  const width = a.columns;
  const height = a.rows;
  const n = width * height;
  const spp = a.samplesPerPixel;
  const view = new DataView(samples.buffer, samples.byteOffset, samples.byteLength);
  const bytesPerSample = bitsAllocated / 8;
  const stored = Math.min(a.bitsStored, bitsAllocated);
  const mask = stored >= 32 ? 0xffffffff : (1 << stored) - 1;
  const signBit = 1 << (stored - 1);
  const used = lumaOnly ? 1 : Math.min(spp, 3);
  if (samples.length < n * spp * bytesPerSample) {
    throw new ImageDecodeError(`DICOM pixel data holds ${samples.length} bytes, ${n * spp * bytesPerSample} expected for ${width}x${height}; the file is truncated or inconsistent`);
  }
  const modality = new Float32Array(n);
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < n; p++) {
    let acc = 0;
    for (let s = 0; s < used; s++) {
      const at = (p * spp + s) * bytesPerSample;
      let v = bytesPerSample === 2 ? view.getUint16(at, true) : samples[at];
      // Bits above Bits Stored may hold overlays or garbage (PS3.5 8.1.1); the sign lives in the top stored bit.
      v &= mask;
      if (signed && v & signBit) v -= mask + 1;
      acc += v;
    }
    const value = (acc / used) * a.slope + a.intercept;
    modality[p] = value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const out = modality; // windowed in place
  const c = a.windowCenter;
  const w = a.windowWidth;
  if (c !== undefined && w !== undefined && w > 0) {
    if (a.voiFunction === 'SIGMOID') {
      for (let p = 0; p < n; p++) out[p] = 1 / (1 + Math.exp((-4 * (out[p] - c)) / w));
    } else if (a.voiFunction === 'LINEAR_EXACT') {
      for (let p = 0; p < n; p++) out[p] = clamp01((out[p] - c) / w + 0.5);
    } else {
      // LINEAR (C.11.2.1.2.1): the -0.5 / (w-1) offsets make integer windows map exactly.
      if (w >= 1) {
        const lo = c - 0.5 - (w - 1) / 2;
        const hi = c - 0.5 + (w - 1) / 2;
        for (let p = 0; p < n; p++) {
          const x = out[p];
          out[p] = x <= lo ? 0 : x > hi ? 1 : (x - (c - 0.5)) / (w - 1) + 0.5;
        }
      } else {
        for (let p = 0; p < n; p++) out[p] = out[p] < c ? 0 : 1;
      }
    }
  } else {
    const range = max - min || 1;
    for (let p = 0; p < n; p++) out[p] = (out[p] - min) / range;
  }
  if (a.photometric === 'MONOCHROME1') for (let p = 0; p < n; p++) out[p] = 1 - out[p];
  return { width, height, data: out, fromColour: spp >= 3 };
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
