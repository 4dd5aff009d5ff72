/**
 * Writes the ingestion test fixtures: one small dataset per format (native, EGD-CXR, REFLACX,
 * MicEye) with planted problems, and one DICOM per transfer syntax with known pixels. DICOMs are
 * written with dcmjs; compressed frames with the codecs' own encoders (OpenJPEG, CharLS), JPEG
 * baseline with jpeg-js (libjpeg-turbo's encoder build crashes, see encodeFrame), RLE with our
 * PackBits encoder, and JPEG lossless (process 14, SV1) with the minimal encoder below, since no
 * package here ships one.
 *
 *   npx tsx scripts/make-data-fixtures.ts <out-dir>
 *
 * Tests call `writeAllFixtures(dir)` into a temporary folder, so nothing binary is committed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { deflateRawSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import dcmjs from 'dcmjs';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import openjpeg from '@cornerstonejs/codec-openjpeg';
import charls from '@cornerstonejs/codec-charls';
import { encodeRle } from '../src/data/decode/rle.ts';
import { TRANSFER_SYNTAX } from '../src/data/decode/dicom.ts';

type Files = Record<string, Uint8Array | string>;

async function writeFiles(root: string, files: Files): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, typeof content === 'string' ? content : content);
  }
}

// ------------------------------------------------------------------------------------ images

/** A gradient with a bright square: recognisable after any resize. */
export function testPattern(width: number, height: number, max: number): Uint16Array {
  const out = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inSquare = x >= width / 4 && x < width / 2 && y >= height / 4 && y < height / 2;
      out[y * width + x] = inSquare ? max : Math.round(((x + y) / (width + height - 2)) * max * 0.5);
    }
  }
  return out;
}

export function png8(width: number, height: number): Uint8Array {
  return encodePng({ width, height, data: Uint8Array.from(testPattern(width, height, 255)), depth: 8, channels: 1 });
}

export function png16(width: number, height: number, data = testPattern(width, height, 65535)): Uint8Array {
  return encodePng({ width, height, data, depth: 16, channels: 1 });
}

export function pngRgb(width: number, height: number): Uint8Array {
  const grey = testPattern(width, height, 255);
  const data = new Uint8Array(width * height * 3);
  grey.forEach((v, i) => data.set([v, v, v], i * 3));
  return encodePng({ width, height, data, depth: 8, channels: 3 });
}

export function jpegGray(width: number, height: number): Uint8Array {
  const grey = testPattern(width, height, 255);
  const data = new Uint8Array(width * height * 4);
  grey.forEach((v, i) => data.set([v, v, v, 255], i * 4));
  return new Uint8Array(jpeg.encode({ width, height, data }, 95).data);
}

/** A PNG whose header claims 100,000 x 100,000: must be refused from the header alone. */
export function pngAbsurd(): Uint8Array {
  const real = png8(4, 4);
  const out = real.slice();
  const view = new DataView(out.buffer);
  view.setUint32(16, 100_000);
  view.setUint32(20, 100_000);
  return out; // CRC now wrong too; the header check must come first
}

export function heatmapPng(width: number, height: number, cx: number, cy: number): Uint8Array {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = Math.round(255 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 3 * 3)));
  return encodePng({ width, height, data, depth: 8, channels: 1 });
}

// ------------------------------------------------------------------------------------- DICOM

export interface DicomSpec {
  transferSyntax: string;
  width: number;
  height: number;
  bitsAllocated: 8 | 16;
  bitsStored: number;
  signed?: boolean;
  photometric?: 'MONOCHROME1' | 'MONOCHROME2' | 'YBR_FULL_422';
  samplesPerPixel?: 1 | 3;
  /** stored values, row-major */
  pixels: Uint16Array | Int16Array | Uint8Array;
  rescale?: { slope: number; intercept: number };
  window?: { center: number; width: number };
}

let uidCounter = 0;

/** A DICOM file holding spec's pixels, encoded in its transfer syntax, or `encodedFrame` as given. */
export async function makeDicom(spec: DicomSpec, encodedFrame?: Uint8Array): Promise<Uint8Array> {
  const { DicomDict, DicomMetaDictionary } = (dcmjs as any).data;
  const uid = `1.2.826.0.1.3680043.10.1234.${++uidCounter}`;
  const stored = new Uint8Array(spec.pixels.buffer, spec.pixels.byteOffset, spec.pixels.byteLength);
  const frame = encodedFrame ?? (await encodeFrame(spec, stored));
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1',
    MediaStorageSOPInstanceUID: uid,
    TransferSyntaxUID: spec.transferSyntax,
    ImplementationClassUID: '1.2.826.0.1.3680043.10.1234',
  };
  const dataset: Record<string, unknown> = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1',
    SOPInstanceUID: uid,
    Modality: 'DX',
    PatientID: 'FIXTURE',
    Rows: spec.height,
    Columns: spec.width,
    BitsAllocated: spec.bitsAllocated,
    BitsStored: spec.bitsStored,
    HighBit: spec.bitsStored - 1,
    PixelRepresentation: spec.signed ? 1 : 0,
    SamplesPerPixel: spec.samplesPerPixel ?? 1,
    PhotometricInterpretation: spec.photometric ?? 'MONOCHROME2',
    PixelData: [frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength)],
    _vrMap: { PixelData: spec.bitsAllocated === 8 ? 'OB' : 'OW' },
  };
  if (spec.rescale) Object.assign(dataset, { RescaleSlope: String(spec.rescale.slope), RescaleIntercept: String(spec.rescale.intercept) });
  if (spec.window) Object.assign(dataset, { WindowCenter: String(spec.window.center), WindowWidth: String(spec.window.width) });
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  const file = new Uint8Array(dict.write());
  if (spec.transferSyntax !== TRANSFER_SYNTAX.deflated) return file;
  // dcmjs reads deflated files but writes the dataset plain: deflate everything after the meta group.
  const metaEnd = 144 + new DataView(file.buffer).getUint32(140, true);
  const body = deflateRawSync(file.subarray(metaEnd));
  const out = new Uint8Array(metaEnd + body.length);
  out.set(file.subarray(0, metaEnd));
  out.set(body, metaEnd);
  return out;
}

async function runEncoder(factory: () => Promise<any>, className: string, spec: DicomSpec, stored: Uint8Array, configure: (e: any) => void): Promise<Uint8Array> {
  const codec = await factory();
  const encoder = new codec[className]();
  try {
    const info = { width: spec.width, height: spec.height, bitsPerSample: spec.bitsStored, componentCount: 1, isSigned: Boolean(spec.signed), isUsingColorSpace: false };
    encoder.getDecodedBuffer(info).set(stored);
    configure(encoder);
    encoder.encode();
    return new Uint8Array(encoder.getEncodedBuffer());
  } finally {
    encoder.delete();
  }
}

async function encodeFrame(spec: DicomSpec, stored: Uint8Array): Promise<Uint8Array> {
  const ts = spec.transferSyntax;
  if (ts === TRANSFER_SYNTAX.explicitLittle || ts === TRANSFER_SYNTAX.implicitLittle || ts === TRANSFER_SYNTAX.deflated) return stored;
  if (ts === TRANSFER_SYNTAX.rle) return encodeRle(stored, spec.width, spec.height, spec.bitsAllocated, 1);
  if (ts === TRANSFER_SYNTAX.jpeg2000Lossless) return runEncoder(openjpeg, 'J2KEncoder', spec, stored, (e) => {
    e.setQuality(true, 0);
    e.setDecompositions(2); // the default 5 levels need at least 32 px per side
  });
  if (ts === TRANSFER_SYNTAX.jpegLsLossless) return runEncoder(charls, 'JpegLSEncoder', spec, stored, () => {});
  if (ts === TRANSFER_SYNTAX.jpegBaseline) {
    // libjpeg-turbo's encoder build (1.2.8) crashes on some inputs ("Na[...] is not a function"),
    // so baseline frames come from jpeg-js: YCbCr 4:2:0, hence YBR_FULL_422 with 3 samples.
    const rgba = new Uint8Array(spec.width * spec.height * 4);
    spec.pixels.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
    return new Uint8Array(jpeg.encode({ width: spec.width, height: spec.height, data: rgba }, 100).data);
  }
  if (ts === TRANSFER_SYNTAX.jpegLosslessSV1) return encodeJpegLossless(spec.pixels as Uint16Array, spec.width, spec.height, spec.bitsStored);
  throw new Error(`no fixture encoder for transfer syntax ${ts}`);
}

/**
 * JPEG lossless, process 14, first-order prediction (ITU-T T.81 Annex H, selection value 1):
 * one Huffman table where every difference category 0..16 gets a 5-bit code.
 */
export function encodeJpegLossless(pixels: Uint16Array, width: number, height: number, precision: number): Uint8Array {
  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]) => out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  const counts = new Array(16).fill(0);
  counts[4] = 17; // 17 symbols of length 5
  const symbols = Array.from({ length: 17 }, (_, i) => i);
  segment(0xc4, [0x00, ...counts, ...symbols]);
  segment(0xc3, [precision, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  segment(0xda, [1, 1, 0x00, 1, 0, 0]);
  let acc = 0;
  let nbits = 0;
  const put = (value: number, bits: number) => {
    for (let b = bits - 1; b >= 0; b--) {
      acc = (acc << 1) | ((value >> b) & 1);
      if (++nbits === 8) {
        out.push(acc);
        if (acc === 0xff) out.push(0);
        acc = 0;
        nbits = 0;
      }
    }
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x];
      const pred = x === 0 && y === 0 ? 1 << (precision - 1) : x === 0 ? pixels[(y - 1) * width] : pixels[y * width + x - 1];
      let diff = (v - pred) % 65536;
      if (diff > 32768) diff -= 65536;
      if (diff < -32767) diff += 65536;
      const ssss = diff === 0 ? 0 : diff === 32768 ? 16 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      put(ssss, 5); // canonical codes: symbol k -> k (all length 5)
      if (ssss > 0 && ssss < 16) put(diff > 0 ? diff : diff + (1 << ssss) - 1, ssss);
    }
  }
  if (nbits > 0) put((1 << (8 - nbits)) - 1, 8 - nbits);
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}

/** Expected [0,1] output for a spec (PS3.3 C.11 linear window or min-max), for tests. */
export function expectedGray(spec: DicomSpec): Float32Array {
  const slope = spec.rescale?.slope ?? 1;
  const intercept = spec.rescale?.intercept ?? 0;
  const values = Array.from(spec.pixels, (v) => v * slope + intercept);
  let out: number[];
  if (spec.window) {
    const { center: c, width: w } = spec.window;
    out = values.map((x) => (x <= c - 0.5 - (w - 1) / 2 ? 0 : x > c - 0.5 + (w - 1) / 2 ? 1 : (x - (c - 0.5)) / (w - 1) + 0.5));
  } else {
    const min = Math.min(...values);
    const max = Math.max(...values);
    out = values.map((v) => (v - min) / (max - min || 1));
  }
  if (spec.photometric === 'MONOCHROME1') out = out.map((v) => 1 - v);
  return Float32Array.from(out);
}

export const DICOM_W = 24;
export const DICOM_H = 16;

export function dicomSpecs(): Record<string, DicomSpec> {
  const p12 = testPattern(DICOM_W, DICOM_H, 4095);
  const p8 = Uint8Array.from(testPattern(DICOM_W, DICOM_H, 255));
  const base = { width: DICOM_W, height: DICOM_H, bitsAllocated: 16 as const, bitsStored: 12, pixels: p12 };
  const signed = Int16Array.from(p12, (v) => v - 2048);
  return {
    'explicit-le-window': { ...base, transferSyntax: TRANSFER_SYNTAX.explicitLittle, rescale: { slope: 2, intercept: -1024 }, window: { center: 1500, width: 3000 } },
    'implicit-le-minmax': { ...base, transferSyntax: TRANSFER_SYNTAX.implicitLittle },
    'monochrome1': { ...base, transferSyntax: TRANSFER_SYNTAX.explicitLittle, photometric: 'MONOCHROME1', window: { center: 2048, width: 4096 } },
    'signed-rescale': { ...base, transferSyntax: TRANSFER_SYNTAX.explicitLittle, signed: true, pixels: signed, rescale: { slope: 1, intercept: -1000 }, window: { center: -1000, width: 2000 } },
    'rle': { ...base, transferSyntax: TRANSFER_SYNTAX.rle, window: { center: 2048, width: 4096 } },
    'deflated': { ...base, transferSyntax: TRANSFER_SYNTAX.deflated, window: { center: 1024, width: 2048 } },
    'jpeg-lossless': { ...base, transferSyntax: TRANSFER_SYNTAX.jpegLosslessSV1 },
    'jpeg-ls': { ...base, transferSyntax: TRANSFER_SYNTAX.jpegLsLossless, rescale: { slope: 1, intercept: 0 } },
    'jpeg2000': { ...base, transferSyntax: TRANSFER_SYNTAX.jpeg2000Lossless, photometric: 'MONOCHROME1' },
    'jpeg-baseline': { width: DICOM_W, height: DICOM_H, bitsAllocated: 8, bitsStored: 8, pixels: p8, transferSyntax: TRANSFER_SYNTAX.jpegBaseline, samplesPerPixel: 3, photometric: 'YBR_FULL_422' },
  };
}

export async function dicomFiles(): Promise<Files> {
  const files: Files = {};
  for (const [name, spec] of Object.entries(dicomSpecs())) files[`${name}.dcm`] = await makeDicom(spec);
  return files;
}

// ---------------------------------------------------------------------------------- datasets

/** Every planted problem: a file-path fragment and a fragment of the reason. */
export interface PlantedProblem {
  file: string;
  reason: string;
}

export async function nativeFixture(): Promise<{ files: Files; planted: PlantedProblem[] }> {
  const dcm = await makeDicom({ transferSyntax: TRANSFER_SYNTAX.explicitLittle, width: 32, height: 32, bitsAllocated: 16, bitsStored: 12, pixels: testPattern(32, 32, 4095) });
  const o5 = png8(32, 32);
  const o6 = jpegGray(32, 32);
  const files: Files = {
    'images/normal/n1.png': png8(32, 32),
    'images/normal/n1.jpg': jpegGray(32, 32),
    'images/normal/n2.png': png16(40, 30),
    'gaze/normal/n2.csv': 'x,y,duration\n10,10,0.5\n20,15,0.25\nabc,5,0.2\n300,10,0.1\n',
    'images/normal/n3.jpg': jpegGray(24, 24),
    'images/normal/empty.png': new Uint8Array(0),
    'images/normal/.DS_Store': new Uint8Array([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]),
    'images/normal/notes.txt': 'radiologist notes\n',
    'images/opacity/o1.dcm': dcm,
    'images/opacity/o2.png': png8(32, 32),
    'gaze/opacity/o2.png': heatmapPng(32, 32, 8, 24),
    'images/opacity/o3.png': png8(32, 32),
    'gaze/opacity/o3.png': heatmapPng(20, 40, 5, 5),
    'images/opacity/o4.png': png8(32, 32),
    'gaze/opacity/o4.png': pngRgb(16, 16),
    'images/opacity/o5.png': o5.subarray(0, Math.floor(o5.length / 2)),
    'images/opacity/o6.jpg': o6.subarray(0, Math.floor(o6.length / 2)),
    'images/opacity/huge.png': pngAbsurd(),
    'images/loose.png': png8(16, 16),
    'gaze/normal/ghost.csv': 'x,y\n1,1\n',
    'Thumbs.db': new Uint8Array([0xd0, 0xcf, 0x11, 0xe0]),
  };
  const planted: PlantedProblem[] = [
    { file: 'images/normal/n1.jpg', reason: 'duplicate id' },
    { file: 'gaze/normal/n2.csv', reason: 'line 4: malformed' },
    { file: 'gaze/normal/n2.csv', reason: 'line 5: fixation (300, 10) lies outside' },
    { file: 'images/normal/empty.png', reason: 'zero-byte' },
    { file: 'images/normal/.DS_Store', reason: 'operating-system metadata' },
    { file: 'images/normal/notes.txt', reason: 'not an image' },
    { file: 'gaze/opacity/o3.png', reason: 'heatmap size mismatch' },
    { file: 'gaze/opacity/o4.png', reason: 'RGB' },
    { file: 'images/opacity/o5.png', reason: 'truncated' },
    { file: 'images/opacity/o6.jpg', reason: 'truncated' },
    { file: 'images/opacity/huge.png', reason: 'absurd dimensions' },
    { file: 'images/loose.png', reason: 'image without label' },
    { file: 'gaze/normal/ghost.csv', reason: 'gaze without image' },
    { file: 'Thumbs.db', reason: 'operating-system metadata' },
  ];
  return { files, planted };
}

/** Native layout with labels.csv (patients) and split.csv instead of class folders. */
export function nativeCsvFixture(): { files: Files; planted: PlantedProblem[] } {
  const files: Files = {};
  const labelRows = ['image,label,patient'];
  const splitRows = ['image,split'];
  for (let i = 0; i < 12; i++) {
    const path = `images/img${i}.png`;
    files[path] = png8(16, 16);
    labelRows.push(`${path},${i % 2 ? 'effusion' : 'clear'},P${Math.floor(i / 2)}`);
    if (i < 4) splitRows.push(`${path},${i === 3 ? 'holdout' : 'test'}`);
  }
  labelRows.push('images/img0.png,effusion,P0'); // duplicate row
  labelRows.push('images/img5.png,effusion'); // too few fields
  labelRows.push('images/missing.png,clear,P9'); // not in the folder
  files['labels.csv'] = labelRows.join('\n') + '\n';
  files['split.csv'] = splitRows.join('\n') + '\n';
  files['images/unlisted.png'] = png8(16, 16);
  return {
    files,
    planted: [
      { file: 'labels.csv', reason: 'line 14: duplicate id' },
      { file: 'labels.csv', reason: 'line 15: 2 fields' },
      { file: 'labels.csv', reason: 'line 16: images/missing.png not found' },
      { file: 'split.csv', reason: 'line 5: split "holdout"' },
      { file: 'images/unlisted.png', reason: 'image without label' },
    ],
  };
}

export const EGD_IDS = ['3a1b2c3d-aaaa1111-bbbb2222-cccc3333-dddd4444', '4b2c3d4e-eeee5555-ffff6666-00007777-11118888', '5c3d4e5f-22229999-3333aaaa-4444bbbb-5555cccc'];

export async function egdFixture(): Promise<{ files: Files; planted: PlantedProblem[] }> {
  const [a, b, c] = EGD_IDS;
  const dcm = (photometric: 'MONOCHROME1' | 'MONOCHROME2') =>
    makeDicom({ transferSyntax: TRANSFER_SYNTAX.explicitLittle, width: 64, height: 48, bitsAllocated: 16, bitsStored: 12, pixels: testPattern(64, 48, 4095), photometric });
  const header = 'dicom_id,path,study_id,patient_id,stay_id,gender,anchor_age,image_top_pad,image_bottom_pad,image_left_pad,image_right_pad,Normal,CHF,pneumonia';
  const master = [
    header,
    `${a},files/p10/p10000001/s50000001/${a}.dcm,50000001,10000001,30000001,F,50,0,0,420,420,1,0,0`,
    `${b},files/p10/p10000002/s50000002/${b}.dcm,50000002,10000002,30000002,M,61,0,0,400,400,0,1,0`,
    `${c},files/p10/p10000003/s50000003/${c}.dcm,50000003,10000003,30000003,M,70,0,0,400,400,0,0,1`,
    `deadbeef-0000,files/p10/p10000004/s5/deadbeef-0000.dcm,5,10000004,3,F,40,0,0,400,400,0,0,0`,
    `cafebabe-0000,files/p10/p10000005/s6/cafebabe-0000.dcm,6,10000005,4,F,41,0,0,400,400,1,0,0`,
  ].join('\n');
  const fixHeader = 'SESSION_ID,MEDIA_ID,DICOM_ID,CNT,TIME (in secs),FPOGX,FPOGY,FPOGS,FPOGD,FPOGID,FPOGV,X_ORIGINAL,Y_ORIGINAL';
  const fix = [
    fixHeader,
    `1,0,${a},0,0.1,0.5,0.5,0.1,0.30,1,1,10,12`,
    `1,0,${a},1,0.4,0.5,0.5,0.4,0.20,2,1,40,30`,
    `1,0,${a},2,0.6,0.0,0.0,0.6,0.10,3,1,-1,-1`,
    `1,1,${b},0,0.1,0.5,0.5,0.1,0.50,4,1,500,20`,
    `1,1,${b},1,0.3,0.5,0.5,0.3,0.50,5,1,30,20`,
    `1,1,${b},2,0.5,0.5,0.5,0.5,0.50,6,1,abc,20`,
    `1,2,unknown-dicom,0,0.1,0.5,0.5,0.1,0.50,7,1,3,3`,
  ].join('\n');
  return {
    files: {
      'egd-cxr/1.0.0/master_sheet.csv': master + '\n',
      'egd-cxr/1.0.0/fixations.csv': fix + '\n',
      'egd-cxr/1.0.0/bounding_boxes.csv': 'dicom_id,bbox_name,x1,x2,y1,y2\n',
      [`mimic-cxr/files/p10/p10000001/s50000001/${a}.dcm`]: await dcm('MONOCHROME2'),
      [`mimic-cxr/files/p10/p10000002/s50000002/${b}.dcm`]: await dcm('MONOCHROME1'),
      [`mimic-cxr/files/p10/p10000003/s50000003/${c}.dcm`]: await dcm('MONOCHROME2'),
      [`mimic-cxr/files/p10/p10000004/s5/deadbeef-0000.dcm`]: await dcm('MONOCHROME2'),
    },
    planted: [
      { file: 'master_sheet.csv', reason: 'line 5: image without label' },
      { file: 'master_sheet.csv', reason: 'line 6: image cafebabe-0000' },
      { file: 'fixations.csv', reason: 'line 5: fixation (500, 20) lies outside' },
      { file: 'fixations.csv', reason: 'line 7: malformed' },
      { file: 'fixations.csv', reason: 'line 8: gaze without image' },
    ],
  };
}

export async function reflacxFixture(): Promise<{ files: Files; planted: PlantedProblem[] }> {
  const findings = ['Abnormal mediastinal contour', 'Acute fracture', 'Atelectasis', 'Consolidation', 'Enlarged cardiac silhouette', 'Enlarged hilum', 'Groundglass opacity', 'Hiatal hernia', 'High lung volume / emphysema', 'Interstitial lung disease', 'Lung nodule or mass', 'Pleural abnormality', 'Pneumothorax', 'Pulmonary edema'];
  const header = ['id', 'split', 'eye_tracking_data_discarded', 'image', 'dicom_id', 'subject_id', 'image_size_x', 'image_size_y', ...findings, 'Support devices', 'Other'];
  const row = (id: string, split: string, discarded: string, dicom: string, certainty: Record<string, number>) =>
    [id, split, discarded, `physionet.org/files/mimic-cxr/2.0.0/files/p1/p1000/s1/${dicom}.dcm`, dicom, '1000', '200', '160', ...findings.map((f) => String(certainty[f] ?? 0)), 'False', ''].map((v) => (v.includes(',') ? `"${v}"` : v)).join(',');
  const meta = [
    header.map((h) => (h.includes(',') ? `"${h}"` : h)).join(','),
    row('P300R000001', 'train', 'False', 'dicomA', { Consolidation: 5, Atelectasis: 2 }),
    row('P300R000002', 'validate', 'False', 'dicomB', { 'Lung nodule or mass': 1 }),
    row('P300R000003', 'test', 'True', 'dicomC', { 'Pulmonary edema': 4 }),
  ].join('\n');
  const fixHeader = 'timestamp_start_fixation,timestamp_end_fixation,x_position,y_position,pupil_area_normalized,angular_resolution_x_pixels_per_degree,angular_resolution_y_pixels_per_degree,window_level,window_width,xmin_shown_from_image,ymin_shown_from_image,xmax_shown_from_image,ymax_shown_from_image,xmin_in_screen_coordinates,ymin_in_screen_coordinates,xmax_in_screen_coordinates,ymax_in_screen_coordinates';
  const fixRow = (t0: number, t1: number, x: number | string, y: number) => `${t0},${t1},${x},${y},1.0,10,10,0.5,1.0,0,0,200,160,0,0,3840,2160`;
  return {
    files: {
      'reflacx/main_data/metadata_phase_3.csv': meta + '\n',
      'reflacx/main_data/P300R000001/fixations.csv': [fixHeader, fixRow(0.1, 0.9, 100, 80), fixRow(1.0, 1.2, 20, 20)].join('\n') + '\n',
      'reflacx/main_data/P300R000001/chest_bounding_box.csv': 'xmin,ymin,xmax,ymax\n10,10,190,150\n',
      'reflacx/main_data/P300R000002/fixations.csv': [fixHeader, fixRow(0.1, 0.3, 50, 50), fixRow(0.3, 0.5, 'x', 50)].join('\n') + '\n',
      'reflacx/main_data/P999R000009/fixations.csv': [fixHeader, fixRow(0.1, 0.3, 5, 5)].join('\n') + '\n',
      // The images were downsized to half the REFLACX frame (200 x 160): gaze must scale along.
      'mimic/dicomA.png': png8(100, 80),
      'mimic/dicomB.dcm': await makeDicom({ transferSyntax: TRANSFER_SYNTAX.explicitLittle, width: 200, height: 160, bitsAllocated: 16, bitsStored: 12, pixels: testPattern(200, 160, 4095) }),
      'mimic/dicomC.jpg': jpegGray(200, 160),
    },
    planted: [
      { file: 'P300R000002/fixations.csv', reason: 'line 3: malformed' },
      { file: 'P999R000009/fixations.csv', reason: 'gaze without image' },
    ],
  };
}

export function miceyeFixture(): { files: Files; planted: PlantedProblem[] } {
  const log = [
    'C:\\Users\\reader\\MicEye\\data\\cxr\\m1.png;1;[[100, 100], [102, 98], [300, 350]];[(10, 10, 50, 50)];(-1, -1)',
    'C:\\Users\\reader\\MicEye\\data\\cxr\\m2.png;0;[[50, 60]];[];(-1, -1)',
    'C:\\Users\\reader\\MicEye\\data\\cxr\\m3.png;0;[[1, 1]];[];(-1, -1)',
    'garbage line without fields',
  ].join('\n');
  return {
    files: {
      'config.json': JSON.stringify({ 'image folder': 'C:\\data', 'image height': 400 }),
      'logs/reader2021-9-23-14-5.csv': log + '\n',
      // Shown at 400 px high; the files are 200 px high, so gaze scales by one half. An images/
      // folder, as MicEye users keep, must not make this look like the native layout.
      'images/m1.png': png8(200, 200),
      'images/m2.png': png8(100, 200),
    },
    planted: [
      { file: 'reader2021-9-23-14-5.csv', reason: 'line 3: gaze without image' },
      { file: 'reader2021-9-23-14-5.csv', reason: 'line 4: malformed' },
    ],
  };
}

export async function writeAllFixtures(root: string): Promise<Record<string, PlantedProblem[]>> {
  const native = await nativeFixture();
  const nativeCsv = nativeCsvFixture();
  const egd = await egdFixture();
  const reflacx = await reflacxFixture();
  const miceye = miceyeFixture();
  await writeFiles(join(root, 'native'), native.files);
  await writeFiles(join(root, 'native-csv'), nativeCsv.files);
  await writeFiles(join(root, 'egd-cxr'), egd.files);
  await writeFiles(join(root, 'reflacx'), reflacx.files);
  await writeFiles(join(root, 'miceye'), miceye.files);
  await writeFiles(join(root, 'dicom'), await dicomFiles());
  return { native: native.planted, 'native-csv': nativeCsv.planted, 'egd-cxr': egd.planted, reflacx: reflacx.planted, miceye: miceye.planted };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: npx tsx scripts/make-data-fixtures.ts <out-dir>');
    process.exit(2);
  }
  const planted = await writeAllFixtures(out);
  console.error(`wrote fixtures to ${out}: ${Object.entries(planted).map(([k, v]) => `${k} (${v.length} planted problems)`).join(', ')}`);
}
