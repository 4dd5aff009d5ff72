/**
 * The prepared-dataset layout (`gazecam prepare`): a dataset decoded and preprocessed once, written
 * as shards of .npy arrays that numpy alone reads and a PyTorch DataLoader streams
 * (python/gazecam_torch/data.py), plus manifest.json. DOM-free and free of Node built-ins: the
 * command (src/node/commands/prepare.ts) does the file system; this file says what goes where.
 *
 * Per shard, arrays of the samples it holds, in the engine's training layout (engine/train/data.ts):
 *   <shard>.images.npy uint16 [n,S,S]   <shard>.gaze.npy uint8 [n,S,S]   <shard>.labels.npy int32 [n]
 *   <shard>.has_gaze.npy uint8 [n]      <shard>.conflict.npy uint8 [n]
 * Shards live in `shards-<datasetId>/`, the id hashing the source files and the options, so a
 * manifest copied from another dataset points at files this folder does not have.
 */
import type { PreprocessedCache } from './cache.ts';
import type { DatasetReport, Problem, Sample, Split } from './types.ts';

export const PREPARED_FORMAT = 'gazecam-prepared';
export const PREPARED_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const PREPARED_SPLITS: readonly Split[] = ['train', 'val', 'test'];
/** Shard size target: a shard is what `prepare` holds in memory at once. */
export const DEFAULT_SHARD_MB = 256;

export type ShardArray = 'images' | 'gaze' | 'labels' | 'has_gaze' | 'conflict';
export const SHARD_ARRAYS: readonly ShardArray[] = ['images', 'gaze', 'labels', 'has_gaze', 'conflict'];

export interface ShardEntry {
  name: string;
  count: number;
  /** paths relative to the prepared folder */
  files: Record<ShardArray, string>;
}

export interface PreparedSplitEntry {
  count: number;
  /** per sample, in shard order */
  ids: string[];
  imagePaths: string[];
  shards: ShardEntry[];
}

export interface PrepareOptions {
  size: number;
  /** split seed (the stratified 80/10/10 split when the dataset has no split.csv) */
  seed: number;
  /** fixation sigma override in original pixels; 0: the format's recipe */
  gazeSigmaPx: number;
}

export interface SourceFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface PreparedManifest {
  format: typeof PREPARED_FORMAT;
  version: typeof PREPARED_VERSION;
  created: string;
  /** hex hash of the source files and the options; names the shard folder */
  datasetId: string;
  source: { root: string; files: number; bytes: number };
  classNames: string[];
  preprocess: {
    size: number;
    seed: number;
    gazeSigmaPx: number;
    images: 'uint16 gray, x / 65535 in [0, 1], before mean/std';
    gaze: 'uint8, x / 255 in [0, 1], min-max normalised; zeros without gaze';
    decode: string;
  };
  report: Omit<DatasetReport, 'problems'>;
  /** files the scan or the decoder could not use, with reasons; the rest is prepared */
  problems: Problem[];
  splits: Record<Split, PreparedSplitEntry>;
}

/** Canonical text of what a prepared folder depends on; the command hashes it to the dataset id. */
export function fingerprintText(files: readonly SourceFile[], options: PrepareOptions): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const lines = sorted.map((f) => `${f.path}\t${f.size}\t${Math.round(f.mtimeMs)}`);
  return [`${PREPARED_FORMAT} v${PREPARED_VERSION}`, `size=${options.size} seed=${options.seed} sigma=${options.gazeSigmaPx}`, ...lines].join('\n');
}

export const shardDir = (datasetId: string) => `shards-${datasetId}`;

/** Samples per shard so one shard's arrays stay near `shardMb` (at least one sample). */
export function samplesPerShard(size: number, shardMb = DEFAULT_SHARD_MB): number {
  const bytesPerSample = size * size * 3 + 9; // uint16 image + uint8 gaze + label, flags
  return Math.max(1, Math.floor((shardMb * 1024 * 1024) / bytesPerSample));
}

/** The samples of each split, cut into shards of `perShard`, in the scan's order. */
export function planShards(samples: readonly Sample[], perShard: number): Array<{ split: Split; index: number; samples: Sample[] }> {
  const plan: Array<{ split: Split; index: number; samples: Sample[] }> = [];
  for (const split of PREPARED_SPLITS) {
    const of = samples.filter((s) => s.split === split);
    for (let start = 0, index = 0; start < of.length; start += perShard, index++) {
      plan.push({ split, index, samples: of.slice(start, start + perShard) });
    }
  }
  return plan;
}

export interface ShardArrays {
  samples: Sample[];
  images: Uint16Array;
  gaze: Uint8Array;
  labels: Int32Array;
  hasGaze: Uint8Array;
  conflict: Uint8Array;
}

/** One shard's arrays from the data layer's preprocessed cache (16-bit images), laid out per
 *  sample as the engine trains on them: labels by the dataset's class order, conflict from meta. */
export function shardArrays(cache: PreprocessedCache): ShardArrays {
  if (!(cache.images instanceof Uint16Array)) throw new Error('prepared shards hold 16-bit images: preprocess with imageBits 16');
  const n = cache.samples.length;
  const pixels = cache.pixels;
  // When every sample kept its own gaze slot in order, the cache's gaze maps are the shard's layout.
  const inPlace = cache.gaze.length === n * pixels && cache.gazeSlot.every((slot, i) => slot === i);
  const out: ShardArrays = {
    samples: cache.samples,
    images: cache.images,
    gaze: inPlace ? cache.gaze : new Uint8Array(n * pixels),
    labels: new Int32Array(n),
    hasGaze: new Uint8Array(n),
    conflict: new Uint8Array(n),
  };
  cache.samples.forEach((sample, i) => {
    const slot = cache.gazeSlot[i];
    if (slot >= 0) {
      out.hasGaze[i] = 1;
      if (!inPlace) out.gaze.set(cache.gaze.subarray(slot * pixels, (slot + 1) * pixels), i * pixels);
    }
    out.labels[i] = sample.labelIndex;
    out.conflict[i] = sample.meta?.conflict === '1' ? 1 : 0;
  });
  return out;
}

export function shardEntry(datasetId: string, split: Split, index: number, count: number): ShardEntry {
  const name = `${split}-${String(index).padStart(5, '0')}`;
  const files = Object.fromEntries(SHARD_ARRAYS.map((a) => [a, `${shardDir(datasetId)}/${name}.${a}.npy`])) as Record<ShardArray, string>;
  return { name, count, files };
}

/** Each array of a shard as .npy parts (header, then the array's own bytes: no copy of the
 *  images), keyed like ShardEntry.files. */
export function encodeShard(arrays: ShardArrays, size: number): Record<ShardArray, [Uint8Array, Uint8Array]> {
  const n = arrays.samples.length;
  return {
    images: npyParts(arrays.images, [n, size, size]),
    gaze: npyParts(arrays.gaze, [n, size, size]),
    labels: npyParts(arrays.labels, [n]),
    has_gaze: npyParts(arrays.hasGaze, [n]),
    conflict: npyParts(arrays.conflict, [n]),
  };
}

// --- .npy v1.0 (C order, little-endian) ------------------------------------------------------------

type NpyArray = Uint8Array | Uint16Array | Int32Array | Float32Array;
const DESCR: Array<[string, new (buffer: ArrayBuffer, offset: number, length: number) => NpyArray, number]> = [
  ['|u1', Uint8Array, 1],
  ['<u2', Uint16Array, 2],
  ['<i4', Int32Array, 4],
  ['<f4', Float32Array, 4],
];

function descrOf(values: NpyArray): string {
  if (values instanceof Uint8Array) return '|u1';
  if (values instanceof Uint16Array) return '<u2';
  if (values instanceof Int32Array) return '<i4';
  return '<f4';
}

/** The header numpy writes: a dict literal padded with spaces and a newline to a 64-byte boundary. */
function npyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const preamble = 10; // magic (6) + version (2) + header length (2)
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const out = new Uint8Array(total);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, total - preamble, true);
  out.set(new TextEncoder().encode(dict.padEnd(total - preamble - 1, ' ') + '\n'), preamble);
  return out;
}

/** A .npy file as [header, data]: the data part is a view of `values`, not a copy. */
export function npyParts(values: NpyArray, shape: readonly number[]): [Uint8Array, Uint8Array] {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length) throw new Error(`npy: shape [${shape}] holds ${count} values, got ${values.length}`);
  return [npyHeader(descrOf(values), shape), new Uint8Array(values.buffer, values.byteOffset, values.byteLength)];
}

export function encodeNpy(values: NpyArray, shape: readonly number[]): Uint8Array {
  const [header, data] = npyParts(values, shape);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/** Bytes of the .npy file encodeNpy writes for `shape` of `descr` (to spot truncated shards). */
export function npyByteLength(descr: '|u1' | '<u2' | '<i4' | '<f4', shape: readonly number[]): number {
  const itemBytes = DESCR.find(([d]) => d === descr)![2];
  return npyHeader(descr, shape).length + shape.reduce((a, b) => a * b, 1) * itemBytes;
}

export const SHARD_DESCR: Record<ShardArray, '|u1' | '<u2' | '<i4'> = {
  images: '<u2', gaze: '|u1', labels: '<i4', has_gaze: '|u1', conflict: '|u1',
};

/** Reads a .npy v1/v2 file of one of the dtypes above (C order); names `source` in errors. */
export function decodeNpy(bytes: Uint8Array, source: string): { shape: number[]; values: NpyArray } {
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (bytes.length < 10 || bytes[0] !== 0x93 || magic !== 'NUMPY') throw new Error(`${source}: not a .npy file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = new TextDecoder().decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${source}: Fortran-ordered arrays are not supported`);
  const kind = DESCR.find(([d]) => d === descr);
  if (!kind) throw new Error(`${source}: dtype ${descr} is not one of ${DESCR.map(([d]) => d).join(', ')}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - start < count * kind[2]) {
    throw new Error(`${source}: ${bytes.length - start} data bytes for shape [${shape}] of ${descr}: truncated; run gazecam prepare again`);
  }
  const copy = bytes.slice(start, start + count * kind[2]); // own, aligned buffer
  return { shape, values: new kind[1](copy.buffer, 0, count) };
}

/**
 * One split of a prepared folder as the engine's training arrays (engine/train/data.ts SplitData,
 * structurally): `read` returns a file's bytes by its path relative to the folder.
 */
export async function readPreparedSplit(manifest: PreparedManifest, split: Split, read: (path: string) => Promise<Uint8Array>) {
  const entry = manifest.splits[split];
  const size = manifest.preprocess.size;
  const pixels = size * size;
  const out = {
    split,
    count: entry.count,
    size,
    ids: entry.ids,
    imagePaths: entry.imagePaths,
    images: new Uint16Array(entry.count * pixels),
    gaze: new Uint8Array(entry.count * pixels),
    hasGaze: new Uint8Array(entry.count),
    labels: new Int32Array(entry.count),
    conflict: new Uint8Array(entry.count),
  };
  let offset = 0;
  for (const shard of entry.shards) {
    const load = async (a: ShardArray) => decodeNpy(await read(shard.files[a]), shard.files[a]).values;
    out.images.set(await load('images'), offset * pixels);
    out.gaze.set(await load('gaze'), offset * pixels);
    out.labels.set(await load('labels'), offset);
    out.hasGaze.set(await load('has_gaze'), offset);
    out.conflict.set(await load('conflict'), offset);
    offset += shard.count;
  }
  return out;
}
