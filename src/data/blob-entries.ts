/**
 * Entries from Blobs/Files, for the studio: a dropped folder (webkitRelativePath), a directory
 * input, or File System Access handles all end up as (relative path, File). Blob is a web standard
 * available in windows, workers and Node, so this stays DOM-free; Files can be posted to the
 * decoding worker, which reads them there, off the UI thread.
 */
import type { DatasetEntry } from './types.ts';

export function entriesFromBlobs(items: Iterable<{ path: string; blob: Blob }>): DatasetEntry[] {
  const out: DatasetEntry[] = [];
  for (const { path, blob } of items) {
    out.push({
      path: path.replace(/\\/g, '/').replace(/^\/+/, ''),
      size: blob.size,
      read: async () => new Uint8Array(await blob.arrayBuffer()),
      slice: async (start: number, end: number) => new Uint8Array(await blob.slice(start, end).arrayBuffer()),
    });
  }
  return out;
}
