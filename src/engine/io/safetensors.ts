/**
 * safetensors on Uint8Array, DOM-free (no npm writer is maintained, and Python's package is not on
 * Debian). Format (huggingface/safetensors): 8-byte little-endian u64 header length N, N bytes of
 * UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`
 * (padded with spaces; we pad to a multiple of 8 so the data section stays aligned), then the raw
 * little-endian tensor bytes, offsets relative to the start of the data section.
 */

export type SafetensorsDtype =
  | 'F64' | 'F32' | 'F16' | 'BF16'
  | 'I64' | 'I32' | 'I16' | 'I8'
  | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Raw little-endian bytes; its own (aligned) buffer after parsing. */
  data: Uint8Array;
}

export interface SafetensorsFile {
  /** In header order. */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export class SafetensorsFormatError extends Error {
  override name = 'SafetensorsFormatError';
}

/** Largest header we accept (the reference implementation's limit is 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

function assertLittleEndianHost(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('safetensors I/O here assumes a little-endian host.');
  }
}

export function numElements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  assertLittleEndianHost();
  if (bytes.byteLength < 8) {
    throw new SafetensorsFormatError(`File is ${bytes.byteLength} bytes; a safetensors file has at least an 8-byte header length.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.byteLength) {
    throw new SafetensorsFormatError(
      `Header length ${headerLen} does not fit a ${bytes.byteLength}-byte file: not a safetensors file, or truncated.`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new SafetensorsFormatError(`Header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsFormatError('Header must be a JSON object.');
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsTensor>();
  const ranges: Array<[number, number, string]> = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null) throw new SafetensorsFormatError('__metadata__ must be an object of strings.');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new SafetensorsFormatError(`__metadata__["${k}"] must be a string; got ${typeof v}.`);
        metadata[k] = v;
      }
      continue;
    }
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = entry?.dtype as SafetensorsDtype;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
      throw new SafetensorsFormatError(`Tensor "${name}": unsupported dtype ${JSON.stringify(entry?.dtype)}.`);
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsFormatError(`Tensor "${name}": shape must be a list of non-negative integers; got ${JSON.stringify(shape)}.`);
    }
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsFormatError(`Tensor "${name}": data_offsets must be [begin, end]; got ${JSON.stringify(offsets)}.`);
    }
    const [begin, end] = offsets as [number, number];
    const expectedBytes = numElements(shape) * DTYPE_BYTES[dtype];
    if (end < begin || end - begin !== expectedBytes) {
      throw new SafetensorsFormatError(
        `Tensor "${name}": ${dtype} ${JSON.stringify(shape)} needs ${expectedBytes} bytes; data_offsets span ${end - begin}.`,
      );
    }
    if (end > dataLen) {
      throw new SafetensorsFormatError(`Tensor "${name}": data ends at byte ${end} of a ${dataLen}-byte data section (truncated file?).`);
    }
    ranges.push([begin, end, name]);
    // slice() copies into a fresh, aligned buffer: typed-array views need alignment.
    tensors.set(name, { dtype, shape: shape as number[], data: bytes.slice(dataStart + begin, dataStart + end) });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) {
      throw new SafetensorsFormatError(`Tensors "${ranges[i - 1][2]}" and "${ranges[i][2]}" overlap in the data section.`);
    }
  }
  return { tensors, metadata };
}

/**
 * Writes tensors in the order given (iteration order of the map), with `__metadata__` first when
 * non-empty. Returns one Uint8Array with the whole file.
 */
export function serializeSafetensors(
  tensors: Map<string, SafetensorsTensor> | Array<[string, SafetensorsTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  assertLittleEndianHost();
  const entries = Array.isArray(tensors) ? tensors : [...tensors.entries()];
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new Error('"__metadata__" is reserved and cannot name a tensor.');
    if (seen.has(name)) throw new Error(`Duplicate tensor name "${name}".`);
    seen.add(name);
    const expected = numElements(t.shape) * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== expected) {
      throw new Error(`Tensor "${name}": ${t.dtype} ${JSON.stringify(t.shape)} needs ${expected} bytes; got ${t.data.byteLength}.`);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + expected] };
    offset += expected;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLen); // spaces, as the spec pads
  let pos = 8 + headerLen;
  for (const [, t] of entries) {
    out.set(t.data, pos);
    pos += t.data.byteLength;
  }
  return out;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export function f32Tensor(shape: number[], values: Float32Array): SafetensorsTensor {
  return { dtype: 'F32', shape: [...shape], data: bytesOf(values) };
}

export function i64Tensor(shape: number[], values: BigInt64Array | readonly number[]): SafetensorsTensor {
  const arr = values instanceof BigInt64Array ? values : BigInt64Array.from(values, (v) => BigInt(v));
  return { dtype: 'I64', shape: [...shape], data: bytesOf(arr) };
}

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Float tensors (F32, F64, F16, BF16) as Float32Array; throws for integer dtypes. */
export function toFloat32(t: SafetensorsTensor): Float32Array {
  const buf = t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength) as ArrayBuffer;
  switch (t.dtype) {
    case 'F32':
      return new Float32Array(buf);
    case 'F64':
      return Float32Array.from(new Float64Array(buf));
    case 'F16':
      return Float32Array.from(new Uint16Array(buf), f16ToF32);
    case 'BF16': {
      const src = new Uint16Array(buf);
      const wide = new Uint32Array(src.length);
      for (let i = 0; i < src.length; i++) wide[i] = src[i] << 16;
      return new Float32Array(wide.buffer);
    }
    default:
      throw new Error(`Expected a float tensor; got ${t.dtype}.`);
  }
}

/** Integer tensors as JS numbers (throws past 2^53). */
export function toIntegers(t: SafetensorsTensor): number[] {
  const buf = t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength) as ArrayBuffer;
  const asNumbers = (a: ArrayLike<number | bigint>) =>
    Array.from(a, (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n)) throw new Error(`Integer ${v} is beyond 2^53.`);
      return n;
    });
  switch (t.dtype) {
    case 'I64': return asNumbers(new BigInt64Array(buf));
    case 'U64': return asNumbers(new BigUint64Array(buf));
    case 'I32': return asNumbers(new Int32Array(buf));
    case 'U32': return asNumbers(new Uint32Array(buf));
    case 'I16': return asNumbers(new Int16Array(buf));
    case 'U16': return asNumbers(new Uint16Array(buf));
    case 'I8': return asNumbers(new Int8Array(buf));
    case 'U8':
    case 'BOOL': return asNumbers(new Uint8Array(buf));
    default:
      throw new Error(`Expected an integer tensor; got ${t.dtype}.`);
  }
}
