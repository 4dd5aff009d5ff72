/**
 * A seeded corpus of damaged dataset files for the ingestion fuzz test: valid seeds of every input
 * the scan reads (PNG 8/16-bit in the fast and the generic decoder's layouts, JPEG, DICOM in every
 * supported transfer syntax, every importer's CSV tables), then mutations of each (truncated at a
 * random offset, flipped bytes, wrong magic, absurd header dimensions, empty, huge text, spliced
 * ranges). The same seed gives the same bytes on every machine.
 *
 * Seeds the fixture encoders cannot make are built here: explicit VR big endian (rewritten from
 * explicit little endian), JPEG-LS near-lossless (CharLS, NEAR=2), lossy JPEG 2000 (OpenJPEG,
 * ratio 10), JPEG lossless non-SV1 (the SV1 frame under the process-14 UID). No encoder here writes
 * the HT block coder, so the three HTJ2K syntaxes carry a part-1 JPEG 2000 codestream, which an
 * HTJ2K decoder must read too (ISO/IEC 15444-15 is a superset); the UID dispatch and the codestream
 * parsing are what the fuzzing reaches there.
 */
import { inflateRawSync } from 'node:zlib';
import { Deflate, Zlib } from 'fflate';
import { encode as encodePng } from 'fast-png';
import openjpeg from '@cornerstonejs/codec-openjpeg';
import charls from '@cornerstonejs/codec-charls';
import { concatBytes, pngChunk, rawPng } from './png_writer.ts';
import { TRANSFER_SYNTAX } from '../../src/data/decode/dicom.ts';
import { dicomSpecs, EGD_IDS, encodeJpegLossless, jpegGray, makeDicom, png16, png8, pngRgb, testPattern, type DicomSpec } from '../../scripts/make-data-fixtures.ts';

type Rand = () => number;
const int = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)];

export type ImageKind = 'png' | 'jpeg' | 'dicom';

export interface SeedFile {
  name: string;
  kind: ImageKind;
  ext: string;
  bytes: Uint8Array;
  /** byte offsets of the width and height fields and how to write them (for absurd-dimension mutations) */
  dims?: { width: number; height: number; size: 2 | 4; littleEndian: boolean };
  /** DICOM: the transfer syntax, for counting */
  transferSyntax?: string;
}

// ------------------------------------------------------------------------------------- PNG seeds

function pngSeeds(): SeedFile[] {
  const w = 24;
  const h = 20;
  const grey = testPattern(w, h, 255);
  const rgba16 = new Uint16Array(w * h * 4);
  testPattern(w, h, 65535).forEach((v, i) => rgba16.set([v, v, v, 65535], i * 4));
  const palette = Array.from({ length: 16 }, (_, i) => [i * 17, i * 17, i * 17]);
  const indices = Uint8Array.from(grey, (v) => v >> 4);
  const oneBit = new Uint8Array(h * (1 + Math.ceil(w / 8)));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (grey[y * w + x] > 64) oneBit[y * (1 + w / 8) + 1 + (x >> 3)] |= 0x80 >> (x & 7);
  const png = (name: string, bytes: Uint8Array): SeedFile => ({ name, kind: 'png', ext: 'png', bytes, dims: { width: 16, height: 20, size: 4, littleEndian: false } });
  return [
    png('png8-grey', png8(w, h)),
    png('png16-grey', png16(w, h)),
    png('png8-rgb', pngRgb(w, h)),
    png('png16-rgba', encodePng({ width: w, height: h, data: rgba16, depth: 16, channels: 4 })),
    png('png8-grey-alpha', encodePng({ width: w, height: h, data: Uint8Array.from({ length: w * h * 2 }, (_, i) => (i % 2 ? 255 : grey[i >> 1])), depth: 8, channels: 2 })),
    png('png8-adam7', encodePng({ width: w, height: h, data: Uint8Array.from(grey), depth: 8, channels: 1 }, { interlace: 'Adam7' })),
    png('png16-adam7', encodePng({ width: w, height: h, data: testPattern(w, h, 65535), depth: 16, channels: 1 }, { interlace: 'Adam7' })),
    png('png-palette', encodePng({ width: w, height: h, data: indices, depth: 8, channels: 1, palette })),
    png('png1-grey', rawPng(w, h, 1, 0, oneBit)),
  ];
}

// ------------------------------------------------------------------------------------ JPEG seeds

function jpegSofOffset(bytes: Uint8Array): number {
  for (let i = 2; i + 9 < bytes.length; ) {
    const marker = bytes[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return i;
    i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
  }
  throw new Error('no SOF in seed JPEG');
}

function jpegSeeds(): SeedFile[] {
  return [jpegGray(24, 20), jpegGray(40, 8)].map((bytes, k) => {
    const sof = jpegSofOffset(bytes);
    return { name: `jpeg-baseline-${k}`, kind: 'jpeg' as const, ext: 'jpg', bytes, dims: { width: sof + 7, height: sof + 5, size: 2 as const, littleEndian: false } };
  });
}

// ----------------------------------------------------------------------------------- DICOM seeds

async function encodeWith(factory: () => Promise<any>, className: string, spec: DicomSpec, configure: (e: any) => void): Promise<Uint8Array> {
  const codec = await factory();
  const encoder = new codec[className]();
  try {
    const info = { width: spec.width, height: spec.height, bitsPerSample: spec.bitsStored, componentCount: 1, isSigned: false, isUsingColorSpace: false };
    const pixels = spec.pixels as Uint16Array;
    encoder.getDecodedBuffer(info).set(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
    configure(encoder);
    encoder.encode();
    return new Uint8Array(encoder.getEncodedBuffer());
  } finally {
    encoder.delete();
  }
}

const LONG_LENGTH_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'SQ', 'UT', 'UN', 'UC', 'UR']);

/** Explicit VR little endian -> big endian (PS3.5 A.3): the dataset after the meta group is
 * rewritten element by element, numbers and OW words byte-swapped. Flat datasets only. */
function toBigEndian(le: Uint8Array): Uint8Array {
  const view = new DataView(le.buffer, le.byteOffset, le.byteLength);
  const metaEnd = 144 + view.getUint32(140, true);
  const out = le.slice();
  const text = new TextDecoder('latin1').decode(out.subarray(0, metaEnd));
  const at = text.indexOf(TRANSFER_SYNTAX.explicitLittle + '\0');
  out.set(new TextEncoder().encode(TRANSFER_SYNTAX.explicitBig), at);
  const o = new DataView(out.buffer);
  let i = metaEnd;
  while (i + 8 <= le.length) {
    const group = view.getUint16(i, true);
    const element = view.getUint16(i + 2, true);
    const vr = String.fromCharCode(le[i + 4], le[i + 5]);
    o.setUint16(i, group, false);
    o.setUint16(i + 2, element, false);
    let length: number;
    let value: number;
    if (LONG_LENGTH_VRS.has(vr)) {
      length = view.getUint32(i + 8, true);
      o.setUint32(i + 8, length, false);
      value = i + 12;
    } else {
      length = view.getUint16(i + 6, true);
      o.setUint16(i + 6, length, false);
      value = i + 8;
    }
    const unit = vr === 'US' || vr === 'SS' || vr === 'OW' ? 2 : vr === 'UL' || vr === 'SL' || vr === 'FL' || vr === 'AT' ? 4 : vr === 'FD' ? 8 : 1;
    if (unit > 1) for (let k = value; k + unit <= value + length; k += unit) out.set(le.subarray(k, k + unit).slice().reverse(), k);
    i = value + length;
  }
  return out;
}

/** Replaces the meta group's transfer syntax UID by another of the same length. */
function withSyntax(bytes: Uint8Array, from: string, to: string): Uint8Array {
  if (from.length !== to.length) throw new Error(`${from} and ${to} differ in length`);
  const out = bytes.slice();
  const at = new TextDecoder('latin1').decode(out.subarray(0, 1024)).indexOf(from);
  out.set(new TextEncoder().encode(to), at);
  return out;
}

const ROWS_TAG = [0x28, 0x00, 0x10, 0x00];
const COLS_TAG = [0x28, 0x00, 0x11, 0x00];

function dicomDims(bytes: Uint8Array, bigEndian: boolean): SeedFile['dims'] {
  const find = (tag: number[]) => {
    const t = bigEndian ? [tag[1], tag[0], tag[3], tag[2]] : tag;
    for (let i = 132; i + 10 < bytes.length; i++) if (t.every((b, k) => bytes[i + k] === b)) return i;
    return -1;
  };
  const rows = find(ROWS_TAG);
  const cols = find(COLS_TAG);
  if (rows < 0 || cols < 0) return undefined;
  // Explicit VR (tag, "US", 2-byte length) and implicit VR (tag, 4-byte length) both put the value 8 bytes on.
  return { width: cols + 8, height: rows + 8, size: 2, littleEndian: !bigEndian };
}

async function dicomSeeds(): Promise<SeedFile[]> {
  const seeds: SeedFile[] = [];
  // A deflated dataset has no plain Rows/Columns to patch; a search would hit compressed bytes.
  const add = (name: string, bytes: Uint8Array, transferSyntax: string) =>
    seeds.push({ name, kind: 'dicom', ext: 'dcm', bytes, transferSyntax, dims: transferSyntax === TRANSFER_SYNTAX.deflated ? undefined : dicomDims(bytes, transferSyntax === TRANSFER_SYNTAX.explicitBig) });
  for (const [name, spec] of Object.entries(dicomSpecs())) add(`dicom-${name}`, await makeDicom(spec), spec.transferSyntax);
  const spec: DicomSpec = { transferSyntax: TRANSFER_SYNTAX.explicitLittle, width: 24, height: 16, bitsAllocated: 16, bitsStored: 12, pixels: testPattern(24, 16, 4095) };
  add('dicom-explicit-be', toBigEndian(await makeDicom(spec)), TRANSFER_SYNTAX.explicitBig);
  const sv1 = await makeDicom({ ...spec, transferSyntax: TRANSFER_SYNTAX.jpegLosslessSV1 }, encodeJpegLossless(spec.pixels as Uint16Array, 24, 16, 12));
  add('dicom-jpeg-lossless-p14', withSyntax(sv1, TRANSFER_SYNTAX.jpegLosslessSV1, TRANSFER_SYNTAX.jpegLossless), TRANSFER_SYNTAX.jpegLossless);
  const near = await encodeWith(charls, 'JpegLSEncoder', spec, (e) => e.setNearLossless(2));
  add('dicom-jpeg-ls-near', await makeDicom({ ...spec, transferSyntax: TRANSFER_SYNTAX.jpegLsNear }, near), TRANSFER_SYNTAX.jpegLsNear);
  const j2kLossy = await encodeWith(openjpeg, 'J2KEncoder', spec, (e) => {
    e.setDecompositions(2);
    e.setQuality(false, 0);
    e.setCompressionRatio(0, 10);
  });
  add('dicom-jpeg2000-lossy', await makeDicom({ ...spec, transferSyntax: TRANSFER_SYNTAX.jpeg2000 }, j2kLossy), TRANSFER_SYNTAX.jpeg2000);
  const j2k = await encodeWith(openjpeg, 'J2KEncoder', spec, (e) => {
    e.setDecompositions(2);
    e.setQuality(true, 0);
  });
  for (const ts of [TRANSFER_SYNTAX.htj2kLossless, TRANSFER_SYNTAX.htj2kLosslessRpcl, TRANSFER_SYNTAX.htj2k]) add(`dicom-htj2k-${ts.split('.').at(-1)}`, await makeDicom({ ...spec, transferSyntax: ts }, j2k), ts);
  return seeds;
}

export async function imageSeeds(): Promise<SeedFile[]> {
  return [...pngSeeds(), ...jpegSeeds(), ...(await dicomSeeds())];
}

// ------------------------------------------------------------------------------------ mutations

export type Mutation = 'intact' | 'truncated' | 'flipped' | 'flipped-header' | 'wrong-magic' | 'absurd-dimensions' | 'zero-dimensions' | 'empty' | 'garbage' | 'spliced' | 'huge-tail';
export const MUTATIONS: readonly Mutation[] = ['intact', 'truncated', 'flipped', 'flipped-header', 'wrong-magic', 'absurd-dimensions', 'zero-dimensions', 'empty', 'garbage', 'spliced', 'huge-tail'];

const MAGICS = [
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  [0xff, 0xd8, 0xff, 0xe0],
  [0x50, 0x4b, 0x03, 0x04], // zip
  [0x25, 0x50, 0x44, 0x46], // %PDF
  [0x00, 0x00, 0x00, 0x00],
];

function writeDim(out: Uint8Array, at: number, size: 2 | 4, littleEndian: boolean, value: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (at + size > out.length) return;
  if (size === 2) view.setUint16(at, value & 0xffff, littleEndian);
  else view.setUint32(at, value >>> 0, littleEndian);
}

export function mutate(seed: SeedFile, mutation: Mutation, rand: Rand): Uint8Array {
  const src = seed.bytes;
  switch (mutation) {
    case 'intact':
      return src.slice();
    case 'truncated':
      return src.slice(0, int(rand, 0, src.length - 1));
    case 'flipped': {
      const out = src.slice();
      for (let k = int(rand, 1, 8); k > 0; k--) out[int(rand, 0, out.length - 1)] ^= 1 << int(rand, 0, 7);
      return out;
    }
    case 'flipped-header': {
      const out = src.slice();
      const span = Math.min(out.length, seed.kind === 'dicom' ? 512 : 96);
      for (let k = int(rand, 1, 4); k > 0; k--) out[int(rand, 0, span - 1)] = int(rand, 0, 255);
      return out;
    }
    case 'wrong-magic': {
      const out = src.slice();
      const magic = pick(rand, MAGICS);
      out.set(magic.slice(0, out.length), seed.kind === 'dicom' && rand() < 0.5 ? 128 : 0);
      return out;
    }
    case 'absurd-dimensions':
    case 'zero-dimensions': {
      const out = src.slice();
      const d = seed.dims;
      if (!d) return mutate(seed, 'flipped-header', rand);
      const max = d.size === 2 ? 0xffff : 0xffffffff;
      const big = () => pick(rand, [max, max - 1, 16_385, 100_000, 0x8000_0000 >>> (d.size === 2 ? 16 : 0), 12_000]);
      const value = () => (mutation === 'zero-dimensions' ? pick(rand, [0, 0, 1]) : big());
      if (rand() < 0.7) writeDim(out, d.width, d.size, d.littleEndian, value());
      if (rand() < 0.7) writeDim(out, d.height, d.size, d.littleEndian, value());
      return out;
    }
    case 'empty':
      return new Uint8Array(0);
    case 'garbage': {
      const out = new Uint8Array(int(rand, 1, 4096));
      for (let i = 0; i < out.length; i++) out[i] = int(rand, 0, 255);
      // Half of them keep the real signature, so they get past format sniffing.
      if (rand() < 0.5) out.set(src.subarray(0, Math.min(out.length, seed.kind === 'dicom' ? 132 : 8)));
      return out;
    }
    case 'spliced': {
      // A range removed or repeated: chunk and segment lengths stop matching their contents.
      const a = int(rand, 0, src.length - 1);
      const b = Math.min(src.length, a + int(rand, 1, 256));
      return rand() < 0.5 ? concatBytes([src.subarray(0, a), src.subarray(b)]) : concatBytes([src.subarray(0, b), src.subarray(a, b), src.subarray(b)]);
    }
    case 'huge-tail': {
      // Megabytes of junk after the real file (a broken copy that kept writing).
      const junk = new Uint8Array(int(rand, 1, 4) * 1024 * 1024);
      for (let i = 0; i < junk.length; i += 4096) junk[i] = int(rand, 0, 255);
      return concatBytes([src, junk]);
    }
  }
}

// -------------------------------------------------------------------------------- table seeds

export type TableKind = 'split' | 'labels' | 'fixations' | 'egd-master' | 'egd-fixations' | 'reflacx-metadata' | 'reflacx-fixations' | 'miceye-log' | 'miceye-config';
export const TABLE_KINDS: readonly TableKind[] = ['split', 'labels', 'fixations', 'egd-master', 'egd-fixations', 'reflacx-metadata', 'reflacx-fixations', 'miceye-log', 'miceye-config'];

export interface TableDataset {
  kind: TableKind;
  mutation: TextMutation;
  /** the mutated file's path */
  target: string;
  files: Record<string, Uint8Array>;
}

export type TextMutation = 'intact' | 'truncated' | 'flipped' | 'empty' | 'garbage' | 'huge-line' | 'many-rows' | 'unterminated-quote' | 'latin1' | 'nul-bytes' | 'wrong-delimiter';
export const TEXT_MUTATIONS: readonly TextMutation[] = ['intact', 'truncated', 'flipped', 'empty', 'garbage', 'huge-line', 'many-rows', 'unterminated-quote', 'latin1', 'nul-bytes', 'wrong-delimiter'];

const utf8 = (s: string) => new TextEncoder().encode(s);

function mutateText(text: string, mutation: TextMutation, rand: Rand): Uint8Array {
  const src = utf8(text);
  switch (mutation) {
    case 'intact':
      return src;
    case 'truncated':
      return src.slice(0, int(rand, 0, src.length - 1));
    case 'flipped': {
      const out = src.slice();
      for (let k = int(rand, 1, 6); k > 0; k--) out[int(rand, 0, out.length - 1)] = pick(rand, [0x2c, 0x22, 0x0a, 0x0d, 0x3b, 0x5b, 0x00, 0xff, int(rand, 0, 255)]);
      return out;
    }
    case 'empty':
      return new Uint8Array(0);
    case 'garbage': {
      const out = new Uint8Array(int(rand, 1, 8192));
      for (let i = 0; i < out.length; i++) out[i] = int(rand, 0, 255);
      return out;
    }
    case 'huge-line': {
      // One line of several MB with no newline: a binary file renamed .csv, or a broken export.
      const n = int(rand, 256, 2048) * 1024;
      const cell = pick(rand, ['9', 'x', ',', ';', '[1, 2]', '"']);
      return concatBytes([src.subarray(0, src.indexOf(10) + 1), utf8(cell.repeat(Math.ceil(n / cell.length)))]);
    }
    case 'many-rows': {
      const lines = text.trimEnd().split('\n');
      const body = lines.slice(1);
      const rows: string[] = [lines[0]];
      const count = int(rand, 5_000, 30_000);
      for (let i = 0; i < count; i++) rows.push(body.length ? body[i % body.length] : `${i}`);
      return utf8(rows.join('\n') + '\n');
    }
    case 'unterminated-quote': {
      const at = int(rand, 0, src.length - 1);
      return concatBytes([src.subarray(0, at), utf8('"'), src.subarray(at)]);
    }
    case 'latin1':
      // Saved by an older Windows tool: é as one byte, not UTF-8.
      return concatBytes([src, Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0xe9, 0x0a])]);
    case 'nul-bytes': {
      const out = src.slice();
      for (let k = int(rand, 1, 20); k > 0; k--) out[int(rand, 0, out.length - 1)] = 0;
      return out;
    }
    case 'wrong-delimiter':
      return utf8(text.replace(/,/g, pick(rand, [';', '\t', '|'])));
  }
}

/** One small dataset per table kind, every table valid; `tableDataset` mutates one of them. */
export function tableSeeds(images: { png: Uint8Array; dicom: Uint8Array }): Record<TableKind, { target: string; files: Record<string, Uint8Array | string> }> {
  const { png, dicom } = images;
  const native = {
    'images/normal/n1.png': png,
    'images/normal/n2.png': png,
    'images/opacity/o1.png': png,
    'images/opacity/o2.png': png,
    'gaze/normal/n1.csv': 'x,y,duration\n3,4,0.2\n10,12,0.4\n',
    'gaze/opacity/o1.csv': 'x,y\n5,5\n20,15\n',
  };
  const [a, b] = EGD_IDS;
  const egdMaster = `dicom_id,path,patient_id,Normal,CHF,pneumonia\n${a},files/${a}.dcm,1,1,0,0\n${b},files/${b}.dcm,2,0,1,0\n`;
  const egdFix = `DICOM_ID,FPOGD,X_ORIGINAL,Y_ORIGINAL\n${a},0.3,3,4\n${a},0.2,10,8\n${b},0.5,12,3\n`;
  const reflacxMeta = 'id,split,eye_tracking_data_discarded,dicom_id,subject_id,image_size_x,image_size_y,Atelectasis,Consolidation\nP1R1,train,False,dA,10,24,16,4,0\nP1R2,test,False,dB,11,24,16,0,5\n';
  const reflacxFix = 'timestamp_start_fixation,timestamp_end_fixation,x_position,y_position,angular_resolution_x_pixels_per_degree,angular_resolution_y_pixels_per_degree\n0.1,0.4,5,5,3,3\n0.5,0.9,20,10,3,3\n';
  const miceyeLog = 'C:\\data\\m1.png;1;[[10, 10], [12, 9]];[];(-1, -1)\nC:\\data\\m2.png;0;[[5, 6]];[];(-1, -1)\n';
  return {
    split: { target: 'split.csv', files: { ...native, 'split.csv': 'image,split\nimages/normal/n1.png,train\nimages/opacity/o1.png,test\nimages/normal/n2.png,val\n' } },
    labels: { target: 'labels.csv', files: { 'images/x1.png': png, 'images/x2.png': png, 'images/x3.png': png, 'labels.csv': 'image,label,patient\nimages/x1.png,clear,P1\nimages/x2.png,effusion,P2\nimages/x3.png,clear,P3\n' } },
    fixations: { target: 'gaze/normal/n1.csv', files: native },
    'egd-master': { target: 'egd/master_sheet.csv', files: { 'egd/master_sheet.csv': egdMaster, 'egd/fixations.csv': egdFix, [`mimic/${a}.dcm`]: dicom, [`mimic/${b}.dcm`]: dicom } },
    'egd-fixations': { target: 'egd/fixations.csv', files: { 'egd/master_sheet.csv': egdMaster, 'egd/fixations.csv': egdFix, [`mimic/${a}.dcm`]: dicom, [`mimic/${b}.dcm`]: dicom } },
    'reflacx-metadata': { target: 'main_data/metadata_phase_1.csv', files: { 'main_data/metadata_phase_1.csv': reflacxMeta, 'main_data/P1R1/fixations.csv': reflacxFix, 'main_data/P1R2/fixations.csv': reflacxFix, 'img/dA.dcm': dicom, 'img/dB.png': png } },
    'reflacx-fixations': { target: 'main_data/P1R1/fixations.csv', files: { 'main_data/metadata_phase_1.csv': reflacxMeta, 'main_data/P1R1/fixations.csv': reflacxFix, 'main_data/P1R2/fixations.csv': reflacxFix, 'img/dA.dcm': dicom, 'img/dB.png': png } },
    'miceye-log': { target: 'logs/reader.csv', files: { 'config.json': '{"image height": 40}', 'logs/reader.csv': miceyeLog, 'images/m1.png': png, 'images/m2.png': png } },
    'miceye-config': { target: 'config.json', files: { 'config.json': '{"image height": 40}', 'logs/reader.csv': miceyeLog, 'images/m1.png': png, 'images/m2.png': png } },
  };
}

export function tableDataset(seeds: ReturnType<typeof tableSeeds>, kind: TableKind, mutation: TextMutation, rand: Rand): TableDataset {
  const { target, files } = seeds[kind];
  const out: Record<string, Uint8Array> = {};
  for (const [path, content] of Object.entries(files)) out[path] = typeof content === 'string' ? utf8(content) : content;
  out[target] = mutateText(new TextDecoder().decode(out[target]), mutation, rand);
  return { kind, mutation, target, files: out };
}

// ---------------------------------------------------------------------------------- zip bombs

/** `prefix` then `zeros` zero bytes, deflated in 1 MB steps so neither side is ever held whole. */
function deflatedWithZeros(prefix: Uint8Array, zeros: number, raw: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  const stream = raw ? new Deflate({ level: 9 }) : new Zlib({ level: 9 });
  stream.ondata = (chunk) => parts.push(chunk);
  stream.push(prefix);
  const block = new Uint8Array(1 << 20);
  for (let left = zeros; left > 0; left -= block.length) stream.push(left >= block.length ? block : block.subarray(0, left));
  stream.push(new Uint8Array(0), true);
  return concatBytes(parts);
}

/** A 64 x 64 PNG whose image data inflates to 200 MB more than its rows: decodable, if the extra is never inflated. */
export function pngBomb(): Uint8Array {
  const rows = new Uint8Array(64 * 65);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) rows[y * 65 + 1 + x] = (x * 4) & 0xff;
  const valid = png8(64, 64);
  const idat = deflatedWithZeros(rows, 200 << 20, false);
  return concatBytes([valid.subarray(0, 33), pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array(0))]);
}

/** A deflated DICOM whose dataset inflates to 300 MB: refused before it is all in memory. */
export async function deflatedDicomBomb(): Promise<Uint8Array> {
  const spec: DicomSpec = { transferSyntax: TRANSFER_SYNTAX.deflated, width: 24, height: 16, bitsAllocated: 16, bitsStored: 12, pixels: testPattern(24, 16, 4095) };
  const file = await makeDicom(spec);
  const metaEnd = 144 + new DataView(file.buffer, file.byteOffset).getUint32(140, true);
  const dataset = new Uint8Array(inflateRawSync(file.subarray(metaEnd)));
  return concatBytes([file.subarray(0, metaEnd), deflatedWithZeros(dataset, 300 << 20, true)]);
}
