/**
 * NumPy .npy v1.0 writer for float32 arrays (C order), so `np.load` reads our predictions directly.
 * Format: magic "\x93NUMPY", version 1.0, u16 LE header length, a Python dict literal padded with
 * spaces and a newline so the data starts on a 64-byte boundary.
 */
export function encodeNpyFloat32(values: Float32Array, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length) throw new Error(`npy: shape [${shape}] holds ${count} values, got ${values.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const preamble = 10; // magic (6) + version (2) + header length (2)
  const padded = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(padded - preamble - 1, ' ') + '\n';
  const out = new Uint8Array(padded + values.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), preamble);
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), padded);
  return out;
}
