/**
 * Turns what the user dropped or picked into `DatasetFile`s with their paths. A dropped folder
 * arrives as directory entries (only the entry API can walk it); a picked folder arrives as a flat
 * FileList with `webkitRelativePath`.
 */
import type { DatasetFile } from '../worker/protocol.ts';

// File names reach us as the browser decoded them. Chromium leaves a file whose name is not valid
// UTF-8 (a Latin-1 byte from an old Windows archive) out of a picked folder's FileList altogether,
// so the studio cannot report it; a table row naming it is reported with its line instead
// (e2e/dataset_names.spec.ts). Browsers that hand over U+FFFD are handled in src/data (screenEntries).
export function filesFromInput(list: FileList): DatasetFile[] {
  return Array.from(list, (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

function readAllEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries returns at most ~100 entries per call: keep calling until it returns none.
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, out: DatasetFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path: entry.fullPath.replace(/^\//, ''), file });
  } else if (entry.isDirectory) {
    for (const child of await readAllEntries((entry as FileSystemDirectoryEntry).createReader())) {
      await walk(child, out);
    }
  }
}

export async function filesFromDrop(transfer: DataTransfer): Promise<DatasetFile[]> {
  // Entries must be taken synchronously, before the first await: the DataTransfer empties after.
  const entries = Array.from(transfer.items, (item) => item.webkitGetAsEntry()).filter(
    (e): e is FileSystemEntry => e !== null,
  );
  // Without the entry API (or for files built by script) only the flat file list is there.
  const flat = entries.length === 0 ? Array.from(transfer.files) : [];
  const out: DatasetFile[] = flat.map((file) => ({ path: file.name, file }));
  for (const entry of entries) await walk(entry, out);
  return out;
}
