/**
 * The native layout (DESIGN.md section 2):
 *   images/<label>/<id>.png|jpg|jpeg|dcm   (any depth below <label>; DICOMs may lack an extension)
 *   gaze/<label>/<id>.png (heatmap) | gaze/<label>/<id>.csv (x,y[,duration] in image pixels)
 *   labels.csv (image,label[,patient]) instead of class folders; split.csv (image,split)
 * A sample's id is its path below images/ without extension; its gaze file has the same id below
 * gaze/. Extra columns of labels.csv and split.csv travel along as `meta` (the demo's shortcut
 * bookkeeping uses this).
 */
import { column, num, parseCsv } from '../csv.ts';
import type { Dataset, DatasetEntry, Fixation, ScanOptions, Split } from '../types.ts';
import { finalise, IMAGE_EXTENSIONS, parseSplitValue, readText, type Candidate, type DatasetView, type Problems } from './common.ts';

const ROOT_DOCS = /^[^/]+\.(md|txt|json|pdf|html?)$|^(README|LICENSE|NOTICE)[^/]*$/i;

function idOf(relUnder: string): string {
  const slash = relUnder.lastIndexOf('/');
  const dot = relUnder.lastIndexOf('.');
  return dot > slash + 1 ? relUnder.slice(0, dot) : relUnder;
}

/** `images/opacity/0001.png`, `opacity/0001.png` and `./images/...` all name the same image. */
function normaliseImageRef(ref: string): string {
  let r = ref.trim().replace(/\\/g, '/').replace(/^\.\//, '');
  if (!r.startsWith('images/')) r = 'images/' + r;
  return r;
}

interface TableRow {
  line: number;
  value: string;
  extra: Record<string, string>;
  patient?: string;
}

async function readKeyedTable(
  entry: DatasetEntry,
  rel: string,
  valueNames: string[],
  problems: Problems,
): Promise<Map<string, TableRow> | undefined> {
  const text = await readText(entry, problems, 'table');
  if (text === undefined) return undefined;
  const table = parseCsv(text);
  for (const e of table.errors) problems.add(rel, e.error);
  const imageCol = table.header.findIndex((h) => /^(image|path|file|filename)$/i.test(h));
  const valueCol = column(table.header, ...valueNames);
  if (imageCol < 0 || valueCol < 0) {
    problems.add(rel, `line 1: header must name an 'image' column and a '${valueNames[0]}' column, found [${table.header.join(', ')}]; file ignored`);
    return undefined;
  }
  const patientCol = column(table.header, 'patient', 'patient_id', 'subject_id');
  const out = new Map<string, TableRow>();
  for (const row of table.rows) {
    if (row.fields.length !== table.header.length) {
      problems.add(rel, `line ${row.line}: ${row.fields.length} fields, header has ${table.header.length}; row ignored`);
      continue;
    }
    const image = row.fields[imageCol].trim();
    const value = row.fields[valueCol].trim();
    if (!image || !value) {
      problems.add(rel, `line ${row.line}: empty ${!image ? 'image' : valueNames[0]} field; row ignored`);
      continue;
    }
    const key = normaliseImageRef(image);
    if (out.has(key)) {
      problems.add(rel, `line ${row.line}: duplicate id ${image} (first on line ${out.get(key)!.line}); this row ignored`);
      continue;
    }
    const extra: Record<string, string> = {};
    table.header.forEach((h, i) => {
      if (i !== imageCol && i !== valueCol && i !== patientCol) extra[h] = row.fields[i].trim();
    });
    out.set(key, { line: row.line, value, extra, patient: patientCol >= 0 ? row.fields[patientCol].trim() || undefined : undefined });
  }
  return out;
}

export function parseFixationCsv(text: string, rel: string, problems: Problems): Fixation[] {
  const table = parseCsv(text);
  for (const e of table.errors) problems.add(rel, e.error);
  let rows = table.rows;
  let header = table.header;
  // The header is optional: "x,y[,duration]" or bare numbers.
  if (header.length > 0 && num(header[0]) !== undefined) {
    rows = [{ line: 1, fields: header }, ...rows];
    header = ['x', 'y', 'duration'].slice(0, header.length);
  }
  const xCol = column(header, 'x', 'x_position', 'fixation_x');
  const yCol = column(header, 'y', 'y_position', 'fixation_y');
  const dCol = column(header, 'duration', 'duration_s', 'duration_ms', 'dur');
  if (xCol < 0 || yCol < 0) {
    problems.add(rel, `line 1: fixation CSV needs columns x,y[,duration], found [${header.join(', ')}]; gaze ignored`);
    return [];
  }
  const fixations: Fixation[] = [];
  for (const row of rows) {
    const x = num(row.fields[xCol]);
    const y = num(row.fields[yCol]);
    const d = dCol >= 0 ? num(row.fields[dCol]) : undefined;
    if (x === undefined || y === undefined || (dCol >= 0 && row.fields[dCol]?.trim() && (d === undefined || d < 0))) {
      problems.add(rel, `line ${row.line}: malformed fixation row "${row.fields.join(',')}" (numbers x,y[,duration>=0] expected); row ignored`);
      continue;
    }
    fixations.push({ x, y, durationS: d, line: row.line });
  }
  return fixations;
}

export async function scanNative(entries: DatasetEntry[], view: DatasetView, problems: Problems, options: ScanOptions): Promise<Dataset> {
  const labelsEntry = view.get('labels.csv');
  const splitEntry = view.get('split.csv');
  const labels = labelsEntry ? await readKeyedTable(labelsEntry, labelsEntry.path, ['label', 'class'], problems) : undefined;
  const splits = splitEntry ? await readKeyedTable(splitEntry, splitEntry.path, ['split'], problems) : undefined;

  const images = new Map<string, Candidate>();
  const gazeFiles = new Map<string, DatasetEntry[]>();
  for (const entry of entries) {
    const rel = view.rel(entry.path);
    if (rel === 'labels.csv' || rel === 'split.csv') continue;
    if (rel.startsWith('images/')) {
      const under = rel.slice('images/'.length);
      const base = under.slice(under.lastIndexOf('/') + 1);
      if (!IMAGE_EXTENSIONS.test(base) && base.includes('.')) {
        problems.add(entry.path, 'not an image (PNG, JPEG or DICOM expected below images/); ignored');
        continue;
      }
      const id = idOf(under);
      const existing = images.get(id);
      if (existing) {
        problems.add(entry.path, `duplicate id ${id}: ${existing.imagePath} has the same id; this file ignored. Rename one of them`);
        continue;
      }
      images.set(id, { id, imagePath: entry.path, label: '' });
    } else if (rel.startsWith('gaze/')) {
      const under = rel.slice('gaze/'.length);
      if (!/\.(png|csv)$/i.test(under)) {
        problems.add(entry.path, 'not a gaze file (heatmap .png or fixation .csv expected below gaze/); ignored');
        continue;
      }
      const id = idOf(under);
      const list = gazeFiles.get(id);
      if (list) list.push(entry);
      else gazeFiles.set(id, [entry]);
    } else if (!ROOT_DOCS.test(rel)) {
      problems.add(entry.path, 'not part of the dataset layout (images/, gaze/, labels.csv, split.csv); ignored');
    }
  }

  const candidates: Candidate[] = [];
  const usedLabelRows = new Set<string>();
  const usedSplitRows = new Set<string>();
  for (const c of images.values()) {
    const rel = view.rel(c.imagePath);
    const under = rel.slice('images/'.length);
    const labelKey = labels?.has(rel) ? rel : normaliseImageRef(idOf(under));
    const row = labels?.get(labelKey);
    const folderLabel = under.includes('/') ? under.slice(0, under.indexOf('/')) : undefined;
    if (row) {
      usedLabelRows.add(labelKey);
      c.label = row.value;
      c.patient = row.patient;
      if (Object.keys(row.extra).length) c.meta = { ...row.extra };
    } else if (folderLabel) {
      c.label = folderLabel;
    } else {
      problems.add(c.imagePath, `image without label: not in labels.csv and not inside a class folder (images/<label>/...); ignored`);
      continue;
    }
    const splitKey = splits?.has(rel) ? rel : normaliseImageRef(idOf(under));
    const splitRow = splits?.get(splitKey);
    if (splitRow) {
      usedSplitRows.add(splitKey);
      const split: Split | undefined = parseSplitValue(splitRow.value);
      if (split) c.split = split;
      else problems.add(splitEntry!.path, `line ${splitRow.line}: split "${splitRow.value}" is not train, val or test; ${c.id} gets the seeded split`);
      if (Object.keys(splitRow.extra).length) c.meta = { ...(c.meta ?? {}), ...splitRow.extra };
    }
    const gaze = gazeFiles.get(c.id);
    if (gaze) {
      gazeFiles.delete(c.id);
      const heatmap = gaze.find((g) => /\.png$/i.test(g.path));
      const chosen = heatmap ?? gaze[0];
      for (const other of gaze) {
        if (other !== chosen) problems.add(other.path, `duplicate gaze for ${c.id}: ${chosen.path} is used; this file ignored`);
      }
      if (/\.png$/i.test(chosen.path)) c.gaze = { kind: 'heatmap', path: chosen.path };
      else {
        const text = await readText(chosen, problems, 'fixation CSV');
        if (text !== undefined) {
          const fixations = parseFixationCsv(text, chosen.path, problems);
          if (fixations.length) c.gaze = { kind: 'fixations', path: chosen.path, fixations, sigmaImagePx: options.gazeSigmaPx };
          else problems.add(chosen.path, `no usable fixation rows; ${c.id} has no gaze`);
        }
      }
    }
    candidates.push(c);
  }
  for (const [id, files] of gazeFiles) {
    for (const f of files) problems.add(f.path, `gaze without image: no images/${id}.* to go with it; ignored`);
  }
  if (labels) {
    for (const [key, row] of labels) {
      if (!usedLabelRows.has(key)) problems.add(labelsEntry!.path, `line ${row.line}: ${key} not found in the dropped folder; row ignored`);
    }
  }
  if (splits) {
    for (const [key, row] of splits) {
      // A row whose image exists but was left out (no label, duplicate id) is covered by that image's own problem.
      if (!usedSplitRows.has(key) && !images.has(idOf(key.slice('images/'.length)))) {
        problems.add(splitEntry!.path, `line ${row.line}: ${key} is not in the dataset; row ignored. Add the image or remove the row`);
      }
    }
  }
  return finalise('native', candidates, view, problems, options);
}
