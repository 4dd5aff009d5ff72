import { describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError, loadedCodecBuilds, probeImage } from '../../src/data/index.ts';
import { TRANSFER_SYNTAX } from '../../src/data/decode/dicom.ts';
import { dicomSpecs, expectedGray, makeDicom, testPattern, DICOM_H, DICOM_W } from '../../scripts/make-data-fixtures.ts';

const entryOf = (path: string, bytes: Uint8Array) => ({ path, size: bytes.length, read: async () => bytes, slice: async (a: number, b: number) => bytes.subarray(a, b) });

describe('DICOM transfer syntaxes decode to the expected pixels', () => {
  for (const [name, spec] of Object.entries(dicomSpecs())) {
    it(`${name} (${spec.transferSyntax})`, async () => {
      const bytes = await makeDicom(spec);
      const header = await probeImage(entryOf(`${name}.dcm`, bytes));
      expect(header).toMatchObject({ format: 'dicom', width: DICOM_W, height: DICOM_H, transferSyntax: spec.transferSyntax });
      const image = await decodeImage(bytes, `${name}.dcm`);
      expect([image.width, image.height]).toEqual([DICOM_W, DICOM_H]);
      const expected = expectedGray(spec);
      // Lossless syntaxes must be exact; baseline JPEG at quality 100 is within a few grey levels.
      const tolerance = spec.transferSyntax === TRANSFER_SYNTAX.jpegBaseline ? 6 / 255 : 1e-5;
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(image.data[i] - expected[i]));
      expect(worst).toBeLessThanOrEqual(tolerance);
    });
  }

  it('runs the WebAssembly codec builds in Node (not the 10x slower asm.js fallback)', () => {
    expect(loadedCodecBuilds()).toEqual({ openjpeg: 'wasm', charls: 'wasm', 'libjpeg-turbo': 'wasm' });
  });

  it('MONOCHROME1 is inverted relative to MONOCHROME2', async () => {
    const base = { transferSyntax: TRANSFER_SYNTAX.explicitLittle, width: 8, height: 8, bitsAllocated: 16 as const, bitsStored: 12, pixels: testPattern(8, 8, 4095) };
    const m2 = await decodeImage(await makeDicom({ ...base, photometric: 'MONOCHROME2' }));
    const m1 = await decodeImage(await makeDicom({ ...base, photometric: 'MONOCHROME1' }));
    for (let i = 0; i < 64; i++) expect(m1.data[i]).toBeCloseTo(1 - m2.data[i], 6);
  });

  it('a truncated DICOM is caught from its header and trailer, and refused on decode', async () => {
    const bytes = await makeDicom({ transferSyntax: TRANSFER_SYNTAX.explicitLittle, width: 64, height: 64, bitsAllocated: 16, bitsStored: 12, pixels: testPattern(64, 64, 4095) });
    const cut = bytes.subarray(0, bytes.length - 1000);
    await expect(probeImage(entryOf('cut.dcm', cut))).rejects.toThrow(/truncated/);
    await expect(decodeImage(cut, 'cut.dcm')).rejects.toThrow(/truncated/);
    const rle = await makeDicom({ ...dicomSpecs().rle });
    await expect(probeImage(entryOf('cut-rle.dcm', rle.subarray(0, rle.length - 40)))).rejects.toThrow(/truncated/);
    const deflated = await makeDicom({ ...dicomSpecs().deflated });
    await expect(probeImage(entryOf('cut-deflated.dcm', deflated.subarray(0, deflated.length - 40)))).rejects.toThrow(/truncated/);
  });

  it('absurd dimensions are refused from the header without allocating them', async () => {
    const bytes = await makeDicom({ transferSyntax: TRANSFER_SYNTAX.explicitLittle, width: 4, height: 4, bitsAllocated: 16, bitsStored: 12, pixels: testPattern(4, 4, 4095) });
    // Rewrite Rows (0028,0010) in place to 65535.
    const rowsTag = [0x28, 0x00, 0x10, 0x00, 0x55, 0x53, 0x02, 0x00];
    const at = bytes.findIndex((_, i) => rowsTag.every((b, k) => bytes[i + k] === b));
    bytes[at + 8] = 0xff;
    bytes[at + 9] = 0xff;
    const cols = [0x28, 0x00, 0x11, 0x00, 0x55, 0x53, 0x02, 0x00];
    const at2 = bytes.findIndex((_, i) => cols.every((b, k) => bytes[i + k] === b));
    bytes[at2 + 8] = 0xff;
    bytes[at2 + 9] = 0xff;
    await expect(probeImage(entryOf('huge.dcm', bytes))).rejects.toThrow(/absurd dimensions 65535x65535/);
    const err = await decodeImage(bytes, 'huge.dcm').catch((e) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect(err.message).toMatch(/refused before decoding/);
  });

  it('reads a bare dataset without preamble and file meta as implicit little endian', async () => {
    const spec = { transferSyntax: TRANSFER_SYNTAX.implicitLittle, width: 6, height: 5, bitsAllocated: 16 as const, bitsStored: 12, pixels: testPattern(6, 5, 4095) };
    const part10 = await makeDicom(spec);
    const metaLength = new DataView(part10.buffer, part10.byteOffset).getUint32(140, true);
    const bare = part10.subarray(144 + metaLength);
    const image = await decodeImage(bare, 'bare.dcm');
    const expected = expectedGray(spec);
    for (let i = 0; i < expected.length; i++) expect(image.data[i]).toBeCloseTo(expected[i], 5);
  });

  it('an unsupported transfer syntax says what to do', async () => {
    const bytes = await makeDicom({ transferSyntax: TRANSFER_SYNTAX.explicitLittle, width: 4, height: 4, bitsAllocated: 16, bitsStored: 12, pixels: testPattern(4, 4, 4095) });
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf(TRANSFER_SYNTAX.explicitLittle + '\0');
    const patched = bytes.slice();
    patched.set(new TextEncoder().encode('1.2.840.10008.1.2.4.51'.padEnd(20, '\0').slice(0, 20)), at);
    await expect(decodeImage(patched, 'x.dcm')).rejects.toThrow(/not supported/);
  });
});
