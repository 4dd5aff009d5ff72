/**
 * A minimal ZIP writer (stored entries, no compression): the export bundle is a handful of files
 * whose bulk is float32 weights, which deflate barely shrinks. No dependency, no DOM; readable by
 * every unzip, Python's zipfile and the OS file managers. Sizes under 4 GiB (no ZIP64).
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  /** forward slashes, no leading slash */
  path: string;
  data: Uint8Array;
}

const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;
/** bit 11: file names are UTF-8 */
const FLAG_UTF8 = 0x0800;
/** 1980-01-01 00:00 in MS-DOS date/time: reproducible bundles, no clock in the bytes */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export function zipStored(entries: ZipEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const names = entries.map((e) => encoder.encode(e.path));
  const crcs = entries.map((e) => crc32(e.data));
  const localSize = entries.reduce((sum, e, i) => sum + LOCAL_HEADER + names[i]!.length + e.data.length, 0);
  const centralSize = entries.reduce((sum, _, i) => sum + CENTRAL_HEADER + names[i]!.length, 0);
  if (localSize + centralSize + END_RECORD > 0xffffffff) throw new Error('export bundle over 4 GiB: ZIP64 is not supported');
  const out = new Uint8Array(localSize + centralSize + END_RECORD);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  let at = 0;
  entries.forEach((entry, i) => {
    offsets.push(at);
    view.setUint32(at, 0x04034b50, true);
    view.setUint16(at + 4, 20, true); // version needed: 2.0
    view.setUint16(at + 6, FLAG_UTF8, true);
    view.setUint16(at + 8, 0, true); // stored
    view.setUint16(at + 10, 0, true);
    view.setUint16(at + 12, DOS_DATE, true);
    view.setUint32(at + 14, crcs[i]!, true);
    view.setUint32(at + 18, entry.data.length, true);
    view.setUint32(at + 22, entry.data.length, true);
    view.setUint16(at + 26, names[i]!.length, true);
    view.setUint16(at + 28, 0, true);
    out.set(names[i]!, at + LOCAL_HEADER);
    out.set(entry.data, at + LOCAL_HEADER + names[i]!.length);
    at += LOCAL_HEADER + names[i]!.length + entry.data.length;
  });
  const centralStart = at;
  entries.forEach((entry, i) => {
    view.setUint32(at, 0x02014b50, true);
    view.setUint16(at + 4, 20, true); // made by
    view.setUint16(at + 6, 20, true); // needed
    view.setUint16(at + 8, FLAG_UTF8, true);
    view.setUint16(at + 10, 0, true);
    view.setUint16(at + 12, 0, true);
    view.setUint16(at + 14, DOS_DATE, true);
    view.setUint32(at + 16, crcs[i]!, true);
    view.setUint32(at + 20, entry.data.length, true);
    view.setUint32(at + 24, entry.data.length, true);
    view.setUint16(at + 28, names[i]!.length, true);
    // extra length, comment length, disk start, internal attrs: 0
    view.setUint32(at + 38, 0, true); // external attrs
    view.setUint32(at + 42, offsets[i]!, true);
    out.set(names[i]!, at + CENTRAL_HEADER);
    at += CENTRAL_HEADER + names[i]!.length;
  });
  view.setUint32(at, 0x06054b50, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, at - centralStart, true);
  view.setUint32(at + 16, centralStart, true);
  return out;
}
