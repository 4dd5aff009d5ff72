import { describe, expect, it } from 'vitest';
import { generateDemoDataset } from '../data/demo.ts';
import { datasetFingerprint, loadFolder } from './dataset.ts';
import type { DatasetFile } from './protocol.ts';

/** A small native-layout folder as the file picker would hand it over. */
function folder(name: string, edit?: (files: DatasetFile[]) => DatasetFile[]): DatasetFile[] {
  const files = generateDemoDataset({ count: 6, size: 32, seed: 5 }).map((f) => ({
    path: `${name}/${f.path}`,
    file: new File([f.bytes as BlobPart], f.path.split('/').at(-1)!),
  }));
  return edit ? edit(files) : files;
}

describe('datasetFingerprint', () => {
  it('recognises the same folder and tells a changed one apart', async () => {
    const fingerprint = async (files: DatasetFile[]) => datasetFingerprint(await loadFolder(files));
    const original = await fingerprint(folder('ward'));
    expect(original).toMatch(/^[0-9a-f]{64}$/);
    // Same paths and sizes, handed over in another order: the same folder.
    expect(await fingerprint(folder('ward').reverse())).toBe(original);
    // A file removed, or one that changed size, is another folder.
    expect(await fingerprint(folder('ward', (f) => f.slice(1)))).not.toBe(original);
    const grown = folder('ward', (f) => f.map((x, i) => (i === 0 ? { ...x, file: new File([x.file, new Uint8Array(1)], x.file.name) } : x)));
    expect(await fingerprint(grown)).not.toBe(original);
  });
});
