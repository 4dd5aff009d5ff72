import { describe, expect, it } from 'vitest';
import {
  SafetensorsFormatError,
  f32Tensor,
  i64Tensor,
  parseSafetensors,
  serializeSafetensors,
  toFloat32,
  toIntegers,
} from '../../src/engine/io/index.ts';

function headerOf(bytes: Uint8Array): { len: number; json: Record<string, unknown> } {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { len, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) };
}

describe('safetensors', () => {
  it('round-trips F32, 0-d I64 and metadata, with an 8-aligned, space-padded header', () => {
    const bytes = serializeSafetensors(
      [
        ['conv.weight', f32Tensor([2, 3], new Float32Array([1, -2, 3.5, 0, 1e-8, -7]))],
        ['bn.num_batches_tracked', i64Tensor([], [42])],
        ['empty', f32Tensor([0, 4], new Float32Array(0))],
      ],
      { format: 'pt', note: 'hello' },
    );
    const { len, json } = headerOf(bytes);
    expect(len % 8).toBe(0);
    expect(json.__metadata__).toEqual({ format: 'pt', note: 'hello' });
    expect(json['conv.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(json['bn.num_batches_tracked']).toEqual({ dtype: 'I64', shape: [], data_offsets: [24, 32] });
    expect(bytes.length).toBe(8 + len + 32);

    const parsed = parseSafetensors(bytes);
    expect([...parsed.tensors.keys()]).toEqual(['conv.weight', 'bn.num_batches_tracked', 'empty']);
    expect(parsed.metadata).toEqual({ format: 'pt', note: 'hello' });
    expect(Array.from(toFloat32(parsed.tensors.get('conv.weight')!))).toEqual(Array.from(new Float32Array([1, -2, 3.5, 0, 1e-8, -7])));
    expect(toIntegers(parsed.tensors.get('bn.num_batches_tracked')!)).toEqual([42]);
    expect(parsed.tensors.get('empty')!.shape).toEqual([0, 4]);
  });

  it('reads a file whose data section starts unaligned (copies each tensor)', () => {
    const bytes = serializeSafetensors([['x', f32Tensor([3], new Float32Array([1, 2, 3]))]]);
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect(Array.from(toFloat32(parseSafetensors(shifted).tensors.get('x')!))).toEqual([1, 2, 3]);
  });

  it('converts F16, BF16 and F64 to float32', () => {
    // 1.5 in F16 is 0x3e00; -2 in BF16 is 0xc000; both little-endian.
    const f16 = { dtype: 'F16' as const, shape: [2], data: new Uint8Array([0x00, 0x3e, 0x00, 0x3c]) };
    const bf16 = { dtype: 'BF16' as const, shape: [1], data: new Uint8Array([0x00, 0xc0]) };
    const f64 = { dtype: 'F64' as const, shape: [1], data: new Uint8Array(new Float64Array([0.25]).buffer) };
    expect(Array.from(toFloat32(f16))).toEqual([1.5, 1]);
    expect(Array.from(toFloat32(bf16))).toEqual([-2]);
    expect(Array.from(toFloat32(f64))).toEqual([0.25]);
  });

  it('rejects broken files with a specific error', () => {
    const good = serializeSafetensors([['x', f32Tensor([4], new Float32Array(4))]]);
    expect(() => parseSafetensors(new Uint8Array(4))).toThrow(SafetensorsFormatError);
    expect(() => parseSafetensors(good.subarray(0, good.length - 1))).toThrow(/truncated/);
    const lying = new Uint8Array(good);
    new DataView(lying.buffer).setBigUint64(0, 10n ** 12n, true);
    expect(() => parseSafetensors(lying)).toThrow(/does not fit/);

    const craft = (header: object, dataBytes: number) => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + dataBytes);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    expect(() => parseSafetensors(craft({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4))).toThrow(/needs 8 bytes/);
    expect(() => parseSafetensors(craft({ x: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, 1))).toThrow(/unsupported dtype/);
    expect(() =>
      parseSafetensors(craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8)),
    ).toThrow(/overlap/);
    expect(() => parseSafetensors(craft({ __metadata__: { n: 3 } }, 0))).toThrow(/must be a string/);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => serializeSafetensors([['x', f32Tensor([3], new Float32Array(2))]])).toThrow(/needs 12 bytes/);
    expect(() => serializeSafetensors([['x', f32Tensor([1], new Float32Array(1))], ['x', f32Tensor([1], new Float32Array(1))]])).toThrow(/Duplicate/);
  });
});
