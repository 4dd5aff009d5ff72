/**
 * Node adapter: a directory -> `DatasetEntry`s for src/data. Reads are lazy and ranged (scanning
 * 10,000 X-rays touches only their headers and trailers); nothing is ever opened for writing.
 * Symlinks are followed once per real directory so a link loop cannot hang the walk.
 */
import { open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DatasetEntry } from '../data/index.ts';

export async function entriesFromDirectory(dir: string): Promise<DatasetEntry[]> {
  const root = await realpath(dir);
  const info = await stat(root);
  if (!info.isDirectory()) throw new Error(`${dir} is not a directory; pass the dataset folder`);
  const entries: DatasetEntry[] = [];
  const seen = new Set<string>();
  async function walk(abs: string): Promise<void> {
    const real = await realpath(abs);
    if (seen.has(real)) return;
    seen.add(real);
    const children = await readdir(abs, { withFileTypes: true });
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) {
      const path = join(abs, child.name);
      let isDir = child.isDirectory();
      let isFile = child.isFile();
      if (child.isSymbolicLink()) {
        try {
          const target = await stat(path);
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch {
          continue; // dangling link
        }
      }
      if (isDir) await walk(path);
      else if (isFile) entries.push(fileEntry(path, relative(root, path).split(sep).join('/'), (await stat(path)).size));
    }
  }
  await walk(root);
  return entries;
}

export function fileEntry(absPath: string, relPath: string, size: number): DatasetEntry {
  return {
    path: relPath,
    size,
    async read() {
      const buf = await readFile(absPath);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
    async slice(start: number, end: number) {
      const from = Math.max(0, Math.min(start, size));
      const length = Math.max(0, Math.min(end, size) - from);
      const out = new Uint8Array(length);
      const handle = await open(absPath, 'r');
      try {
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(out, done, length - done, from + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return out.subarray(0, done);
      } finally {
        await handle.close();
      }
    },
  };
}
