/**
 * DICOM RLE Lossless (1.2.840.10008.1.2.5), PS3.5 Annex G: a 64-byte header (segment count and
 * up to 15 offsets), then one PackBits segment per byte plane, most significant byte first.
 * Small enough to own rather than pull in a codec.
 */
import { ImageDecodeError } from './types.ts';

/** Returns samples of one frame, little-endian bytes like an uncompressed frame. */
export function decodeRle(frame: Uint8Array, width: number, height: number, bitsAllocated: number, samplesPerPixel: number): Uint8Array {
  if (frame.length < 64) throw new ImageDecodeError('RLE frame shorter than its 64-byte header; the file is truncated');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = bitsAllocated / 8;
  if (segments !== bytesPerSample * samplesPerPixel || segments > 15) {
    throw new ImageDecodeError(`RLE header lists ${segments} segments, expected ${bytesPerSample * samplesPerPixel}; the file is corrupt`);
  }
  const pixels = width * height;
  const out = new Uint8Array(pixels * bytesPerSample * samplesPerPixel);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || start > end || end > frame.length) throw new ImageDecodeError(`RLE segment ${s} offset out of range; the file is truncated or corrupt`);
    unpackBits(frame.subarray(start, end), plane, s);
    // Segment order: sample 0 MSB..LSB, sample 1 MSB..LSB, ... ; output is interleaved little-endian.
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = bytesPerSample * samplesPerPixel;
    const offset = sample * bytesPerSample + byteInSample;
    for (let p = 0; p < pixels; p++) out[p * stride + offset] = plane[p];
  }
  return out;
}

function unpackBits(src: Uint8Array, dst: Uint8Array, segment: number): void {
  let i = 0;
  let o = 0;
  while (o < dst.length) {
    if (i >= src.length) throw new ImageDecodeError(`RLE segment ${segment} ends after ${o} of ${dst.length} bytes; the file is truncated`);
    const n = (src[i++] << 24) >> 24;
    if (n >= 0) {
      const count = Math.min(n + 1, dst.length - o);
      if (i + count > src.length) throw new ImageDecodeError(`RLE segment ${segment} is cut short; the file is truncated`);
      dst.set(src.subarray(i, i + count), o);
      i += n + 1;
      o += count;
    } else if (n !== -128) {
      const count = Math.min(1 - n, dst.length - o);
      dst.fill(src[i++], o, o + count);
      o += count;
    }
  }
}

/** The encoder is used by fixtures and tests; DICOM-conformant PackBits with literal runs <= 128. */
export function encodeRle(pixels: Uint8Array, width: number, height: number, bitsAllocated: number, samplesPerPixel: number): Uint8Array {
  const bytesPerSample = bitsAllocated / 8;
  const segments = bytesPerSample * samplesPerPixel;
  const n = width * height;
  const stride = bytesPerSample * samplesPerPixel;
  const encoded: Uint8Array[] = [];
  for (let s = 0; s < segments; s++) {
    const sample = Math.floor(s / bytesPerSample);
    const offset = sample * bytesPerSample + (bytesPerSample - 1 - (s % bytesPerSample));
    const plane = new Uint8Array(n);
    for (let p = 0; p < n; p++) plane[p] = pixels[p * stride + offset];
    encoded.push(packBits(plane));
  }
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, segments, true);
  let offset = 64;
  encoded.forEach((seg, s) => {
    view.setUint32(4 + 4 * s, offset, true);
    offset += seg.length;
  });
  const out = new Uint8Array(offset + (offset % 2)); // fragments have even length
  out.set(header);
  let o = 64;
  for (const seg of encoded) {
    out.set(seg, o);
    o += seg.length;
  }
  return out;
}

function packBits(plane: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < plane.length) {
    let run = 1;
    while (i + run < plane.length && run < 128 && plane[i + run] === plane[i]) run++;
    if (run >= 2) {
      out.push((1 - run) & 0xff, plane[i]);
      i += run;
      continue;
    }
    const start = i;
    while (i < plane.length && i - start < 128 && !(i + 1 < plane.length && plane[i + 1] === plane[i])) i++;
    if (i === start) i++;
    out.push(i - start - 1, ...plane.subarray(start, i));
  }
  return Uint8Array.from(out);
}
