/**
 * What every importer shares: recognising junk, indexing images by id, probing headers, checking
 * gaze against its image, assigning splits and class indices, and collecting problems. Importers
 * only turn their format's tables into candidates.
 */
import { probeImage } from '../decode/index.ts';
import { readPngHeader } from '../decode/png.ts';
import { mulberry32, shuffleInPlace } from '../rng.ts';
import type { Dataset, DatasetEntry, DatasetFormat, Problem, Sample, ScanOptions, Split } from '../types.ts';

export type Candidate = Omit<Sample, 'labelIndex' | 'split'> & { split?: Split };

export const IMAGE_EXTENSIONS = /\.(png|jpe?g|dcm|dicom)$/i;
const SYSTEM_FILES = /(^|\/)(\.DS_Store|Thumbs\.db|ehthumbs\.db|desktop\.ini|\._[^/]*|\.Spotlight-V100|\.Trashes)$|(^|\/)__MACOSX\//i;

export class Problems {
  readonly list: Problem[] = [];
  add(file: string, error: string): void {
    this.list.push({ file, error });
  }
}

/** The dataset seen from its root: a dropped folder usually arrives as "<folder>/images/...". */
export class DatasetView {
  readonly byPath = new Map<string, DatasetEntry>();
  readonly prefix: string;
  constructor(readonly entries: DatasetEntry[]) {
    for (const e of entries) this.byPath.set(e.path, e);
    this.prefix = commonRoot(entries.map((e) => e.path));
  }
  rel(path: string): string {
    return path.startsWith(this.prefix) ? path.slice(this.prefix.length) : path;
  }
  full(rel: string): string {
    return this.prefix + rel;
  }
  get(rel: string): DatasetEntry | undefined {
    return this.byPath.get(this.full(rel));
  }
}

/**
 * The folders every path shares ("my-dataset/", or "download/my-dataset/" when a zip added a
 * wrapper), or '' when files sit at different roots. Stops at a layout folder: a dataset may
 * consist of nothing but images/.
 */
function commonRoot(paths: string[]): string {
  let prefix = '';
  for (;;) {
    let next: string | undefined;
    for (const p of paths) {
      const rest = p.slice(prefix.length);
      const cut = rest.indexOf('/');
      if (cut < 0) return prefix;
      const first = rest.slice(0, cut + 1);
      if (next === undefined) next = first;
      else if (next !== first) return prefix;
    }
    if (next === undefined || next === 'images/' || next === 'gaze/' || next === 'main_data/') return prefix;
    prefix += next;
  }
}

/** Drops junk with a problem each; returns the usable entries. */
export function screenEntries(entries: DatasetEntry[], problems: Problems): DatasetEntry[] {
  const usable: DatasetEntry[] = [];
  for (const e of entries) {
    if (SYSTEM_FILES.test(e.path)) problems.add(e.path, 'operating-system metadata file (.DS_Store, Thumbs.db, ._*), not data; ignored');
    else if (e.size === 0) problems.add(e.path, 'zero-byte file; ignored. Copy it again from the source');
    else usable.push(e);
  }
  return usable;
}

export function stem(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Image files by file name without extension, for formats that name images by DICOM id. */
export function indexImagesByStem(entries: DatasetEntry[]): Map<string, DatasetEntry[]> {
  const index = new Map<string, DatasetEntry[]>();
  for (const e of entries) {
    if (!IMAGE_EXTENSIONS.test(e.path)) continue;
    const key = stem(e.path);
    const list = index.get(key);
    if (list) list.push(e);
    else index.set(key, [e]);
  }
  return index;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

const MAX_ROW_PROBLEMS_PER_FILE = 20;

/**
 * Probes every image header (dimensions, truncation, absurd sizes), validates gaze against the
 * image, drops what cannot be used with a problem each, assigns splits and class indices.
 */
export async function finalise(
  format: DatasetFormat,
  candidates: Candidate[],
  view: DatasetView,
  problems: Problems,
  options: ScanOptions,
): Promise<Dataset> {
  const probed = await mapLimit(candidates, 16, async (c) => {
    const entry = view.byPath.get(c.imagePath);
    if (!entry) {
      problems.add(c.imagePath, 'image listed but not found in the dropped folder; add the file or remove the row');
      return null;
    }
    try {
      const header = await probeImage(entry);
      c.width = header.width;
      c.height = header.height;
    } catch (err) {
      problems.add(c.imagePath, (err as Error).message);
      return null;
    }
    if (c.gaze) await checkGaze(c, view, problems);
    return c;
  });
  const kept = probed.filter((c): c is Candidate => c !== null);
  const classNames = [...new Set(kept.map((c) => c.label))].sort((a, b) => a.localeCompare(b));
  const splits = assignSplits(kept, options);
  const samples: Sample[] = kept.map((c, i) => ({ ...c, labelIndex: classNames.indexOf(c.label), split: splits[i] }));
  return { format, classNames, samples, problems: problems.list };
}

async function checkGaze(c: Candidate, view: DatasetView, problems: Problems): Promise<void> {
  const gaze = c.gaze!;
  const w = c.width!;
  const h = c.height!;
  if (gaze.kind === 'heatmap') {
    const entry = view.byPath.get(gaze.path);
    try {
      if (!entry) throw new Error('heatmap file missing');
      const header = await probeImage(entry);
      if (header.format !== 'png') throw new Error(`heatmap must be a grayscale PNG, got ${header.format.toUpperCase()}`);
      // Any size is accepted as long as it covers the image's geometry: only the aspect ratio must agree.
      const ratioImage = w / h;
      const ratioMap = header.width / header.height;
      if (Math.abs(ratioMap / ratioImage - 1) > 0.02) {
        problems.add(gaze.path, `heatmap size mismatch: ${header.width}x${header.height} does not match the aspect ratio of its image ${c.imagePath} (${w}x${h}); gaze ignored for this image. Re-render the heatmap at the image size`);
        delete c.gaze;
        return;
      }
      const png = readPngHeader(await readHead(entry));
      if (png.channels >= 3) {
        problems.add(gaze.path, 'heatmap is RGB, not grayscale; converted by averaging the channels. Colour-mapped heatmaps (jet, viridis) do not convert meaningfully: save the raw intensity as a grayscale PNG');
      }
    } catch (err) {
      problems.add(gaze.path, `heatmap unusable (${(err as Error).message}); gaze ignored for this image`);
      delete c.gaze;
    }
    return;
  }
  // Fixations: coordinates must land on the image (in the fixation frame when it has one).
  const frameH = gaze.frame?.height ?? h;
  const frameW = gaze.frame?.width ?? (gaze.frame ? (w * frameH) / h : w);
  let outside = 0;
  const kept = gaze.fixations.filter((f) => {
    // Edge-inclusive: MicEye clamps gaze to [0, width] x [0, height].
    const ok = f.x >= 0 && f.y >= 0 && f.x <= frameW && f.y <= frameH;
    if (!ok) {
      outside++;
      if (outside <= MAX_ROW_PROBLEMS_PER_FILE) {
        const where = f.line !== undefined ? `line ${f.line}: ` : '';
        problems.add(gaze.path, `${where}fixation (${f.x}, ${f.y}) lies outside the ${Math.round(frameW)}x${Math.round(frameH)} image ${c.imagePath}; fixation ignored`);
      }
    }
    return ok;
  });
  if (outside > MAX_ROW_PROBLEMS_PER_FILE) {
    problems.add(gaze.path, `${outside - MAX_ROW_PROBLEMS_PER_FILE} more fixations outside ${c.imagePath} (not listed one by one); check the coordinates are in original image pixels`);
  }
  gaze.fixations = kept;
  if (kept.length === 0) {
    if (outside > 0) problems.add(gaze.path, `no fixation of ${c.imagePath} lies on the image; gaze ignored for this image`);
    delete c.gaze;
  }
}

async function readHead(entry: DatasetEntry): Promise<Uint8Array> {
  return entry.slice ? entry.slice(0, 64) : (await entry.read()).subarray(0, 64);
}

/**
 * Seeded, stratified 80/10/10 split for candidates without one, at patient level when patients are
 * known (all images of one patient land in one split, so validation never sees a training patient).
 */
export function assignSplits(candidates: Candidate[], options: ScanOptions): Split[] {
  const splits: Split[] = candidates.map((c) => c.split ?? 'train');
  const todo = candidates.map((_c, i) => i).filter((i) => !candidates[i].split);
  if (todo.length === 0) return splits;
  const fractions = options.splitFractions ?? { train: 0.8, val: 0.1, test: 0.1 };
  const total = fractions.train + fractions.val + fractions.test;
  const groups = new Map<string, number[]>();
  for (const i of todo) {
    const c = candidates[i];
    const key = c.patient ? `patient:${c.patient}` : `sample:${c.id}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  // Stratify by each group's majority label; groups are ordered by key first so the result does not
  // depend on the order the file system listed the files in.
  const strata = new Map<string, string[]>();
  for (const [key, members] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const counts = new Map<string, number>();
    for (const i of members) counts.set(candidates[i].label, (counts.get(candidates[i].label) ?? 0) + 1);
    const label = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
    const list = strata.get(label);
    if (list) list.push(key);
    else strata.set(label, [key]);
  }
  const rand = mulberry32(options.seed ?? 0);
  for (const label of [...strata.keys()].sort()) {
    const keys = shuffleInPlace(strata.get(label)!, rand);
    const n = keys.length;
    let nVal = Math.round((n * fractions.val) / total);
    let nTest = Math.round((n * fractions.test) / total);
    if (n - nVal - nTest < 1) {
      nVal = Math.min(nVal, Math.max(0, n - 1));
      nTest = Math.min(nTest, Math.max(0, n - 1 - nVal));
    }
    keys.forEach((key, k) => {
      const split: Split = k < nVal ? 'val' : k < nVal + nTest ? 'test' : 'train';
      for (const i of groups.get(key)!) splits[i] = split;
    });
  }
  return splits;
}

export function parseSplitValue(raw: string): Split | undefined {
  const v = raw.trim().toLowerCase();
  if (v === 'train' || v === 'training') return 'train';
  if (v === 'val' || v === 'valid' || v === 'validate' || v === 'validation') return 'val';
  if (v === 'test' || v === 'testing') return 'test';
  return undefined;
}
