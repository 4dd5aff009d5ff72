/**
 * Browser side of bench-ingest-browser.ts: runs in a dedicated Worker (as the studio decodes off
 * the UI thread), reads the dataset over HTTP with ranged requests (standing in for File.slice),
 * scans, decodes + preprocesses everything into the compact cache, and posts the timings.
 */
import { decodeImage, preprocessDataset, resizeGray, scanDataset, type DatasetEntry } from '../src/data/index.ts';

interface Job {
  files: { path: string; size: number }[];
  trainSize: number;
}

function httpEntry(path: string, size: number): DatasetEntry {
  const url = `/data/${path}`;
  return {
    path,
    size,
    read: async () => new Uint8Array(await (await fetch(url)).arrayBuffer()),
    slice: async (start: number, end: number) => new Uint8Array(await (await fetch(url, { headers: { Range: `bytes=${start}-${Math.min(end, size) - 1}` } })).arrayBuffer()),
  };
}

self.onmessage = async (event: MessageEvent<Job>) => {
  try {
    const { files, trainSize } = event.data;
    const entries = files.map((f) => httpEntry(f.path, f.size));
    const t0 = performance.now();
    const ds = await scanDataset(entries);
    const scanS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    let last = t1;
    const cache = await preprocessDataset(ds, new Map(entries.map((e) => [e.path, e])), trainSize, {
      concurrency: 2,
      onProgress(done, total) {
        if (performance.now() - last > 10_000) {
          last = performance.now();
          (self as unknown as Worker).postMessage({ progress: `${done}/${total}` });
        }
      },
    });
    const preprocessS = (performance.now() - t1) / 1000;
    // Where one image's time goes (mean over the first 10): read, decode, resize.
    const split = { readMs: 0, decodeMs: 0, resizeMs: 0 };
    const probe = entries.slice(0, 10);
    for (const e of probe) {
      let t = performance.now();
      const bytes = await e.read();
      split.readMs += performance.now() - t;
      t = performance.now();
      const img = await decodeImage(bytes, e.path);
      split.decodeMs += performance.now() - t;
      t = performance.now();
      resizeGray(img.data, img.width, img.height, trainSize, trainSize);
      split.resizeMs += performance.now() - t;
    }
    for (const k of Object.keys(split) as (keyof typeof split)[]) split[k] = Math.round(split[k] / probe.length);
    (self as unknown as Worker).postMessage({
      result: { images: cache.samples.length, problems: ds.problems.length + cache.problems.length, scanS, preprocessS, cacheMB: cache.byteLength / 2 ** 20, perImageMs: split },
    });
  } catch (err) {
    (self as unknown as Worker).postMessage({ error: String((err as Error).stack ?? err) });
  }
};
