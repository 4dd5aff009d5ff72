/**
 * What every importer shares: recognising junk, indexing images by id, probing headers, checking
 * gaze against its image, assigning splits and class indices, and collecting problems. Importers
 * only turn their format's tables into candidates.
 */
import { decodeText } from '../csv.ts';
import { ImageDecodeError, probeImage } from '../decode/index.ts';
import { readPngHeader } from '../decode/png.ts';
import { withTimeLimit } from '../decode/types.ts';
import { mulberry32, shuffleInPlace } from '../../util/rng.ts';
import type { Dataset, DatasetEntry, DatasetFormat, Problem, Sample, ScanOptions, Split } from '../types.ts';

export type Candidate = Omit<Sample, 'labelIndex' | 'split'> & { split?: Split };

export const IMAGE_EXTENSIONS = /\.(png|jpe?g|dcm|dicom)$/i;
const SYSTEM_FILES = /(^|\/)(\.DS_Store|Thumbs\.db|ehthumbs\.db|desktop\.ini|\._[^/]*|\.Spotlight-V100|\.Trashes)$|(^|\/)__MACOSX\//i;

/** Problems listed per file before the rest are summed up in one line (a garbage CSV of a million
 * rows must not produce a million-line report). */
export const MAX_PROBLEMS_PER_FILE = 50;

export class Problems {
  readonly list: Problem[] = [];
  private readonly perFile = new Map<string, number>();
  add(file: string, error: string): void {
    const n = (this.perFile.get(file) ?? 0) + 1;
    this.perFile.set(file, n);
    if (n <= MAX_PROBLEMS_PER_FILE) this.list.push({ file, error });
  }
  /** Appends one summary line per file whose problems were cut short; call once, at the end. */
  summarise(): Problem[] {
    for (const [file, n] of this.perFile) {
      if (n > MAX_PROBLEMS_PER_FILE) this.list.push({ file, error: `${n - MAX_PROBLEMS_PER_FILE} more problems in this file (not listed one by one); fix the ones above and scan again` });
    }
    this.perFile.clear();
    return this.list;
  }
}

/** Text files larger than this are refused rather than read whole (a JavaScript string cannot hold
 * more than about 512 M characters, and no gaze table of a public dataset comes close). */
export const MAX_TEXT_BYTES = 256 * 1024 * 1024;

/**
 * A CSV or JSON file as text, or undefined with a problem when it cannot be read (unreadable, too
 * large, a read that never finishes). Scans never throw on a file the user dropped.
 */
export async function readText(entry: DatasetEntry, problems: Problems, whatFor: string, maxBytes = MAX_TEXT_BYTES): Promise<string | undefined> {
  if (entry.size > maxBytes) {
    problems.add(entry.path, `${(entry.size / 1048576).toFixed(0)} MB is too large for a ${whatFor} (limit ${maxBytes / 1048576} MB); file ignored. Split it or remove what is not needed`);
    return undefined;
  }
  try {
    return decodeText(await withTimeLimit(entry.read(), `reading this ${whatFor}`));
  } catch (err) {
    problems.add(entry.path, reasonOf(err));
    return undefined;
  }
}

/** The first `bytes` of a file as text, or '' when it cannot be read (format sniffing only). */
export async function readHeadText(entry: DatasetEntry, bytes: number): Promise<string> {
  try {
    const head = entry.slice ? await withTimeLimit(entry.slice(0, bytes), 'reading') : (await withTimeLimit(entry.read(), 'reading')).subarray(0, bytes);
    return decodeText(head);
  } catch {
    return '';
  }
}

/**
 * The message of an error caught while reading a user's file. Our own errors already say what is
 * wrong and what to do; anything else is a bug in the reader, and says so rather than posing as a
 * verdict on the file.
 */
export function reasonOf(err: unknown): string {
  if (err instanceof ImageDecodeError) return err.message;
  const e = err as Error | undefined;
  if (e && e.constructor === Error && e.message) return e.message; // adapters' plain errors (file system reasons)
  // A browser's File read fails with a DOMException (NotReadableError, NotFoundError).
  if (typeof DOMException === 'function' && err instanceof DOMException) {
    return `the file could not be read (${err.name}: ${err.message}); it may have been moved or changed since it was picked. Pick the folder again`;
  }
  return `internal error while reading this file (${e?.name ?? 'Error'}: ${e?.message ?? String(err)}); please report it with the file if you can share it`;
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

/**
 * Drops junk with a problem each; returns the usable entries. Also where adapters' findings
 * (unreadable files, odd names) become problems, and where two entries with one path (a browser
 * that decoded two different non-UTF-8 names to the same text) are kept apart: the first is used.
 */
export function screenEntries(entries: DatasetEntry[], problems: Problems): DatasetEntry[] {
  const usable: DatasetEntry[] = [];
  const paths = new Set<string>();
  for (const e of entries) {
    if (e.unusable !== undefined) problems.add(e.path, e.unusable);
    else if (SYSTEM_FILES.test(e.path)) problems.add(e.path, 'operating-system metadata file (.DS_Store, Thumbs.db, ._*), not data; ignored');
    else if (paths.has(e.path)) problems.add(e.path, 'another file has the same path (their names differ only in characters that could not be decoded); this one ignored. Rename the files to UTF-8 names');
    else if (e.size === 0) problems.add(e.path, 'zero-byte file; ignored. Copy it again from the source');
    else {
      paths.add(e.path);
      if (e.notice !== undefined) problems.add(e.path, e.notice);
      else if (e.path.includes('\uFFFD')) problems.add(e.path, 'file name holds bytes that are not UTF-8, shown as \uFFFD by the browser; used under that name. Rename it to a UTF-8 name so CSV files can refer to it');
      usable.push(e);
    }
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
      problems.add(c.imagePath, reasonOf(err));
      return null;
    }
    if (c.gaze) await checkGaze(c, view, problems);
    return c;
  });
  const kept = probed.filter((c): c is Candidate => c !== null);
  const classNames = [...new Set(kept.map((c) => c.label))].sort((a, b) => a.localeCompare(b));
  const splits = assignSplits(kept, options);
  const samples: Sample[] = kept.map((c, i) => ({ ...c, labelIndex: classNames.indexOf(c.label), split: splits[i] }));
  return { format, classNames, samples, problems: problems.summarise() };
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
      problems.add(gaze.path, `heatmap unusable (${reasonOf(err)}); gaze ignored for this image`);
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
  return withTimeLimit(entry.slice ? entry.slice(0, 64) : entry.read().then((b) => b.subarray(0, 64)), 'reading the heatmap');
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
